"""CellProblem: what every NAS-Bench-201 cell problem shares, whatever gives its numbers.

A cell problem has 6 integer variables (the operation ``0..4`` on each edge of the cell)
and evaluates *unique cells*: isomorphic genomes compute the same network, so they share
one evaluation, and a budget counts the unique cells evaluated, the cost of a real NAS run
(one trained network each). The base class owns everything but the numbers themselves,
as pymoo's ``ZDT`` base or botorch's ``BaseTestProblem`` do for their families:

- input validation (a clear :class:`ValueError` naming the row, position and value);
- the counters :attr:`~CellProblem.n_evals` and :attr:`~CellProblem.n_unique`;
- the unique-query budget: cells asked for beyond it are not evaluated, get the worst
  value of every objective (the error :data:`BUDGET_PENALTY` = 1.0, the largest cost), and
  the running pymoo algorithm is told to stop;
- :meth:`~CellProblem.is_queried`, :meth:`~CellProblem.reset`, ``repr``;
- :attr:`~CellProblem.query_log`, the unique cells in the order first asked, with the
  evaluation count at which each was first asked (column ``n_evals``);
- a fresh start for each pymoo run: a second ``minimize`` on the same problem gets the
  whole budget again (see :meth:`~CellProblem.reset`);

A subclass implements only the lookup of a batch: :meth:`~CellProblem._keys` (the unit
each genome counts as, e.g. its isomorphism class) and :meth:`~CellProblem._values` (the
metric values of admitted genomes). :class:`~pymoo_arnas.problems.ARNAS` looks them up in
a table, :class:`~pymoo_arnas.problems.ARNASLive` trains networks.

Examples
--------
A toy source: the share of 3x3 convolutions in the cell's class representative.

>>> from pymoo_arnas.problems.base import CellProblem
>>> from pymoo_arnas.space import N_UNIQUE, isomorphism_class, representative
>>> class Convs(CellProblem):
...     def __init__(self, budget=None):
...         super().__init__(("convs",), ("convs",), budget=budget, n_keys=N_UNIQUE)
...     def _keys(self, X):
...         return isomorphism_class(X)
...     def _values(self, X, keys):
...         return (representative(X) == 3).mean(axis=1, keepdims=True)
>>> p = Convs(budget=2)
>>> X = [[3, 3, 3, 3, 3, 3], [0, 0, 0, 0, 3, 0], [0, 0, 0, 0, 0, 0], [1, 1, 1, 1, 1, 1]]
>>> p.evaluate(X).ravel().tolist()  # rows 1 and 2 are isomorphic; row 3 is past the budget
[0.0, 1.0, 1.0, 1.0]
>>> p.n_evals, p.n_unique, p.budget_exhausted
(4, 2, True)
>>> p.query_log
   x0  x1  x2  x3  x4  x5  index    uid  convs  n_evals
0   3   3   3   3   3   3  11718  11718    1.0        1
1   0   0   0   0   3   0     15      0    0.0        2
>>> p
Convs(objectives=('convs',), budget=2)
"""

from __future__ import annotations

import logging
import weakref

import numpy as np
import pandas as pd
from pymoo.core.problem import Problem

from pymoo_arnas.data.lookup import first_unseen
from pymoo_arnas.space import GENOME_COLUMNS, N_EDGES, N_OPS, CellIndex, validate

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


def check_genomes(X) -> np.ndarray:
    """Genomes as an integer array ``(n, 6)``, or a ValueError naming the row, position and
    value at fault (see :func:`pymoo_arnas.space.validate`).

    Integer input of the right shape is returned as it is (any integer dtype, no copy);
    floats holding whole numbers (PSO, DE after a rounding repair) become ``int64``.
    """
    X = np.asarray(X)
    if (X.ndim == 2 and X.shape[1] == N_EDGES and np.issubdtype(X.dtype, np.integer)
            and (len(X) == 0 or (X.min() >= 0 and X.max() < N_OPS))):
        return X
    return validate(X)


def budget_room(problem, n: int) -> int:
    """How many new cells of a batch of ``n`` to ask ``problem`` for: ``n``, capped at what
    its unique-query budget has left (at least 1, so that a spent budget ends the run at the
    next evaluation); ``n`` for a problem without a budget.

    >>> from pymoo_arnas.data import synthetic_table
    >>> from pymoo_arnas.problems import ARNAS
    >>> budget_room(ARNAS(table=synthetic_table(), budget=5), 20)
    5
    """
    budget = getattr(problem, "budget", None)
    if budget is None:
        return n
    return min(n, max(budget - problem.n_unique, 1))


def _no_algorithm():
    """What the weak reference to a run's algorithm gives once that algorithm is gone."""
    return None


class CellProblem(Problem):
    """Base class of NAS-Bench-201 cell problems: validation, counters, budget, query log.

    An accuracy is minimised as ``error = 1 - accuracy``, a cost (``costs``) as it is, a
    score where higher is better (``maximized``) as ``-score``.

    Parameters
    ----------
    objectives : tuple of str
        The objective names as the user gave them.
    columns : tuple of str
        The canonical name of each objective's metric (one per objective).
    budget : int, optional
        Most unique cells to evaluate. When it is spent the running pymoo algorithm is told
        to stop after the current generation; cells asked for beyond it are not evaluated
        and get ``penalty``, the worst value of every objective.
    cell_index : CellIndex, optional
        Gives the ``index`` and ``uid`` columns of :attr:`query_log` (default
        :meth:`CellIndex.from_graph() <pymoo_arnas.space.CellIndex.from_graph>`).
    n_keys : int
        Number of distinct keys :meth:`_keys` can return (keys are ``0..n_keys-1``).
    costs : sequence of str
        The columns minimised as they are: costs (e.g. ``"params"``) and scores where lower
        is better (``"ntk_cond"``).
    maximized : sequence of str
        The columns maximised, i.e. minimised as ``-value``: scores where higher is better
        (``"synflow"``). Every column in neither is an accuracy.
    penalty : sequence of float, optional
        The objective values ``(n_obj,)`` of cells refused by the budget: the worst value of
        each objective (default :data:`BUDGET_PENALTY`, the worst error, for every one; give
        the largest cost for a cost, minus the smallest score for a maximised score).
    **kwargs
        Passed to :class:`pymoo.core.problem.Problem`. ``elementwise=True`` is refused: the
        budget and the query log need whole batches in this process (pymoo's elementwise
        runners may evaluate rows on copies of the problem in other processes), and a batch
        lookup is as fast as one row.

    Attributes
    ----------
    objectives, columns, budget
        As given.
    is_cost : ndarray of bool, shape (n_obj,)
        Which objectives are minimised as they are (``costs``).
    is_maximized : ndarray of bool, shape (n_obj,)
        Which objectives are maximised (minimised as ``-value``, ``maximized``).
    is_accuracy : ndarray of bool, shape (n_obj,)
        Which objectives are accuracies (neither costs nor maximised scores), minimised as
        ``error = 1 - accuracy``.
    n_evals : int
        Genomes evaluated (every row of every call, refused ones included).
    n_unique : int
        Distinct unique cells evaluated (each would be one trained network in real NAS).
    budget_exhausted : bool
        Whether the budget is spent.

    Notes
    -----
    Subclasses implement :meth:`_keys` and :meth:`_values`, call ``super().__init__`` once
    their own state is ready (it calls :meth:`reset`), and may extend :meth:`reset` and
    :meth:`_repr_fields`.
    """

    def __init__(self, objectives, columns, budget: int | None = None,
                 cell_index: CellIndex | None = None, n_keys: int = 0, costs=(),
                 maximized=(), penalty=None, **kwargs):
        if kwargs.get("elementwise"):
            raise ValueError(
                f"{type(self).__name__} evaluates whole batches and does not take "
                "elementwise=True (its budget and query log would break); leave it out: pymoo "
                "algorithms work with the batch problem as they are, and a batch is evaluated "
                "in one call"
            )
        self.objectives = tuple(objectives)
        self.columns = tuple(columns)
        self.budget = None if budget is None else int(budget)
        self._cell_index = CellIndex.from_graph() if cell_index is None else cell_index
        self._n_keys = int(n_keys)
        self.is_cost = np.array([c in tuple(costs) for c in self.columns], dtype=bool)
        self.is_maximized = np.array([c in tuple(maximized) for c in self.columns], dtype=bool)
        both = [c for c, a, b in zip(self.columns, self.is_cost, self.is_maximized) if a and b]
        if both:
            raise ValueError(f"columns {both} are given as both costs and maximized")
        self.is_accuracy = ~(self.is_cost | self.is_maximized)
        self._penalty = np.full(len(self.columns), BUDGET_PENALTY) if penalty is None else \
            np.asarray(penalty, dtype=float).reshape(len(self.columns))
        super().__init__(n_var=N_EDGES, n_obj=len(self.columns), xl=0, xu=N_OPS - 1, vtype=int,
                         requires_kwargs=True, **kwargs)
        self.reset()

    # ------------------------------------------------------------------ what a subclass implements

    def _keys(self, X: np.ndarray) -> np.ndarray:
        """Validated genomes ``(n, 6)`` (integers) -> the unit each one counts as ``(n,)`` int64
        in ``0..n_keys-1``: genomes with one key share one evaluation and one budget slot."""
        raise NotImplementedError

    def _values(self, X: np.ndarray, keys: np.ndarray) -> np.ndarray:
        """Admitted genomes ``(m, 6)`` and their keys ``(m,)`` -> metric values ``(m, n_obj)``
        (accuracies in ``[0, 1]``, costs), one column per entry of :attr:`columns`."""
        raise NotImplementedError

    def _repr_fields(self) -> list:
        """``"name=value"`` strings shown by ``repr`` before the budget."""
        return [f"objectives={self.columns!r}"]

    # ------------------------------------------------------------------ bookkeeping

    def reset(self) -> None:
        """Forget all queries (counters, log, budget), e.g. before another run.

        A pymoo run calls it itself: when an algorithm evaluates on this problem after another
        algorithm object did and that earlier run has finished (or is gone), the problem is
        reset first (logged at INFO), so every ``minimize`` on the same problem runs its full
        budget and logs only its own queries. pymoo has no hook for the start of a run, so
        the problem watches the ``algorithm`` pymoo passes with every batch. Evaluations
        outside a run (``problem.evaluate(X)``) never reset anything and count towards the
        next run, and a sub-algorithm evaluating while the run that started first is still
        going does not reset either.
        """
        self.n_evals = 0
        self.budget_exhausted = False
        self._seen = np.zeros(self._n_keys, dtype=bool)
        self._log_X: list = []
        self._log_values: list = []
        self._log_evals: list = []
        self._n_unique = 0
        self._run = None  # weak reference to the algorithm of the current run

    @property
    def n_unique(self) -> int:
        return self._n_unique

    @property
    def ref_point(self) -> np.ndarray:
        """The worst value of every objective ``(n_obj,)`` (error 1, the largest cost), which
        every cell weakly dominates: a hypervolume reference point fixed by the problem, as
        botorch's test problems carry one; cells refused by the budget get it."""
        return self._penalty.copy()

    def units(self, X) -> np.ndarray:
        """Genomes ``(n, 6)`` -> the unit each counts as ``(n,)`` int64: genomes with one unit
        are one unique query (one evaluation, one budget slot). For the table and live
        problems it is the isomorphism class, or the genome itself with a cost objective;
        operators that drop duplicates can use it to agree with the budget."""
        return self._keys(check_genomes(check_columns(X, self.n_var)))

    def is_queried(self, X) -> np.ndarray:
        """Genomes ``(n, 6)`` -> ``(n,)`` bool: whether each cell (or one that counts as the
        same unit, e.g. an isomorphic one) was evaluated."""
        return self._seen[self.units(X)]

    @property
    def query_log(self) -> pd.DataFrame:
        """The unique queries in the order first asked.

        Columns: ``x0..x5`` (the genome as first asked), ``index`` and ``uid`` (from the
        problem's cell index; ``uid`` is the isomorphism class's unique id), one column of
        metric values per entry of :attr:`columns`, and ``n_evals``: the value of the
        :attr:`n_evals` counter up to and including the genome that first asked for the
        cell (1-based), so best-so-far per evaluation can be read off.
        """
        X = np.concatenate(self._log_X) if self._log_X else np.empty((0, N_EDGES), np.int64)
        values = (np.concatenate(self._log_values) if self._log_values
                  else np.empty((0, self.n_obj), np.float64))
        df = pd.DataFrame(X, columns=list(GENOME_COLUMNS))
        empty = np.empty(0, np.int64)
        df["index"] = self._cell_index.genome_to_index(X) if len(X) else empty
        df["uid"] = self._cell_index.genome_to_uid(X) if len(X) else empty
        for j, col in enumerate(self.columns):
            df[col] = values[:, j]
        df["n_evals"] = np.concatenate(self._log_evals) if self._log_evals else empty
        return df

    # ------------------------------------------------------------------ evaluation

    def evaluate(self, X, *args, **kwargs):
        return super().evaluate(check_columns(X, self.n_var), *args, **kwargs)

    def _evaluate(self, x, out, *args, algorithm=None, **kwargs):
        X = check_genomes(x)
        if algorithm is not None:
            self._start_run(algorithm)
        keys = self._keys(X)
        new = first_unseen(keys, self._seen)  # positions of cells not queried before, in order
        admitted = None  # all rows
        if self.budget is not None:
            room = max(self.budget - self._n_unique, 0)
            if len(new) > room:
                admitted = ~np.isin(keys, keys[new[room:]])
                new = new[:room]
                if not self.budget_exhausted:
                    log.info("budget of %d unique queries spent; stopping the run", self.budget)
                self.budget_exhausted = True
            elif self._n_unique + len(new) >= self.budget:
                self.budget_exhausted = True
            if self.budget_exhausted and algorithm is not None:
                algorithm.termination.terminate()
        if admitted is None:
            values = self._values(X, keys)
            F = self.errors(values)
        else:
            values = np.full((len(X), self.n_obj), np.nan)
            F = np.tile(self._penalty, (len(X), 1))
            if admitted.any():
                values[admitted] = self._values(X[admitted], keys[admitted])
                F[admitted] = self.errors(values[admitted])
        if len(new):
            self._seen[keys[new]] = True
            self._log_X.append(X[new].astype(np.int64))
            self._log_values.append(values[new])
            self._log_evals.append(self.n_evals + new + 1)
            self._n_unique += len(new)
        self.n_evals += len(X)
        out["F"] = F

    def errors(self, values: np.ndarray) -> np.ndarray:
        """Metric values ``(m, n_obj)`` (as :attr:`query_log` holds them) -> the minimised
        objectives ``(m, n_obj)``: ``1 - value`` for an accuracy, the value itself for a cost,
        ``-value`` for a maximised score."""
        values = np.asarray(values, dtype=float)
        if not (self.is_cost.any() or self.is_maximized.any()):
            return 1.0 - values
        return np.where(self.is_cost, values, np.where(self.is_maximized, -values, 1.0 - values))

    def _start_run(self, algorithm) -> None:
        """Reset when ``algorithm`` starts a run after an earlier, finished run (see :meth:`reset`)."""
        previous = None if self._run is None else self._run()
        if previous is algorithm:
            return
        if previous is not None and previous.has_next():
            return  # the first run is still going: a helper algorithm of it
        if self._run is not None:
            log.info("a new %s run starts on %r: its counters, query log and budget are reset",
                     type(algorithm).__name__, self)
            self.reset()
        self._run = weakref.ref(algorithm)

    def __getstate__(self):
        state = dict(super().__getstate__())
        if state.get("_run") is not None:  # a weak reference does not pickle: the copy sees
            state["_run"] = _no_algorithm  # that run as gone, so its next run starts afresh
        return state

    def __repr__(self) -> str:
        fields = self._repr_fields()
        if self.budget is not None:
            fields.append(f"budget={self.budget}")
        return f"{type(self).__name__}({', '.join(fields)})"
