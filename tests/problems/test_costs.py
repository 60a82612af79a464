"""Cost objectives (params, flops) of ARNAS: values, the genome as the unit, exact fronts.

Accuracies come from the synthetic table (labelled cifar10/cifar100 for the network head);
costs are the closed-form counts of pymoo_arnas.cost, checked against torch in tests/test_cost.py.
"""

import numpy as np
import pytest

from pymoo_arnas import cost
from pymoo_arnas.problems import ARNAS
from pymoo_arnas.space import all_genomes, isomorphism_class

# two isomorphic genomes: the 3x3 conv on edge 1->3 is on no path to the output when 0->1 is none
UNUSED_CONV = np.array([[0, 0, 0, 0, 3, 0], [0, 0, 0, 0, 0, 0]])


@pytest.fixture(scope="module")
def cifar10(synthetic_table_factory):
    return synthetic_table_factory(seed=0, dataset="cifar10")


def dominates(A, B):
    """``(len(A), len(B))`` bool: whether row i of A Pareto-dominates row j of B (minimised)."""
    return np.all(A[:, None] <= B[None], axis=2) & np.any(A[:, None] < B[None], axis=2)


def assert_exact_front(front, F):
    """``front`` is exactly the distinct non-dominated rows of ``F``: no row of F dominates a
    front point, and every row of F is a front point or dominated by one (a dominated point is
    always dominated by a non-dominated one, so this needs no all-pairs comparison)."""
    assert len(np.unique(front, axis=0)) == len(front)
    on_front = (F[:, None, :] == front[None]).all(axis=2)
    assert on_front.any(axis=0).all()  # every front point is a value some genome has
    assert not dominates(F, front).any()
    assert (on_front.any(axis=1) | dominates(front, F).any(axis=0)).all()


def test_cost_objectives_are_the_network_cost_minimised_as_they_are(cifar10, synthetic_table_factory):
    G = all_genomes()[::97]
    p = ARNAS(table=cifar10, objectives=("clean", "params", "flops"))
    F = p.evaluate(G)
    assert p.is_cost.tolist() == [False, True, True]
    assert p.is_accuracy.tolist() == [True, False, False]
    assert np.array_equal(F[:, 1], cost.params(G, C=16, N=5, n_classes=10))
    assert np.array_equal(F[:, 2], cost.flops(G, C=16, N=5, n_classes=10, input_size=32))
    assert np.allclose(F[:, 0], 1 - cifar10.column("clean")[cifar10.code_to_row[G @ 5 ** np.arange(5, -1, -1)]])
    # the head follows the dataset: CIFAR-100 has 100 classes
    p100 = ARNAS(table=synthetic_table_factory(seed=0, dataset="cifar100"), objectives=("params",))
    assert np.array_equal(p100.evaluate(G)[:, 0], cost.params(G, n_classes=100))


def test_with_a_cost_objective_the_genome_is_the_unit(cifar10):
    assert isomorphism_class(UNUSED_CONV).tolist() == [0, 0]
    params = cost.params(UNUSED_CONV)
    assert params[0] > params[1]  # the unused conv still has weights
    by_class = ARNAS(table=cifar10, objectives=("clean",))
    by_class.evaluate(UNUSED_CONV)
    assert by_class.n_unique == 1 and by_class.is_queried(UNUSED_CONV[1:]).all()
    by_genome = ARNAS(table=cifar10, objectives=("clean", "params"), budget=2)
    F = by_genome.evaluate(UNUSED_CONV)
    assert by_genome.per_genome and by_genome.n_unique == 2 and by_genome.budget_exhausted
    assert F[:, 1].tolist() == params.tolist() and F[0, 0] == F[1, 0]
    log = by_genome.query_log
    assert log[[f"x{i}" for i in range(6)]].values.tolist() == UNUSED_CONV.tolist()
    assert log["uid"].nunique() == 1 and log["params"].tolist() == params.tolist()
    assert not by_genome.is_queried([[0, 0, 0, 0, 2, 0]]).any()  # same class, another genome
    assert len(set(by_class.units(UNUSED_CONV))) == 1 and len(set(by_genome.units(UNUSED_CONV))) == 2


def test_cells_past_the_budget_get_the_largest_cost_not_a_small_one(cifar10):
    p = ARNAS(table=cifar10, objectives=("clean", "params"), budget=1)
    F = p.evaluate(np.array([[0] * 6, [1] * 6]))
    assert F[1].tolist() == [1.0, cost.params(all_genomes()).max()]
    assert F[1, 1] > F[0, 1]


@pytest.mark.parametrize("objectives", [
    ("clean", "params"),
    ("params", "flops"),
    ("pgd@Linf", "flops"),
    ("clean", "pgd@Linf", "params"),
    ("params",),
])
def test_exact_front_with_costs_holds_against_every_genome(cifar10, objectives):
    p = ARNAS(table=cifar10, objectives=objectives, epsilon=1.0)
    F = p.evaluate(all_genomes())
    front = p.pareto_front()
    assert_exact_front(front, F)
    assert np.array_equal(np.unique(p.evaluate(p.pareto_set()), axis=0), front)
    exact = p.exact_front()
    assert set(map(tuple, p.errors(exact[list(p.columns)].to_numpy()))) == set(map(tuple, front))
    assert np.array_equal(exact["uid"], cifar10.index.genome_to_uid(exact.iloc[:, :6].to_numpy()))


def test_a_cost_needs_a_known_network(synthetic_table):
    with pytest.raises(ValueError, match="'synthetic' is not one of cifar10, cifar100"):
        ARNAS(table=synthetic_table, objectives=("clean", "params"))
    with pytest.raises(ValueError, match="costs of the network: params, flops"):
        ARNAS(table=synthetic_table, objectives=("clean", "latency"))


def test_metrics_take_costs_as_they_are(cifar10):
    from pymoo_arnas.experiments.metrics import convergence

    p = ARNAS(table=cifar10, objectives=("clean", "pgd@Linf", "params"), epsilon=1.0)
    p.evaluate(p.pareto_set())
    last = convergence(p).iloc[-1]
    assert last["nhv"] == pytest.approx(1.0) and last["share"] == 1.0
