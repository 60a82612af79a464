"""A small synthetic benchmark table for examples and tests (no data files needed).

Accuracies are a smooth function of the operations plus seeded noise: 3x3 convolutions
help, ``none`` hurts; the attack columns are a shrunken copy of ``clean``. Rows are the
6,466 isomorphism classes of :meth:`pymoo_arnas.space.CellIndex.from_graph`.

>>> from pymoo_arnas.analysis.synthetic import synthetic_table
>>> t = synthetic_table()
>>> t.n_rows, t.columns
(6466, ('clean', 'pgd@Linf:1.0', 'pgd@Linf:8.0', 'fog'))
"""

from __future__ import annotations

import numpy as np

from pymoo_arnas.data.table import BenchmarkTable
from pymoo_arnas.space import CellIndex, decode


def synthetic_table(dataset: str = "toy", seed: int = 0) -> BenchmarkTable:
    """A :class:`BenchmarkTable` with columns ``clean, pgd@Linf:1.0, pgd@Linf:8.0, fog``."""
    index = CellIndex.from_graph()
    uids = index.uids.astype(np.int64)
    g = decode(index.index_to_code[uids])
    rng = np.random.default_rng(seed)
    weight = np.array([-0.08, 0.0, 0.03, 0.05, 0.01])
    clean = np.clip(0.8 + weight[g].sum(axis=1) / 3 + rng.normal(0, 0.02, len(uids)), 0, 1)
    pgd1 = np.clip(0.6 * clean + rng.normal(0, 0.02, len(uids)), 0, 1)
    pgd8 = np.clip(0.1 * clean + rng.normal(0, 0.01, len(uids)), 0, 1)
    fog = np.clip(0.9 * clean + rng.normal(0, 0.03, len(uids)), 0, 1)
    return BenchmarkTable(
        dataset=dataset, source="synthetic",
        columns=("clean", "pgd@Linf:1.0", "pgd@Linf:8.0", "fog"),
        values=np.column_stack([clean, pgd1, pgd8, fog]), uids=uids,
        code_to_row=BenchmarkTable.rows_from_uids(index, uids), index=index,
        epsilons={"pgd@Linf": (1.0, 8.0)},
    )


__all__ = ["synthetic_table"]
