"""A made-up benchmark table, built in code in milliseconds (no data files needed).

Use it to try the API without the real tables, and in tests of problem, operator, algorithm
and analysis *mechanics*, where the numbers themselves are not the subject. Its accuracies
are invented: never report them.

Examples
--------
>>> from pymoo_arnas.data import synthetic_table
>>> t = synthetic_table()
>>> t.dataset, t.n_rows, t.columns[:4]
('synthetic', 6466, ('clean', 'fgsm@Linf:0.5', 'fgsm@Linf:1.0', 'fgsm@Linf:8.0'))
>>> t.epsilons["pgd@Linf"]
(0.5, 1.0, 8.0)
"""

from __future__ import annotations

import numpy as np

from pymoo_arnas.data.table import BenchmarkTable
from pymoo_arnas.space import CellIndex

SYNTHETIC_EPSILONS = (0.5, 1.0, 8.0)
"""Attack strengths (units of 1/255) of the synthetic table's FGSM and PGD columns."""

SYNTHETIC_SEVERITIES = 5
"""Severities of the synthetic corruption ``fog`` (``fog:1`` .. ``fog:5``; ``fog``: their mean)."""


def synthetic_table(seed: int = 0, dataset: str = "synthetic") -> BenchmarkTable:
    """A made-up table with the real tables' shape: one row per isomorphism class.

    Accuracies grow with the number of convolutions in the cell (as real ones roughly do)
    plus seeded noise; attacks keep a share of the clean accuracy that is smaller for
    conv-heavy cells and shrinks with epsilon, PGD below FGSM, so ``clean`` against an attack
    has a real trade-off front (about ten cells), not a single best cell.

    Parameters
    ----------
    seed : int
        Seed of the noise; the same seed gives the same table.
    dataset : str
        The label stored as :attr:`BenchmarkTable.dataset` (``"cifar10"`` etc. give cost
        objectives their network).

    Returns
    -------
    BenchmarkTable
        6,466 rows; columns ``clean``; ``fgsm@Linf:<eps>`` and ``pgd@Linf:<eps>`` for ``eps``
        in :data:`SYNTHETIC_EPSILONS`; ``fog`` and ``fog:1`` .. ``fog:5``. The index is
        :meth:`CellIndex.from_graph` (index = genome code, uid = code of the class
        representative).
    """
    rng = np.random.default_rng(seed)
    index = CellIndex.from_graph()
    uids = index.uids.astype(np.int64)
    genomes = index.uid_to_genome(uids)
    n = len(uids)
    convs = (genomes == 2).sum(axis=1) + 2 * (genomes == 3).sum(axis=1)
    clean = np.clip(0.3 + 0.05 * convs + rng.normal(0.0, 0.05, n), 0.1, 0.95)
    # share of the clean accuracy an attack (or fog) leaves: lower for conv-heavy cells, so
    # clean and robust accuracy trade off as in the real tables
    kept = np.clip(0.95 - 0.04 * convs + rng.normal(0.0, 0.08, n), 0.05, 0.95)
    columns, blocks, epsilons = ["clean"], [clean], {}
    for attack, strength in (("fgsm@Linf", 0.5), ("pgd@Linf", 1.0)):
        epsilons[attack] = SYNTHETIC_EPSILONS
        for eps in SYNTHETIC_EPSILONS:
            columns.append(f"{attack}:{eps:.1f}")
            blocks.append(clean * kept ** (strength * np.sqrt(eps)))
    fog = clean[:, None] * np.sqrt(kept)[:, None] ** np.arange(1, SYNTHETIC_SEVERITIES + 1)
    columns += ["fog", *(f"fog:{s}" for s in range(1, SYNTHETIC_SEVERITIES + 1))]
    blocks += [fog.mean(axis=1), *fog.T]
    return BenchmarkTable(
        dataset=dataset,
        source="synthetic",
        columns=tuple(columns),
        values=np.column_stack(blocks),
        uids=uids,
        code_to_row=BenchmarkTable.rows_from_uids(index, uids),
        index=index,
        epsilons=epsilons,
    )


__all__ = ["SYNTHETIC_EPSILONS", "SYNTHETIC_SEVERITIES", "synthetic_table"]
