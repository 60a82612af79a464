"""ARNAS as a pymoo problem on the real tables."""

import numpy as np
import pytest
from pymoo.algorithms.moo.nsga2 import NSGA2
from pymoo.algorithms.soo.nonconvex.de import DE
from pymoo.algorithms.soo.nonconvex.ga import GA
from pymoo.algorithms.soo.nonconvex.pso import PSO
from pymoo.operators.crossover.sbx import SBX
from pymoo.operators.mutation.pm import PM
from pymoo.operators.repair.rounding import RoundingRepair
from pymoo.operators.sampling.rnd import IntegerRandomSampling
from pymoo.optimize import minimize

from pymoo_arnas import space
from pymoo_arnas.problems import ARNAS

# Table I of Zhong et al. 2024: optimum accuracy (%) of each table at epsilon 1.0
TABLE_I = {
    "cifar10": {"clean": 94.6, "fgsm@Linf": 69.2, "pgd@Linf": 58.8, "aa_apgd-ce@Linf": 54.0, "aa_square@Linf": 73.6},
    "cifar100": {"clean": 73.6, "fgsm@Linf": 29.4, "pgd@Linf": 29.8, "aa_apgd-ce@Linf": 26.3, "aa_square@Linf": 40.4},
}


@pytest.mark.parametrize("dataset", ["cifar10", "cifar100"])
@pytest.mark.parametrize("objective", ["clean", "fgsm@Linf", "pgd@Linf", "aa_apgd-ce@Linf", "aa_square@Linf"])
def test_exact_optimum_is_table_I(dataset, objective):
    problem = ARNAS(dataset, objectives=(objective,), epsilon=1.0)
    pf = problem.pareto_front()
    assert pf.shape == (1, 1)
    assert round(100 * (1 - pf[0, 0]), 1) == TABLE_I[dataset][objective]
    # the optimal cells really evaluate to it
    F = problem.evaluate(problem.pareto_set())
    assert np.allclose(F, pf[0, 0])


@pytest.mark.slow
def test_pareto_front_is_the_brute_force_front():
    problem = ARNAS("cifar10", objectives=("clean", "pgd@Linf"))
    F = problem.evaluate(space.all_genomes())
    dominated = np.zeros(len(F), dtype=bool)
    for i, f in enumerate(F):
        dominated[i] = np.any(np.all(F <= f, axis=1) & np.any(F < f, axis=1))
    brute = np.unique(F[~dominated], axis=0)
    pf = problem.pareto_front()
    assert np.array_equal(pf, brute[np.argsort(brute[:, 0])])
    assert np.array_equal(problem.ideal_point(), pf.min(axis=0))
    assert np.array_equal(problem.nadir_point(), pf.max(axis=0))
    assert np.array_equal(problem.evaluate(problem.pareto_set()), pf)
    front = problem.exact_front()
    assert set(map(tuple, 1 - front[list(problem.columns)].to_numpy())) == set(map(tuple, pf))


def test_objective_names_epsilons_and_corruptions(table10):
    p = ARNAS(table=table10, objectives=("clean", "pgd@Linf:8.0", "fgsm", "fog:3", "fog"), epsilon=2.0)
    assert p.columns == ("clean", "pgd@Linf:8.0", "fgsm@Linf:2.0", "fog:3", "fog")
    g = np.array([[3, 3, 3, 3, 3, 3]])
    row = table10.code_to_row[space.encode(g)][0]
    expected = [1 - table10.column(c)[row] for c in p.columns]
    assert np.allclose(p.evaluate(g)[0], expected)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(dataset="mnist"), r"unknown dataset 'mnist'.*cifar10"),
        (dict(objectives=("clean", "cw@L2")), r"unknown objective 'cw@L2'.*pgd@Linf at epsilon"),
        (dict(objectives=("pgd@Linf",), epsilon=1.5), r"epsilon 1.5 is not evaluated for pgd@Linf.*0.1, 0.5, 1.0"),
        (dict(objectives=("pgd@Linf:x",)), r"epsilon 'x' of objective"),
        (dict(objectives=()), "objectives is empty"),
        (dict(objectives=("clean", "clean")), "same table column twice"),
        (dict(budget=0), "budget must be a positive integer"),
    ],
)
def test_bad_settings_list_the_choices(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ARNAS(**kwargs)


@pytest.mark.parametrize(
    "X, match",
    [
        ([[0, 1, 2, 3, 4, 0], [0, 1, 2, 3, 4, 7]], "row 1 has the value 7 at x5; expected an integer in 0..4"),
        ([[0.5, 1, 2, 3, 4, 0]], "row 0 has the value 0.5 at x0"),
        ([[0, 1, 2, 3, 4, np.nan]], "value nan at x5"),
        ([[0, 1, 2, 3, 4]], r"6 columns .* shape \(1, 5\)"),
        ([[0, 1, 2, 3, 4, 0, 1]], r"6 columns .* shape \(1, 7\)"),
        ([[-1, 1, 2, 3, 4, 0]], "value -1 at x0"),
    ],
)
def test_bad_genomes_are_refused_by_row_and_value(table10, X, match):
    problem = ARNAS(table=table10)
    with pytest.raises(ValueError, match=match):
        problem.evaluate(np.array(X))
    assert problem.n_evals == 0 and problem.n_unique == 0


def test_counts_and_query_log(table10):
    problem = ARNAS(table=table10, objectives=("clean", "pgd@Linf"))
    iso_a, iso_b = [2, 0, 1, 3, 4, 1], [2, 2, 0, 3, 4, 1]  # isomorphic: one network
    F1 = problem.evaluate(np.array([[3] * 6, iso_a, [3] * 6]))
    F2 = problem.evaluate(np.array([iso_b, [1, 2, 3, 4, 0, 1]]))
    assert problem.n_evals == 5 and problem.n_unique == 3
    log = problem.query_log
    assert list(log.columns) == ["x0", "x1", "x2", "x3", "x4", "x5", "index", "uid", "clean", "pgd@Linf:1.0",
                                 "n_evals"]
    assert log["n_evals"].tolist() == [1, 2, 5]  # evaluation that first asked for each cell
    assert log[[f"x{i}" for i in range(6)]].to_numpy().tolist() == [[3] * 6, iso_a, [1, 2, 3, 4, 0, 1]]
    assert log["uid"].tolist() == table10.index.genome_to_uid(log.iloc[:, :6].to_numpy()).tolist()
    assert log["index"].tolist() == table10.index.genome_to_index(log.iloc[:, :6].to_numpy()).tolist()
    assert np.allclose(1 - log[["clean", "pgd@Linf:1.0"]].to_numpy(), [F1[0], F1[1], F2[1]])
    problem.reset()
    assert problem.n_evals == 0 and len(problem.query_log) == 0


def cat_nsga2(pop_size=20):
    return NSGA2(
        pop_size=pop_size,
        sampling=IntegerRandomSampling(),
        crossover=SBX(prob=0.9, eta=15, vtype=float, repair=RoundingRepair()),
        mutation=PM(eta=20, vtype=float, repair=RoundingRepair()),
        eliminate_duplicates=True,
    )


def test_nsga2_two_objectives_with_minimize(table10):
    problem = ARNAS(table=table10, objectives=("clean", "pgd@Linf"))
    res = minimize(problem, cat_nsga2(), ("n_gen", 10), seed=1)
    assert res.F.shape[1] == 2 and problem.n_evals == 200
    # every reported solution is its table value
    assert np.allclose(problem.evaluate(res.X.astype(int)), res.F)
    assert len(problem.query_log) == problem.n_unique <= 200


def test_budget_stops_the_run_cleanly(table10):
    problem = ARNAS(table=table10, objectives=("clean", "pgd@Linf"), budget=75)
    res = minimize(problem, cat_nsga2(pop_size=30), seed=2)  # no termination given
    assert problem.n_unique == 75 == len(problem.query_log)
    assert problem.budget_exhausted and res.algorithm.n_gen < 10
    # nothing past the budget was looked up: every logged cell is distinct
    assert problem.query_log["uid"].is_unique


@pytest.mark.parametrize(
    "algorithm",
    [
        GA(pop_size=20, sampling=IntegerRandomSampling(),
           crossover=SBX(vtype=float, repair=RoundingRepair()), mutation=PM(vtype=float, repair=RoundingRepair())),
        PSO(pop_size=20, sampling=IntegerRandomSampling(), repair=RoundingRepair()),
        DE(pop_size=20, sampling=IntegerRandomSampling(), variant="DE/rand/1/bin", repair=RoundingRepair()),
    ],
    ids=["GA", "PSO", "DE"],
)
def test_single_objective_with_ga_pso_de(table10, algorithm):
    problem = ARNAS(table=table10, objectives=("pgd@Linf",), epsilon=1.0)
    res = minimize(problem, algorithm, ("n_evals", 400), seed=3)
    assert res.F.shape == (1,) or res.F.shape == (1, 1)
    best = float(np.min(res.F))
    assert best == pytest.approx(1 - problem.query_log["pgd@Linf:1.0"].max())
    assert best >= problem.pareto_front()[0, 0]
