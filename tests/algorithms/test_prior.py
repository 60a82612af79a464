"""Transfer priors (issue 12): another table of the same space as prior knowledge."""

import numpy as np
import pytest
from pymoo.optimize import minimize

from pymoo_arnas.algorithms import get_algorithm
from pymoo_arnas.algorithms.hybrid import NSGA2LocalSearch
from pymoo_arnas.algorithms.prior import TransferPrior
from pymoo_arnas.algorithms.surrogate import ResidualGP
from pymoo_arnas.problems import ARNAS
from pymoo_arnas.space import isomorphism_class

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def target():
    return ARNAS("cifar100", ("clean", "pgd@Linf"))


def test_prior_refuses_the_problems_own_table_and_columns(target):
    with pytest.raises(ValueError, match="another table or other objectives"):
        TransferPrior("cifar100").bind(target)
    with pytest.raises(ValueError, match="another table or other objectives"):
        TransferPrior(target).bind(target)
    with pytest.raises(ValueError, match="another table or other objectives"):
        NSGA2LocalSearch(prior=target.table).setup(target)


def test_prior_refuses_another_number_of_objectives(target):
    with pytest.raises(ValueError, match="source has 1 objectives"):
        TransferPrior("cifar10", objectives=("clean",)).bind(target)


def test_prior_values_are_the_source_tables_errors(target):
    source = ARNAS("cifar10", ("clean", "pgd@Linf"))
    prior = TransferPrior("cifar10").bind(target)
    X = np.random.default_rng(0).integers(0, 5, size=(50, 6))
    np.testing.assert_allclose(prior.values(X), source.evaluate(X))
    assert prior.features(X).shape == (50, 2)
    more = TransferPrior("cifar10", features=("fgsm", "square")).bind(target)  # 2 more
    assert more.features(X).shape == (50, 4)
    np.testing.assert_allclose(more.features(X)[:, :2], prior.values(X))


def test_initial_genomes_are_the_sources_fronts_best_first(target):
    source = ARNAS("cifar10", ("clean", "pgd@Linf"))
    prior = TransferPrior(source).bind(target)
    G = prior.initial_genomes(30)
    assert len(np.unique(isomorphism_class(G))) == 30
    front = set(isomorphism_class(source.pareto_set()).tolist())
    first = isomorphism_class(G[: len(front)]).tolist()
    assert set(first) <= front or front <= set(isomorphism_class(G).tolist())
    assert len(prior.initial_genomes()) == 6466


def test_residual_gp_uses_the_features_where_the_genome_says_nothing():
    rng = np.random.default_rng(1)
    X = rng.integers(0, 5, size=(40, 6))
    Z = rng.random((40, 1))
    F = 3.0 * Z
    model = ResidualGP().fit(X, F, Z)
    Xn = rng.integers(0, 5, size=(20, 6))
    Zn = rng.random((20, 1))
    assert np.abs(model.predict(Xn, Zn) - 3.0 * Zn).max() < 0.05


def test_prior_options_are_checked():
    with pytest.raises(ValueError, match="no transfer prior given"):
        TransferPrior(None).bind(ARNAS("cifar10", ("clean", "pgd@Linf")))
    with pytest.raises(ValueError, match="prior_pool"):
        NSGA2LocalSearch(prior="cifar10", prior_pool=-1)
    with pytest.raises(ValueError, match="needs a prior"):
        NSGA2LocalSearch(prior_features="fgsm")
    assert NSGA2LocalSearch(prior="cifar10").explore == 0.0
    assert NSGA2LocalSearch().explore == 0.1


def test_search_with_a_prior_starts_from_its_front_and_keeps_the_budget():
    problem = ARNAS("cifar100", ("clean", "pgd@Linf"), budget=60)
    algorithm = get_algorithm("nsga2-cat", prior="cifar10", prior_features="fgsm,square")
    res = minimize(problem, algorithm, seed=0)
    assert problem.n_unique == 60
    log = problem.query_log
    first = log[[f"x{i}" for i in range(6)]].to_numpy()[:20]
    expected = res.algorithm.prior.initial_genomes(20)
    assert set(isomorphism_class(first).tolist()) == set(isomorphism_class(expected).tolist())


def test_default_nsga2_cat_is_unchanged_by_the_prior_options():
    """Without a prior the run is the same as with the prior options left at rest."""
    a = ARNAS("cifar10", ("clean", "pgd@Linf"), budget=60)
    b = ARNAS("cifar10", ("clean", "pgd@Linf"), budget=60)
    minimize(a, get_algorithm("nsga2-cat"), seed=2)
    minimize(b, NSGA2LocalSearch(pop_size=20, prior=None, prior_pool=5), seed=2)
    assert a.query_log.equals(b.query_log)
