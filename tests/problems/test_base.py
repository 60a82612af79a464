"""CellProblem mechanics (budget, counters, query log, runs) on the synthetic table."""

import logging

import numpy as np
import pytest
from pymoo.algorithms.moo.nsga2 import NSGA2
from pymoo.operators.crossover.ux import UX
from pymoo.optimize import minimize

from pymoo_arnas.operators import CellSampling, RandomResetMutation
from pymoo_arnas.problems import ARNAS
from pymoo_arnas.problems.base import BUDGET_PENALTY, CellProblem


def nsga2(pop_size=20):
    return NSGA2(pop_size=pop_size, sampling=CellSampling(), crossover=UX(),
                 mutation=RandomResetMutation())


def test_arnas_and_arnaslive_share_the_base_class():
    from pymoo_arnas.problems import ARNASLive

    assert issubclass(ARNAS, CellProblem) and issubclass(ARNASLive, CellProblem)


def test_query_log_n_evals_counts_every_row_up_to_the_first_ask(synthetic_table):
    p = ARNAS(table=synthetic_table, objectives=("clean",), budget=3)
    iso = [[0, 0, 0, 0, 3, 0], [0, 0, 0, 0, 0, 0]]  # isomorphic: one cell
    p.evaluate(np.array([[3] * 6, [3] * 6, *iso]))
    F = p.evaluate(np.array([[3] * 6, [1] * 6, [2] * 6, [1] * 6]))
    log = p.query_log
    assert log[[f"x{i}" for i in range(6)]].values.tolist() == [[3] * 6, iso[0], [1] * 6]
    assert log["n_evals"].tolist() == [1, 3, 6]
    assert F[2, 0] == BUDGET_PENALTY and p.n_evals == 8 and p.n_unique == 3


def test_a_second_minimize_on_the_same_problem_runs_its_full_budget(synthetic_table, caplog):
    """Issue 10: the second run stopped after one generation, the budget being spent."""
    problem = ARNAS(table=synthetic_table, objectives=("clean", "pgd@Linf"), budget=60)
    first = minimize(problem, nsga2(), seed=1)
    log1 = problem.query_log
    assert problem.n_unique == 60 and problem.budget_exhausted
    with caplog.at_level(logging.INFO, logger="pymoo_arnas.problems.base"):
        second = minimize(problem, nsga2(), seed=2)
    assert "run starts" in caplog.text
    assert problem.n_unique == 60 == len(problem.query_log) and problem.budget_exhausted
    assert problem.query_log["n_evals"].iloc[0] == 1  # the log is the second run's own
    assert second.algorithm.n_gen > 2 and first.algorithm.n_gen > 2
    # the same seed on a fresh problem gives the same log: nothing leaked between runs
    third = minimize(problem, nsga2(), seed=1)
    assert third.algorithm.n_gen == first.algorithm.n_gen
    assert problem.query_log.equals(log1)


def test_evaluations_before_a_run_count_towards_it(synthetic_table):
    problem = ARNAS(table=synthetic_table, objectives=("clean", "pgd@Linf"), budget=30)
    problem.evaluate(np.array([[3] * 6]))
    minimize(problem, nsga2(pop_size=10), seed=0)
    assert problem.n_unique == 30 and problem.query_log["x0"].iloc[0] == 3
    assert problem.query_log["n_evals"].iloc[0] == 1


def test_elementwise_evaluation_is_refused_with_a_clear_error(synthetic_table):
    """Issue 13: ARNAS(elementwise=True) broke the query log and the budget."""
    with pytest.raises(ValueError, match="ARNAS evaluates whole batches and does not take "
                                         "elementwise=True"):
        ARNAS(table=synthetic_table, elementwise=True)
    assert not ARNAS(table=synthetic_table, elementwise=False).elementwise


def test_ref_point_is_the_worst_value_every_cell_reaches(synthetic_table_factory):
    table = synthetic_table_factory(seed=0, dataset="cifar10")
    p = ARNAS(table=table, objectives=("clean", "params"))
    ref = p.ref_point
    from pymoo_arnas.space import all_genomes

    F = p.evaluate(all_genomes())
    assert (F <= ref).all() and ref[0] == BUDGET_PENALTY and ref[1] == F[:, 1].max()


def test_a_problem_pickles_after_a_run_with_its_counters(synthetic_table):
    import pickle

    problem = ARNAS(table=synthetic_table, objectives=("clean", "pgd@Linf"), budget=30)
    minimize(problem, nsga2(pop_size=10), seed=0, save_history=True)
    again = pickle.loads(pickle.dumps(problem))
    assert (again.n_unique, again.n_evals) == (problem.n_unique, problem.n_evals)
    assert again.n_unique == 30
    assert again.query_log.equals(problem.query_log)
    again.evaluate(np.array([[3] * 6]))  # outside a run: counted, no reset
    assert again.n_evals == problem.n_evals + 1
    minimize(again, nsga2(pop_size=10), seed=0)  # the copy's next run starts afresh
    assert again.n_unique == 30 and again.query_log.equals(problem.query_log)
    assert again.n_evals == problem.n_evals  # the same run again, from zero
