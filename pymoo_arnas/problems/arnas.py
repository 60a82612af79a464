"""ARNAS: adversarial-robustness NAS on NAS-Bench-201 as a pymoo integer problem."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from pymoo.core.problem import Problem
from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

from pymoo_arnas.data.lookup import first_unseen, lookup
from pymoo_arnas.data.robustness import load_robustness
from pymoo_arnas.data.table import BenchmarkTable
from pymoo_arnas.problems.objectives import resolve_objective
from pymoo_arnas.space import N_EDGES, N_OPS, decode, encode

log = logging.getLogger(__name__)

BUDGET_PENALTY = 1.0
"""Error given to cells asked for after the budget is spent (they are not evaluated)."""


def check_settings(objectives, budget) -> tuple:
    """``objectives`` as a non-empty tuple, with a ValueError for it or a bad ``budget``."""
    objectives = (objectives,) if isinstance(objectives, str) else tuple(objectives)
    if not objectives:
        raise ValueError("objectives is empty; give at least one, e.g. ('clean', 'pgd@Linf')")
    if budget is not None and (int(budget) != budget or budget < 1):
        raise ValueError(f"budget must be a positive integer number of unique queries; got {budget!r}")
    return objectives


def check_columns(X, n_var: int = N_EDGES) -> np.ndarray:
    """``X`` as an array, with a ValueError (not pymoo's assertion) for a wrong column count."""
    X = np.asarray(X)
    if X.dtype != object and X.ndim in (1, 2) and X.shape[-1] != n_var:
        raise ValueError(
            f"genomes must have {n_var} columns (one operation 0..{N_OPS - 1} per edge); "
            f"got an array of shape {X.shape}"
        )
    return X


class ARNAS(Problem):
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
        The unique queries in the order first asked: ``x0..x5``, ``index``, ``uid`` and one
        accuracy column per objective.

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
        self.objectives = objectives
        self.columns = columns
        self.budget = None if budget is None else int(budget)
        self._col_idx = np.array([table.column_index(c) for c in columns], dtype=np.int64)
        self._values = np.ascontiguousarray(table.values[:, self._col_idx])
        super().__init__(
            n_var=N_EDGES,
            n_obj=len(columns),
            xl=0,
            xu=N_OPS - 1,
            vtype=int,
            requires_kwargs=True,
            **kwargs,
        )
        self.reset()

    # ------------------------------------------------------------------ bookkeeping

    def reset(self) -> None:
        """Forget all queries (counters, log, budget), e.g. before another run."""
        self.n_evals = 0
        self.budget_exhausted = False
        self._seen = np.zeros(self.table.n_rows, dtype=bool)
        self._log_rows: list[np.ndarray] = []
        self._log_X: list[np.ndarray] = []
        self._n_unique = 0

    @property
    def n_unique(self) -> int:
        return self._n_unique

    def is_queried(self, X) -> np.ndarray:
        """Genomes ``(n, 6)`` -> ``(n,)`` bool: whether each cell (or an isomorphic one) was evaluated.

        >>> p = ARNAS("cifar10"); _ = p.evaluate([[3, 3, 3, 3, 3, 3]])
        >>> p.is_queried([[3, 3, 3, 3, 3, 3], [1, 1, 1, 1, 1, 1]]).tolist()
        [True, False]
        """
        return self._seen[self.table.code_to_row[encode(X)]]

    @property
    def query_log(self) -> pd.DataFrame:
        """Unique queries in the order first asked (see the class docstring)."""
        rows = np.concatenate(self._log_rows) if self._log_rows else np.empty(0, np.int64)
        X = np.concatenate(self._log_X) if self._log_X else np.empty((0, N_EDGES), np.int64)
        df = pd.DataFrame(X, columns=[f"x{i}" for i in range(N_EDGES)])
        uids = self.table.uids[rows]
        df["index"] = self.table.index.genome_to_index(X) if len(X) else np.empty(0, np.int64)
        df["uid"] = uids
        for j, col in enumerate(self.columns):
            df[col] = self._values[rows, j]
        return df

    # ------------------------------------------------------------------ evaluation

    def evaluate(self, X, *args, **kwargs):
        return super().evaluate(check_columns(X, self.n_var), *args, **kwargs)

    def _evaluate(self, x, out, *args, algorithm=None, **kwargs):
        rows, acc = lookup(x, self.table.code_to_row, self._values)
        self.n_evals += len(rows)
        error = 1.0 - acc

        new = first_unseen(rows, self._seen)  # cells not queried before, in first-asked order
        if self.budget is not None:
            room = max(self.budget - self._n_unique, 0)
            if len(new) > room:
                refused = np.isin(rows, rows[new[room:]])
                error[refused] = BUDGET_PENALTY
                new = new[:room]
                if not self.budget_exhausted:
                    log.info("budget of %d unique queries spent; stopping the run", self.budget)
                self.budget_exhausted = True
            elif self._n_unique + len(new) >= self.budget:
                self.budget_exhausted = True
            if self.budget_exhausted and algorithm is not None:
                algorithm.termination.terminate()
        if len(new):
            self._seen[rows[new]] = True
            self._log_rows.append(rows[new])
            self._log_X.append(np.asarray(x)[new].astype(np.int64))
            self._n_unique += len(new)
        out["F"] = error

    # ------------------------------------------------------------------ exact front

    def _front_rows(self) -> np.ndarray:
        """Rows of the table on the exact Pareto front (ties included), by first objective."""
        F = 1.0 - self._values
        if self.n_obj == 1:
            rows = np.flatnonzero(F[:, 0] == F[:, 0].min())
        else:
            rows = NonDominatedSorting().do(F, only_non_dominated_front=True)
        return rows[np.lexsort(F[rows].T[::-1])]

    def _calc_pareto_front(self, *args, **kwargs):
        F = 1.0 - self._values[self._front_rows()]
        return np.unique(F, axis=0)

    def _calc_pareto_set(self, *args, **kwargs):
        rows = self._front_rows()
        _, first = np.unique(1.0 - self._values[rows], axis=0, return_index=True)
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
            df[col] = self._values[rows, j]
        return df

    def __repr__(self) -> str:
        budget = "" if self.budget is None else f", budget={self.budget}"
        return f"ARNAS(dataset={self.dataset!r}, objectives={self.columns!r}{budget})"
