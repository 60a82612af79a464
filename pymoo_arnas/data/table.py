"""A benchmark table: one row per unique cell, one column per metric."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pymoo_arnas.space import GENOME_COLUMNS, N_CELLS, CellIndex, decode


@dataclass(frozen=True)
class BenchmarkTable:
    """Accuracies of every unique NAS-Bench-201 cell on one dataset.

    Attributes
    ----------
    dataset : str
        E.g. ``"cifar10"``.
    source : str
        Which benchmark the numbers come from (``"robustness-dataset"``, ``"nas-robbench-201"``).
    columns : tuple of str
        Metric names: ``"clean"``, ``"<attack>:<epsilon>"`` such as ``"pgd@Linf:1.0"``, and
        corruption names such as ``"fog"``.
    values : ndarray of float64, shape (n_rows, n_columns)
        Accuracies in ``[0, 1]``; NaN where the source has no value.
    uids : ndarray of int64, shape (n_rows,)
        The unique id (NAS-Bench-201 index of the class representative) of each row.
    code_to_row : ndarray of int32, shape (15625,)
        Row of each genome code (see :func:`pymoo_arnas.space.encode`).
    index : CellIndex
        Genome code / NAS-Bench-201 index / uid maps.
    epsilons : dict
        Attack name -> tuple of epsilons (units of 1/255) present in ``columns``.
    """

    dataset: str
    source: str
    columns: tuple
    values: np.ndarray
    uids: np.ndarray
    code_to_row: np.ndarray
    index: CellIndex
    epsilons: dict = field(default_factory=dict)
    aliases: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.values.shape != (len(self.uids), len(self.columns)):
            raise ValueError(
                f"values has shape {self.values.shape}; expected "
                f"({len(self.uids)}, {len(self.columns)}) for {len(self.uids)} uids and "
                f"{len(self.columns)} columns"
            )
        if self.code_to_row.shape != (N_CELLS,):
            raise ValueError(f"code_to_row must have shape ({N_CELLS},)")

    @property
    def n_rows(self) -> int:
        return len(self.uids)

    def column_index(self, name: str) -> int:
        """Position of the column ``name`` (aliases allowed); KeyError listing the columns."""
        name = self.aliases.get(name, name)
        try:
            return self.columns.index(name)
        except ValueError:
            raise KeyError(
                f"{name!r} is not a column of the {self.source} table for {self.dataset}; "
                f"columns: {', '.join(self.columns)}"
            ) from None

    def column(self, name: str) -> np.ndarray:
        """Accuracies ``(n_rows,)`` of one column."""
        return self.values[:, self.column_index(name)]

    def genomes(self) -> np.ndarray:
        """The representative genome of each row ``(n_rows, 6)``."""
        return decode(self.index.index_to_code[self.uids])

    def to_frame(self) -> pd.DataFrame:
        """The table as a DataFrame indexed by ``uid``, with ``arch`` genome columns ``x0..x5``."""
        g = self.genomes()
        df = pd.DataFrame(self.values, columns=list(self.columns))
        for i in range(g.shape[1]):
            df.insert(i, GENOME_COLUMNS[i], g[:, i])
        df.insert(0, "uid", self.uids)
        return df.set_index("uid")

    @staticmethod
    def rows_from_uids(index: CellIndex, uids: np.ndarray) -> np.ndarray:
        """``code_to_row`` for rows holding ``uids`` (every code's uid must be among them)."""
        row_of_uid = np.full(N_CELLS, -1, dtype=np.int32)
        row_of_uid[uids] = np.arange(len(uids), dtype=np.int32)
        code_to_row = row_of_uid[index.code_to_uid]
        if (code_to_row < 0).any():
            missing = np.unique(index.code_to_uid[code_to_row < 0])
            raise ValueError(
                f"the table has no row for {len(missing)} unique ids, e.g. {missing[:5].tolist()}"
            )
        return code_to_row
