"""ARNAS: adversarial-robustness NAS on NAS-Bench-201 as a pymoo integer problem."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

from pymoo_arnas.data.lookup import lookup
from pymoo_arnas.data.robustness import load_robustness
from pymoo_arnas.data.table import BenchmarkTable
from pymoo_arnas.problems.base import BUDGET_PENALTY, CellProblem, check_columns, check_settings
from pymoo_arnas.problems.objectives import resolve_objective
from pymoo_arnas.space import N_EDGES, decode

__all__ = ["ARNAS", "BUDGET_PENALTY", "check_columns", "check_settings"]


class ARNAS(CellProblem):
    """Search NAS-Bench-201 cells for clean and robust accuracy, looked up in real tables.

    The genome is the operation on each of the 6 edges (``0 none, 1 skip_connect,
    2 nor_conv_1x1, 3 nor_conv_3x3, 4 avg_pool_3x3``); every objective is minimised as
    ``error = 1 - accuracy``.

    Parameters
    ----------
    dataset : str
        ``"cifar10"``, ``"cifar100"`` (``"ImageNet16-120"`` where present).
    objectives : str or sequence of str
        One objective per name: ``"clean"``; an attack (``"fgsm@Linf"``, ``"pgd@Linf"``,
        ``"aa_apgd-ce@Linf"``, ``"aa_square@Linf"``, or short ``"fgsm"``, ``"pgd"``,
        ``"apgd"``, ``"square"``) at ``epsilon``, or at its own epsilon as ``"pgd@Linf:8.0"``;
        a corruption (``"fog"``: mean over severities, ``"fog:3"``: severity 3).
    epsilon : float
        Attack strength in units of 1/255 for attack objectives without their own.
    data_dir : path, optional
        Root of the robustness dataset (else ``ARNAS_DATA``, ``../shared/data``, user cache).
    budget : int, optional
        Most unique cells to evaluate. When it is spent the running pymoo algorithm is told
        to stop after the current generation; cells asked for beyond it are not evaluated
        and get the worst error (1.0).
    table : BenchmarkTable, optional
        Use this table instead of loading one (e.g. :func:`pymoo_arnas.data.load_nas_robbench`).

    Attributes
    ----------
    n_evals : int
        Genomes evaluated (every row of every call).
    n_unique : int
        Distinct unique cells evaluated (each would be one trained network in real NAS).
    query_log : pandas.DataFrame
        The unique queries in the order first asked: ``x0..x5``, ``index``, ``uid``, one
        accuracy column per objective and ``n_evals``, the evaluation that first asked for
        the cell (see :attr:`CellProblem.query_log <pymoo_arnas.problems.base.CellProblem.query_log>`).

    The counters, budget, :meth:`is_queried`, :meth:`reset` and :attr:`query_log` are those
    of :class:`~pymoo_arnas.problems.base.CellProblem`; a unique cell is an isomorphism
    class (a row of the table).

    Examples
    --------
    >>> from pymoo.algorithms.moo.nsga2 import NSGA2
    >>> from pymoo.operators.crossover.ux import UX
    >>> from pymoo.optimize import minimize
    >>> from pymoo_arnas.operators import CellSampling, RandomResetMutation
    >>> from pymoo_arnas.problems import ARNAS
    >>> problem = ARNAS("cifar10", objectives=("clean", "pgd@Linf"), epsilon=1.0)
    >>> problem.n_var, problem.n_obj
    (6, 2)
    >>> problem.evaluate([[3, 3, 3, 3, 3, 3]]).round(3).tolist()
    [[0.063, 0.518]]
    >>> problem.is_queried([[3, 3, 3, 3, 3, 3], [1, 1, 1, 1, 1, 1]]).tolist()
    [True, False]
    >>> algorithm = NSGA2(pop_size=20, sampling=CellSampling(), crossover=UX(),
    ...                   mutation=RandomResetMutation())
    >>> res = minimize(problem, algorithm, ("n_gen", 3), seed=1)
    >>> problem.n_evals, problem.n_unique <= problem.n_evals
    (61, True)

    pymoo's real-valued operators (SBX and PM, PSO, DE) need a rounding repair, since
    non-integral genomes are refused::

        from pymoo.operators.repair.rounding import RoundingRepair
        NSGA2(pop_size=50, sampling=IntegerRandomSampling(),
              crossover=SBX(vtype=float, repair=RoundingRepair()),
              mutation=PM(vtype=float, repair=RoundingRepair()))
        PSO(pop_size=30, repair=RoundingRepair())
        DE(pop_size=30, variant="DE/rand/1/bin", repair=RoundingRepair())
    """

    def __init__(
        self,
        dataset: str = "cifar10",
        objectives=("clean", "pgd@Linf"),
        epsilon: float | None = 1.0,
        data_dir=None,
        budget: int | None = None,
        table: BenchmarkTable | None = None,
        **kwargs,
    ):
        if table is None:
            table = load_robustness(dataset, data_dir=data_dir)
        objectives = check_settings(objectives, budget)
        columns = tuple(resolve_objective(table, name, epsilon) for name in objectives)
        if len(set(columns)) != len(columns):
            raise ValueError(f"objectives {objectives!r} name the same table column twice: {columns}")

        self.table = table
        self.dataset = table.dataset
        self.epsilon = epsilon
        self._col_idx = np.array([table.column_index(c) for c in columns], dtype=np.int64)
        self._table_values = np.ascontiguousarray(table.values[:, self._col_idx])
        self._no_values = np.empty((table.n_rows, 0))
        super().__init__(objectives, columns, budget=budget, cell_index=table.index,
                         n_keys=table.n_rows, **kwargs)

    # ------------------------------------------------------------------ lookup

    def _keys(self, X):
        """The table row of each genome (one row per isomorphism class)."""
        rows, _ = lookup(X, self.table.code_to_row, self._no_values)
        return rows

    def _values(self, X, keys):
        return np.take(self._table_values, keys, axis=0)

    # ------------------------------------------------------------------ exact front

    def _front_rows(self) -> np.ndarray:
        """Rows of the table on the exact Pareto front (ties included), by first objective."""
        F = 1.0 - self._table_values
        if self.n_obj == 1:
            rows = np.flatnonzero(F[:, 0] == F[:, 0].min())
        else:
            rows = NonDominatedSorting().do(F, only_non_dominated_front=True)
        return rows[np.lexsort(F[rows].T[::-1])]

    def _calc_pareto_front(self, *args, **kwargs):
        F = 1.0 - self._table_values[self._front_rows()]
        return np.unique(F, axis=0)

    def _calc_pareto_set(self, *args, **kwargs):
        rows = self._front_rows()
        _, first = np.unique(1.0 - self._table_values[rows], axis=0, return_index=True)
        return decode(self.table.index.index_to_code[self.table.uids[rows[np.sort(first)]]])

    def exact_front(self) -> pd.DataFrame:
        """Every unique cell on the exact front: ``x0..x5``, ``index``, ``uid`` and accuracies."""
        rows = self._front_rows()
        uids = self.table.uids[rows]
        G = decode(self.table.index.index_to_code[uids])
        df = pd.DataFrame(G, columns=[f"x{i}" for i in range(N_EDGES)])
        df["index"] = uids
        df["uid"] = uids
        for j, col in enumerate(self.columns):
            df[col] = self._table_values[rows, j]
        return df

    def _repr_fields(self) -> list:
        return [f"dataset={self.dataset!r}", f"objectives={self.columns!r}"]
