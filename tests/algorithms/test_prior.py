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
    problem = ARNAS("cifar100", ("clean", "pgd@Linf"), budget=30)
    algo = minimize(problem, NSGA2LocalSearch(prior="cifar10", zero_cost="params"),
                    seed=0).algorithm
    assert algo.explore == 0.0  # with a prior none unscreened, zero-cost features or not


def test_search_with_a_prior_starts_from_its_front_and_keeps_the_budget():
    problem = ARNAS("cifar100", ("clean", "pgd@Linf"), budget=60)
    algorithm = get_algorithm("nsga2-cat", prior="cifar10", prior_features="fgsm,square")
    res = minimize(problem, algorithm, seed=0)
    assert problem.n_unique == 60
    log = problem.query_log
    first = log[[f"x{i}" for i in range(6)]].to_numpy()[:20]
    expected = res.algorithm.prior.initial_genomes(20)
    assert set(isomorphism_class(first).tolist()) == set(isomorphism_class(expected).tolist())


def test_a_whole_table_prior_with_two_objectives_has_its_own_defaults():
    """Two objectives and a whole table: a global phase of 100 queries and no global
    generations after it, the Weisfeiler-Lehman mix, ``beta=1.5`` and, from 200 queries, the
    last cell of each generation the likeliest not dominated (measured apart; see
    NSGA2LocalSearch's notes). Other numbers of objectives, or zero-cost features beside the
    prior, keep the prior's old defaults, and options given are kept."""
    never = np.iinfo(np.int64).max

    def defaults(algo):
        return (algo._global_until(), algo._global_every(), algo._wl_weight(), algo.beta,
                algo._pnd_from())

    problem = ARNAS("cifar10", ("clean", "pgd@Linf"), budget=30)
    algo = minimize(problem, NSGA2LocalSearch(pop_size=10, prior="cifar100"), seed=0).algorithm
    assert defaults(algo) == (100, 0, 0.5, 1.5, 200)
    assert algo._in_global_phase()  # 30 queries of 100
    problem = ARNAS("cifar10", ("clean", "pgd@Linf"), budget=30)
    algo = minimize(problem, NSGA2LocalSearch(pop_size=10, prior="cifar100", beta=1.0,
                                              global_pool=0, wl_weight=0.0, pnd_from=0),
                    seed=0).algorithm
    assert defaults(algo) == (0, 0, 0.0, 1.0, never)
    for objectives, kwargs in [(("clean", "pgd@Linf", "fgsm@Linf"), {}),
                               (("clean", "pgd@Linf"), {"zero_cost": "params"})]:
        problem = ARNAS("cifar10", objectives, budget=30)
        algo = minimize(problem, NSGA2LocalSearch(pop_size=10, prior="cifar100", **kwargs),
                        seed=0).algorithm
        assert defaults(algo) == (0, 0, 0.0, 1.0, never), (objectives, kwargs)
    # without a prior: never
    algo = NSGA2LocalSearch()
    algo.setup(ARNAS("cifar10", ("clean", "pgd@Linf"), budget=30), seed=0)
    assert algo._pnd_from() == never


class _Spies(NSGA2LocalSearch):
    """nsga2-cat that records each generation: the archive's size, the local pool (None in
    a global generation) and the cells asked for."""

    def _local_pool(self, n, rng):
        self.pool = super()._local_pool(n, rng)
        return self.pool

    def _infill(self):
        self.pool = None
        before = len(self._arch_X)
        pop = super()._infill()
        self.log = getattr(self, "log", [])
        if pop is not None:
            self.log.append((before, self.pool, np.asarray(pop.get("X"))))
        return pop


def test_the_last_cell_of_each_generation_is_the_likeliest_not_dominated_after_pnd_from(
        monkeypatch):
    from pymoo_arnas.algorithms import hybrid

    chances = []

    def last_is_likeliest(mean, std, front):  # the last candidate: the last unqueried class
        chances.append(len(mean))
        p = np.zeros(len(mean))
        p[-1] = 1.0
        return p

    monkeypatch.setattr(hybrid, "non_domination_chance", last_is_likeliest)
    problem = ARNAS("cifar100", ("clean", "pgd@Linf"), budget=70)
    algo = minimize(problem, _Spies(pop_size=10, prior="cifar10", global_pool=20,
                                    pnd_from=40), seed=0).algorithm
    after = [(n, pool, X) for n, pool, X in algo.log if n >= 40]
    assert len(after) == len(chances) == 6 and all(n < 40 for n, _, _ in algo.log[:-6])
    for (n, pool, X), k in zip(after, chances):
        local = set(isomorphism_class(pool).tolist())
        assert set(isomorphism_class(X[:-1]).tolist()) <= local  # the others: local picks
        # the last: the highest class not queried before and not among them
        queried = set(isomorphism_class(problem.query_log[[f"x{i}" for i in range(6)]]
                                        .to_numpy()[:n]).tolist())
        rest = sorted(set(range(6466)) - queried - set(isomorphism_class(X[:-1]).tolist()))
        assert k == len(rest) and isomorphism_class(X[-1:])[0] == rest[-1]


def test_pnd_from_is_checked():
    with pytest.raises(ValueError, match="pnd_from must be a number of queries >= 0"):
        NSGA2LocalSearch(pnd_from=-1)
    with pytest.raises(ValueError, match="pnd_from needs two objectives; the problem has 3"):
        minimize(ARNAS("cifar10", ("clean", "pgd@Linf", "fgsm@Linf"), budget=30),
                 NSGA2LocalSearch(pnd_from=10), seed=0)


def test_default_nsga2_cat_is_unchanged_by_the_prior_options():
    """Without a prior the run is the same as with the prior options left at rest."""
    a = ARNAS("cifar10", ("clean", "pgd@Linf"), budget=60)
    b = ARNAS("cifar10", ("clean", "pgd@Linf"), budget=60)
    minimize(a, get_algorithm("nsga2-cat"), seed=2)
    minimize(b, NSGA2LocalSearch(prior=None, prior_pool=5), seed=2)
    assert a.query_log.equals(b.query_log)


# ---------------------------------------------------------------- partial sources (a store)

def _proxy_store(tmp_path, n_cells: int, seed: int = 0, dataset: str = "cifar10",
                 config: str = "proxy"):
    """A live store holding the CIFAR-10 table's values of ``n_cells`` random classes, as a
    cheaper proxy run (or an earlier search) would have left it."""
    from pymoo_arnas.live.store import ResultStore
    from pymoo_arnas.space import decode, representative_codes

    table = ARNAS("cifar10", ("clean", "pgd@Linf", "fgsm"))
    codes = np.random.default_rng(seed).choice(representative_codes(), n_cells, replace=False)
    X = decode(codes)
    acc = 1 - table.evaluate(X)
    store = ResultStore(tmp_path / "proxy.sqlite")
    for x, a in zip(X, acc):
        store.put(dataset, config, x, dict(zip(table.columns, a)))
    return store, X, acc


def test_partial_source_keeps_measured_cells_and_predicts_the_rest(tmp_path, target):
    from pymoo_arnas.space import decode, representative_codes

    store, X, acc = _proxy_store(tmp_path, 300)
    prior = TransferPrior.from_store(store, "cifar10", "proxy").bind(target)
    reps = representative_codes()
    assert int(prior.measured_[reps].sum()) == 300
    np.testing.assert_allclose(prior.values(X), 1 - acc[:, :2])  # measured: exactly the store's
    assert np.isfinite(prior.F_).all() and np.isfinite(prior.Z_).all()
    # isomorphic genomes share one predicted value
    classes = isomorphism_class(decode(np.arange(15625)))
    some = np.flatnonzero(classes == classes[reps[4000]])
    assert len(np.unique(prior.F_[some], axis=0)) == 1
    # the prediction carries information: it ranks the unmeasured classes like the table
    full = ARNAS("cifar10", ("clean", "pgd@Linf")).evaluate(decode(reps))
    unmeasured = ~prior.measured_[reps]
    from scipy.stats import spearmanr
    rho = spearmanr(prior.F_[reps][unmeasured, 0], full[unmeasured, 0]).statistic
    assert rho > 0.5
    # the first population is drawn from the measured cells, their front first
    G = prior.initial_genomes(20)
    assert prior.measured_[reps[isomorphism_class(G)]].all()


def test_partial_source_features_and_too_few_cells(tmp_path, target):
    store, X, acc = _proxy_store(tmp_path, 40)
    prior = TransferPrior.from_store(store, "cifar10", "proxy", features=("fgsm",)).bind(target)
    assert prior.features(X).shape == (40, 3)
    np.testing.assert_allclose(prior.features(X)[:, 2], 1 - acc[:, 2])
    (tmp_path / "small").mkdir()
    small, _, _ = _proxy_store(tmp_path / "small", 5, config="tiny")
    with pytest.raises(ValueError, match="5 measured cells for 'clean'.*at least 8"):
        TransferPrior.from_store(small, "cifar10", "tiny").bind(target)
    with pytest.raises(ValueError, match="no cells for dataset 'digits'"):
        TransferPrior.from_store(store, "digits", "proxy")


def test_a_store_of_the_same_dataset_under_another_config_is_a_prior(tmp_path):
    """A cheap proxy of the *same* dataset (other training settings) is no copy of the
    target's table: it is allowed; the target's own table is still refused."""
    store, _, _ = _proxy_store(tmp_path, 50)
    target = ARNAS("cifar10", ("clean", "pgd@Linf"))
    prior = TransferPrior.from_store(store, "cifar10", "proxy").bind(target)
    assert prior.measured_.sum() > 0
    assert "live:proxy" in repr(prior)


def test_search_with_a_partial_prior_keeps_the_budget_and_starts_from_measured_cells(tmp_path):
    from pymoo_arnas.space import representative_codes

    store, _, _ = _proxy_store(tmp_path, 200)
    problem = ARNAS("cifar100", ("clean", "pgd@Linf"), budget=60)
    prior = TransferPrior.from_store(store, "cifar10", "proxy")
    res = minimize(problem, get_algorithm("nsga2-cat", prior=prior), seed=0)
    assert problem.n_unique == 60
    first = problem.query_log[[f"x{i}" for i in range(6)]].to_numpy()[:20]
    reps = representative_codes()
    assert res.algorithm.prior.measured_[reps[isomorphism_class(first)]].all()
    # a partial prior keeps the global phase, and so the global generations after it
    assert res.algorithm._global_until() == 100 and res.algorithm._global_every() == 2


def test_sweep_params_tell_priors_apart(tmp_path):
    """A sweep stores a prior by its description, so runs with another prior are not reused."""
    from pymoo_arnas.experiments.runner import _params_text

    store, _, _ = _proxy_store(tmp_path, 20)
    a = _params_text({"prior": TransferPrior.from_store(store, "cifar10", "proxy")})
    b = _params_text({"prior": TransferPrior("cifar10")})
    assert a != b and "live:proxy" in a and "'cifar10'" in b
