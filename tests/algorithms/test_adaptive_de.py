"""JADE and SHADE: parameter adaptation, convergence against plain DE, cell genomes."""

import numpy as np
import pytest
from pymoo.algorithms.soo.nonconvex.de import DE
from pymoo.optimize import minimize
from pymoo.problems import get_problem
from pymoo.termination.max_eval import MaximumFunctionCallTermination

from pymoo_arnas.algorithms import SINGLE_OBJECTIVE, get_algorithm
from pymoo_arnas.algorithms.adaptive_de import JADE, SHADE, lehmer_mean
from pymoo_arnas.problems import ARNAS


def _best(algorithm, seed, n_evals=2000):
    res = minimize(get_problem("sphere", n_var=10), algorithm,
                   MaximumFunctionCallTermination(n_evals), seed=seed)
    return float(res.F[0])


@pytest.mark.parametrize("Algorithm", [JADE, SHADE])
def test_adaptive_de_beats_plain_de_on_the_sphere(Algorithm):
    ours = [_best(Algorithm(integer=False), s) for s in range(2)]
    plain = [_best(DE(pop_size=30, variant="DE/rand/1/bin", F=0.5, CR=0.5), s)
             for s in range(2)]
    assert max(ours) < 1e-3 and max(ours) < 0.25 * min(plain)


def test_parameters_adapt_from_the_successes():
    jade = JADE(integer=False)
    minimize(get_problem("sphere", n_var=10), jade, MaximumFunctionCallTermination(1500),
             seed=0, copy_algorithm=False)
    assert (jade.mu_F, jade.mu_CR) != (0.5, 0.5)
    assert 0 < jade.mu_F <= 1 and 0 <= jade.mu_CR <= 1
    assert len(jade.de_archive) <= jade.pop_size
    shade = SHADE(integer=False, H=5)
    minimize(get_problem("sphere", n_var=10), shade, MaximumFunctionCallTermination(1500),
             seed=0, copy_algorithm=False)
    assert (shade.M_F != 0.5).any() and (shade.M_CR != 0.5).any()
    assert ((shade.M_F > 0) & (shade.M_F <= 1)).all()
    assert ((shade.M_CR >= 0) & (shade.M_CR <= 1)).all()


def test_lehmer_mean_weights():
    assert lehmer_mean([0.2, 0.2]) == pytest.approx(0.2)
    assert lehmer_mean([0.2, 0.8], [1.0, 0.0]) == pytest.approx(0.2)
    assert lehmer_mean([0.2, 0.8]) > np.mean([0.2, 0.8])


@pytest.mark.parametrize("name", ["jade", "shade"])
def test_paper_protocol_on_cells(name):
    assert name in SINGLE_OBJECTIVE
    algorithm = get_algorithm(name)
    assert algorithm.pop_size == 30 and algorithm.mu_F0 == algorithm.mu_CR0 == 0.5
    problem = ARNAS("cifar10", objectives="pgd@Linf")
    res = minimize(problem, algorithm, MaximumFunctionCallTermination(300), seed=2)
    X = problem.query_log[[f"x{i}" for i in range(6)]].to_numpy()
    assert problem.n_evals == 300 and problem.n_unique >= 30
    assert X.min() >= 0 and X.max() <= 4
    assert 1 - np.ravel(res.F)[0] >= problem.query_log["pgd@Linf:1.0"].max() - 1e-12


def test_bad_settings_are_named():
    with pytest.raises(ValueError, match="mu_F must be in"):
        JADE(mu_F=0.0)
    with pytest.raises(ValueError, match="pop_size"):
        SHADE(pop_size=3)
    with pytest.raises(ValueError, match="H must"):
        SHADE(H=0)
