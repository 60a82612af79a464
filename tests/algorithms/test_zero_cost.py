"""Zero-cost surrogate features (issue 12): the size and training-free scores of a cell."""

import numpy as np
import pytest
from pymoo.optimize import minimize

from pymoo_arnas.algorithms import get_algorithm, get_record
from pymoo_arnas.algorithms.hybrid import NSGA2LocalSearch
from pymoo_arnas.algorithms.zero_cost import ZeroCostFeatures, feature_names
from pymoo_arnas.cost import params
from pymoo_arnas.data.scores import load_scores
from pymoo_arnas.data.synthetic import synthetic_table
from pymoo_arnas.problems import ARNAS
from pymoo_arnas.space import decode, representative

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_features_are_log_size_and_the_shipped_score_of_the_class():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 5, size=(40, 6))
    Z = ZeroCostFeatures("params, ntk_adv_min").features(X)
    assert Z.shape == (40, 2) and np.isfinite(Z).all()
    np.testing.assert_allclose(Z[:, 0], np.log(params(X)))
    scores = load_scores()
    by_code = dict(zip(scores["code"], scores["ntk_adv_min"]))
    from pymoo_arnas.space import encode
    np.testing.assert_allclose(Z[:, 1], [by_code[c] for c in encode(representative(X))])


def test_non_finite_scores_become_the_worst_finite_value():
    dead = [[0, 0, 0, 0, 0, 0]]  # no path from input to output: naswot is -inf there
    assert not np.isfinite(load_scores()["naswot"]).all()
    z = ZeroCostFeatures(["naswot"]).features(dead)
    every = ZeroCostFeatures(["naswot"]).features(decode(np.arange(15625)))
    assert np.isfinite(every).all() and z[0, 0] == every.min()


def test_unknown_or_no_feature_is_refused():
    with pytest.raises(ValueError, match="unknown zero-cost feature 'size'.*params, flops"):
        ZeroCostFeatures(["size"])
    with pytest.raises(ValueError, match="at least one"):
        ZeroCostFeatures("")
    assert {"params", "flops", "ntk_adv_min", "naswot"} <= set(feature_names())
    with pytest.raises(ValueError, match="unknown zero-cost feature"):
        NSGA2LocalSearch(zero_cost="params,nope")


def test_nsga2_cat_zc_spends_the_budget_and_its_surrogate_sees_the_features():
    assert get_record("nsga2-cat-zc").multi_objective_only is False
    problem = ARNAS("synthetic", ("clean", "pgd@Linf"), table=synthetic_table(), budget=50)
    res = minimize(problem, get_algorithm("nsga2-cat-zc"), seed=0)
    assert problem.n_unique == 50
    algo = res.algorithm
    X = np.random.default_rng(1).integers(0, 5, size=(7, 6))
    assert algo._features(X).shape == (7, 2)
    with_prior = NSGA2LocalSearch(zero_cost=("params",), prior="cifar10")
    with_prior.setup(ARNAS("cifar100", ("clean", "pgd@Linf"), budget=30))
    assert with_prior._features(X).shape == (7, 3)  # the prior's 2 values, then log params


def test_zero_cost_changes_the_run_and_none_leaves_it_as_it_was():
    def log(**kw):
        problem = ARNAS("synthetic", ("clean", "pgd@Linf"), table=synthetic_table(), budget=60)
        minimize(problem, NSGA2LocalSearch(pop_size=20, **kw), seed=3)
        return problem.query_log

    plain = log()
    assert plain.equals(log(zero_cost=None))
    assert not plain.equals(log(zero_cost="params"))
