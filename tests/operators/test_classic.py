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
from pymoo_arnas.operators import CellDuplicateElimination, CellSampling, RandomResetMutation
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
