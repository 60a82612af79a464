"""Optuna samplers as pymoo algorithms: unique-query accounting, objectives, options."""

import numpy as np
import pytest
from pymoo.optimize import minimize
from pymoo.termination.max_eval import MaximumFunctionCallTermination

from pymoo_arnas.algorithms import get_algorithm, get_record
from pymoo_arnas.problems import ARNAS

optuna = pytest.importorskip("optuna")
from pymoo_arnas.algorithms.optuna_search import OptunaSearch  # noqa: E402


def _genomes(problem):
    return problem.query_log[[f"x{i}" for i in range(6)]].to_numpy()


@pytest.mark.parametrize("name", ["optuna-tpe", "optuna-nsga2"])
def test_optuna_samplers_spend_the_budget_and_answer_repeats_from_memory(name):
    problem = ARNAS("cifar10", objectives=("clean", "pgd@Linf"), budget=40)
    res = minimize(problem, get_algorithm(name), MaximumFunctionCallTermination(2000), seed=3)
    study = res.algorithm.study
    assert problem.n_unique == 40
    # every proposal is a trial; repeats of an evaluated genome were not sent to the problem
    complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    assert len(complete) == problem.n_evals + res.algorithm.n_repeats
    assert len({tuple(t.params.values()) for t in complete}) <= problem.n_evals
    assert len({tuple(r) for r in _genomes(problem)}) == 40
    # the study holds the problem's values
    F = problem.evaluate(_genomes(problem)[:5])
    told = {tuple(int(v) for v in t.params.values()): t.values for t in complete}
    for x, f in zip(_genomes(problem)[:5], F):
        assert np.allclose(told[tuple(int(v) for v in x)], f)


def test_the_budget_not_a_population_rule_ends_the_run():
    from pymoo.core.termination import NoTermination

    # pymoo's default termination (no progress over 30 iterations) stopped a one-cell-per-
    # iteration optuna-gp run at 97 of 300 cells
    assert all(isinstance(get_algorithm(n).termination, NoTermination)
               for n in ("optuna-tpe", "optuna-gp", "optuna-nsga2"))
    problem = ARNAS("cifar10", objectives=("clean", "pgd@Linf"), budget=150)
    minimize(problem, get_algorithm("optuna-nsga2", pop_size=10), seed=0)
    assert problem.n_unique == 150


def test_same_seed_same_run_and_one_objective():
    logs = []
    for seed in (7, 7, 8):
        problem = ARNAS("cifar100", objectives="pgd@Linf", budget=25)
        minimize(problem, get_algorithm("optuna-tpe"), seed=seed)
        logs.append(problem.query_log)
    assert logs[0].equals(logs[1]) and not logs[0].equals(logs[2])


def test_a_sampler_instance_and_options():
    problem = ARNAS("cifar10", objectives=("clean", "fgsm@Linf"), budget=12)
    algo = OptunaSearch(sampler=optuna.samplers.RandomSampler(seed=1), batch_size=4)
    minimize(problem, algo, seed=0)
    assert problem.n_unique == 12
    assert get_algorithm("optuna-nsga2", pop_size=8).sampler_options["population_size"] == 8
    assert not get_record("optuna-tpe").takes_pop_size and get_record("optuna-gp").extra == "optuna"


def test_bad_options_are_named():
    with pytest.raises(ValueError, match="unknown Optuna sampler 'cma'.*tpe"):
        OptunaSearch(sampler="cma")
    with pytest.raises(ValueError, match="batch_size"):
        OptunaSearch(batch_size=0)


def test_a_converged_sampler_stops_the_run():
    class Constant(optuna.samplers.RandomSampler):
        def sample_independent(self, study, trial, name, distribution):
            return 0

    problem = ARNAS("cifar10", objectives=("clean", "fgsm@Linf"), budget=10)
    res = minimize(problem, OptunaSearch(sampler=Constant(), max_repeats=5),
                   MaximumFunctionCallTermination(100), seed=0)
    assert problem.n_unique == 1 and res.algorithm.n_repeats == 5


@pytest.mark.slow
def test_optuna_gp_runs():
    problem = ARNAS("cifar10", objectives=("clean", "pgd@Linf"), budget=16)
    minimize(problem, get_algorithm("optuna-gp"), seed=0)
    assert problem.n_unique == 16
