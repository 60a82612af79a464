"""NSGA-III, MOEA/D, SMS-EMOA and AGE-MOEA on two, three and five objectives."""

import numpy as np
import pytest
from pymoo.optimize import minimize
from pymoo.termination.max_eval import MaximumFunctionCallTermination

from pymoo_arnas.algorithms import MULTI_OBJECTIVE_ONLY, check_algorithm, get_algorithm
from pymoo_arnas.algorithms.many_objective import reference_directions
from pymoo_arnas.problems import ARNAS

MANY = ["nsga3", "moead", "sms-emoa", "age-moea"]
OBJECTIVES = {
    2: ("clean", "pgd@Linf"),
    3: ("clean", "pgd@Linf", "aa_square@Linf"),
    5: ("clean", "fgsm@Linf", "pgd@Linf", "aa_apgd-ce@Linf", "aa_square@Linf"),
}


@pytest.mark.parametrize("m", [2, 3, 4, 5, 8])
def test_reference_directions_lie_on_the_simplex(m):
    W = reference_directions(m, 20)
    assert W.shape[1] == m and 1 <= len(W) <= 2 * 20 + m
    assert np.allclose(W.sum(axis=1), 1.0) and (W >= 0).all()
    assert len(np.unique(W.round(12), axis=0)) == len(W)


def test_reference_directions_refuse_bad_input():
    with pytest.raises(ValueError, match="n_obj >= 2; got 1"):
        reference_directions(1, 10)
    with pytest.raises(ValueError, match="n_points"):
        reference_directions(3, 0)


def test_many_objective_algorithms_are_registered_for_fronts_only():
    assert set(MANY) <= MULTI_OBJECTIVE_ONLY
    for name in MANY:
        assert check_algorithm(name, 5).name == name
        with pytest.raises(ValueError, match="multi-objective only"):
            check_algorithm(name, 1)


@pytest.mark.parametrize("m", [2, 3, 5])
@pytest.mark.parametrize("name", [
    "nsga3", "moead", "sms-emoa",
    pytest.param("age-moea", marks=pytest.mark.slow),  # numba compiles ~8 s per process
])
def test_many_objective_algorithms_spend_the_budget_on_valid_cells(name, m):
    problem = ARNAS("cifar10", objectives=OBJECTIVES[m], budget=60)
    res = minimize(problem, get_algorithm(name), MaximumFunctionCallTermination(3000), seed=1)
    assert problem.n_unique == 60
    X = problem.query_log[[f"x{i}" for i in range(6)]].to_numpy()
    assert X.min() >= 0 and X.max() <= 4 and np.issubdtype(X.dtype, np.integer)
    if name in ("nsga3", "moead"):
        assert res.algorithm.ref_dirs.shape[1] == m


def test_given_reference_directions_are_kept():
    W = reference_directions(3, 10)
    algo = get_algorithm("moead", ref_dirs=W)
    problem = ARNAS("cifar10", objectives=OBJECTIVES[3], budget=30)
    res = minimize(problem, algo, MaximumFunctionCallTermination(2000), seed=0)
    assert np.array_equal(res.algorithm.ref_dirs, W) and res.algorithm.pop_size == len(W)
