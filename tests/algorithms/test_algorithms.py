"""The algorithm registry, the presets, nsga2-cat, random search and LLMO on the real tables."""

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from pymoo.indicators.hv import HV
from pymoo.optimize import minimize
from pymoo.termination.max_eval import MaximumFunctionCallTermination
from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

from pymoo_arnas.algorithms import (
    NEEDS_LLM,
    SINGLE_OBJECTIVE,
    HammingGP,
    NSGA2LocalSearch,
    RandomSearch,
    get_algorithm,
    get_record,
    list_algorithms,
    neighbours,
)
from pymoo_arnas.algorithms.hybrid import _greedy_hv_gain, hv_gain, non_domination_chance
from pymoo_arnas.algorithms.surrogate import (
    ClassHammingGP,
    PerObjectiveGP,
    edge_kernel,
    from_robust_ratio,
    hamming,
    rank_warp,
    to_robust_ratio,
    warp_map,
)
from pymoo_arnas.data import synthetic_table
from pymoo_arnas.experiments.metrics import convergence
from pymoo_arnas.problems import ARNAS
from pymoo_arnas.space import all_genomes, isomorphism_class

REQUIRED = {"nsga2", "nsga2-cat", "nsga2-llm", "ga", "pso", "de", "cmaes", "llmo", "random"}
# every algorithm without an LLM or an optional extra (those have their own test files);
# AGE-MOEA's numba code compiles for ~8 s in each process
CLASSIC = [
    pytest.param(a, marks=pytest.mark.slow) if a == "age-moea" else a
    for a in list_algorithms() if a not in NEEDS_LLM and get_record(a).extra is None
]


def test_registry_lists_the_required_algorithms():
    assert REQUIRED <= set(list_algorithms())


def test_unknown_algorithm_names_the_valid_choices():
    with pytest.raises(ValueError, match="unknown algorithm 'nsga9'.*nsga2-cat"):
        get_algorithm("nsga9")


@pytest.mark.parametrize("name", sorted(NEEDS_LLM))
def test_llm_algorithms_need_a_client(name):
    with pytest.raises(ValueError, match="LLM client|llm"):
        get_algorithm(name)


@pytest.mark.parametrize("name", CLASSIC)
def test_every_classic_algorithm_runs_and_queries_valid_cells(name):
    n_obj = 1 if name in SINGLE_OBJECTIVE else 2
    objectives = ("pgd@Linf",) if n_obj == 1 else ("clean", "pgd@Linf")
    problem = ARNAS("cifar10", objectives=objectives)
    minimize(problem, get_algorithm(name), MaximumFunctionCallTermination(120), seed=3)
    log = problem.query_log
    assert problem.n_evals >= 100 and problem.n_unique >= 20
    X = log[[f"x{i}" for i in range(6)]].to_numpy()
    assert X.min() >= 0 and X.max() <= 4
    assert log["uid"].is_unique


def test_table2_presets():
    ga = get_algorithm("ga")
    assert ga.pop_size == 30 and ga.mating.crossover.prob.value == pytest.approx(0.9)
    pso = get_algorithm("pso")
    assert (pso.w, pso.c1, pso.c2) == (1.0, 2.05, 2.05)
    assert pso.max_velocity_rate * 4 == pytest.approx(2.0)  # speed in [-2, 2] on 0..4
    de = get_algorithm("de")
    assert de.pop_size == 30
    cma = get_algorithm("cmaes")
    assert cma.sigma == 1.3 and cma.options["popsize"] == 30


@pytest.mark.parametrize("name", ["nsga2-cat", "random", "nsga2", "ga"])
def test_same_seed_same_run(name):
    objectives = "clean" if name == "ga" else ("clean", "aa_square@Linf")
    logs = []
    for seed in (5, 5, 6):
        problem = ARNAS("cifar100", objectives=objectives, budget=60)
        minimize(problem, get_algorithm(name), MaximumFunctionCallTermination(600), seed=seed)
        logs.append(problem.query_log)
    assert logs[0].equals(logs[1])
    assert not logs[0].equals(logs[2])


@pytest.mark.parametrize("seed", [0, 1])
def test_cmaes_same_seed_same_run_seed_0_too(seed):
    """cma reads seed 0 as "seed from the clock": a seed-0 run must still repeat."""
    logs = []
    for _ in range(2):
        problem = ARNAS("cifar100", objectives="pgd@Linf", budget=None)
        minimize(problem, get_algorithm("cmaes"), MaximumFunctionCallTermination(150), seed=seed)
        logs.append(problem.query_log)
    assert logs[0].equals(logs[1])


@pytest.mark.parametrize("name", ["nsga2-cat", "random"])
def test_budgeted_algorithms_spend_exactly_the_budget_without_repeats(name):
    problem = ARNAS("cifar10", objectives=("clean", "fgsm@Linf"), budget=57)
    minimize(problem, get_algorithm(name), seed=0)
    assert problem.n_unique == 57
    assert problem.n_evals == 57  # never asks for a cell twice, not even an isomorphic one


def test_random_search_covers_every_unique_cell_once():
    problem = ARNAS("cifar10", objectives="clean")
    minimize(problem, RandomSearch(batch_size=1000), seed=0)
    assert problem.n_unique == problem.n_evals == 6466


def test_neighbours_change_exactly_one_edge():
    x = np.array([[3, 1, 0, 4, 2, 2]])
    N = neighbours(x)
    assert N.shape == (24, 6)
    assert ((N != x).sum(axis=1) == 1).all()
    assert len({tuple(r) for r in N}) == 24


_POINTS = st.integers(1, 6).flatmap(
    lambda n: arrays(float, (n, 2), elements=st.floats(0.0, 1.2)))


@settings(max_examples=60, deadline=None)
@given(front=_POINTS, points=_POINTS)
def test_hv_gain_is_pymoos_hypervolume_difference(front, points):
    ref = np.array([1.0, 1.0])  # some points lie beyond it: they add nothing
    hv = HV(ref_point=ref)

    def volume(F):
        F = F[(F < ref).all(axis=1)]
        return hv(F) if len(F) else 0.0

    expected = [volume(np.vstack([front, p])) - volume(front) for p in points]
    np.testing.assert_allclose(hv_gain(front, points, ref), expected, atol=1e-12)


def test_non_domination_chance_is_the_chance_of_falling_outside_the_fronts_staircase():
    rng = np.random.default_rng(0)
    a = np.sort(rng.uniform(0, 1, 4))
    front = np.c_[a, 1.2 - a - rng.uniform(0, 0.1, 4) * np.arange(4)][rng.permutation(4)]
    assert len(NonDominatedSorting().do(front, only_non_dominated_front=True)) == 4
    mean, std = rng.uniform(0, 1, (6, 2)), rng.uniform(0.05, 0.3, (6, 2))
    Z = mean[:, None] + std[:, None] * rng.standard_normal((6, 100_000, 2))
    dominated = (Z[:, :, None, :] >= front[None, None]).all(axis=-1).any(axis=-1)
    np.testing.assert_allclose(non_domination_chance(mean, std, front),
                               1 - dominated.mean(axis=1), atol=0.005)


def test_greedy_hv_gain_takes_the_largest_gain_first_and_stops_when_none_is_left():
    F = np.array([[0.0, 1.0], [1.0, 0.0]])  # the archive; reference point (1.1, 1.1)
    P = np.array([[0.5, 0.5], [0.45, 0.45], [0.2, 0.9], [2.0, 2.0], [0.9, 0.2]])
    first = _greedy_hv_gain(F, P, 5)
    assert first[0] == 1  # the largest gain; (0.5, 0.5) adds nothing after it
    assert set(first.tolist()) == {1, 2, 4}  # the dominated rows are never taken
    assert _greedy_hv_gain(F, P, 2).tolist() == first[:2].tolist()


def test_nsga2_cat_never_queries_an_isomorphic_cell_twice():
    problem = ARNAS("cifar10", objectives=("clean", "aa_apgd-ce@Linf"), budget=120)
    minimize(problem, NSGA2LocalSearch(pop_size=20), seed=2)
    X = problem.query_log[[f"x{i}" for i in range(6)]].to_numpy()
    assert len(np.unique(isomorphism_class(X))) == len(X) == 120


def test_nsga2_cat_rejects_bad_options():
    with pytest.raises(ValueError, match="explore"):
        NSGA2LocalSearch(explore=1.5)
    with pytest.raises(ValueError, match="n_seeds"):
        NSGA2LocalSearch(n_seeds=0)
    with pytest.raises(TypeError, match="'acquisition' was removed"):
        NSGA2LocalSearch(acquisition="ehvi")  # it gave no measured gain
    with pytest.raises(ValueError, match="warp must be True, False or None.*'yes'"):
        NSGA2LocalSearch(warp="yes")


def test_nsga2_cat_batch_and_unscreened_share_default_by_the_number_of_objectives():
    # several objectives: 5 cells a generation (the GP refitted more often) whatever the
    # population (25, or 20 with a prior), none unscreened
    algo = minimize(ARNAS("cifar10", ("clean", "pgd@Linf"), budget=30),
                    NSGA2LocalSearch(), seed=0).algorithm
    assert (algo.pop_size, algo.n_offsprings, algo.explore) == (25, 5, 0.0)
    algo = minimize(ARNAS("cifar100", ("clean", "pgd@Linf"), budget=30),
                    NSGA2LocalSearch(prior="cifar10"), seed=0).algorithm
    assert (algo.pop_size, algo.n_offsprings, algo.explore) == (20, 5, 0.0)
    algo = minimize(ARNAS("cifar10", ("clean", "pgd@Linf"), budget=30),
                    NSGA2LocalSearch(pop_size=4), seed=0).algorithm
    assert algo.n_offsprings == 4  # at most a population
    # one objective: half a population, none unscreened (since 0.9.0)
    algo = minimize(ARNAS("cifar10", ("pgd@Linf",), budget=30),
                    NSGA2LocalSearch(pop_size=20), seed=0).algorithm
    assert (algo.n_offsprings, algo.explore) == (10, 0.0)
    algo = minimize(ARNAS("cifar10", ("pgd@Linf",), budget=30),
                    NSGA2LocalSearch(pop_size=20, zero_cost="params"), seed=0).algorithm
    assert (algo.n_offsprings, algo.explore) == (10, 0.0)
    # zero-cost features: half a population (5 a generation measured no gain there) and a
    # tenth unscreened
    algo = minimize(ARNAS("cifar10", ("clean", "pgd@Linf"), budget=30),
                    NSGA2LocalSearch(pop_size=20, zero_cost="params"), seed=0).algorithm
    assert (algo.n_offsprings, algo.explore) == (10, 0.1)
    # what the user gives is kept
    algo = minimize(ARNAS("cifar10", ("clean", "pgd@Linf"), budget=30),
                    NSGA2LocalSearch(pop_size=20, n_offsprings=7, explore=0.2), seed=0).algorithm
    assert (algo.n_offsprings, algo.explore) == (7, 0.2)


def test_nsga2_cat_warps_objectives_by_default_but_not_with_a_prior():
    assert NSGA2LocalSearch().warp and not NSGA2LocalSearch(warp=False).warp
    assert not NSGA2LocalSearch(prior="cifar10").warp


def test_nsga2_cat_searches_the_neighbours_of_every_isomorphic_genome_of_its_seeds():
    # isomorphic genomes are one cell but have different 1-edge neighbours
    problem = ARNAS("cifar10", ("clean", "pgd@Linf"), budget=40)
    # (a run whose seed cells include classes of several genomes)
    algo = minimize(problem, NSGA2LocalSearch(pop_size=20, n_offsprings=10, n_mating=0),
                    seed=0).algorithm
    seeds = algo._arch_X[algo._seed_rows()]
    members = algo._members(seeds)
    every = isomorphism_class(all_genomes())
    assert set(isomorphism_class(members)) == set(isomorphism_class(seeds))
    assert len(members) == np.isin(every, isomorphism_class(seeds)).sum() > len(seeds)
    rng = np.random.default_rng(0)
    wide = set(isomorphism_class(algo._local_pool(10, rng)))
    algo.class_neighbours = False
    narrow = set(isomorphism_class(algo._local_pool(10, rng)))
    assert narrow < wide  # a strict superset: the isomorphic genomes' neighbours are new
    assert wide == set(isomorphism_class(neighbours(members))) - set(
        isomorphism_class(algo._arch_X))


def test_nsga2_cat_draws_its_unscreened_share_from_the_explorable_rows_only():
    # what nsga2-cat-llm uses: the model's cells, after row n_explorable of the pool, enter
    # only through the GP's ranking, never among the random picks
    problem = ARNAS("cifar10", ("clean", "pgd@Linf"), budget=40)
    algo = minimize(problem, NSGA2LocalSearch(pop_size=20, explore=0.5), seed=0).algorithm
    pool = np.random.default_rng(0).integers(0, 5, size=(200, 6))
    beyond = 0
    for seed in range(5):
        pick = algo._select(pool, 20, np.random.default_rng(seed), n_explorable=50)
        assert len(pick) == 20 == len(np.unique(pick))
        assert (pick[10:] < 50).all()  # the unscreened half
        everywhere = algo._select(pool, 20, np.random.default_rng(seed))
        assert (everywhere[:10] == pick[:10]).all()  # the GP's half is the same
        beyond += int((everywhere[10:] >= 50).sum())
    assert beyond > 0  # unrestricted, the random picks do reach the other rows


@pytest.mark.parametrize("objectives, budget", [(("clean",), 40), (("clean", "pgd@Linf"), 40)])
def test_warped_screening_sees_only_the_order_of_each_objective(objectives, budget):
    """On rank-warped objectives the GP's screening, and so the cells queried (one objective:
    the whole run; several: the global phase of the first 100 queries, after which NSGA-II's
    crowding distance reads the values themselves), are the same when every value is mapped
    by an increasing function; on the raw values they are not."""
    table = synthetic_table()
    cubed = dataclasses.replace(table, values=table.values ** 3)

    def queried(tab, warp):
        problem = ARNAS(table=tab, objectives=objectives, epsilon=1.0, budget=budget)
        minimize(problem, NSGA2LocalSearch(pop_size=20, warp=warp), seed=3)
        return problem.query_log["uid"].to_numpy()

    same = queried(table, True)
    assert len(same) == budget
    np.testing.assert_array_equal(queried(cubed, True), same)
    assert not np.array_equal(queried(cubed, False), queried(table, False))


@pytest.mark.parametrize("objectives", [
    ("clean", "pgd@Linf", "aa_square@Linf"),
    ("clean", "fgsm@Linf", "pgd@Linf", "aa_apgd-ce@Linf", "aa_square@Linf"),
])
def test_nsga2_cat_searches_any_number_of_objectives(objectives):
    problem = ARNAS("cifar10", objectives=objectives, budget=100)
    minimize(problem, get_algorithm("nsga2-cat"), seed=0)
    assert problem.n_unique == problem.n_evals == 100
    random = ARNAS("cifar10", objectives=objectives, budget=100)
    minimize(random, get_algorithm("random"), seed=0)
    # the screened search finds more of the exact front than random search
    assert convergence(problem)["nhv"].iloc[-1] > convergence(random)["nhv"].iloc[-1]


@pytest.mark.slow
def test_nsga2_cat_beats_plain_nsga2_at_a_small_budget():
    def mean_nhv(name):
        vals = []
        for seed in range(3):
            problem = ARNAS("cifar100", objectives=("clean", "pgd@Linf"), budget=150)
            minimize(problem, get_algorithm(name), seed=seed)
            vals.append(convergence(problem)["nhv"].iloc[-1])
        return np.mean(vals)

    assert mean_nhv("nsga2-cat") > mean_nhv("nsga2") + 0.05


def test_hamming_gp_interpolates_its_training_cells():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 5, size=(40, 6))
    y = np.sin(X.sum(axis=1, keepdims=True).astype(float))
    gp = HammingGP(noise=1e-6).fit(X, y)
    mean, std = gp.predict(X, return_std=True)
    assert np.allclose(mean, y, atol=1e-3)
    assert (std < 0.05).all()
    far = gp.predict(rng.integers(0, 5, size=(5, 6)), return_std=True)[1]
    assert far.shape == (5, 1)



def test_class_hamming_gp_is_the_mean_genome_kernel_between_classes():
    # each value against the definition: the mean of exp(-theta * hamming) over every pair of
    # genomes of the two classes, over the square root of each class's mean with itself
    G = all_genomes()
    cls = isomorphism_class(G)
    rng = np.random.default_rng(0)
    big = np.flatnonzero(np.bincount(cls) > 3)
    picks = np.concatenate([rng.choice(big, 3), rng.integers(0, cls.max() + 1, 3)])
    X = np.array([G[cls == c][0] for c in picks])
    K = ClassHammingGP(theta=0.7).kernel(X, X[::-1])

    def mean_k(a, b):
        return np.exp(-0.7 * hamming(G[cls == a], G[cls == b])).mean()

    want = np.array([[mean_k(a, b) / np.sqrt(mean_k(a, a) * mean_k(b, b))
                      for b in picks[::-1]] for a in picks])
    np.testing.assert_allclose(K, want, rtol=1e-10)
    # a kernel on cells: isomorphic genomes are one point, whatever their Hamming distance
    same = G[cls == big[0]]
    assert hamming(same[:1], same[-1:])[0, 0] > 0
    np.testing.assert_allclose(ClassHammingGP().kernel(same, same), 1.0)
    # positive semi-definite, so the GP's Cholesky factor exists with its small nugget
    Y = G[rng.choice(len(G), 300, replace=False)]
    gp = ClassHammingGP().fit(Y, rng.random((300, 2)))
    mean, std = gp.predict(same[:2], return_std=True)
    assert np.allclose(mean[0], mean[1]) and np.allclose(std[0], std[1])


@pytest.mark.parametrize("s", [0.0, 0.5, 1.0])
def test_edge_kernel_makes_the_two_convolutions_alike_and_stays_a_kernel(s):
    K1 = edge_kernel(0.8, s)
    assert np.linalg.eigvalsh(K1).min() > -1e-12  # positive semi-definite
    np.testing.assert_allclose(np.diag(K1), 1.0)
    w = np.exp(-0.8)
    assert K1[2, 3] == pytest.approx(w + (1 - w) * s)  # nor_conv_1x1 and nor_conv_3x3
    assert K1[0, 4] == pytest.approx(w)  # none and avg_pool_3x3: always as far apart
    rng = np.random.default_rng(1)
    A, B = rng.integers(0, 5, (7, 6)), rng.integers(0, 5, (9, 6))
    K = HammingGP(theta=0.8, conv_similarity=s).kernel(A, B)
    want = np.prod(K1[A[:, None, :], B[None, :, :]], axis=2)  # the product over the edges
    np.testing.assert_allclose(K, want, rtol=1e-12)
    if s == 0.0:  # the Hamming kernel
        np.testing.assert_allclose(K, np.exp(-0.8 * hamming(A, B)), rtol=1e-12)
    if s == 1.0:  # a 1x1 and a 3x3 convolution on an edge: the same to the kernel
        assert HammingGP(conv_similarity=1.0).kernel([[2] * 6], [[3] * 6])[0, 0] == 1.0
    # between classes: the mean of that genome kernel over every pair of their genomes
    G, cls = all_genomes(), isomorphism_class(all_genomes())
    big = np.flatnonzero(np.bincount(cls) > 3)[:2]
    X = np.array([G[cls == c][0] for c in big])
    Kc = ClassHammingGP(theta=0.8, conv_similarity=s).kernel(X, X)

    def mean_k(a, b):
        Ga, Gb = G[cls == a], G[cls == b]
        return np.prod(K1[Ga[:, None, :], Gb[None, :, :]], axis=2).mean()

    want = mean_k(big[0], big[1]) / np.sqrt(mean_k(big[0], big[0]) * mean_k(big[1], big[1]))
    assert Kc[0, 1] == pytest.approx(want, rel=1e-10)
    np.testing.assert_allclose(np.diag(Kc), 1.0)


@pytest.mark.parametrize("bad", [-0.1, 1.5, True, (0.1,), (0.1, 0.2, 0.3), (0.1, 2.0), "0.5"])
def test_conv_similarity_out_of_range_is_refused(bad):
    with pytest.raises(ValueError, match="conv_similarity"):
        NSGA2LocalSearch(conv_similarity=bad)
    if not isinstance(bad, tuple):  # one value: the GP's kernel refuses it as well
        with pytest.raises(ValueError, match="conv_similarity"):
            HammingGP(conv_similarity=bad)


def test_nsga2_cat_takes_the_convolutions_alike_with_two_objectives():
    # a short global phase (30 queries, as the default's 100) keeps the test quick
    problem = ARNAS("cifar10", ("clean", "pgd@Linf"), budget=40)
    algo = minimize(problem, NSGA2LocalSearch(pop_size=10, global_pool=30), seed=0).algorithm
    assert algo._conv_similarity() == 0.5 and algo._surrogate().conv_similarity == 0.5
    algo._arch_X = algo._arch_X[:20]  # as it was during the global phase
    assert algo._conv_similarity() == 0.1
    # one or three objectives, a prior, or the option (one value, or a pair by phase)
    for objectives, kwargs, want in [
        (("clean",), {}, (0.0, 0.0)),
        (("clean", "pgd@Linf", "fgsm@Linf"), {}, (0.0, 0.0)),
        (("clean", "pgd@Linf"), {"prior": "cifar100"}, (0.0, 0.0)),
        (("clean", "pgd@Linf"), {"conv_similarity": 0.2}, (0.2, 0.2)),
        (("clean",), {"conv_similarity": (0.3, 0.7)}, (0.3, 0.7)),
    ]:
        problem = ARNAS("cifar10", objectives, budget=40)
        algo = minimize(problem, NSGA2LocalSearch(pop_size=10, global_pool=30, **kwargs),
                        seed=0).algorithm
        after = algo._conv_similarity()
        algo._arch_X = algo._arch_X[:20]  # the global phase
        assert (algo._conv_similarity(), after) == want, (objectives, kwargs)


def _set_up(algo, objectives, n_archive=25):
    """``algo`` set up on a CIFAR-10 problem of ``objectives`` (nothing evaluated), with an
    archive of ``n_archive`` cells, as a run would have after that many queries."""
    problem = ARNAS("cifar10", objectives, budget=300)
    algo.setup(problem, seed=0)
    algo._arch_X = np.zeros((n_archive, 6), dtype=np.int64)
    return algo


class _CountsPools(NSGA2LocalSearch):
    """nsga2-cat that records, per generation, whether it screened the global pool."""

    def _infill(self):
        infills = super()._infill()
        self.log = getattr(self, "log", [])
        self.log.append((len(self._arch_X), self._global_generation()))
        return infills

    def _local_pool(self, n, rng):
        self.n_local = getattr(self, "n_local", 0) + 1
        return super()._local_pool(n, rng)


def test_nsga2_cat_screens_the_whole_space_again_every_second_or_fourth_generation():
    # two objectives: after a global phase of 30 queries, generations of 5 cells; the first
    # of every 2 (the robust accuracy modelled as a ratio) or 4 (not) screens every
    # unqueried cell (global), the others the local pool
    for kwargs, k, pattern in [({}, 2, [True, False] * 4),
                               ({"robust_ratio": False}, 4, [True, False, False, False] * 2)]:
        problem = ARNAS("cifar10", ("clean", "pgd@Linf"), budget=70)
        algo = minimize(problem, _CountsPools(pop_size=10, global_pool=30, **kwargs),
                        seed=0).algorithm
        assert algo._global_every() == k
        after = [g for n, g in algo.log if n >= 30]
        assert after == pattern
        assert algo.n_local == pattern.count(False) and all(g for n, g in algo.log if n < 30)
    # the global generations screen as the global phase does: its kernel
    algo._n_after = 5  # the fifth generation after the global phase: a global one
    assert algo._conv_similarity() == 0.1
    # 0 turns it off; one, three objectives, a prior, zero-cost features or no global phase
    problem = ARNAS("cifar10", ("clean", "pgd@Linf"), budget=70)
    algo = minimize(problem, _CountsPools(pop_size=10, global_pool=30, global_every=0),
                    seed=0).algorithm
    assert algo.n_local == 8 and not any(g for n, g in algo.log if n >= 30)
    for objectives, kwargs, want in [
        (("clean",), {}, 0),
        (("clean", "pgd@Linf", "fgsm@Linf"), {}, 0),
        (("clean", "pgd@Linf"), {"prior": "cifar100"}, 0),
        (("clean", "pgd@Linf"), {"zero_cost": "params"}, 0),
        (("clean", "pgd@Linf"), {"global_pool": 0}, 0),
        (("pgd@Linf", "fgsm@Linf"), {}, 4),  # no clean accuracy: no ratio
        (("clean", "pgd@Linf"), {"global_every": 3}, 3),
        (("clean",), {"global_every": 3}, 3),
    ]:
        algo = _set_up(NSGA2LocalSearch(pop_size=10, **kwargs), objectives)
        assert algo._global_every() == want, (objectives, kwargs)


@pytest.mark.parametrize("bad", [-1, 1.5, 4.0, True, "4", "x"])
@pytest.mark.parametrize("name, what", [("global_every", "generations"),
                                        ("global_pool", "queries")])
def test_global_counts_are_refused_unless_whole_numbers(name, what, bad):
    with pytest.raises(ValueError, match=f"{name} must be a number of {what} >= 0 .*got "
                                         f"{bad!r}"):
        NSGA2LocalSearch(**{name: bad})
    assert getattr(NSGA2LocalSearch(**{name: np.int64(7)}), name) == 7


@settings(max_examples=50, deadline=None)
@given(arrays(float, (12, 3), elements=st.floats(0.0, 0.999)))
def test_robust_ratio_is_undone_exactly(F):
    G = to_robust_ratio(F, clean=1, robust=[0, 2])
    np.testing.assert_array_equal(G[:, 1], F[:, 1])  # the clean error stays
    np.testing.assert_allclose(G[:, 0], -(1 - F[:, 0]) / (1 - F[:, 1]))
    np.testing.assert_allclose(from_robust_ratio(G, clean=1, robust=[0, 2]), F, atol=1e-12)


@settings(max_examples=50, deadline=None)
@given(arrays(np.int64, (15, 2), elements=st.integers(-5000, 5000)),
       arrays(float, (6, 2), elements=st.floats(-20.0, 20.0)))
def test_warp_map_is_increasing_and_undone_by_the_reverse_map(F, values):
    F = F / 1000.0  # e.g. accuracies, to three places
    W = rank_warp(F)
    there = warp_map(values, F, W)
    for j in range(2):  # increasing: the order of values is kept (ties may merge)
        o = np.argsort(values[:, j], kind="stable")
        assert (np.diff(there[o, j]) >= -1e-9).all()
    # the archive's own values land on their warped values, and back
    np.testing.assert_allclose(warp_map(F, F, W), W, atol=1e-9)
    if all(len(np.unique(F[:, j])) > 1 for j in range(2)):  # distinct values: invertible
        np.testing.assert_allclose(warp_map(there, W, F), values, atol=1e-6)


def test_warp_map_extends_beyond_the_archive_at_its_outer_slope():
    F = np.arange(10.0)[:, None]
    # beyond the end the map keeps the slope of the last tenth (here 1 unit: slope 2)
    np.testing.assert_allclose(warp_map([[11.0], [-2.0]], F, 2 * F), [[22.0], [-4.0]])


class _RecordsFits(NSGA2LocalSearch):
    """nsga2-cat that keeps the targets its GP was last fitted on."""

    def _surrogate(self):
        gp = super()._surrogate()
        fit = gp.fit

        def recording_fit(X, F, *args):
            self.fitted_on = np.array(F)
            return fit(X, F, *args)

        gp.fit = recording_fit
        return gp


def test_nsga2_cat_models_the_robust_accuracy_as_a_ratio_to_the_clean_one_after_the_global_phase():
    problem = ARNAS("cifar10", ("clean", "pgd@Linf"), budget=60)
    algo = minimize(problem, _RecordsFits(pop_size=10, global_pool=30), seed=0).algorithm
    assert algo._ratio_columns == (0, [1]) and algo._use_robust_ratio()
    # the last fit (after the global phase) saw the warped clean error and robust/clean
    F = algo._arch_F[:-algo.n_offsprings]  # the archive when that fit was made
    acc = 1.0 - F
    want = rank_warp(np.c_[F[:, 0], -acc[:, 1] / acc[:, 0]])[algo._training_rows()[:len(F)]]
    np.testing.assert_allclose(algo.fitted_on, want)
    # during the global phase it models the objectives themselves
    problem = ARNAS("cifar10", ("clean", "pgd@Linf"), budget=30)
    algo = minimize(problem, _RecordsFits(pop_size=10, global_pool=100), seed=0).algorithm
    assert not algo._use_robust_ratio()
    F = algo._arch_F[:-algo.n_offsprings]
    np.testing.assert_allclose(algo.fitted_on, rank_warp(F))
    # with a whole-table prior (no warping) after its global phase the ratios themselves
    problem = ARNAS("cifar100", ("clean", "pgd@Linf"), budget=40)
    algo = minimize(problem, _RecordsFits(prior="cifar10", global_pool=30), seed=0).algorithm
    F = algo._arch_F[:-algo.n_offsprings]
    np.testing.assert_allclose(algo.fitted_on, to_robust_ratio(F, 0, [1]))
    # the default: two objectives, clean and another accuracy, no zero-cost features
    for objectives, kwargs, want in [
        (("clean", "pgd@Linf"), {}, True),
        (("clean", "gaussian_noise"), {}, True),
        (("clean", "pgd@Linf"), {"robust_ratio": False}, False),
        (("clean", "pgd@Linf", "fgsm@Linf"), {}, False),
        (("clean", "pgd@Linf", "fgsm@Linf"), {"robust_ratio": True}, True),
        (("clean", "pgd@Linf", "params"), {"robust_ratio": True}, True),
        (("clean", "pgd@Linf"), {"prior": "cifar100"}, True),  # no global phase
        (("clean", "pgd@Linf"), {"zero_cost": "params"}, False),
        (("clean", "params"), {}, False),
        (("pgd@Linf", "fgsm@Linf"), {}, False),
        (("clean",), {}, False),
    ]:
        algo = _set_up(NSGA2LocalSearch(pop_size=10, global_pool=20, **kwargs), objectives)
        assert algo._use_robust_ratio() is want, (objectives, kwargs)
    # a cost is modelled as it is; a run with one goes through the ratio's path
    problem = ARNAS("cifar10", ("clean", "pgd@Linf", "params"), budget=30)
    algo = minimize(problem, NSGA2LocalSearch(pop_size=10, global_pool=20, robust_ratio=True),
                    seed=0).algorithm
    assert algo._ratio_columns == (0, [1]) and algo._use_robust_ratio()


def test_robust_ratio_is_refused_where_there_is_no_clean_accuracy_or_a_bad_value():
    problem = ARNAS("cifar10", ("pgd@Linf", "fgsm@Linf"), budget=30)
    with pytest.raises(ValueError, match=r"robust_ratio=True needs .*'pgd@Linf:1.0'"):
        minimize(problem, NSGA2LocalSearch(pop_size=10, robust_ratio=True), seed=0)
    for bad in ("yes", 1, 0.5):
        with pytest.raises(ValueError, match=f"robust_ratio must be True, False or None.*{bad!r}"):
            NSGA2LocalSearch(robust_ratio=bad)


def test_nsga2_cat_screens_with_the_class_kernel_where_the_problem_counts_classes():
    problem = ARNAS("cifar10", ("clean", "pgd@Linf"), budget=30)
    algo = minimize(problem, NSGA2LocalSearch(pop_size=20), seed=0).algorithm
    assert type(algo._surrogate()) is ClassHammingGP
    algo.class_kernel = False
    assert type(algo._surrogate()) is HammingGP
    # zero-cost features: the residuals of their linear trend, by the class kernel
    problem = ARNAS("cifar10", ("clean", "pgd@Linf"), budget=30)
    algo = minimize(problem, NSGA2LocalSearch(pop_size=20, zero_cost="params"), seed=0).algorithm
    assert type(algo._surrogate().gp) is ClassHammingGP
    # a cost objective counts genomes: a GP per objective, the class kernel for the
    # accuracy (a function of the class), the genome kernel for the cost
    problem = ARNAS("cifar10", ("clean", "params", "pgd@Linf"), budget=30)
    algo = minimize(problem, NSGA2LocalSearch(pop_size=20), seed=0).algorithm
    gp = algo._surrogate()
    assert type(gp) is PerObjectiveGP
    assert [type(g) for g in gp.gps] == [ClassHammingGP, HammingGP, ClassHammingGP]
    assert [type(g) for g in algo._surrogate().gps] == [type(g) for g in gp.gps]  # anew
    gp = minimize(ARNAS("cifar10", ("clean", "params"), budget=30),
                  NSGA2LocalSearch(pop_size=20, zero_cost="params"), seed=0).algorithm._surrogate()
    assert [type(g) for g in gp.gp.gps] == [ClassHammingGP, HammingGP]  # the residuals'
    algo.class_kernel = False
    assert type(algo._surrogate()) is HammingGP


def test_per_objective_gp_is_each_gp_on_its_own_column():
    rng = np.random.default_rng(1)
    X, P = rng.integers(0, 5, size=(40, 6)), rng.integers(0, 5, size=(15, 6))
    F = rng.random((40, 2))
    model = PerObjectiveGP([ClassHammingGP(), HammingGP(theta=0.5)]).fit(X, F)
    mean, std = model.predict(P, return_std=True)
    for j, gp in enumerate((ClassHammingGP(), HammingGP(theta=0.5))):
        m, sd = gp.fit(X, F[:, [j]]).predict(P, return_std=True)
        np.testing.assert_allclose(mean[:, [j]], m)
        np.testing.assert_allclose(std[:, [j]], sd)
    np.testing.assert_allclose(model.predict(P), mean)
    with pytest.raises(ValueError, match="F has 2 objectives for 3 GPs"):
        PerObjectiveGP([HammingGP()] * 3).fit(X, F)
    with pytest.raises(ValueError, match="one GP per objective; got none"):
        PerObjectiveGP([])


def test_class_kernel_columns_are_kept_up_to_their_bound():
    from pymoo_arnas.algorithms.surrogate import _KernelColumns

    columns = _KernelColumns(theta=1.0, conv_similarity=0.0, wl_weight=0.0, wl_depth=2, most=4)
    first = columns.get([5, 6, 7])
    assert len(columns.cols) == 3
    columns.get([8, 9])
    assert list(columns.cols) == [6, 7, 8, 9]  # the least recently used went first
    np.testing.assert_array_equal(columns.get([7, 5, 6]), first[:, [2, 0, 1]])
    # only some rows: a few (gathered), or most of them (whole columns first)
    for rows in ([0, 3, 6000, 3], np.arange(6466)[::-2]):
        np.testing.assert_array_equal(columns.get([7, 5, 6], rows=rows),
                                      first[rows][:, [2, 0, 1]])
    assert len(columns.get(np.arange(10, 20)).T) == 10 == len(columns.cols)  # one request


def test_class_gp_warm_start_extends_the_last_fit_with_the_same_values():
    # a search's archive grows by appending: the warm GP extends its factor and its solve
    # against the whole space instead of starting again, and predicts what a cold fit does
    G = all_genomes()
    _, first = np.unique(isomorphism_class(G), return_index=True)
    reps = G[first]
    rng = np.random.default_rng(3)
    order = rng.permutation(len(reps))
    warm = ClassHammingGP(conv_similarity=0.1, wl_weight=0.5, warm_start=True)
    for n, prefix in ((25, False), (40, True), (40, True), (60, True), (30, False)):
        X = reps[order[:n]] if n != 30 else reps[order[100:130]]  # the last: other cells
        F = rng.random((n, 2))
        V = None if warm._space is None else warm._space[0]
        warm.fit(X, F)
        if prefix:  # the kept solve's rows are the first rows of the new one
            assert warm._space is not None and warm._space[0] is V
        else:
            assert warm._space is None
        cold = ClassHammingGP(conv_similarity=0.1, wl_weight=0.5).fit(X, F)
        np.testing.assert_allclose(warm.L_, cold.L_, atol=1e-12)
        for pool in (reps[order[n:]], reps[order[n:n + 50]]):  # most of the space, or a few
            for a, b in zip(warm.predict(pool, return_std=True),
                            cold.predict(pool, return_std=True)):
                np.testing.assert_allclose(a, b, atol=1e-12)
            np.testing.assert_allclose(warm.predict(pool), cold.predict(pool), atol=1e-12)
        assert len(warm._space[0]) == n  # a large pool asked for the whole space's solve
    # the search keeps one warm GP per kernel for the run
    problem = ARNAS("cifar10", ("clean", "pgd@Linf"), budget=110)  # a global, a local gen.
    algo = minimize(problem, NSGA2LocalSearch(), seed=0).algorithm
    assert set(algo._models) == {(0.1, 0.5), (0.5, 0.5)}
    assert all(gp.warm_start for gp in algo._models.values())
    assert algo._surrogate() is algo._models[0.5, 0.5]


def test_hamming_gp_subclass_with_its_own_kernel_screens_nsga2_cat():
    """A researcher's surrogate: a HammingGP subclass overrides only ``kernel`` and an
    NSGA2LocalSearch subclass returns it from ``_surrogate``; the search then screens with it."""
    calls = []

    class CountingGP(HammingGP):
        def kernel(self, A, B):
            calls.append((len(A), len(B)))
            return np.exp(-2.0 * hamming(A, B))

    class Screened(NSGA2LocalSearch):
        def _surrogate(self):
            return CountingGP()

    gp = CountingGP(noise=1e-6).fit([[0] * 6, [1] * 6], [[0.0], [1.0]])
    assert np.allclose(gp.predict([[1] * 6]), 1.0, atol=1e-4)
    calls.clear()
    problem = ARNAS("cifar10", objectives=("clean", "pgd@Linf"), budget=60)
    minimize(problem, Screened(pop_size=20), seed=0)
    assert problem.n_unique == 60
    assert calls and max(n for n, _ in calls) > 100  # candidate pools, not only the archive


# --------------------------------------------------------------------------- LLMO


from pymoo_arnas.llm.base import LLMClient  # noqa: E402


class _ScriptedLLM(LLMClient):
    """A client that answers from a script, one answer per call."""

    backend = "scripted"

    def __init__(self, answers):
        super().__init__(model="scripted", max_retries=0)
        self.answers = list(answers)
        self.prompts, self.systems = [], []

    def _call(self, prompt, system, schema):
        self.prompts.append(prompt)
        self.systems.append(system)
        return self.answers[(len(self.prompts) - 1) % len(self.answers)], 0, 0


def test_llmo_evaluates_the_decoded_proposal_and_falls_back_on_bad_answers():
    llm = _ScriptedLLM(["[3, 3, 1, 0, 2, 4]", "no cell here", "[3, 3, 1, 0, 2, 4]",
                        "[4, 0, 2, 4, 0, 2]"])
    problem = ARNAS("cifar10", objectives="pgd@Linf")
    res = minimize(problem, get_algorithm("llmo", llm=llm), MaximumFunctionCallTermination(12),
                   seed=0)
    algo = res.algorithm
    log = problem.query_log
    X = log[[f"x{i}" for i in range(6)]].to_numpy()
    assert problem.n_evals == problem.n_unique == 12
    assert len(llm.prompts) == algo.n_calls == 11  # one call per evaluation after the first
    assert X[1].tolist() == [3, 3, 1, 0, 2, 4]  # the proposal, decoded edge by edge
    assert X[4].tolist() == [4, 0, 2, 4, 0, 2]
    assert algo.n_fallbacks == algo.n_calls - 2  # garbage and repeats -> random unseen cells
    assert "expert" in llm.systems[0] and "Insight:" in llm.prompts[0]  # CRISPE
    assert "[3, 3, 1, 0, 2, 4]" in llm.prompts[1]


def test_llmo_is_single_objective():
    with pytest.raises(ValueError, match="single-objective"):
        minimize(ARNAS("cifar10"), get_algorithm("llmo", llm=_ScriptedLLM(["[0,0,0,0,0,0]"])),
                 MaximumFunctionCallTermination(3), seed=0)


def test_nsga2_llm_runs_with_a_stand_in_client():
    pytest.importorskip("pymoo_arnas.operators.llm")
    from pymoo_arnas.llm.base import LLMClient

    class AllConv(LLMClient):
        backend = "toy"

        def _call(self, prompt, system, schema):
            return "[[3, 3, 3, 3, 3, 3], [3, 3, 2, 3, 3, 3], [4, 0, 2, 4, 0, 2]]", 10, 10

    llm = AllConv(model="toy")
    problem = ARNAS("cifar10", objectives=("clean", "pgd@Linf"), budget=50)
    minimize(problem, get_algorithm("nsga2-llm", llm=llm, pop_size=10), seed=0)
    assert problem.n_unique == 50
    assert llm.usage.calls >= 2
    assert {(3, 3, 3, 3, 3, 3), (4, 0, 2, 4, 0, 2)} <= {
        tuple(r) for r in problem.query_log[[f"x{i}" for i in range(6)]].to_numpy()
    }


@pytest.mark.slow  # 150 queries with three GPs a generation: about 2 s
def test_nsga2_cat_counts_genomes_when_the_problem_does():
    # with a cost objective the genome, not its class, is one unique query
    problem = ARNAS("cifar10", objectives=("clean", "pgd@Linf", "params"), budget=150)
    minimize(problem, get_algorithm("nsga2-cat"), seed=0)
    X = problem.query_log[[f"x{i}" for i in range(6)]].to_numpy()
    assert problem.n_unique == problem.n_evals == len({tuple(r) for r in X}) == 150
    assert len(np.unique(isomorphism_class(X))) < 150  # genomes of one class were asked


def test_nsga2_cat_mixes_the_wl_kernel_in_with_several_objectives():
    problem = ARNAS("cifar10", ("clean", "pgd@Linf"), budget=30)
    algo = minimize(problem, NSGA2LocalSearch(pop_size=10), seed=0).algorithm
    assert algo._wl_weight() == 0.5 and algo._surrogate().wl_weight == 0.5
    # one or three objectives, a prior (a whole table with two objectives keeps it), or the
    # option
    for objectives, kwargs, want in [
        (("clean",), {}, 0.0),
        (("clean", "pgd@Linf", "fgsm@Linf"), {}, 0.5),
        (("clean", "pgd@Linf"), {"prior": "cifar100"}, 0.5),
        (("clean", "pgd@Linf", "fgsm@Linf"), {"prior": "cifar100"}, 0.0),
        (("clean", "pgd@Linf"), {"prior": "cifar100", "zero_cost": "params"}, 0.0),
        (("clean", "pgd@Linf"), {"zero_cost": "params"}, 0.0),
        (("clean", "pgd@Linf"), {"zero_cost": "params", "wl_weight": 0.5}, 0.5),
        (("clean", "pgd@Linf"), {"wl_weight": 0.0}, 0.0),
        (("clean",), {"wl_weight": 0.3}, 0.3),
    ]:
        problem = ARNAS("cifar10", objectives, budget=30)
        algo = minimize(problem, NSGA2LocalSearch(pop_size=10, **kwargs), seed=0).algorithm
        assert algo._wl_weight() == want, (objectives, kwargs)
        gp = algo._surrogate()
        assert getattr(gp, "gp", gp).wl_weight == want  # a prior's residual GP too
    # a cost objective: the accuracies' class kernels take it, the cost's genome kernel not
    problem = ARNAS("cifar10", ("clean", "params", "pgd@Linf"), budget=30)
    gp = minimize(problem, NSGA2LocalSearch(pop_size=10), seed=0).algorithm._surrogate()
    assert [getattr(g, "wl_weight", None) for g in gp.gps] == [0.5, None, 0.5]
    problem = ARNAS("cifar10", ("clean", "params"), budget=30)
    gp = minimize(problem, NSGA2LocalSearch(pop_size=10, wl_weight=0.4),
                  seed=0).algorithm._surrogate()
    assert gp.gps[0].wl_weight == 0.4 and not hasattr(gp.gps[1], "wl_weight")


@pytest.mark.parametrize("bad", [-0.1, 1.5, True, "0.5", (0.5, 0.5)])
def test_nsga2_cat_refuses_a_bad_wl_weight(bad):
    with pytest.raises(ValueError, match="wl_weight"):
        NSGA2LocalSearch(wl_weight=bad)
