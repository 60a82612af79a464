"""Sample-efficiency metrics against the exact front, as functions of the unique queries.

Every metric is computed on the *archive*: all unique cells queried so far, in the order
first asked (:attr:`pymoo_arnas.problems.ARNAS.query_log`), not only a final population.
The ``k``-th row of a convergence table describes the archive of the first ``k`` unique
queries, the number of networks a real NAS run would have trained.

Multi-objective (objectives ``F`` of shape ``(n, m)``, minimised, any ``m >= 2``: errors
``1 - accuracy``, or costs such as ``params`` as they are):

- ``nhv``: normalised hypervolume. Objectives are scaled so the exact front's ideal point
  is 0 and its nadir 1, the reference point is :data:`REF_POINT` = 1.1 in every objective
  (points beyond it add nothing), and the exact hypervolume (pymoo's
  :class:`~pymoo.indicators.hv.HV`, computed by moocore) is divided by the exact front's
  own: 1.0 = the whole front found, never above 1;
- ``igd_plus``: IGD+ of the archive to the exact front, in the same normalised space;
- ``share``: share of the exact front's points (distinct objective vectors) found.

Single objective:

- ``best``: best accuracy so far, ``gap``: exact optimum minus it, the regret (accuracy
  points as a fraction), ``hit``: whether the optimum was found; :func:`queries_to_optimum`.
  (A hypervolume says little with one objective; :meth:`FrontReference.nhv` still stays in
  ``[0, 1]`` there, 1 exactly when the optimum is found.)

Examples
--------
>>> import numpy as np
>>> from pymoo_arnas.problems import ARNAS
>>> from pymoo_arnas.experiments.metrics import convergence, final_metrics
>>> problem = ARNAS("cifar10", objectives=("clean", "pgd@Linf"))
>>> F = problem.evaluate(problem.pareto_set())
>>> df = convergence(problem)
>>> float(df["nhv"].iloc[-1]), float(df["share"].iloc[-1]), round(float(df["igd_plus"].iloc[-1]), 9)
(1.0, 1.0, 0.0)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pymoo.indicators.hv import HV
from pymoo.indicators.igd_plus import IGDPlus
from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

REF_POINT = 1.1
"""Reference point (in every normalised objective) of the normalised hypervolume."""

_DECIMALS = 9  # objective vectors are compared after rounding to this many decimals


def archive_F(problem, query_log: pd.DataFrame | None = None) -> np.ndarray:
    """Minimised objectives ``(n_unique, n_obj)`` of the archive, in query order.

    Parameters
    ----------
    problem : CellProblem
        The problem: its objective columns, and its ``errors(values)`` that turns them into
        the minimised objectives (``1 - accuracy`` for accuracies, costs as they are).
    query_log : DataFrame, optional
        Defaults to ``problem.query_log``; any frame with the problem's value columns.
    """
    log = problem.query_log if query_log is None else query_log
    values = log[list(problem.columns)].to_numpy(dtype=float)
    return problem.errors(values)


def _key(F: np.ndarray) -> np.ndarray:
    return np.round(np.asarray(F, dtype=float), _DECIMALS)


class FrontReference:
    """The exact front of a problem and the normalisation used by every metric.

    Parameters
    ----------
    front : ndarray, shape (k, m)
        The exact Pareto front in objective (error) space, e.g. ``problem.pareto_front()``.

    Attributes
    ----------
    ideal, nadir : ndarray, shape (m,)
        Per-objective minimum and maximum over the front.
    hv_front : float
        Hypervolume of the normalised front with the reference point :data:`REF_POINT`.
    """

    def __init__(self, front) -> None:
        front = np.unique(_key(np.atleast_2d(front)), axis=0)
        if front.size == 0:
            raise ValueError("the exact front is empty")
        self.front = front
        self.n_obj = front.shape[1]
        self.ideal = front.min(axis=0)
        self.nadir = front.max(axis=0)
        span = self.nadir - self.ideal
        self.span = np.where(span > 0, span, 1.0)
        self._hv = HV(ref_point=np.full(self.n_obj, REF_POINT))
        self._igd = IGDPlus(self.normalize(front))
        self.hv_front = float(self._hv(self.normalize(front)))
        self._front_keys = {tuple(r) for r in front}

    @classmethod
    def of(cls, problem) -> "FrontReference":
        """The reference of an :class:`~pymoo_arnas.problems.ARNAS` problem's exact front."""
        return cls(problem.pareto_front())

    def normalize(self, F) -> np.ndarray:
        """Scale errors ``(n, m)`` so the front's ideal is 0 and its nadir 1."""
        return (np.atleast_2d(F) - self.ideal) / self.span

    def nhv(self, F) -> float:
        """Normalised hypervolume of the points ``F`` ``(n, m)``: 1.0 when the front is covered.

        Never above 1. With one objective it is ``1 - regret / REF_POINT`` (1.0 exactly when
        the optimum is found); the single-objective metrics of :func:`convergence` (``best``,
        ``gap``, ``hit``) say the same more plainly.

        >>> ref = FrontReference([[0.25]])          # one objective: the optimum error 0.25
        >>> ref.nhv([[0.25], [0.4]]), round(ref.nhv([[0.36]]), 3)
        (1.0, 0.9)
        """
        F = np.atleast_2d(F)
        if len(F) == 0:
            return 0.0
        N = self.normalize(F)
        N = N[(N < REF_POINT).all(axis=1)]
        if len(N) == 0:
            return 0.0
        # no point beats the exact front: above 1 only by rounding
        return min(float(self._hv(N)) / self.hv_front, 1.0)

    def igd_plus(self, F) -> float:
        """IGD+ (pymoo's indicator) of ``F`` ``(n, m)`` to the front, in normalised space."""
        F = np.atleast_2d(F)
        if len(F) == 0:
            return float("nan")
        return float(self._igd(self.normalize(F)))

    def found(self, F) -> int:
        """How many of the front's distinct points appear among ``F`` ``(n, m)``."""
        keys = {tuple(r) for r in _key(np.atleast_2d(F))}
        return len(self._front_keys & keys)

    def share(self, F) -> float:
        """Share in ``[0, 1]`` of the front's distinct points found among ``F``."""
        return self.found(F) / len(self.front)


def nhv(F, front) -> float:
    """Normalised hypervolume of errors ``F`` ``(n, m)`` against the exact ``front`` ``(k, m)``.

    >>> round(nhv([[0.0, 1.0], [1.0, 0.0]], [[0.0, 1.0], [0.5, 0.5], [1.0, 0.0]]), 4)
    0.4565

    Any number of objectives, e.g. three: the front's corners found, its middle missed
    (by inclusion-exclusion the corners' boxes to 1.1 cover 0.331, the whole front 0.674):

    >>> front = [[0, 0, 1], [0, 1, 0], [1, 0, 0], [0.3, 0.3, 0.3]]
    >>> round(nhv(front[:3], front), 4), nhv(front, front)
    (0.4911, 1.0)
    """
    return FrontReference(front).nhv(F)


def igd_plus(F, front) -> float:
    """IGD+ of ``F`` ``(n, m)`` to ``front`` ``(k, m)`` (objectives normalised by the front)."""
    return FrontReference(front).igd_plus(F)


def front_share(F, front) -> float:
    """Share of the distinct points of ``front`` ``(k, m)`` present in ``F`` ``(n, m)``.

    >>> front_share([[0.0, 1.0], [0.2, 0.9]], [[0.0, 1.0], [1.0, 0.0]])
    0.5
    >>> front_share([[0, 0, 1, 0, 0]], [[0, 0, 1, 0, 0], [1, 0, 0, 0, 0], [0, 1, 0, 0, 0]])
    0.3333333333333333
    """
    return FrontReference(front).share(F)


def _multi_objective_trace(F: np.ndarray, ref: FrontReference) -> pd.DataFrame:
    n = len(F)
    nhv_t = np.zeros(n)
    igd_t = np.full(n, np.nan)
    found_t = np.zeros(n, dtype=np.int64)
    nds = NonDominatedSorting()
    front = np.empty((0, F.shape[1]))
    cur = (0.0, np.nan, 0)
    for k in range(n):
        f = F[k]
        dominated = len(front) and bool(((front <= f).all(axis=1) & (front < f).any(axis=1)).any())
        duplicate = len(front) and bool((front == f).all(axis=1).any())
        if not dominated and not duplicate:
            merged = np.vstack([front, f[None]])
            front = merged[nds.do(merged, only_non_dominated_front=True)]
            cur = (ref.nhv(front), ref.igd_plus(front), ref.found(front))
        nhv_t[k], igd_t[k], found_t[k] = cur
    return pd.DataFrame(
        {
            "n_unique": np.arange(1, n + 1),
            "nhv": nhv_t,
            "igd_plus": igd_t,
            "found": found_t,
            "share": found_t / len(ref.front),
        }
    )


def _single_objective_trace(acc: np.ndarray, optimum: float) -> pd.DataFrame:
    best = np.maximum.accumulate(acc) if len(acc) else acc
    return pd.DataFrame(
        {
            "n_unique": np.arange(1, len(acc) + 1),
            "best": best,
            "gap": optimum - best,
            "hit": np.round(best, _DECIMALS) >= np.round(optimum, _DECIMALS),
        }
    )


def convergence(problem, query_log: pd.DataFrame | None = None) -> pd.DataFrame:
    """Metrics of the archive after each unique query.

    Parameters
    ----------
    problem : ARNAS
        The problem whose exact front is the reference.
    query_log : DataFrame, optional
        The archive (defaults to ``problem.query_log``).

    Returns
    -------
    DataFrame
        One row per unique query ``k = 1..n`` (column ``n_unique``). With two or more
        objectives: ``nhv``, ``igd_plus``, ``found`` (front points found) and ``share``;
        with one: ``best`` (accuracy), ``gap`` (optimum minus best) and ``hit``.
    """
    F = archive_F(problem, query_log)
    if problem.n_obj == 1:
        optimum = 1.0 - float(problem.pareto_front().min())
        return _single_objective_trace(1.0 - F[:, 0], optimum)
    return _multi_objective_trace(F, FrontReference.of(problem))


def queries_to_optimum(problem, query_log: pd.DataFrame | None = None) -> float:
    """Unique queries until the (single-objective) optimum was first found; NaN if never.

    With several objectives: queries until the whole exact front was found.
    """
    df = convergence(problem, query_log)
    hit = df["hit"].to_numpy() if problem.n_obj == 1 else df["share"].to_numpy() >= 1.0
    return float(df["n_unique"].to_numpy()[hit][0]) if hit.any() else float("nan")


def at_budget(trace: pd.DataFrame, budget: int) -> pd.Series:
    """The row of a convergence table after ``budget`` unique queries (the last one if fewer)."""
    if len(trace) == 0:
        raise ValueError("the convergence table is empty (no queries)")
    k = int(min(budget, len(trace)))
    return trace.iloc[k - 1]


def final_metrics(problem, query_log: pd.DataFrame | None = None) -> dict:
    """The last row of :func:`convergence` plus ``queries_to_optimum``, as a dict."""
    df = convergence(problem, query_log)
    out = df.iloc[-1].to_dict() if len(df) else {}
    out["queries_to_optimum"] = queries_to_optimum(problem, query_log)
    return out


def best_so_far_by_eval(F_trace, budget: int | None = None) -> np.ndarray:
    """Best accuracy after each *evaluation* ``(n_evals,)`` from a per-evaluation error trace.

    Parameters
    ----------
    F_trace : array, shape (n_evals,) or (n_evals, 1)
        Errors of every evaluation in order, duplicates included (the paper's x-axis).
    budget : int, optional
        Cut (or pad with the last value) to this many evaluations.

    >>> best_so_far_by_eval([0.5, 0.6, 0.3, 0.4], budget=5).tolist()
    [0.5, 0.5, 0.7, 0.7, 0.7]
    """
    acc = 1.0 - np.asarray(F_trace, dtype=float).reshape(-1)
    best = np.maximum.accumulate(acc) if len(acc) else acc
    if budget is not None:
        if len(best) >= budget:
            best = best[:budget]
        else:
            fill = best[-1] if len(best) else np.nan
            best = np.concatenate([best, np.full(budget - len(best), fill)])
    return np.round(best, 12)


__all__ = [
    "REF_POINT",
    "FrontReference",
    "archive_F",
    "at_budget",
    "best_so_far_by_eval",
    "convergence",
    "final_metrics",
    "front_share",
    "igd_plus",
    "nhv",
    "queries_to_optimum",
]
