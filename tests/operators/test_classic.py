"""Classic cell operators: sampling, random-reset mutation, duplicate elimination by isomorphism.

Mechanics only, so they run on the synthetic table (see tests/conftest.py).
"""

import numpy as np
import pytest
from pymoo.algorithms.moo.nsga2 import NSGA2
from pymoo.core.population import Population
from pymoo.operators.crossover.ux import UX
from pymoo.optimize import minimize

from pymoo_arnas import space
from pymoo_arnas.operators import (
    CellDuplicateElimination,
    CellSampling,
    OrthogonalArraySampling,
    RandomResetMutation,
    orthogonal_array,
)
from pymoo_arnas.problems import ARNAS


@pytest.fixture
def problem(synthetic_table):
    return ARNAS(table=synthetic_table, objectives=("clean", "pgd"), epsilon=1.0)


def test_sampling_draws_distinct_classes_and_is_seeded(problem):
    def draw(seed, **kw):
        return CellSampling(**kw).do(problem, 200, random_state=np.random.default_rng(seed)).get("X")

    X = draw(0)
    assert X.shape == (200, 6) and X.min() >= 0 and X.max() <= 4
    assert len(np.unique(space.isomorphism_class(X))) == 200
    assert np.array_equal(X, draw(0)) and not np.array_equal(X, draw(1))
    # without `unique`, plain uniform draws: 2,000 of them repeat some class
    Y = draw(0, unique=False)
    assert len(np.unique(space.isomorphism_class(np.vstack([Y] * 10)))) < 2000


def _pairs_covered(A):
    """For every pair of edges, how many distinct pairs of ops the rows of ``A`` hold."""
    return {len(set(zip(A[:, i], A[:, j]))) for i in range(6) for j in range(i)}


def test_orthogonal_array_holds_every_pair_of_ops_on_every_pair_of_edges_once():
    for seed in range(20):
        A = orthogonal_array(np.random.default_rng(seed))
        assert A.shape == (25, 6) and A.dtype == np.int64
        assert _pairs_covered(A) == {25}  # 25 rows, 25 pairs: each exactly once
        assert all(np.bincount(A[:, j], minlength=5).tolist() == [5] * 5 for j in range(6))
    # randomised: another seed, other cells; the same seed, the same cells
    rng = np.random.default_rng
    assert not np.array_equal(orthogonal_array(rng(0)), orthogonal_array(rng(1)))
    assert np.array_equal(orthogonal_array(rng(0)), orthogonal_array(rng(0)))


def test_orthogonal_array_sampling_takes_the_array_then_distinct_draws(problem, by_genome):
    def draw(p, n, seed=0, **kw):
        return OrthogonalArraySampling(**kw).do(p, n, random_state=np.random.default_rng(seed)).get("X")

    # the problem counts genomes: the array's 25 cells are the first 25, whole
    X = draw(by_genome, 25)
    assert np.array_equal(X, orthogonal_array(np.random.default_rng(0)))
    # fewer: the array's first rows; more: a second array, each randomised anew
    assert np.array_equal(draw(by_genome, 20), X[:20])
    Y = draw(by_genome, 60)
    assert np.array_equal(Y[:25], X) and _pairs_covered(Y[25:50]) == {25}
    assert len(np.unique(space.encode(Y))) == 60
    # classes: a row isomorphic to an earlier one is skipped, draws fill in; all distinct
    for seed in range(10):
        Z = draw(problem, 25, seed)
        assert Z.shape == (25, 6) and len(np.unique(space.isomorphism_class(Z))) == 25
        A = orthogonal_array(np.random.default_rng(seed))
        kept = np.isin(space.encode(A), space.encode(Z))
        assert kept.sum() >= 20  # most of the array is kept
        assert np.array_equal(Z[: kept.sum()], A[kept])  # in its order, before any draw
    # without `unique` the array as it is, and uniform draws beyond it
    W = draw(problem, 30, unique=False)
    assert np.array_equal(W[:25], orthogonal_array(np.random.default_rng(0)))
    assert W.shape == (30, 6)


def test_mutation_changes_edges_at_the_asked_rate():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 5, size=(4000, 6))
    Y = RandomResetMutation()._do(None, X, random_state=np.random.default_rng(1))
    changed = Y != X
    assert changed.any(axis=1).all()  # at_least_one: no parent comes back unchanged
    assert Y.min() >= 0 and Y.max() <= 4
    assert 1.0 / 6 < changed.mean() < 0.3  # 1/6 per edge, plus the forced one
    Z = RandomResetMutation(prob_var=0.5, at_least_one=False)._do(
        None, X, random_state=np.random.default_rng(1))
    assert abs((Z != X).mean() - 0.5) < 0.02
    with pytest.raises(ValueError, match="row 0"):
        RandomResetMutation()._do(None, [[0, 0, 0, 0, 0, 7]], random_state=rng)


def test_duplicate_elimination_is_by_isomorphism_class():
    a, b = [0, 0, 0, 0, 3, 0], [0, 0, 0, 0, 0, 0]  # isomorphic: both pass no signal
    c = [3, 3, 3, 3, 3, 3]
    assert space.isomorphism_class([a])[0] == space.isomorphism_class([b])[0]
    pop = Population.new(X=np.array([a, c, b, c]))
    kept = CellDuplicateElimination().do(pop)
    assert kept.get("X").tolist() == [a, c]
    other = Population.new(X=np.array([b]))
    assert CellDuplicateElimination().do(Population.new(X=np.array([a, c])), other).get(
        "X").tolist() == [c]


def test_nsga2_with_the_cell_operators_spends_its_budget_on_distinct_cells(problem):
    problem = ARNAS(table=problem.table, objectives=("clean", "pgd"), epsilon=1.0, budget=150)
    algorithm = NSGA2(pop_size=20, sampling=CellSampling(), crossover=UX(),
                      mutation=RandomResetMutation(),
                      eliminate_duplicates=CellDuplicateElimination())
    res = minimize(problem, algorithm, seed=1)
    log = problem.query_log
    assert problem.n_unique == len(log) >= 150 - 20
    assert len(np.unique(log["uid"])) == len(log)
    assert res.F.shape[1] == 2 and (res.F >= 0).all() and (res.F <= 1).all()
    again = ARNAS(table=problem.table, objectives=("clean", "pgd"), epsilon=1.0, budget=150)
    minimize(again, NSGA2(pop_size=20, sampling=CellSampling(), crossover=UX(),
                          mutation=RandomResetMutation(),
                          eliminate_duplicates=CellDuplicateElimination()), seed=1)
    assert again.query_log["uid"].tolist() == log["uid"].tolist()  # same seed, same run


# two isomorphic genomes that differ in cost: the 3x3 conv on edge 1->3 is on no path
UNUSED_CONV = np.array([[0, 0, 0, 0, 3, 0], [0, 0, 0, 0, 0, 0]])


@pytest.fixture(scope="module")
def cifar10_like(synthetic_table_factory):
    """The synthetic table labelled cifar10, for the network head of the parameter count."""
    return synthetic_table_factory(seed=0, dataset="cifar10")


@pytest.fixture
def by_genome(cifar10_like):
    """Accuracies of the synthetic table and the parameter count: the genome is the unit."""
    return ARNAS(table=cifar10_like, objectives=("clean", "params"))


def test_elimination_drops_what_the_problem_counts(problem, by_genome):
    pop = Population.new(X=UNUSED_CONV)
    assert by_genome.units(UNUSED_CONV)[0] != by_genome.units(UNUSED_CONV)[1]
    assert len(CellDuplicateElimination().do(pop)) == 1  # unbound: the class
    assert len(CellDuplicateElimination("class").do(pop)) == 1
    assert len(CellDuplicateElimination("genome").do(pop)) == 2
    assert len(CellDuplicateElimination(by_genome).do(pop)) == 2
    assert len(CellDuplicateElimination(problem).do(pop)) == 1  # accuracies only: the class
    # a fixed setting is kept when bound; "auto" follows the last problem bound
    assert len(CellDuplicateElimination("class").bind(by_genome).do(pop)) == 1
    elim = CellDuplicateElimination().bind(by_genome)
    assert len(elim.do(pop)) == 2 and len(elim.bind(problem).do(pop)) == 1
    # against another population: the same genome is a duplicate under either unit
    other = Population.new(X=UNUSED_CONV[1:])
    assert CellDuplicateElimination(by_genome).do(pop, other).get("X").tolist() == [UNUSED_CONV[0].tolist()]
    with pytest.raises(ValueError, match="'auto', 'class', 'genome' or a problem.*got 'isomorphism'"):
        CellDuplicateElimination("isomorphism")


def test_sampling_draws_distinct_units_of_the_problem(by_genome):
    # units() says what the problem counts; with a cost objective, genomes
    X = CellSampling().do(by_genome, 3000, random_state=np.random.default_rng(0)).get("X")
    assert len(np.unique(space.encode(X))) == 3000
    assert len(np.unique(space.isomorphism_class(X))) < 3000  # some classes twice


def test_nsga2_with_a_cost_objective_queries_two_genomes_of_one_class(cifar10_like):
    """The sampling binds the algorithm's elimination to the problem: with `params`, two
    genomes of one class are two units, and one generation can ask for both; by class, no
    population ever holds two genomes of one class."""
    def run(elimination):
        p = ARNAS(table=cifar10_like, objectives=("clean", "params"), budget=150)
        res = minimize(p, NSGA2(pop_size=20, sampling=CellSampling(), crossover=UX(),
                                mutation=RandomResetMutation(),
                                eliminate_duplicates=elimination), seed=1,
                       save_history=True)
        return p, res

    p, res = run(CellDuplicateElimination())
    log, elim = p.query_log, res.algorithm.eliminate_duplicates
    codes = space.encode(log[[f"x{i}" for i in range(6)]].to_numpy())
    assert len(np.unique(codes)) == len(log) == p.n_unique >= 130  # each genome asked once
    assert log["uid"].duplicated().any()  # and some class through two genomes
    assert len(np.unique(elim.units(UNUSED_CONV))) == 2  # bound to the problem
    generation = (log["n_evals"] - 1) // 20  # batches of 20: the first population, offspring
    assert log.groupby(generation)["uid"].apply(lambda u: u.duplicated().any()).any()
    _, res = run(CellDuplicateElimination("class"))
    for pop in [e.pop for e in res.history]:
        classes = space.isomorphism_class(pop.get("X"))
        assert len(np.unique(classes)) == len(classes)


def test_the_mutation_binds_the_elimination_when_the_first_population_is_given(cifar10_like):
    p = ARNAS(table=cifar10_like, objectives=("clean", "params"), budget=60)
    start = CellSampling().do(p, 20, random_state=np.random.default_rng(0)).get("X")
    res = minimize(p, NSGA2(pop_size=20, sampling=start, crossover=UX(),
                            mutation=RandomResetMutation(),
                            eliminate_duplicates=CellDuplicateElimination()), seed=0)
    assert len(np.unique(res.algorithm.eliminate_duplicates.units(UNUSED_CONV))) == 2
