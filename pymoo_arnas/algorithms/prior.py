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
with the other's table, the source's clean and attack values as features, seeds 0-9): mean
nHV 0.975 and share of the exact front 78 % at 300 unique queries (without: 0.912, 63 %);
0.914 / 58 % at 100 (without: 0.699 / 26 %).

The source must be given explicitly and must not be the target's own table and objectives
(:meth:`TransferPrior.check`): that would hand the search the answer.

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

from pymoo_arnas.space import N_CELLS, decode, encode, representative_codes


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

    def __repr__(self) -> str:
        name = self.source if isinstance(self.source, str) else type(self.source).__name__
        return f"TransferPrior({name!r}, objectives={self.objectives!r})"

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
        same_table = source.table is getattr(target, "table", None) or (
            source.dataset == getattr(target, "dataset", None))
        if same_table and tuple(source.columns) == tuple(target.columns):
            raise ValueError(
                "a transfer prior must come from another table or other objectives than the "
                f"problem's (both are {source.dataset!r} {tuple(source.columns)!r}): that would "
                "hand the search the exact answer")

    def bind(self, target) -> "TransferPrior":
        """Read the source's values of every cell for ``target`` (a cell problem); returns
        ``self``."""
        source = self._source_problem(target)
        self.check(source, target)
        F = source.evaluate(decode(np.arange(N_CELLS)))
        self.problem_ = source
        self.F_ = np.asarray(F, dtype=float)
        Z = [self.F_]
        if self.extra:
            from pymoo_arnas.problems import ARNAS

            more = ARNAS(source.dataset, self.extra, epsilon=self.epsilon, table=source.table)
            Z.append(np.asarray(more.evaluate(decode(np.arange(N_CELLS))), dtype=float))
        self.Z_ = np.hstack(Z)
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
        codes = representative_codes()
        n = len(codes) if n is None else int(n)
        F = (self.Z_ if features else self.F_)[codes]
        out = []
        for front in NonDominatedSorting().do(F, n_stop_if_ranked=n):
            front = front[np.lexsort(F[front].T[::-1])]
            out.extend(codes[front])
            if len(out) >= n:
                break
        return decode(np.asarray(out[:n], dtype=np.int64))


__all__ = ["TransferPrior"]
