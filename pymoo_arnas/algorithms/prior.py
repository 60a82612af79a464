"""Transfer priors: another table of the same cell space as prior knowledge of a search.

A :class:`TransferPrior` holds the objective values of every cell in a *source* table (e.g.
the CIFAR-10 accuracies when searching CIFAR-100 for the same objectives). The search
(:class:`~pymoo_arnas.algorithms.hybrid.NSGA2LocalSearch` with ``prior=``, e.g.
``get_algorithm("nsga2-cat", prior="cifar10")``) uses it twice:

- its first population is the source's best cells: the source's Pareto fronts, best first
  (:meth:`TransferPrior.initial_genomes`), and every generation the source's best cells not
  yet queried join the candidate pool (``prior_pool``; ranked by the fronts of every
  feature, so cells strong under another attack in the source are tried too);
- its surrogate is fitted on the residuals of a linear regression of each objective on the
  source's values of the same cell (:class:`~pymoo_arnas.algorithms.surrogate.ResidualGP`), so
  what the target shares with the source is known before the first query and the GP learns
  only where they differ.

Measured (``benchmarks/bench_transfer.py``, the 8 bi-objective problems, each CIFAR searched
with the other's table, the source's clean and attack values as features, seeds 0-9,
0.12.0): mean nHV 0.983 and share of the exact front 86.1 % at 300 unique queries (without:
0.953, 72 %); 0.921 / 64 % at 100 (without: 0.833 / 43 %). With two objectives the search
screens every cell with the residuals' GP during its first 100 queries, and after 200 makes
the last cell of each generation the one of the whole space likeliest not to be dominated
(see :class:`~pymoo_arnas.algorithms.hybrid.NSGA2LocalSearch`'s notes).

The source must be given explicitly and must not be the target's own table and objectives
(:meth:`TransferPrior.check`): that would hand the search the answer.

A source may be *partial*: a live result store holds only the cells trained so far, e.g. on
a cheaper proxy task (fewer epochs, a smaller network or dataset) or by an earlier search
(:meth:`TransferPrior.from_store`). The cells it lacks get the prediction of a
:class:`~pymoo_arnas.algorithms.surrogate.HammingGP` fitted on the cells it has
(:attr:`TransferPrior.measured_` says which are measured), and the first population is
drawn from the measured cells. Measured (``benchmarks/bench_transfer.py --source search`` /
``--source store``, seeds 0-9, mean nHV at 100 / 200 / 300 queries): the 300 cells an earlier
``nsga2-cat`` search of the other CIFAR trained, 0.906 / 0.940 / 0.959 (share 74 %; without a
prior 0.833 / 0.919 / 0.953, 72 %; 0.10.0); 300 cells trained on digits (5 epochs, C=8, N=1: a poor
proxy, Spearman -0.30 with CIFAR-10 PGD) as the prior of the four CIFAR clean/FGSM and
clean/PGD problems, 0.791 / 0.854 / 0.862 (without: 0.773 / 0.887 / 0.908, measured with
0.2.0's warped GP, which a prior turns off): a poor proxy costs later queries.

Examples
--------
>>> from pymoo_arnas.problems import ARNAS
>>> target = ARNAS("cifar100", ("clean", "pgd@Linf"), budget=40)
>>> prior = TransferPrior("cifar10").bind(target)
>>> prior.values([[3, 3, 3, 3, 3, 3]]).round(3).tolist()
[[0.063, 0.518]]
>>> prior.initial_genomes(5).shape
(5, 6)
>>> TransferPrior("cifar100").bind(target)
Traceback (most recent call last):
...
ValueError: a transfer prior must come from another table or other objectives than the problem's ...
"""

from __future__ import annotations

import numpy as np
from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

from pymoo_arnas.algorithms.surrogate import HammingGP
from pymoo_arnas.space import N_CELLS, class_of_code, decode, encode, representative_codes

MIN_MEASURED = 8
"""Fewest measured cells (isomorphism classes) a partial source must hold."""

MAX_IMPUTE_TRAIN = 2000
"""Most measured classes the GP that fills a partial source's missing cells is fitted on
(a fixed, seeded subset beyond it: the Cholesky factor grows with its cube)."""


class TransferPrior:
    """Objective values of every cell in a source table, used as prior knowledge.

    Parameters
    ----------
    source : str or ARNAS or BenchmarkTable
        A dataset name (``"cifar10"``: that dataset's table), an
        :class:`~pymoo_arnas.problems.ARNAS` problem (its table and objectives), or a
        :class:`~pymoo_arnas.data.BenchmarkTable`.
    objectives : sequence of str, optional
        The source's objectives, one per objective of the target, in the same order (default:
        the target problem's own objectives; an ARNAS source brings its own).
    epsilon : float
        Attack strength for objectives without their own (as :class:`ARNAS` takes it).
    features : sequence of str, optional
        More objectives of the source table given to the surrogate beside the source's values
        of the target's objectives (:meth:`features`), e.g. ``("fgsm", "pgd", "apgd",
        "square")``: how a cell fares under other attacks in the source says what kind of
        cell it is.

    Attributes
    ----------
    F_ : ndarray, shape (15625, n_obj)
        After :meth:`bind`: the source's errors of the target's objectives, per genome code.
    measured_ : ndarray of bool, shape (15625,)
        After :meth:`bind`: whether the source measured the cell (every feature); the others
        hold the :class:`~pymoo_arnas.algorithms.surrogate.HammingGP` prediction from the
        measured cells (a partial source; see :meth:`from_store`).

    Notes
    -----
    The source's values are read as the target's objectives are (errors ``1 - accuracy``,
    minimised). Objectives with a cost (``params``, ``flops``) are the same in every table
    and would be no transfer; they are allowed (the prior is then exact for them).
    """

    def __init__(self, source, objectives=None, epsilon: float | None = 1.0,
                 features=None) -> None:
        self.source = source
        self.objectives = None if objectives is None else tuple(objectives)
        self.extra = () if features is None else tuple(features)
        self.epsilon = epsilon
        self.problem_ = None
        self.F_ = None  # (N_CELLS, n_obj) source errors per genome code
        self.measured_ = None

    @classmethod
    def from_store(cls, store, dataset: str, config, objectives=None, features=None,
                   epsilon: float | None = 1.0) -> "TransferPrior":
        """A prior from the cells of a live result store: e.g. a cheaper proxy task's.

        Parameters
        ----------
        store : str or Path or ResultStore
            The SQLite store :class:`~pymoo_arnas.problems.ARNASLive` wrote.
        dataset : str
            Its dataset (e.g. ``"digits"``).
        config : TrainConfig or str
            The training config (or its key) of the cells to use.
        objectives, features, epsilon
            As for the constructor, named as the store names its metrics (e.g.
            ``("clean", "pgd@Linf:0.1")``; default the target's own objectives).

        Notes
        -----
        The store may hold any subset of the cells (at least :data:`MIN_MEASURED`
        classes); the rest are predicted from them (see the class notes).

        Examples
        --------
        >>> from pymoo_arnas.live.store import ResultStore
        >>> from pymoo_arnas.problems import ARNAS
        >>> import tempfile, os
        >>> store = ResultStore(os.path.join(tempfile.mkdtemp(), "proxy.sqlite"))
        >>> X = decode(representative_codes()[::200])   # 33 cells "trained" on a proxy task
        >>> acc = 0.5 + 0.08 * (X == 3).sum(axis=1)
        >>> for x, a in zip(X, acc):
        ...     store.put("digits", "proxy", x, {"clean": a})
        >>> prior = TransferPrior.from_store(store, "digits", "proxy", objectives=["clean"])
        >>> prior = prior.bind(ARNAS("cifar10", ["clean"], budget=30))
        >>> int(prior.measured_[representative_codes()].sum())   # the other classes predicted
        33
        >>> bool(np.allclose(prior.values(X)[:, 0], 1 - acc))     # errors, as the target's
        True
        """
        from pymoo_arnas.live.store import ResultStore

        if not isinstance(store, ResultStore):
            store = ResultStore(store)
        table = store.to_table(dataset, config, missing="nan")
        return cls(table, objectives=objectives, features=features, epsilon=epsilon)

    def __repr__(self) -> str:
        src = self.source
        if isinstance(src, str):
            name = repr(src)
        elif hasattr(src, "columns") and hasattr(src, "source"):  # a table
            name = f"<table {src.dataset!r} from {src.source!r}>"
        elif hasattr(src, "dataset"):
            name = f"<{type(src).__name__} {src.dataset!r}>"
        else:
            name = type(src).__name__
        extra = f", features={self.extra!r}" if self.extra else ""
        return f"TransferPrior({name}, objectives={self.objectives!r}{extra})"

    # ------------------------------------------------------------------ binding

    def _source_problem(self, target):
        from pymoo_arnas.data.table import BenchmarkTable
        from pymoo_arnas.problems import ARNAS

        src = self.source
        if src is None:
            raise ValueError(
                "no transfer prior given: pass prior= a dataset name (e.g. 'cifar10' for the "
                "same objectives on its table), an ARNAS problem or a BenchmarkTable other "
                "than the problem's own")
        if isinstance(src, ARNAS):
            if self.objectives is not None and tuple(self.objectives) != src.objectives:
                raise ValueError(
                    f"transfer prior: objectives {self.objectives!r} differ from the source "
                    f"problem's {src.objectives!r}; give one or the other")
            return ARNAS(src.dataset, src.objectives, epsilon=src.epsilon, table=src.table)
        objectives = self.objectives if self.objectives is not None else target.objectives
        if isinstance(src, BenchmarkTable):
            return ARNAS(src.dataset, objectives, epsilon=self.epsilon, table=src)
        if isinstance(src, str):
            return ARNAS(src, objectives, epsilon=self.epsilon)
        raise TypeError(
            "a transfer prior's source is a dataset name, an ARNAS problem or a "
            f"BenchmarkTable; got {type(src).__name__}")

    def check(self, source, target) -> None:
        """Refuse a source that is the target's own table with the target's own objectives.

        Raises
        ------
        ValueError
            If ``source`` reads the same table and columns as ``target``, or has another
            number of objectives.
        """
        if source.n_obj != target.n_obj:
            raise ValueError(
                f"transfer prior: the source has {source.n_obj} objectives "
                f"{source.columns!r}, the problem {target.n_obj} {target.columns!r}")
        if _origin(source) == _origin(target) and tuple(source.columns) == tuple(target.columns):
            raise ValueError(
                "a transfer prior must come from another table or other objectives than the "
                f"problem's (both are {source.dataset!r} {tuple(source.columns)!r}): that would "
                "hand the search the exact answer")

    def bind(self, target) -> "TransferPrior":
        """Read the source's values of every cell for ``target`` (a cell problem); returns
        ``self``."""
        source = self._source_problem(target)
        self.check(source, target)
        Z = [source.evaluate(decode(np.arange(N_CELLS)))]
        names = list(source.columns)
        if self.extra:
            from pymoo_arnas.problems import ARNAS

            more = ARNAS(source.dataset, self.extra, epsilon=self.epsilon, table=source.table)
            Z.append(more.evaluate(decode(np.arange(N_CELLS))))
            names += list(more.columns)
        Z = np.hstack([np.asarray(z, dtype=float) for z in Z])
        self.measured_ = np.isfinite(Z).all(axis=1)
        if not self.measured_.all():
            Z = _impute(Z, names, f"{source.dataset!r} from {source.table.source!r}")
        self.problem_ = source
        self.Z_ = Z
        self.F_ = Z[:, : source.n_obj]
        return self

    # ------------------------------------------------------------------ use

    def _check_bound(self) -> None:
        if self.F_ is None:
            raise RuntimeError("call bind(problem) before using the prior")

    def values(self, X) -> np.ndarray:
        """The source's objective values ``(n, n_obj)`` of genomes ``(n, 6)``."""
        self._check_bound()
        return self.F_[encode(np.atleast_2d(np.asarray(X, dtype=np.int64)))]

    def features(self, X) -> np.ndarray:
        """Surrogate features ``(n, n_obj + len(features))`` of genomes ``(n, 6)``: the
        source's values of the target's objectives, then of the extra ``features``."""
        self._check_bound()
        return self.Z_[encode(np.atleast_2d(np.asarray(X, dtype=np.int64)))]

    def initial_genomes(self, n: int | None = None, features: bool = False) -> np.ndarray:
        """``n`` genomes ``(n, 6)`` of distinct isomorphism classes (default: one of every
        class): the source's Pareto fronts of the target's objectives (with ``features``:
        of every feature, :meth:`features`), best first (in a front, by the first
        objective)."""
        self._check_bound()
        reps = representative_codes()
        n = len(reps) if n is None else int(n)
        out = []
        # measured cells first; the predicted ones of a partial source after them
        for codes in (reps[self.measured_[reps]], reps[~self.measured_[reps]]):
            F = (self.Z_ if features else self.F_)[codes]
            for front in (NonDominatedSorting().do(F, n_stop_if_ranked=n - len(out))
                          if len(codes) else []):
                front = front[np.lexsort(F[front].T[::-1])]
                out.extend(codes[front])
                if len(out) >= n:
                    break
            if len(out) >= n:
                break
        return decode(np.asarray(out[:n], dtype=np.int64))


def _origin(problem) -> tuple:
    """Where a problem's values come from: ``(dataset, table source)`` (a live problem: its
    store's name for its training config), so a prior from the same origin is refused."""
    table = getattr(problem, "table", None)
    if table is not None:
        return (table.dataset, table.source)
    train = getattr(problem, "train", None)
    if train is not None and hasattr(train, "key"):
        return (getattr(problem, "dataset", None), f"live:{train.key()}")
    return (getattr(problem, "dataset", None), None)


def _impute(Z: np.ndarray, names, where: str) -> np.ndarray:
    """Fill the missing rows of a partial source's values ``Z`` ``(15625, k)`` (NaN; columns
    ``names``) with a :class:`HammingGP` fitted, column by column, on the measured classes."""
    reps = representative_codes()
    Zr = Z[reps].copy()
    for j in range(Z.shape[1]):
        known = np.flatnonzero(np.isfinite(Zr[:, j]))
        if len(known) < MIN_MEASURED:
            raise ValueError(
                f"the transfer prior's source ({where}) has {len(known)} measured cells for "
                f"{names[j]!r}; a prior needs at least {MIN_MEASURED}")
        if len(known) == len(reps):
            continue
        train = known
        if len(train) > MAX_IMPUTE_TRAIN:
            train = np.sort(np.random.default_rng(0).choice(known, MAX_IMPUTE_TRAIN,
                                                            replace=False))
        gp = HammingGP().fit(decode(reps[train]), Zr[train, j])
        missing = np.flatnonzero(~np.isfinite(Zr[:, j]))
        Zr[missing, j] = gp.predict(decode(reps[missing]))[:, 0]
    return Zr[class_of_code()]


__all__ = ["TransferPrior"]
