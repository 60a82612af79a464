"""NSGA-II for categorical cells, hybridised with Pareto local search and a cheap surrogate.

This is the project's best classic (no language model) configuration, registered as
``nsga2-cat``. Every generation it

1. builds a pool of *candidates* that were never queried (up to isomorphism, or per genome
   when the problem counts genomes, e.g. with a cost objective): during the first
   ``global_pool`` unique queries every unqueried cell of the space (and after them in every
   ``global_every``-th generation, a *global generation*), else the 1-edge neighbours of the
   archive's best cells (Pareto local search: the non-dominated cells of everything
   evaluated so far, and the next fronts until at least ``n_seeds`` cells; the neighbours of
   every genome of each such cell's isomorphism class), plus NSGA-II offspring made with
   uniform (edge-wise) crossover and random-reset mutation from the current population;
2. ranks the pool with a Gaussian process with a Hamming kernel between isomorphism classes
   (:class:`~pymoo_arnas.algorithms.surrogate.ClassHammingGP`; between genomes,
   :class:`HammingGP`, when the problem counts genomes; with two objectives, one that takes
   the two convolutions as alike; with several and no prior knowledge, mixed with a
   Weisfeiler-Lehman kernel on what the cells compute,
   :mod:`~pymoo_arnas.algorithms.wl_kernel`) of every objective fitted on the archive: on
   each objective's rank-warped values (:func:`~pymoo_arnas.algorithms.surrogate.rank_warp`;
   not with a prior; with two objectives, the clean accuracy and a robust one, after the
   global phase the robust accuracy as its ratio to the clean one), and on the residuals of
   a linear trend in a prior's values or the cells' zero-cost features when given
   (``prior=``, ``zero_cost=``). The pool is ranked by the optimistic prediction
   ``mean - beta * std``'s non-domination rank against the archive (any number of
   objectives), ties broken at random (with two objectives, during the first ``global_pool``
   queries and in the global generations, the pool's predicted front comes first, one cell
   at a time by the hypervolume its optimistic prediction adds to the archive and the cells
   picked before it, as SMS-EGO does), and ``n_offsprings`` of them are kept (by default 5
   with several objectives, half a population with one or with zero-cost features; with
   several objectives and zero-cost features a share ``explore`` is drawn unscreened from
   the pool to keep the search honest where the surrogate is wrong);
3. evaluates them (each is a new unique cell: one unique query each) and applies NSGA-II
   rank-and-crowding survival.

The first population is the 25 cells of a randomised orthogonal array
(:class:`~pymoo_arnas.operators.OrthogonalArraySampling`), or with a prior the source's best
cells.

With one objective the pool is every unqueried cell for the whole run by default (a GP
search of the space, by the optimistic prediction); ``global_pool=0`` gives the surrogate-screened
best-improvement local search around the best cells, mixed with a GA.
"""

from __future__ import annotations

import numbers

import numpy as np
from pymoo.algorithms.moo.nsga2 import NSGA2
from pymoo.core.population import Population
from pymoo.operators.crossover.ux import UX
from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting
from scipy.special import ndtr

from pymoo_arnas.algorithms.surrogate import (
    ClassHammingGP,
    HammingGP,
    PerObjectiveGP,
    ResidualGP,
    check_unit,
    edge_kernel,
    from_robust_ratio,
    rank_warp,
    to_robust_ratio,
    warp_map,
)
from pymoo_arnas.operators.classic import (
    CellDuplicateElimination,
    OrthogonalArraySampling,
    RandomResetMutation,
    problem_units,
)
from pymoo_arnas.problems.base import budget_room
from pymoo_arnas.problems.objectives import COSTS
from pymoo_arnas.space import N_CELLS, N_EDGES, N_OPS, all_genomes

_NDS = NonDominatedSorting()

_MIN_TRAIN = 8
"""Fewest evaluated cells the GP is fitted on; before that, candidates are picked at random."""

# options that were tried and gave no measured gain (see NSGA2LocalSearch's notes)
_REMOVED = frozenset({"alpha", "model", "pool", "theta", "noise", "n_extreme", "acquisition",
                      "n_mc", "radius", "n_obj_seeds", "patience", "beta_stalled"})


def hv_gain(front, P, ref) -> np.ndarray:
    """Hypervolume ``(k,)`` that each point of ``P`` ``(k, 2)`` adds to the points ``front``
    ``(j, 2)`` (two objectives, minimised, up to the reference point ``ref`` ``(2,)``; 0 for
    a point the front dominates). Exact: the area under the front's staircase that each point
    dominates.

    >>> hv_gain([[0.0, 1.0], [1.0, 0.0]], [[0.5, 0.5], [0.0, 0.0], [1.0, 1.0]], [2.0, 2.0])
    array([0.25, 1.  , 0.  ])
    """
    front = np.asarray(front, dtype=float).reshape(-1, 2)
    P = np.asarray(P, dtype=float).reshape(-1, 2)
    r1, r2 = (float(v) for v in ref)
    front = front[np.argsort(front[:, 0], kind="stable")]
    # the front's level over f1: r2 before its first point, then the best f2 so far
    starts = np.r_[-np.inf, front[:, 0]]
    level = np.minimum(np.r_[r2, np.minimum.accumulate(front[:, 1])], r2)
    ends = np.r_[front[:, 0], np.inf]
    x = P[:, :1]
    width = np.clip(np.minimum(ends, r1)[None, :] - np.maximum(starts[None, :], x), 0.0, None)
    height = np.clip(level[None, :] - P[:, 1:], 0.0, None)
    return (width * height).sum(axis=1)


def _greedy_hv_gain(F, P, n) -> np.ndarray:
    """Up to ``n`` rows of ``P`` ``(k, 2)`` (optimistic predictions), one at a time, each
    adding the most hypervolume to the archive ``F`` ``(j, 2)`` and the rows before it (the
    reference point 0.1 beyond the archive's worst); stops when no row adds any."""
    ref = F.max(axis=0) + 0.1
    front = F[_NDS.do(F, only_non_dominated_front=True)]
    left = np.arange(len(P))
    chosen = []
    while len(chosen) < n:
        gain = hv_gain(front, P[left], ref)
        adds = gain > 0  # a row that adds nothing never will: the front only grows
        if not adds.any():
            break
        left, gain = left[adds], gain[adds]
        best = int(np.argmax(gain))
        chosen.append(left[best])
        front = np.vstack([front, P[left[best]]])
        left = np.delete(left, best)
    return np.array(chosen, dtype=np.int64)


def non_domination_chance(mean, std, front) -> np.ndarray:
    """Chance ``(k,)`` that each of ``k`` candidates is dominated by no point of ``front``
    ``(p, 2)`` (two objectives, both minimised), its objectives independent normals of
    ``mean`` and ``std`` ``(k, 2)`` (``std > 0``): one minus the chance that it falls behind
    the front's staircase.

    Examples
    --------
    >>> front = np.array([[0.2, 0.8], [0.5, 0.5], [0.8, 0.2]])
    >>> mean = np.array([[0.1, 0.9], [0.6, 0.6], [0.45, 0.45]])
    >>> non_domination_chance(mean, np.full((3, 2), 1e-6), front).round(3).tolist()
    [1.0, 0.0, 1.0]
    >>> float(non_domination_chance([[0.5, 0.5]], [[0.1, 0.1]], [[0.5, 0.5]])[0])
    0.75
    """
    mean, std = np.asarray(mean, dtype=float), np.asarray(std, dtype=float)
    front = np.asarray(front, dtype=float)
    front = front[np.argsort(front[:, 0], kind="stable")]
    a, b = front[:, 0], front[:, 1]  # a rising, b falling along a non-dominated front
    a_next = np.append(a[1:], np.inf)
    m0, s0, m1, s1 = mean[:, :1], std[:, :1], mean[:, 1:], std[:, 1:]
    # the first objective between two steps, and the second above the lower step's
    between = ndtr((a_next[None] - m0) / s0) - ndtr((a[None] - m0) / s0)
    return 1.0 - (between * ndtr((m1 - b[None]) / s1)).sum(axis=1)


def _optional_count(name: str, value, what: str) -> int | None:
    """``value`` as an int, None as it is; a ``ValueError`` naming ``name`` unless it is a
    whole number >= 0 (an integer type: ``4.0``, ``True`` and ``"4"`` are refused)."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) \
            or value < 0:
        raise ValueError(f"{name} must be a number of {what} >= 0 or None (the default); "
                         f"got {value!r}")
    return int(value)


def _accuracy_columns(problem):
    """``(clean, others)``: the objective that is the clean accuracy and those that are other
    accuracies (attacks, corruptions; not costs or scores), or None when ``problem`` has no
    clean accuracy or no other."""
    columns = tuple(getattr(problem, "columns", None) or ())
    if len(columns) != problem.n_obj or "clean" not in columns:
        return None
    other = np.array(getattr(problem, "is_accuracy", np.ones(len(columns), bool)), dtype=bool)
    clean = columns.index("clean")
    other[clean] = False
    return (clean, np.flatnonzero(other).tolist()) if other.any() else None


def neighbours(X) -> np.ndarray:
    """All 1-edge neighbours ``(24 n, 6)`` of genomes ``(n, 6)`` (each edge set to each other op).

    >>> neighbours([[0, 0, 0, 0, 0, 0]]).shape
    (24, 6)
    """
    X = np.atleast_2d(np.asarray(X, dtype=np.int64))
    out = []
    for i in range(N_EDGES):
        for s in range(1, N_OPS):
            Y = X.copy()
            Y[:, i] = (Y[:, i] + s) % N_OPS
            out.append(Y)
    return np.concatenate(out) if out else np.empty((0, N_EDGES), np.int64)


class NSGA2LocalSearch(NSGA2):
    """NSGA-II + Pareto local search over 1-edge neighbourhoods + GP screening.

    Parameters
    ----------
    pop_size : int, optional
        Population size, and the first sample of unique cells. Default 25: a randomised
        orthogonal array (:class:`~pymoo_arnas.operators.OrthogonalArraySampling`; its 25
        cells hold every pair of operations on every pair of edges once; ``sampling=`` to
        change it); with a prior 20, the source's best cells (see the notes).
    n_offsprings : int, optional
        Cells evaluated per generation: the GP is refitted after each batch (default 5
        with several objectives (at most ``pop_size``), ``pop_size // 2`` with one or with
        zero-cost features; see the notes).
    local_search : bool
        Put the 1-edge neighbours of the archive's best cells into the candidate pool.
    surrogate : bool
        Rank candidates with the GP; else pick them at random.
    n_seeds : int, optional
        Least number of archive cells whose neighbourhoods are searched (whole fronts are
        taken, best first; one objective: the best values, ties included). Default 8 with
        several objectives, 20 with one.
    n_mating : int
        NSGA-II offspring put into the pool per generation, as a multiple of ``n_offsprings``.
    explore : float, optional
        Share of each generation drawn from the pool without the surrogate, rounded to whole
        cells (default 0.1 with several objectives and zero-cost features; else 0: with
        several objectives a tenth of 5 cells rounds to none, with a prior 0 measured 0.977
        vs 0.972 mean nHV on the tuning seeds, and with one objective the optimum in 975 of
        1,000 runs vs 964; see the notes).
    beta : float, optional
        Optimism of the GP ranking ``mean - beta * std`` (0: the mean only). Default 1; 1.5
        with two objectives and a whole-table prior (see the notes).
    max_train : int
        Most archive cells the GP is fitted on (the best fronts first).
    prior : TransferPrior or str or ARNAS or BenchmarkTable, optional
        Prior knowledge from another table of the same space
        (:class:`~pymoo_arnas.algorithms.prior.TransferPrior`; a dataset name, problem or
        table is wrapped in one): the first population is the source's best cells, and the
        GP models the residuals of a linear regression on the source's values
        (:class:`~pymoo_arnas.algorithms.surrogate.ResidualGP`). Default: none. E.g.
        ``get_algorithm("nsga2-cat", prior="cifar10")`` on a CIFAR-100 problem.
    prior_features : sequence of str or str, optional
        More objectives of the prior's table as surrogate features (a comma-separated
        string allowed), e.g. ``"clean,fgsm,pgd,apgd,square"``; see
        :class:`~pymoo_arnas.algorithms.prior.TransferPrior`.
    prior_pool : int
        With a prior, the source's best unqueried cells (the fronts of all its features,
        best first) added to the candidate pool each generation.
    zero_cost : sequence of str or str or ZeroCostFeatures, optional
        Zero-cost features of each cell as surrogate features
        (:class:`~pymoo_arnas.algorithms.zero_cost.ZeroCostFeatures`; names or a
        comma-separated string), e.g. ``"params,ntk_adv_min"``: the GP then models the
        residuals of a linear fit on them (beside a prior's values when there is one).
        Default: none. ``nsga2-cat-zc`` is ``nsga2-cat`` with those two.
    global_pool : int, optional
        Unique queries during which the candidate pool is every unqueried cell of the space
        (the GP screens all of them) instead of the neighbourhoods and offspring. Default:
        the whole run with one objective, the first 100 queries with several; with a prior of
        a whole table the first 100 with two objectives and no zero-cost features, else none
        (its best cells join the pool instead; a partial prior, e.g. a proxy task's store,
        keeps the default). 0 turns it off.
    global_every : int, optional
        After the global phase, the first of every ``global_every`` generations is a global
        generation: it screens every unqueried cell as the global phase does (its
        ``conv_similarity``, and with two objectives its hypervolume order) instead of the
        local pool. Default: with two objectives, a global phase, no whole-table prior and
        no zero-cost features, 2 where the GP models the robust accuracy as a ratio
        (``robust_ratio``) and 4 where not; else 0 (never; see the notes).
    class_neighbours : bool
        The local pool holds the 1-edge neighbours of every genome isomorphic to a seed cell,
        not only of the genome that was queried (isomorphic genomes have different
        neighbours; default on).
    class_kernel : bool
        Screen with a GP whose kernel is between isomorphism classes
        (:class:`~pymoo_arnas.algorithms.surrogate.ClassHammingGP`, also for the residuals
        of a prior's or zero-cost features' trend) when the problem counts classes (default
        on). When it counts genomes (a cost objective), one GP per objective
        (:class:`~pymoo_arnas.algorithms.surrogate.PerObjectiveGP`): the kernel between
        classes for the objectives that are the class's (accuracies, scores), the Hamming
        kernel between genomes for the costs. Off: the Hamming kernel between genomes.
    conv_similarity : float or (float, float), optional
        How alike the GP's kernel takes the two convolutions (1x1, 3x3) on an edge, in [0, 1]
        (:func:`~pymoo_arnas.algorithms.surrogate.edge_kernel`; 0: as different as any two
        ops): one value for the whole run, or a pair (during the global phase and the
        global generations, in the other generations).
        Default: ``(0.1, 0.5)`` with two objectives and no prior, else 0 (see the notes).
    wl_weight : float, optional
        Weight in [0, 1] of the Weisfeiler-Lehman kernel on what the cells compute, mixed
        into the class kernel (``ClassHammingGP(wl_weight=...)``; see
        :mod:`~pymoo_arnas.algorithms.wl_kernel`). Default: 0.5 with several objectives, no
        prior and no zero-cost features, or with two objectives and a whole-table prior;
        else 0 (see the notes).
    robust_ratio : bool, optional
        After the global phase, the GP models each accuracy other than the clean one (an
        attack's, a corruption's) as its ratio to the clean accuracy, how much of what the
        network gets right survives, and ranks the candidates by the optimistic ratio of the
        optimistic clean accuracy (:func:`~pymoo_arnas.algorithms.surrogate.to_robust_ratio`).
        Needs the clean accuracy and another among the objectives (costs and scores are
        modelled as they are). Default: on with two objectives and no zero-cost features,
        else off (see the notes).
    pnd_from : int, optional
        Two objectives: once the archive holds this many cells, the last cell of each local
        generation is instead the unqueried cell of the whole space most likely not to be
        dominated by the archive's front (:func:`non_domination_chance`, from the GP's mean
        and standard deviation), so a cell far from the cells searched around that the GP
        already ranks on the front is queried. ``0`` never. Default: 200 with a whole-table
        prior and no zero-cost features, else never (see the notes).
    warp : bool, optional
        Fit the GP on the archive's rank-warped objectives
        (:func:`~pymoo_arnas.algorithms.surrogate.rank_warp`) and rank the candidates in that
        space (a non-domination rank does not change when an objective is mapped by an
        increasing function). Default: on, off with a prior (whose values the GP's trend fits
        linearly in the raw objectives).

    Notes
    -----
    Tuned on the 8 bi-objective problems at 300 unique queries: the defaults (local pool,
    GP rank with ``beta=1``, ``n_seeds=8``) gave mean nHV 0.91 and share 0.62. Options the
    tuning found within +-0.01 of it were removed (the code is in the git history):
    Monte-Carlo EHVI acquisition, a global pool of every unqueried cell for the whole run
    (``global_pool`` below keeps it where it measurably helps), 2-edge
    neighbourhoods, per-objective picks and seeds, a stall rule (global pool and more
    optimism after stagnation), other kernel decays and nuggets; so was the ridge-regression
    surrogate the GP replaced as the default. The screening ranks by non-dominated sorting,
    so any number of objectives works (one objective: the predicted value).

    With one objective, 20 seed cells instead of 8 reached the optimum within 300
    evaluations in 86 of 100 runs instead of 66 (the paper's 10 problems, tuning seeds
    100-109, population 20; 82 vs 78 with population 30); with two objectives 20 seeds
    changed nothing (mean nHV 0.888 vs 0.892), so the default depends on the number of
    objectives.

    Screening every unqueried cell (``global_pool``) helps where the archive says little:
    early in a run and with one objective. On the tuning seeds (100-119; the 8 bi-objective
    problems) the first 100 queries from the global pool raised mean nHV at 100 queries from
    0.659 to 0.691 (0.896 and 0.900 at 300); the whole run from it gave 0.902 but a smaller
    share of the exact front (0.574 vs 0.599). With one objective (the paper's 10 problems,
    population 30, 300 evaluations) the whole run from the global pool reached the optimum
    in 169 of 200 runs instead of 162, with half the mean regret (0.0013 vs 0.0024).
    Half a population per generation (``n_offsprings=10`` with ``pop_size=20``) then gave
    0.718 at 100 and 0.903 at 300 (share 0.612); with one objective 172 of 200.
    Tried and not kept: a batch that shrinks the GP's variance around each pick before the
    next (GP-BUCB; 82 of 100 instead of 87), a learned per-edge kernel decay (ARD by
    marginal likelihood: nHV 0.898 vs 0.892 at 25x the time), adding the archive's local
    optima (by Hamming radius 1-2) to the seeds (80 of 100), and one cell a generation
    during the global phase (as Optuna's GP sampler asks: 0.746 at 100 queries, but 0.892 at
    300).

    The objectives are rank-warped before the GP sees them (``warp``, a Gaussian copula as
    HEBO uses; the figures above were measured before, on the raw values): most cells barely
    train, and that long tail set the GP's scale, so differences among good cells looked like
    noise. Tuning seeds 100-149 (400 runs, mean nHV at 100 / 200 / 300 queries, share at
    300): ``nsga2-cat`` 0.759 / 0.869 / 0.907, 0.618 against 0.674 / 0.859 / 0.900, 0.603 raw
    (paired differences +0.085 +- 0.013, +0.010 +- 0.005, +0.007 +- 0.004); ``nsga2-cat-zc``
    0.828 / 0.878 / 0.915, 0.607 against 0.798 / 0.879 / 0.906, 0.593; one objective (seeds
    100-119) the optimum in 181 of 200 runs against 173. With a table prior warping lost
    (0.969 against 0.975 at 300), so it is off there.

    Other surrogates, each on the warped objectives (``benchmarks/bench_surrogate.py --search
    --seeds 20 --first-seed 100``, which overrides :meth:`_surrogate`; mean nHV at 100 / 200 /
    300 queries, worst problem at 300), against the Hamming GP's 0.756 / 0.870 / 0.905 (0.757):
    the Hamming kernel between class representatives 0.770 / 0.874 / 0.918 (0.805), but level
    on seeds 120-149 (0.749 / 0.869 / 0.911 against 0.762 / 0.869 / 0.908); an RBF kernel on
    path encodings 0.648 / 0.847 / 0.897; its mean with the Hamming kernel 0.766 / 0.867 /
    0.910, and 0.767 / 0.854 / 0.905 on seeds 120-149; ridge regression 0.732 / 0.842 / 0.878;
    the mean of ridge and GP 0.774 / 0.847 / 0.895. None was kept. The same benchmark shows
    why the front is hard to complete: a Hamming GP fitted on half of the other classes
    ranks only 52 of the 87 exact-front cells of the 8 problems among its first 100.

    A cell's neighbours are those of every genome of its isomorphism class
    (``class_neighbours``): an isomorphic genome (e.g. with another op on an edge that no
    path uses) has other 1-edge neighbours, and the exact-front cells a run missed were
    often one edge from such a genome of a found cell though two or more from the genome
    queried. Tuning seeds 100-119, mean nHV at 100 / 200 / 300 queries, share at 300: 0.756 /
    0.877 / 0.914, 0.637 against 0.756 / 0.870 / 0.905, 0.619 (paired +0.009 +- 0.003 at 300);
    seeds 120-149: 0.762 / 0.873 / 0.918, 0.629 against 0.762 / 0.869 / 0.908, 0.618 (+0.010 +-
    0.003); no problem lower. Level elsewhere: ``nsga2-cat-zc`` 0.916 against 0.913 (seeds
    100-119), a whole-table prior 0.977 against 0.975 (100-109), five objectives 0.690 against
    0.701 (+- 0.02; 100-109); one objective screens the global pool and never uses it.

    The GP's kernel is between isomorphism classes (``class_kernel``: the genome kernel's
    mean over every pair of genomes of two cells), so isomorphic genomes are one point, as
    they are one network. Tuning seeds 100-119: 0.760 / 0.895 / 0.921, share 0.643, against
    0.756 / 0.877 / 0.914, 0.637 with the genome kernel (paired +0.008 +- 0.005 at 300);
    seeds 120-149: 0.754 / 0.892 / 0.923, 0.641 against 0.762 / 0.873 / 0.918, 0.629 (+0.005 +-
    0.003); one objective (seeds 100-119, population 30) the optimum in 190 of 200 runs
    against 183. A run takes about 0.45 s instead of 0.2 s (the class kernel's columns are
    computed once per process and class, and kept). The residual GP of a prior or of
    zero-cost features takes the class kernel too: ``nsga2-cat-zc`` 0.834 / 0.897 / 0.925,
    0.626 against 0.824 / 0.874 / 0.916, 0.611 (seeds 100-119; +0.009 +- 0.003 at 300) and
    0.830 / 0.890 / 0.922 against 0.830 / 0.880 / 0.917 (120-149; +0.005 +- 0.003); a whole-
    table prior 0.979, share 0.805 against 0.977, 0.780 (100-109; +0.002 +- 0.001) and 0.977,
    0.793 against 0.976, 0.780 (110-129).

    With several objectives a generation is 5 cells (since 0.4.0, as ``pop_size // 4`` of 20;
    since 0.7.0 5 whatever the population; before 0.4.0, half a population), so the GP sees each
    batch before it picks the next. Tuning seeds 100-149 (400 runs), mean nHV at 100 / 200
    / 300 queries, share at 300: 0.782 / 0.898 / 0.924, 0.644 against 0.757 / 0.893 / 0.922,
    0.642 (paired +0.025 +- 0.009 at 100, +0.004 +- 0.003 at 200, +0.001 +- 0.002 at 300);
    worst problem 0.823 against 0.815. Five objectives (seeds 100-119): 0.437 / 0.665 / 0.777
    against 0.401 / 0.640 / 0.766. Level with a whole-table prior (0.978 both at 300); with
    zero-cost features no gain (-0.005 +- 0.006 at 100, -0.004 +- 0.003 at 300), so they
    keep half a population and a tenth unscreened. A tenth of 5 cells rounds to no
    unscreened cell, so ``explore`` defaults to 0 with several objectives (with 10 a
    generation, 0 and 0.1 measured level: 0.921 both). One objective keeps half a
    population and a tenth unscreened (5 a generation: the optimum in 95 of 100 runs against
    97, seeds 100-109). Three a generation gave 0.803 / 0.901 / 0.925 (seeds 100-119) at 3x
    the time of 10; 5 costs about 2x, the GP's fit and prediction being most of a run.
    Tried and not kept in the same round (seeds 100-119, paired at 300): ranking by the
    probability of not being dominated by the archive (alone, as tie-break, or alternating
    with the rank: -0.003 to -0.005 +- 0.004; more of the front at 100 queries, less after
    200), each objective's most optimistic cell added to every batch (+0.002 +- 0.003),
    ``n_seeds`` 5 or 12 (-0.005, +0.002), ``explore=0.2`` (+0.003 +- 0.004); with 5 a
    generation, the global phase 60 or 150 queries long (seeds 100-149: -0.003 +- 0.002 and
    +0.001 +- 0.001 at 300, -0.005 and -0.004 +- 0.002 at 200). With one objective, a batch
    kept diverse (no two cells of kernel value above 0.3 or 0.5) reached the optimum in 185
    and 186 of 200 runs against 190 (seeds 100-119); the runs that miss it end on the
    second to fourth best cell, 3 to 6 edges from the optimum.

    With a transfer prior (``prior=``; tuning seeds
    100-109, the 8 bi-objective problems, each CIFAR searched with the other's table):
    first population from the source's front and a GP on the residuals of a linear fit on
    the source's values gave mean nHV 0.930 at 300 queries (plain: 0.892); adding the
    source's best unqueried cells to the pool 0.962; the source's other attacks as features
    (which also order that pool) 0.972; no unscreened share 0.977. What did not help: a
    first population from the fronts of all features (0.968), a kernel that also
    correlates cells with close source values (0.965-0.967), more optimism ``beta=2``
    (0.973), population 10 or 30 (0.972, 0.966), ``n_seeds=16`` (0.962), ``max_train=150``
    (0.971), zero-cost scores as extra features (0.942) or as the prior itself (0.810).

    A *partial* prior (:meth:`TransferPrior.from_store
    <pymoo_arnas.algorithms.prior.TransferPrior.from_store>`: the cells a cheaper proxy task
    or an earlier search trained) is of unknown quality where it has no cells, so it keeps the
    global phase of the first 100 queries. Tuning seeds 100-109, mean nHV at 100 / 200 / 300
    queries: 300 cells trained on digits as the prior of the CIFAR clean/FGSM and clean/PGD
    problems (a poor proxy: Spearman -0.30 with CIFAR-10 PGD) 0.774 / 0.833 / 0.836 without the
    global phase, 0.818 / 0.860 / 0.877 with it (no prior: 0.713 / 0.842 / 0.884); the 300 cells
    of an earlier search of the other CIFAR (all 8 problems) 0.865 / 0.906 / 0.927 and 0.865 /
    0.905 / 0.933; a whole table 0.919 / 0.950 / 0.975 and 0.896 / 0.941 / 0.974, so not
    there. Choosing the residual GP or the plain one by leave-one-out error each generation
    did not help (0.873 and 0.845 with the digits prior).

    Zero-cost features (``zero_cost=``, registered as ``nsga2-cat-zc`` with ``params`` and
    ``ntk_adv_min``; tuning seeds 100-119, the 8 bi-objective problems, mean nHV at 100 / 200 /
    300 queries): 0.805 / 0.883 / 0.909 (share 0.605) against 0.718 / 0.854 / 0.903 (0.612)
    without; ``params`` alone 0.808 / 0.862 / 0.895, with ``ntk_min`` 0.804 / 0.869 / 0.901,
    ``params, ntk_min, ntk_adv_min`` 0.790 / 0.886 / 0.911, ``params, ntk_min, naswot`` 0.747 /
    0.862 / 0.899. With one objective (the paper's 10 problems, seeds 100-109) the optimum in
    90 of 100 runs against 89. The features speak most when the archive is small: they lead
    the first 100 queries and are level after 200. Tried and not kept: the global phase
    longer with them (150 / 200 / 300 queries: 0.909 / 0.902 / 0.891 at 300), the NTK score
    as ``log1p`` (0.717 / 0.872 / 0.920: the early gain gone), with a whole-table prior
    (0.967 against 0.975 at 300 on seeds 100-109).

    With two objectives, the global phase takes the pool's predicted front by hypervolume
    gain (:func:`hv_gain`, greedy: each pick joins the front before the next is chosen)
    instead of in random order (since 0.5.0; SMS-EGO's rule, Ponweiser et al. 2008): each
    pick lowers the gain of cells predicted near it, so a batch spreads along the predicted
    front (in random order, several picks could fall where many cells are predicted
    non-dominated). Tuning seeds 100-149 (400 runs), mean nHV at 100 / 200 / 300 queries,
    share at 100 and 300: 0.793 / 0.895 / 0.922, 0.373 and 0.644 against 0.782 / 0.898 /
    0.924, 0.352 and 0.644 (paired +0.011 +- 0.007 at 100, share +0.021 +- 0.007; -0.003 +-
    0.003 at 200, -0.002 +- 0.002 at 300). ``nsga2-cat-zc`` (seeds 100-119): 0.838 / 0.895 /
    0.926 against 0.834 / 0.897 / 0.925. On the report seeds 0-9 it costs more later: 0.795
    / 0.908 / 0.925 (share 0.655) against 0.778 / 0.920 / 0.933 (0.663). Tried and not kept:
    hypervolume gain for the whole run (seeds 100-119 / 120-149: +0.012 / +0.023 at 100 but
    -0.001 / -0.005 +- 0.003 at 300), crowding distance among the predicted front instead
    (+0.005 at 100, -0.003 at 300), a global phase of 200 or 300 queries (-0.003, -0.007 at
    300), a kernel that adds first- or second-order edge terms (the additive kernel of the
    class-mean one-hot ops or op pairs, weight 0.1-0.4, or chosen by marginal likelihood:
    -0.009 to +0.001 at 300; with one objective 92-94 of 100 runs found the optimum against
    97), and with one objective a batch of Thompson samples of the GP (63 of 100). With a
    whole-table prior (no global phase) the order for the whole run was level (0.978 both at
    300, share 0.802 against 0.800; seeds 100-119), so a prior keeps the rank order.

    With two objectives and no prior, the kernel takes the two convolutions as alike (since
    0.6.0; ``conv_similarity=(0.1, 0.5)``: after the global phase a 1x1 and a 3x3 convolution
    on an edge are 0.68 correlated instead of 0.37, the value for any two different ops, and
    0.43 during it; see :func:`~pymoo_arnas.algorithms.surrogate.edge_kernel`). First, 0.5
    after the global phase only (``(0, 0.5)``); tuning seeds 100-149 (400 runs), mean nHV at
    100 / 200 / 300 queries, share at 300: 0.793 / 0.901 / 0.925, 0.642 against 0.793 / 0.895
    / 0.922, 0.644 (paired +0.007 +- 0.002 at 200, +0.003 +- 0.001 at 300; share -0.2 +- 0.3
    points); the worst problem, CIFAR-10 PGD, 0.831 against 0.807 (+0.025 +- 0.008);
    ``nsga2-cat-zc`` (seeds 100-119) 0.838 / 0.901 / 0.928 against 0.838 / 0.895 / 0.926.
    Then 0.1 during the global phase as well (0.25 and 0.5 lost there; 0.05 was level with 0.1
    on seeds 120-149): seeds 100-149, 0.810 / 0.901 / 0.924, share 0.406 at 100 and 0.645 at 300,
    against 0.793 / 0.901 / 0.925, 0.373 and 0.642 (paired +0.018 +- 0.008 at 100, share +3.3
    +- 0.9 points at 100; -0.001 +- 0.002 at 300); ``nsga2-cat-zc`` (seeds 100-119) 0.841 /
    0.903 / 0.932 against 0.838 / 0.901 / 0.928. On the report seeds 0-9: 0.805 / 0.909 /
    0.930, share 0.652, worst problem 0.862 (CIFAR-10 PGD); with ``(0, 0.5)`` 0.795 / 0.913 /
    0.934, 0.652, 0.861; 0.5.0 0.795 / 0.908 / 0.925, 0.655, 0.815. ``nsga2-cat-zc`` 0.844 /
    0.909 / 0.934 against 0.850 / 0.911 / 0.935 and 0.850 / 0.909 / 0.929.

    Where it did not help it is off by default: with a whole-table prior (seeds 100-109,
    ``(0, 0.5)``) 0.974, share 0.76, against 0.979, 0.80; five objectives (seeds 100-109)
    0.744 against 0.786 (-0.042 +- 0.017); three objectives with a cost (the genome kernel)
    level (0.883 against 0.882); one objective, for the whole run, the optimum in 95 of 100
    runs (0.3: 94) against 97 (seeds 100-109). Tried and not kept (seeds 100-119 unless said;
    paired at 300): 0.3 or 0.7 after the global phase (+0.003, +0.006; 0.7 level on seeds
    120-149); 0.5 or 0.25 during the global phase too (0.776 and 0.805 at 100 queries against
    0.808; -0.010 +- 0.006 at 300 with 0.25); the two parameter-free ops (skip connection,
    average pool) alike as well, for the whole run (0.3 / 0.6: +0.003 / +0.002, and 0.802 /
    0.782 at 100); the kernel chosen by marginal likelihood at each fit among the Hamming
    kernel and similarity 0.5 and 0.8 (+0.005 +- 0.003; from the first query 0.791 at 100), or
    the decay ``theta`` among 0.5, 1 and 2 (+0.000 +- 0.003); less optimism after the global
    phase, ``beta`` 0.5 (+0.006 +- 0.002, but +0.000 +- 0.002 on seeds 120-149), 0.25 or 0.75
    (seeds 120-149: -0.002, -0.001) or 2 (+0.002), ``beta`` 0 after 200 queries (-0.001); the
    2-edge neighbours of every genome of the archive's front in the local pool (-0.007 +-
    0.003); the global phase's hypervolume reference point 0.5, 1 or 2 beyond the archive's
    worst instead of 0.1 (level: +0.000 to +0.001 +- 0.001).

    The first population is a randomised orthogonal array (since 0.7.0;
    :class:`~pymoo_arnas.operators.OrthogonalArraySampling`: 25 cells that hold every pair of
    operations on every pair of edges once) instead of 20 uniform cells; 5 cells a
    generation follow as before. Tuning seeds 100-199 (800 runs each side), mean nHV at 100 /
    200 / 300 queries, share at 300: 0.808 / 0.910 / 0.933, 0.654 against 0.808 / 0.903 /
    0.926, 0.646 (paired -0.000 +- 0.005 at 100, +0.007 +- 0.002 at 200 and at 300; share at
    300 +0.8 +- 0.4 points, at 100 -1.4 +- 0.6); the worst problem, CIFAR-10 PGD, 0.853
    against 0.829, and no problem lower. Neither half alone: 25 uniform cells gave 0.794 /
    0.901 / 0.925 against 0.810 / 0.901 / 0.924 (seeds 100-149), the array's first 20 cells
    0.804 / 0.906 / 0.928 (100-199). ``nsga2-cat-zc`` (seeds 100-119): 0.858 / 0.916 / 0.937
    against 0.841 / 0.903 / 0.932 (+0.005 +- 0.004 at 300). One objective (the paper's 10
    problems, population 30: the array and 5 uniform cells; seeds 100-149): the optimum in
    483 of 500 runs against 476, half the mean regret. Level with three objectives and a cost
    (seeds 100-149: -0.002 +- 0.005) and with five (100-149: +0.010 +- 0.013). A prior's
    first population is the source's best cells, and 25 of them gave 0.976, share 0.793,
    against 0.978, 0.794 with 20 (seeds 100-109), so with a prior it stays 20 and its runs
    are as before. Tried and not kept: ``n_mating`` 1 or 6 with the array (seeds 100-149:
    -0.003 and +0.000 at 300 against 3). On the report seeds 0-9: 0.807 / 0.913 / 0.933,
    share 0.660, worst problem 0.846 (CIFAR-10 PGD), against 0.805 / 0.909 / 0.930, 0.652,
    0.862; ``nsga2-cat-zc`` 0.843 / 0.908 / 0.931 against 0.844 / 0.909 / 0.934; one
    objective 95 of 100 runs at the optimum against 97; three objectives 0.863 against 0.877
    (-0.014 +- 0.014; the genome kernel, before the GP per objective below), five 0.764
    against 0.813 (-0.049 +- 0.031; 20 runs each).

    With a cost objective (the problem counts genomes: two genomes of one class can differ
    in ``params``) each objective has its own GP (since 0.7.0;
    :class:`~pymoo_arnas.algorithms.surrogate.PerObjectiveGP`): the accuracies keep the
    kernel between classes, which they are functions of, and only the cost's GP is between
    genomes; before, all three were between genomes. Tuning seeds 100-149 (clean, PGD and
    params on CIFAR-10 and CIFAR-100, 100 runs each side), mean nHV at 100 / 200 / 300
    queries, share at 300: 0.803 / 0.874 / 0.912, 0.176 against 0.793 / 0.847 / 0.872, 0.136
    (paired +0.040 +- 0.004 at 300, share +4.0 +- 0.5 points). The class kernel for all three
    gave the same nHV (0.913) but not the share (0.142): it cannot tell two genomes of one
    class apart by their cost. ``nsga2-cat-zc`` (the residuals' GP, seeds 100-124): 0.912,
    0.148 against 0.898, 0.137 (+0.014 +- 0.004). On the report seeds 0-9, with the
    orthogonal array: 0.810 / 0.883 / 0.913, 0.178 against 0.6.0's 0.784 / 0.854 / 0.877,
    0.133.

    With several objectives and no prior knowledge, the class kernel is mixed with a
    Weisfeiler-Lehman kernel on what the cells compute (since 0.8.0; ``wl_weight=0.5``: the
    kernel is ``0.5 * class kernel + 0.5 * wl ** 2``, ``wl`` the cosine of the subtree features
    of depth 2 of each cell's expression, :mod:`~pymoo_arnas.algorithms.wl_kernel`, as
    NAS-BOWL, Ru et al. 2021). The edge kernel sees a cell as six positions; two cells that
    apply the same operations in the same order on other edges share nothing there, and the
    exact-front cells a run missed were mostly 10 to 130 fronts deep in the GP's ranking at its
    end (CIFAR-10 PGD, seeds 100-111). Chosen on tuning seeds 100-109 among the weights 0.3,
    0.5 and 0.7, depths 1 to 3, the cosine or its square, and in both phases or after the
    global phase only, then checked on seeds 130-169. The 8 bi-objective problems, seeds
    100-109 and 130-169 (400 runs each side), mean nHV at 100 / 200 / 300 queries, share at 100
    and 300: 0.827 / 0.922 / 0.939, 0.412 and 0.674 against 0.809 / 0.907 / 0.931, 0.388 and
    0.650 (paired +0.017 +- 0.006, +0.015 +- 0.003, +0.008 +- 0.002; share +2.5 +- 0.8 and +2.4
    +- 0.6 points); the worst problem, CIFAR-10 PGD, 0.891 against 0.849, and CIFAR-10 APGD
    0.965 against 0.949; no problem lower by more than 0.003. Seeds 130-169 alone: +0.021 +-
    0.007 at 100, +0.007 +- 0.003 at 300.

    Tried and not kept (mean nHV at 300): the cosine itself, not squared, weight 0.5: +0.015
    +- 0.004 on seeds 100-109, but +0.002 +- 0.004 on 110-129 and +0.004 on 130-169, and 0.806
    against 0.822 at 100 queries (100-109); the cosine with weight 0.3 or 0.7, depth 1 or 3
    (100-109): 0.942, 0.943, 0.934, 0.944 against its 0.946; the square with weight 0.3 or
    0.7, or the cube with 0.5 (130-149): 0.932, 0.933, 0.934 against 0.934 (and 0.810 at 100
    queries with 0.7); the mix after the global phase only (the cosine): +0.005 +- 0.003 on
    110-129 but -0.011 +- 0.005 on 100-109; with the mix, a global phase of 200 queries
    (seeds 100-109: +0.011 +- 0.004 at 300, but 130-169: +0.003, and -0.014 at 200
    queries). In screening (``bench_surrogate.py --train 100,200 --repeats 2 --models
    class,class+wl,wl``: a model fitted on random cells ranks the rest) the squared
    Weisfeiler-Lehman kernel alone orders the cells better (Spearman 0.80 against 0.75 at
    200 cells) but puts less of the exact front in its first 100 (21 % against 42 %), so it
    is mixed in, not used alone: the mix 47 % and 0.80 (32 % against 15 % at 100 cells).

    With more objectives it helped too. Three objectives with a cost (clean, PGD and params
    on CIFAR-10 and CIFAR-100: the accuracies' class kernels take it, the cost's genome
    kernel not; seeds 100-149, 100 runs each side): 0.829 / 0.889 / 0.919, share 0.200,
    against 0.803 / 0.874 / 0.912, 0.176 (paired +0.026 +- 0.006 at 100, +0.015 +- 0.004 at
    200, +0.007 +- 0.004 at 300; share +2.4 +- 0.5 points). Five (seeds 100-119, 40 runs):
    0.810 at 300, share 0.515, against 0.803, 0.502 (+0.007 +- 0.020), level. On the report
    seeds 0-9 (20 runs each): three objectives 0.815 / 0.886 / 0.919, share 0.211, against
    0.810 / 0.883 / 0.913, 0.178 (+0.006 +- 0.012); five 0.788, share 0.536, against 0.764,
    0.491 (+0.024 +- 0.031).

    Where it did not help it is off by default: with zero-cost features (seeds 100-119)
    +0.003 +- 0.004 at 300 but 0.836 against 0.858 at 100 queries, the features' strength;
    with a whole-table prior (the residuals' GP; seeds 100-109) 0.926 / 0.951 / 0.977, share
    0.804, against 0.911 / 0.946 / 0.979, 0.800: ahead early, level at 300 (since 0.11.0 on
    there with two objectives, beside a global phase: see below); with one
    objective (the paper's 10 problems, population 30, seeds 100-119) the optimum in 192 of
    200 runs against 193.

    On the report seeds 0-9 (two objectives): 0.833 / 0.917 / 0.930, share 0.651, worst
    problem 0.851 (CIFAR-10 PGD), against 0.807 / 0.913 / 0.933, 0.660, 0.846 (0.7.0): ahead
    at 100 and 200 queries, not at 300, where CIFAR-100 Square fell (0.899 against 0.924; on
    tuning seeds 130-149 too, 0.894 against 0.913).

    With two objectives and no prior knowledge, after the global phase the first of every
    four generations is a global generation (since 0.9.0; ``global_every=4``): it screens
    every unqueried cell again, with the global phase's kernel and its hypervolume order,
    instead of the local pool. Most exact-front cells a run missed are far from the front it
    found (seeds 100-109: of 340 missed, 4 were one edge from a found front cell, 123 two
    edges and 213 further; the one-edge neighbourhood of the found front was 73 % queried),
    so the local pool alone cannot reach them. Chosen on tuning seeds 100-119 among every 2nd,
    3rd, 4th and 6th generation (mean nHV at 300 +0.004, +0.006, +0.002, +0.003; share +1.8,
    +1.8, +1.4, +0.8 points), then 3 and 4 on seeds 130-169 (-0.002 +- 0.001 and +0.002 +-
    0.001; share +0.6 and +1.1 +- 0.3 points). Seeds 100-119 and 130-169 (480 runs each side),
    mean nHV at 100 / 200 / 300 queries, share at 300: 0.828 / 0.920 / 0.939, 0.685 against
    0.828 / 0.921 / 0.938, 0.673 (paired -0.001 +- 0.001 at 200, +0.002 +- 0.001 at 300; share
    +1.2 +- 0.3 points); CIFAR-10 PGD's share 0.753 against 0.725, no problem's nHV lower by
    more than 0.002. Tried and not kept: the global pool every 4th generation ranked as the
    local pool is (the local kernel, random order among the predicted front): +0.004 and +1.0
    share points on seeds 100-119, -0.002 and -0.1 on 130-169. Where it did not help it is
    off by default: with zero-cost features (seeds 100-119) +0.000 +- 0.002 at 300, share +0.3
    +- 0.6 points; with three objectives and a cost (seeds 100-149, 100 runs) -0.001 +- 0.003,
    share -1.0 +- 0.5 points; with a whole-table prior (no global phase) the global pool for
    the whole run lost (0.949 against 0.978 at 300, seeds 100-119). On the report seeds 0-9: 0.833 / 0.913 / 0.931, share 0.664,
    worst problem 0.853 (CIFAR-10 PGD), against 0.8.0's 0.833 / 0.917 / 0.930, 0.651, 0.851;
    CIFAR-100 Square 0.915 against 0.899.

    With one objective no cell of a generation is drawn unscreened (since 0.9.0; ``explore``
    0 instead of 0.1, as with several objectives). The paper's 10 problems, population 30,
    300 evaluations: the optimum in 388 of 400 runs against 384 (tuning seeds 100-139) and
    587 of 600 against 580 (140-199); with zero-cost features 387 against 377 (100-139). 10
    cells a generation instead of 15 as well gave 390 and 587, at 1.5x the time; one cell or
    a third of each generation unscreened 385 and 375 (100-139). On the report seeds 0-9: 97 of 100 against 95;
    the three misses are CIFAR-100 FGSM, whose runs ended on its second or fourth best cell
    (29.0 % and 28.5 % against 29.4 %), far from the optimum's avg-pool cell.
    Why they miss (seeds 100-199: 86 of 100 runs reach it): its best cells (``4 4 1 0 4 2``,
    ``4 0 2 4 2 2``, ``4 0 2 0 1 2``) are a second mode, cells with an average pool into the
    first node, a 1x1 convolution from the second node into the output and no 3x3
    convolution, apart from the convolution-heavy cells near 28.5 % where the other runs end.
    Only 34 of the 6,466 classes with those two edges reach 25 %. Each of the 86 runs first
    queried one of those (a median 57 queries in) and reached the optimum a median 77 queries
    later; of the 14 that missed, 10 queried none (1 to 4 cells with those two edges in all,
    each below 25 %) and 4 only after 217 to 286 queries. The optimum is an interaction of
    several edges: fitted on all 6,466 classes, a model of each edge's operation (R^2 0.42)
    ranks it 2,898th and one of every pair of edges (R^2 0.70) 799th; the GP of three runs
    that missed ranks it 1,780th to 5,099th of the unqueried cells after 150 or 300 queries,
    and the best-ranked of the 34 cells 323rd to 1,935th. Tried on seeds 100-139 (hits of 40,
    against 34) and not kept: ``beta`` 0.5 or 2 (33, 34), ``theta`` 0.5, 0.7 or 2 (35, 34,
    30), the convolutions alike 0.1 or 0.5 (33, 30), the WL mix 0.5, 0.8 or 1 (34, 31, 34),
    ``warp`` (34), a nugget of 0.1 or 0.001 (33, 34), the GP's constant mean at the archive's
    median, or its optimistic quartile or tenth, instead of its mean (34, 33, 26), ``beta`` 3
    or 6 once no cell's optimistic value beats the best (34, 20), batch UCB with hallucinated
    observations (33),
    Thompson sampling among the most optimistic cells (6), the neighbourhood of the best cells
    left out after a stagnation (31 to 35), a uniform first population (30), ``n_offsprings``
    3 or 5 (35, 35, at 3x and 2x the time), ``max_train=150`` (29), zero-cost features
    ``params`` (20) or ``params`` and ``ntk_adv_min`` (28), ranking by expected improvement
    (32) or by the chance of beating the best by half the archive's standard deviation (28).
    With 600 evaluations 35 of 40. The optimum is its class's only genome, and the peers
    rarely reach it: random search in 3 of 40 runs (seeds 100-139), ``optuna-tpe`` in 3 of 20
    (100-119).

    With two objectives, the clean accuracy and a robust one, after the global phase the GP
    models the robust accuracy as its ratio to the clean accuracy (since 0.10.0;
    ``robust_ratio``): how much of what a network gets right survives the attack. The
    candidates are ranked by the optimistic ratio of the optimistic clean accuracy, on the
    archive's rank-warped scale (:func:`~pymoo_arnas.algorithms.surrogate.warp_map` takes
    the predictions through the warping and back, linearly beyond the archive). The
    exact-front cells runs missed were ones the GP, fitted on the robust accuracy itself,
    ranked up to 70 fronts deep (e.g. CIFAR-100 APGD's cells without the input-to-output
    edge, whose robust accuracy it took for below average). Tuning seeds 100-119, mean nHV
    at 100 / 200 / 300 queries, share at 300: 0.831 / 0.928 / 0.951, 0.698 against 0.831 /
    0.923 / 0.940, 0.692 (paired +0.011 +- 0.003 at 300); seeds 130-169: 0.827 / 0.921 /
    0.952, 0.692 against 0.827 / 0.919 / 0.939, 0.682 (+0.013 +- 0.002; share +1.0 +- 0.7
    points); there CIFAR-100 Square 0.968 against 0.909, CIFAR-100 FGSM 0.925 against 0.899,
    CIFAR-10 PGD 0.921 against 0.896, and CIFAR-10 APGD, the one problem lower, 0.961
    against 0.967. Not during the global phase: from the first query it gave 0.728 / 0.920 /
    0.956 (seeds 100-119; -0.104 +- 0.017 at 100: the cells of least clean accuracy have the
    highest ratios, e.g. a median 0.54 among CIFAR-10's worst tenth against 0.36 in the
    middle on PGD, 0.28 against 0.03 on CIFAR-100 APGD, so among the first, broadly sampled
    cells the ratio points at weak ones). Tried and not kept (seeds 100-119, at 300): the
    ratio in the local generations only, 0.942; fitted only on the cells above the archive's
    median clean accuracy, 0.915 (0.846 from the first query). With the ratio, the global
    generations come every second generation (``global_every``): on seeds 100-119 every
    generation, every 2nd, 3rd or 4th, or none gave 0.945, 0.958, 0.956, 0.951 and 0.940
    (share 0.700, 0.722, 0.720, 0.698 and 0.676); every 2nd on seeds 130-169: 0.954, share
    0.711, against every 4th's 0.952, 0.692 (paired +0.003 +- 0.002, share +1.9 +- 0.7
    points; -0.003 +- 0.003 at 200). Without the ratio (``robust_ratio=False``, or no clean
    accuracy among the objectives) it stays every 4th. With a whole-table prior (no global
    phase, so the ratio from the first fit, on the raw values) the share rose and nHV held:
    seeds 100-119 0.921 / 0.951 / 0.979, share 0.811, against 0.914 / 0.946 / 0.978, 0.800
    (+0.001 +- 0.001 at 300, share +1.1 +- 0.5 points); seeds 130-149 0.919 / 0.951 / 0.978,
    0.810, against 0.920 / 0.949 / 0.978, 0.797 (-0.000 +- 0.001, share +1.4 +- 0.6). With
    zero-cost features it was level (seeds 100-119: 0.938 against 0.937, share 0.620 against
    0.631), so it is off there; so it is with more objectives, where it was level too: three
    (clean, PGD, params; seeds 100-124, 50 runs) 0.920 both, share 0.196 against 0.198; five
    (seeds 100-109, 20 runs) 0.809 against 0.807, share 0.479 against 0.518. A partial prior
    (a store, which keeps the global phase) now has the global generations too (before
    0.10.0 none): ``bench_transfer.py --source search`` on seeds 100-109 0.956, share 0.743,
    against 0.952, 0.729 without them; seeds 110-119 0.957, 0.734, against 0.951, 0.720 (at
    200 queries 0.937 against 0.940). On the report seeds 0-9: 0.833 / 0.919 / 0.953, share
    0.716, worst problem 0.903 (CIFAR-10 PGD), against 0.9.0's 0.833 / 0.913 / 0.931, 0.664,
    0.853; CIFAR-100 FGSM 0.960 and Square 0.986 against 0.901 and 0.915. With a whole-table
    prior 0.921 / 0.953 / 0.978, share 0.812, against 0.917 / 0.946 / 0.978, 0.796. The
    global generations every second generation cost time: a run took 1.40 s against 1.03 s
    with 0.9.0's settings (the 8 problems, one other busy core); keeping the class kernel's
    own columns (normalised and mixed) brought it to 1.05 s, results unchanged. Since
    0.10.1 the run keeps one GP per kernel and refits it warm
    (``ClassHammingGP(warm_start=True)``): the archive grows by appending, so the factor and
    the solve against every class of the space are extended by the new cells instead of
    computed again, most of what a global generation cost. The same picks in every run
    checked (the 8 problems on seeds 0-9 and 100-109, one objective and a whole-table prior
    on seeds 0-9); a run took 0.99 s against 1.60 s (seeds 0-9, the 8 problems, one other
    busy core), with one objective 0.37 s against 0.79 s (``benchmarks/bench_speed.py``
    times it beside ``optuna-gp``).

    With two objectives and a whole-table prior the run has a global phase of its first 100
    queries (the residuals' GP screens every unqueried cell, picks by hypervolume gain) and
    no global generations after it, the Weisfeiler-Lehman mix (``wl_weight=0.5``) and more
    optimism (``beta=1.5``; since 0.11.0; before, no global phase, the class kernel alone and
    ``beta=1``). The exact-front cells such runs missed were mostly ones the source ranks
    deep (e.g. CIFAR-100 Square's most robust cell, 55 fronts deep in CIFAR-10's table) that
    neither the local pool nor the source's best cells reach. The global phase with the mix
    first: tuning seeds 100-109, mean nHV at 100 / 200 / 300 queries, share at 300, 0.918 /
    0.950 / 0.979, 0.840, against 0.922 / 0.950 / 0.979, 0.811 (share +2.9 +- 0.8 points);
    the phase alone 0.816, the mix alone 0.824 (and on seeds 110-129 +0.2 +- 0.5 points); then
    ``beta`` 1.5: 0.919 / 0.948 / 0.980, 0.847 (2: 0.832). Checked on seeds 110-129: 0.919 /
    0.948 / 0.980, 0.847, against 0.920 / 0.950 / 0.977, 0.810 (paired +0.002 +- 0.001 at 300,
    share +3.7 +- 0.6 points), and 130-169: 0.920 / 0.949 / 0.980, 0.849, against 0.918 /
    0.951 / 0.978, 0.812 (+0.001 +- 0.001, share +3.7 +- 0.4; at 200 queries -0.002 +- 0.001);
    there CIFAR-10 APGD's share 0.78 against 0.60, CIFAR-100 PGD's 0.72 against 0.68.
    Tried against these settings and not kept (seeds 100-109 unless said; paired at 300,
    share in points): a phase of 50, 80 or 150 queries (share -0.6, -0.3, -0.5; nHV within
    0.001), the mix 0.3, 0.4 or 0.7 (0.7: share -1.9; on seeds 130-169 0.3: -1.8 +- 0.3, 0.4:
    +0.010 at 100 queries but share -0.5 +- 0.3), the mix only in or only after the phase
    (share -2.7, -2.8), ``beta`` 1.5 only after the phase (-0.8; only in it, level), the
    phase's kernel with the convolutions alike (0.1; -0.010 at 100 queries), ``warp``
    (-0.009, share -4.2), ``robust_ratio=False`` (share -1.8), population 15 or 30 (share
    -0.7, -1.9), ``prior_pool`` 20 or 80 (-0.004, -0.011), ``n_offsprings`` 4 or 6 (share
    +0.3 at 1.3x the time, -1.2), ``n_seeds=12`` (-0.009), ``theta=0.7`` (share -1.6), the
    source's 5 or 20 best cells of each single feature in every pool (-0.002, -0.015), the
    source's robust-to-clean accuracy ratios as features (share -0.5 to -0.7), and each
    generation's last pick after the global phase the most optimistic robust cell of the whole
    space (measured again at 0.12.0 with ``pnd_from=0``: nHV +0.000, share -1.5 +- 1.0; the
    first measurement's 9x the time was the harness's, which wrapped the rule once per run).
    Against the 0.10.1 settings: ranking by the probability of not being
    dominated by the archive (from the first query, or after 150 or 220: share -0.8, -0.7,
    -0.5; with global generations every 2nd or every generation after the rule began, -0.016,
    -0.024), a first population from the fronts of every feature (-0.014). What stays out of
    reach: 4 of the 18 cells of CIFAR-100 PGD's exact front, without the input-to-output edge
    and with a 1x1 convolution into the output (e.g. ``3 2 2 0 4 2``), were found in no run,
    with or without a prior (seeds 100-109; so were they on APGD's with the prior). Their
    robust accuracy on CIFAR-10 is low (PGD 0.28-0.34 against about 0.45 near its front), and
    the GP, fitted on a run's 300 cells, predicts 0.05-0.06 for their 0.21-0.24 on CIFAR-100
    PGD (one with a decay per edge fitted by marginal likelihood ranks them no higher). So
    were 3 of the 14 of CIFAR-10 APGD's with the CIFAR-100 prior (seeds 100-109): two, with
    neither edge into the output from the input or the first node (``2 3 2 0 0 4``,
    ``1 1 4 0 0 2``), were predicted at 0.27-0.32 APGD accuracy for their 0.40 and 0.45
    (ranked 1,159th to 5,407th by the chance of not being dominated); the third, ``3 3 4 2 3
    4``, 38th and 95th. Over the 70 tuning seeds 100-169 a run's mean over the 8 problems is
    0.9796 +- 0.0003 at 300 queries, share 0.848 +- 0.001, just under 0.98 and 85 %; the cells never found cap the share near 0.87. On the
    report seeds 0-9 (``benchmarks/bench_transfer.py``): 0.921 / 0.949 / 0.980 (0.9798), share
    0.846, against 0.10.1's 0.921 / 0.953 / 0.978, 0.812; a run took 0.8 s against 0.5 s (two
    busy cores).

    With two objectives and a whole-table prior, from 200 queries on the last cell of each
    local generation is the unqueried cell of the whole space likeliest not to be dominated
    by the archive's front (``pnd_from``; since 0.12.0): :func:`non_domination_chance` of the
    GP's mean and standard deviation, without ``beta``'s optimism. Some exact-front cells
    such runs missed were ones the GP already ranked first but that no local pool held:
    CIFAR-100 FGSM's most robust cell (``4 4 1 0 4 2``, three edges from the nearest front
    cell found, 125 fronts deep in CIFAR-10's table) was first and fifth by that chance after
    300 queries (seeds 100, 101), and found in none of 10 runs. Tuning seeds, mean nHV and
    share at 300 queries (100 and 200 unchanged): 100-109 0.982, 0.860 against 0.980, 0.847;
    110-129 0.981, 0.854 against 0.980, 0.847 (paired +0.0017 +- 0.0010, share +0.7 +- 0.6
    points); 130-169, measured with the rule as a patch of 0.11.0 (which left out a pick
    isomorphic to a local one), 0.981, 0.858 against 0.980, 0.849 (+0.0016 +- 0.0007, share
    +0.9 +- 0.4 points). CIFAR-100 FGSM's share rose to 0.91-0.96 from 0.80-0.82; CIFAR-10
    APGD's fell to 0.73-0.74 from 0.76-0.78, CIFAR-100 APGD's by 1 to 3 points. From 150 or 250
    queries (seeds 100-109, the patch): 0.981, 0.848 and 0.982, 0.857. Tried and not kept
    (seeds 100-109): every cell from the whole space over the last 50 or 100 queries (global
    generations, by hypervolume gain; share -2.3 and -6.0 points), ``beta`` 0.75 after 220
    queries, 0.5 after 250 or 2.5 after 200 (share -0.5, -0.8, -2.0). On the report seeds
    0-9 (``benchmarks/bench_transfer.py``): 0.921 / 0.949 / 0.983, share 0.861, against
    0.11.0's 0.921 / 0.949 / 0.980 (0.9798), 0.846; CIFAR-100 FGSM 0.997, share 0.98, against
    0.973, 0.80. A run took 1.0-1.1 s against 0.8-1.0 s (two busy cores).

    The GP's linear algebra is small; keep BLAS single-threaded on a busy machine
    (``OPENBLAS_NUM_THREADS=1``, or :func:`pymoo_arnas.experiments.blas.limit_blas_threads`),
    else thread contention can make a run 30x slower.

    Examples
    --------
    >>> from pymoo.optimize import minimize
    >>> from pymoo_arnas.problems import ARNAS
    >>> problem = ARNAS("cifar10", ("clean", "pgd@Linf"), budget=60)
    >>> res = minimize(problem, NSGA2LocalSearch(pop_size=20), seed=1)
    >>> problem.n_unique, problem.n_evals
    (60, 60)
    """

    def __init__(
        self,
        pop_size: int | None = None,
        n_offsprings: int | None = None,
        local_search: bool = True,
        surrogate: bool = True,
        n_seeds: int | None = None,
        n_mating: int = 3,
        explore: float | None = None,
        beta: float | None = None,
        max_train: int = 400,
        prior=None,
        prior_features=None,
        prior_pool: int = 40,
        global_pool: int | None = None,
        zero_cost=None,
        global_every: int | None = None,
        warp: bool | None = None,
        class_neighbours: bool = True,
        class_kernel: bool = True,
        conv_similarity: float | tuple[float, float] | None = None,
        wl_weight: float | None = None,
        robust_ratio: bool | None = None,
        pnd_from: int | None = None,
        **kwargs,
    ):
        removed = sorted(_REMOVED & set(kwargs))
        if removed:
            raise TypeError(
                f"NSGA2LocalSearch option {removed[0]!r} was removed: it gave no measured gain "
                "(see the class notes; the code is in the git history)"
            )
        kwargs.setdefault("sampling", OrthogonalArraySampling())
        kwargs.setdefault("crossover", UX())
        kwargs.setdefault("mutation", RandomResetMutation())
        kwargs.setdefault("eliminate_duplicates", CellDuplicateElimination())
        # None: decided in _setup, by the number of objectives
        self._n_offsprings_arg = n_offsprings
        if pop_size is None:  # the measured defaults: see the notes
            pop_size = 25 if prior is None else 20
        super().__init__(pop_size=pop_size,
                         n_offsprings=max(1, int(pop_size) // 2) if n_offsprings is None
                         else n_offsprings, **kwargs)
        self.local_search = bool(local_search)
        self.surrogate = bool(surrogate)
        self.n_seeds = None if n_seeds is None else int(n_seeds)
        self.n_mating = int(n_mating)
        self._explore_arg = explore
        # None: decided in _setup (0.1 with several objectives and zero-cost features, else 0)
        self.explore = 0.0 if explore is None else float(explore)
        # None: decided in _setup (1.5 with two objectives and a whole-table prior, else 1)
        self._beta_arg = beta
        self.beta = 1.0 if beta is None else float(beta)
        self.max_train = int(max_train)
        if (self.n_seeds is not None and self.n_seeds < 1) or self.n_mating < 0 \
                or self.max_train < 1:
            raise ValueError(
                f"n_seeds and max_train must be >= 1 and n_mating >= 0; got n_seeds="
                f"{n_seeds!r}, n_mating={n_mating!r}, max_train={max_train!r}"
            )
        if not 0.0 <= self.explore <= 1.0:
            raise ValueError(f"explore must be a share in [0, 1]; got {explore!r}")
        if prior is not None:
            from pymoo_arnas.algorithms.prior import TransferPrior

            if isinstance(prior_features, str):
                prior_features = [f for f in prior_features.split(",") if f]
            if isinstance(prior, TransferPrior):
                if prior_features:
                    raise ValueError("give features= to the TransferPrior itself, not "
                                     "prior_features= beside it")
            else:
                prior = TransferPrior(prior, features=prior_features)
        elif prior_features:
            raise ValueError(f"prior_features={prior_features!r} needs a prior=")
        self.prior = prior
        self.prior_pool = int(prior_pool)
        if self.prior_pool < 0:
            raise ValueError(f"prior_pool must be >= 0; got {prior_pool!r}")
        self.global_pool = _optional_count("global_pool", global_pool, "queries")
        self.global_every = _optional_count("global_every", global_every, "generations")
        if zero_cost is not None:
            from pymoo_arnas.algorithms.zero_cost import ZeroCostFeatures

            if not isinstance(zero_cost, ZeroCostFeatures):
                zero_cost = ZeroCostFeatures(zero_cost)
        self.zero_cost = zero_cost
        if warp is not None and not isinstance(warp, (bool, np.bool_)):
            raise ValueError(f"warp must be True, False or None (the default); got {warp!r}")
        self.warp = (self.prior is None) if warp is None else bool(warp)
        self.class_neighbours = bool(class_neighbours)
        self.class_kernel = bool(class_kernel)
        if conv_similarity is not None:
            pair = (conv_similarity,) * 2 if np.ndim(conv_similarity) == 0 \
                else tuple(np.ravel(np.asarray(conv_similarity, dtype=object)))
            valid = len(pair) == 2
            try:
                for v in pair:
                    edge_kernel(1.0, v)  # checks the value
            except ValueError:
                valid = False
            if not valid:
                raise ValueError(f"conv_similarity must be a number in [0, 1] or a pair of "
                                 f"them (global phase, after it); got {conv_similarity!r}")
            conv_similarity = (float(pair[0]), float(pair[1]))
        self.conv_similarity = conv_similarity
        self.wl_weight = None if wl_weight is None \
            else check_unit("wl_weight", wl_weight, " or None (the default)")
        if robust_ratio is not None and not isinstance(robust_ratio, (bool, np.bool_)):
            raise ValueError(f"robust_ratio must be True, False or None (the default); "
                             f"got {robust_ratio!r}")
        self.robust_ratio = None if robust_ratio is None else bool(robust_ratio)
        self.pnd_from = _optional_count("pnd_from", pnd_from, "queries")

    # ------------------------------------------------------------------ archive

    def _setup(self, problem, **kwargs):
        super()._setup(problem, **kwargs)
        # the defaults measured best with several objectives and no zero-cost features
        if problem.n_obj > 1 and self.zero_cost is None and self._n_offsprings_arg is None:
            self.n_offsprings = min(5, self.pop_size)
        if self._explore_arg is None:
            with_zc = problem.n_obj > 1 and self.zero_cost is not None and self.prior is None
            self.explore = 0.1 if with_zc else 0.0
        if self.prior is not None:
            self.prior.bind(problem)
            self.initialization.sampling = self.prior.initial_genomes(self.pop_size)
            if self.prior_pool:
                self._prior_order = self.prior.initial_genomes(features=True)
        if self._beta_arg is None:
            self.beta = 1.5 if self._table_prior(problem.n_obj) else 1.0
        self._queried = np.zeros(N_CELLS, dtype=bool)  # by unit (class, or genome code)
        self._genomes = all_genomes()  # (15625, 6), row = code
        self._unit_of_code = problem_units(problem, self._genomes)  # (15625,)
        self._counts_classes = len(np.unique(self._unit_of_code)) < N_CELLS
        # which objectives are functions of the class (all but costs; a problem that does
        # not name its objectives: none, so the genome kernel where it counts genomes)
        columns = getattr(problem, "columns", None)
        self._by_class = [c not in COSTS for c in columns] if columns is not None \
            and len(columns) == problem.n_obj else [False] * problem.n_obj
        self._arch_X = np.empty((0, problem.n_var), np.int64)
        self._arch_F = np.empty((0, problem.n_obj))
        self._n_after = 0  # generations begun after the global phase
        self._models = {}  # (conv_similarity, wl_weight) -> the run's ClassHammingGP
        self._ratio_columns = _accuracy_columns(problem)
        if self.pnd_from and problem.n_obj != 2:
            raise ValueError(f"pnd_from needs two objectives; the problem has {problem.n_obj} "
                             f"(give pnd_from=0 or leave it out)")
        if self.robust_ratio and self._ratio_columns is None:
            raise ValueError(
                "robust_ratio=True needs a problem whose objectives are the clean accuracy and "
                f"other accuracies (attacks, corruptions); got objectives "
                f"{tuple(getattr(problem, 'columns', ()) or ())!r}")

    def _remember(self, pop) -> None:
        """Add the evaluated cells of ``pop`` to the archive (one per unit; cells the
        problem refused after its budget was spent are left out)."""
        if pop is None or len(pop) == 0:
            return
        X = np.asarray(pop.get("X")).astype(np.int64)
        F = np.asarray(pop.get("F"), dtype=float)
        c = problem_units(self.problem, X)
        self._queried[c] = True
        if hasattr(self.problem, "is_queried"):
            keep = np.asarray(self.problem.is_queried(X), dtype=bool)
        else:
            keep = ~(F >= 1.0).all(axis=1)  # the error given to refused cells
        _, first = np.unique(c[keep], return_index=True)
        idx = np.flatnonzero(keep)[np.sort(first)]
        self._arch_X = np.vstack([self._arch_X, X[idx]])
        self._arch_F = np.vstack([self._arch_F, F[idx]])

    def _initialize_advance(self, infills=None, **kwargs):
        self._remember(infills)
        super()._initialize_advance(infills=infills, **kwargs)

    def _advance(self, infills=None, **kwargs):
        self._remember(infills)
        return super()._advance(infills=infills, **kwargs)

    # ------------------------------------------------------------------ infill

    def _room(self) -> int:
        return budget_room(self.problem, self.n_offsprings)

    def _seed_rows(self) -> np.ndarray:
        """Archive rows whose neighbourhoods are searched: whole fronts, best first, until at
        least ``n_seeds`` rows (one objective: the ``n_seeds`` best values, ties included)."""
        F = self._arch_F
        n_seeds = self.n_seeds or (20 if F.shape[1] == 1 else 8)
        if F.shape[1] == 1:
            cut = np.sort(F[:, 0])[min(n_seeds, len(F)) - 1]
            return np.flatnonzero(F[:, 0] <= cut)
        rows = []
        for front in _NDS.do(F, n_stop_if_ranked=n_seeds):
            rows.extend(front)
            if len(rows) >= n_seeds:
                break
        return np.array(rows, dtype=np.int64)

    def _members(self, X) -> np.ndarray:
        """Every genome ``(k, 6)`` of the units of genomes ``X`` (the isomorphism classes, or
        the genomes themselves when the problem counts genomes), in code order."""
        units = problem_units(self.problem, X)
        return self._genomes[np.isin(self._unit_of_code, units)]

    def _unqueried(self, X) -> np.ndarray:
        """Rows of ``X`` that are new units (classes), one per unit, in order."""
        if len(X) == 0:
            return X
        c = problem_units(self.problem, X)
        _, first = np.unique(c, return_index=True)
        first = np.sort(first)
        return X[first[~self._queried[c[first]]]]

    def _global_until(self) -> int:
        """Unique queries during which the pool is global (:attr:`global_pool` or its
        default for this run)."""
        if self.global_pool is not None:
            return self.global_pool
        n_obj = self._arch_F.shape[1]
        if self._whole_table_prior() and not self._table_prior(n_obj):
            return 0  # a whole table: its best cells join the pool instead
        return np.iinfo(np.int64).max if n_obj == 1 else 100

    def _whole_table_prior(self) -> bool:
        """Whether the run has a prior that measured every cell (a table, not a store)."""
        return self.prior is not None and bool(self.prior.measured_.all())

    def _table_prior(self, n_obj: int) -> bool:
        """Whether the run has a whole-table prior, two objectives and no zero-cost
        features: the case whose defaults were measured apart (see the notes)."""
        return n_obj == 2 and self.zero_cost is None and self._whole_table_prior()

    def _in_global_phase(self) -> bool:
        """Whether the archive holds fewer cells than :meth:`_global_until` (the candidate
        pool is then every unqueried cell)."""
        return len(self._arch_X) < self._global_until()

    def _global_every(self) -> int:
        """Generations between two global ones after the global phase: :attr:`global_every`,
        or the default (with two objectives, a global phase and no zero-cost features: 2
        where the robust accuracy is modelled as a ratio, else 4; else 0, never)."""
        if self.global_every is not None:
            return self.global_every
        if self._arch_F.shape[1] != 2 or self.zero_cost is not None \
                or self._global_until() == 0 or self._table_prior(self._arch_F.shape[1]):
            return 0
        return 2 if self._robust_ratio_wanted() else 4

    def _global_generation(self) -> bool:
        """Whether the current generation (the last begun) screens every unqueried cell:
        during the global phase, and after it the first of every :meth:`_global_every`
        generations."""
        if self._in_global_phase():
            return True
        k = self._global_every()
        return k > 0 and self._n_after > 0 and (self._n_after - 1) % k == 0

    def _pnd_from(self) -> int:
        """Queries after which each local generation's last cell is the whole space's likeliest
        not to be dominated: :attr:`pnd_from`, or the default (200 where
        :meth:`_table_prior`; else never)."""
        if self.pnd_from is not None:
            return self.pnd_from or np.iinfo(np.int64).max
        return 200 if self._table_prior(self._arch_F.shape[1]) else np.iinfo(np.int64).max

    def _infill(self):
        rng = self.random_state
        n = self._room()
        if not self._in_global_phase():
            self._n_after += 1
        screened = self.surrogate and len(self._arch_X) >= _MIN_TRAIN
        whole = screened and self._global_generation()
        if whole:
            # every unqueried cell: all genomes, one per unit (class representatives, or
            # every genome when the problem counts genomes)
            pool = self._unqueried(all_genomes())
        else:
            pool = self._local_pool(n, rng)
        if len(pool) == 0:
            self.termination.force_termination = True
            return None
        k = min(n, len(pool))
        if not screened or whole or len(self._arch_X) < self._pnd_from():
            return Population.new(X=pool[self._select(pool, k, rng)])
        # the last cell: the whole space's likeliest not to be dominated by the archive
        X = pool[self._select(pool, k - 1, rng)] if k > 1 else pool[:0]
        space = self._unqueried(all_genomes())
        if len(X):
            space = space[~np.isin(problem_units(self.problem, space),
                                   problem_units(self.problem, X))]
        if len(space) == 0:
            return Population.new(X=X)
        F, predict = self._fit()
        M, low = predict(space, 0.0, 1.0)  # the mean, and one standard deviation below it
        front = F[_NDS.do(F, only_non_dominated_front=True)]
        best = np.argmax(non_domination_chance(M, np.maximum(M - low, 1e-9), front))
        return Population.new(X=np.vstack([X, space[best:best + 1]]))

    def _local_pool(self, n, rng) -> np.ndarray:
        """Unqueried candidates ``(k, 6)`` around what is known: the neighbours of the seed
        rows, NSGA-II offspring, the prior's best cells; topped up at random to ``n``."""
        pools = []
        if self.local_search and len(self._arch_X):
            seeds = self._arch_X[self._seed_rows()]
            pools.append(neighbours(seeds))
            if self.class_neighbours:  # and those of every genome isomorphic to a seed
                pools.append(neighbours(self._members(seeds)))
        if self.n_mating > 0 and self.pop is not None and len(self.pop) >= 2:
            off = self.mating.do(
                self.problem, self.pop, self.n_mating * n, algorithm=self, random_state=rng
            )
            if len(off):
                pools.append(np.asarray(off.get("X")).astype(np.int64))
        if self.prior is not None and self.prior_pool:
            best = self._unqueried(self._prior_order)
            pools.append(best[: self.prior_pool])
        pool = self._unqueried(np.concatenate(pools)) if pools else np.empty((0, N_EDGES), int)
        if len(pool) < n:  # top up with random unqueried cells
            X = rng.integers(0, N_OPS, size=(4 * n + 64, N_EDGES))
            pool = self._unqueried(np.concatenate([pool, X]))
        return pool

    def _training_rows(self) -> np.ndarray:
        """Archive rows the GP is fitted on: all, or the best ``max_train`` (by front)."""
        F = self._arch_F
        if len(F) <= self.max_train:
            return np.arange(len(F))
        if F.shape[1] == 1:
            return np.argsort(F[:, 0], kind="stable")[: self.max_train]
        rows = []
        for front in _NDS.do(F, n_stop_if_ranked=self.max_train):
            rows.extend(front)
        return np.array(rows[: self.max_train], dtype=np.int64)

    def _features(self, X) -> np.ndarray:
        """Surrogate features ``(n, k)`` of genomes: the prior's values, then the zero-cost
        features."""
        parts = [src.features(X) for src in (self.prior, self.zero_cost) if src is not None]
        return np.hstack(parts)

    def _surrogate(self):
        """A new, unfitted model of the objectives: a :class:`ClassHammingGP` (when the
        problem counts genomes, a :class:`PerObjectiveGP` of it and :class:`HammingGP`; a
        :class:`HammingGP` when ``class_kernel`` is off), or
        with a prior or zero-cost features a :class:`ResidualGP` of it (fitted on them as
        well). Override it to
        screen with another model of the same interface (``fit``, ``predict(...,
        return_std=True)``); ``benchmarks/bench_surrogate.py`` does so for the kernels it
        compares."""
        s = self._conv_similarity()
        w = self._wl_weight()
        if not self.class_kernel:
            gp = HammingGP(conv_similarity=s)
        elif self._counts_classes:  # kept per kernel: a refit extends the last (warm_start)
            gp = self._models.get((s, w))
            if gp is None:
                gp = self._models[s, w] = ClassHammingGP(conv_similarity=s, wl_weight=w,
                                                         warm_start=True)
        else:  # a cost objective: the class kernel for what is the class's, else genomes'
            gp = PerObjectiveGP([ClassHammingGP(conv_similarity=s, wl_weight=w) if by_class
                                 else HammingGP(conv_similarity=s)
                                 for by_class in self._by_class])
        if self.prior is None and self.zero_cost is None:
            return gp
        return ResidualGP(gp=gp)

    def _conv_similarity(self) -> float:
        """The kernel's :attr:`conv_similarity` for the next fit, by phase: the option's, or
        the default (0.1 during the global phase and 0.5 after it with two objectives and no
        prior, else 0)."""
        pair = self.conv_similarity
        if pair is None:
            pair = (0.1, 0.5) if self._arch_F.shape[1] == 2 and self.prior is None else (0.0, 0.0)
        return pair[0] if self._global_generation() else pair[1]

    def _wl_weight(self) -> float:
        """The class kernel's :attr:`wl_weight`: the option's, or the default (0.5 with
        several objectives, no prior and no zero-cost features, else 0)."""
        if self.wl_weight is not None:
            return self.wl_weight
        n_obj = self._arch_F.shape[1]
        plain = self.prior is None and self.zero_cost is None
        return 0.5 if (n_obj > 1 and plain) or self._table_prior(n_obj) else 0.0

    def _use_robust_ratio(self) -> bool:
        """Whether the next fit models the other accuracies as ratios to the clean accuracy:
        never during the global phase; after it :attr:`robust_ratio`, or the default (with two
        objectives, the clean accuracy and another, and no zero-cost features)."""
        return not self._in_global_phase() and self._robust_ratio_wanted()

    def _robust_ratio_wanted(self) -> bool:
        """Whether the run models the robust accuracies as ratios after its global phase."""
        if self._ratio_columns is None:
            return False
        if self.robust_ratio is not None:
            return self.robust_ratio
        return self.zero_cost is None and self._arch_F.shape[1] == 2

    def _fit(self):
        """Fit the surrogate on the archive (:meth:`_training_rows`); return the archive's
        objectives ``F`` ``(n, m)`` in the space the candidates are ranked in (rank-warped with
        :attr:`warp`) and ``predict(X, *c)``: for each ``c``, the predicted mean minus ``c``
        standard deviations of genomes ``X`` ``(k, 6)`` in that space ``(k, m)`` (with
        :meth:`_use_robust_ratio`, of the ratio, taken back to the objectives). A refit on
        the same archive is cheap: the class kernel's GP extends its last factor."""
        train = self._training_rows()
        X = self._arch_X[train]
        F = rank_warp(self._arch_F) if self.warp else self._arch_F  # the archive, as ranked
        ratio = self._use_robust_ratio()
        if ratio:  # the GP models the other accuracies as ratios to the clean one
            Y = to_robust_ratio(self._arch_F, *self._ratio_columns)
            Ym = rank_warp(Y) if self.warp else Y
        else:
            Ym = F
        gp = self._surrogate()
        plain = self.prior is None and self.zero_cost is None
        if plain:
            gp.fit(X, Ym[train])
        else:
            gp.fit(X, Ym[train], self._features(X))

        def predict(pool, *cs):
            if plain:
                mean, std = gp.predict(pool, return_std=True)
            else:
                mean, std = gp.predict(pool, self._features(pool), return_std=True)
            out = []
            for c in cs:
                P = mean - c * std
                if ratio:  # back to the objectives: the ratio's value of the accuracy's
                    P = from_robust_ratio(warp_map(P, Ym, Y) if self.warp else P,
                                          *self._ratio_columns)
                    if self.warp:
                        P = warp_map(P, self._arch_F, F)
                out.append(P)
            return out

        return F, predict

    def _select(self, pool, n, rng, n_explorable=None) -> np.ndarray:
        """Indices of ``n`` cells of ``pool``: the best ``n - explore * n`` by predicted
        non-domination rank against the archive, then random ones (drawn from the first
        ``n_explorable`` rows of the pool only, when given: the rest enter only if the
        surrogate ranks them first)."""
        n_explore = int(round(self.explore * n))
        n_model = n - n_explore
        order = rng.permutation(len(pool))
        if not self.surrogate or len(self._arch_X) < _MIN_TRAIN or n_model == 0:
            return order[:n]
        F, predict = self._fit()
        (P,) = predict(pool, self.beta)  # (pool, n_obj)
        merged = np.vstack([F, P])
        rank = np.empty(len(pool), dtype=np.int64)
        if merged.shape[1] == 1:
            rank = np.argsort(np.argsort(merged[:, 0], kind="stable"))[len(F):]
        else:
            for r, front in enumerate(_NDS.do(merged)):
                front = front[front >= len(F)] - len(F)
                rank[front] = r
        chosen = np.lexsort((rng.random(len(pool)), rank))  # random tie-break
        if P.shape[1] == 2 and self._global_generation():
            # a global generation: first the cells that add most hypervolume (SMS-EGO's rule)
            predicted = np.flatnonzero(rank == 0)  # the pool's predicted front
            first = predicted[_greedy_hv_gain(F, P[predicted], n_model)]
            chosen = np.concatenate([first, chosen[~np.isin(chosen, first)]])
        chosen = chosen[:n_model]
        rest = order[~np.isin(order, chosen)]
        if n_explorable is not None:
            rest = rest[rest < n_explorable]
        return np.concatenate([chosen, rest[:n_explore]])


__all__ = ["NSGA2LocalSearch", "hv_gain", "neighbours", "non_domination_chance"]
