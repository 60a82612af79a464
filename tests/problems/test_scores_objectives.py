"""Training-free scores (naswot, synflow, NTK...) as ARNAS objectives.

The scores are the shipped table (pymoo_arnas.data.scores); the accuracies the real CIFAR-10
table, since how a score sits beside real accuracies on the exact front is the subject.
"""

import numpy as np
import pytest

from pymoo_arnas.data.scores import align_to_table, load_scores
from pymoo_arnas.objectives import SCORES
from pymoo_arnas.problems import ARNAS
from pymoo_arnas.space import all_genomes, isomorphism_class

# two isomorphic genomes: the 3x3 conv on edge 1->3 is on no path to the output
UNUSED_CONV = np.array([[0, 0, 0, 0, 3, 0], [0, 0, 0, 0, 0, 0]])
G = all_genomes()


@pytest.fixture(scope="module")
def scores(table10):
    """The shipped scores of every genome ``(15625, 11)`` (its class's), by genome code."""
    return align_to_table(load_scores(), table10).to_numpy()[table10.code_to_row]


@pytest.fixture(scope="module")
def names():
    return list(load_scores().columns.drop("code"))


def dominates(A, B):
    """``(len(A), len(B))`` bool: whether row i of A Pareto-dominates row j of B (minimised)."""
    return np.all(A[:, None] <= B[None], axis=2) & np.any(A[:, None] < B[None], axis=2)


def assert_exact_front(front, F):
    """``front`` is exactly the distinct non-dominated rows of ``F``."""
    assert len(np.unique(front, axis=0)) == len(front)
    assert (F[:, None, :] == front[None]).all(axis=2).any(axis=0).all()  # values some genome has
    assert not dominates(F, front).any()
    on_front = (F[:, None, :] == front[None]).all(axis=2).any(axis=1)
    assert (on_front | dominates(front, F).any(axis=0)).all()


def test_every_shipped_score_is_an_objective_with_a_sense(names):
    assert set(SCORES) == set(names)
    assert set(SCORES.values()) == {"max", "min"}
    assert {n for n, s in SCORES.items() if s == "min"} == {"ntk_cond", "ntk_adv_cond"}


@pytest.mark.parametrize("name", sorted(SCORES))
def test_a_score_is_minimised_in_its_sense_and_logged_as_it_is(table10, scores, names, name):
    p = ARNAS(table=table10, objectives=("clean", name))
    X = G[::211]
    F = p.evaluate(X)
    raw = scores[::211, names.index(name)]
    finite = np.isfinite(raw)
    sign = -1.0 if SCORES[name] == "max" else 1.0
    assert np.array_equal(F[finite, 1], sign * raw[finite])
    assert p.is_maximized.tolist() == [False, SCORES[name] == "max"]
    assert p.is_cost.tolist() == [False, SCORES[name] == "min"]
    assert p.is_accuracy.tolist() == [True, False]  # a score is no accuracy
    log = p.query_log  # the score itself, as the shipped table has it
    codes = log[[f"x{i}" for i in range(6)]].to_numpy() @ 5 ** np.arange(5, -1, -1)
    logged, shipped = log[name].to_numpy(), scores[codes, names.index(name)]
    assert np.array_equal(logged[np.isfinite(shipped)], shipped[np.isfinite(shipped)])
    assert np.allclose(F[:, 0], 1 - table10.column("clean")[table10.code_to_row[X @ 5 ** np.arange(5, -1, -1)]])


def test_a_score_belongs_to_the_class(table10):
    p = ARNAS(table=table10, objectives=("pgd@Linf", "synflow"), epsilon=1.0, budget=1)
    F = p.evaluate(UNUSED_CONV)
    assert isomorphism_class(UNUSED_CONV).tolist() == [0, 0]
    assert not p.per_genome and p.n_unique == 1  # one budget slot for both
    assert np.array_equal(F[0], F[1])
    assert len(set(p.units(UNUSED_CONV))) == 1
    # with a cost beside it the genome is the unit, and the score is the class's
    q = ARNAS(table=table10, objectives=("synflow", "params"))
    Fq = q.evaluate(UNUSED_CONV)
    assert q.per_genome and q.n_unique == 2 and Fq[0, 0] == Fq[1, 0] and Fq[0, 1] > Fq[1, 1]


def test_cells_that_ignore_their_input_get_the_worst_finite_score(table10, scores, names):
    for name in ("naswot", "ntk_cond", "ntk_adv_cond"):
        raw = scores[:, names.index(name)]
        bad = ~np.isfinite(raw)
        assert bad.any()  # the shipped table has such cells
        F = ARNAS(table=table10, objectives=(name,)).evaluate(G)[:, 0]
        assert np.isfinite(F).all()
        assert np.all(F[bad] == F[~bad].max())  # the worst value any cell has


def test_cells_past_the_budget_get_the_worst_score(table10, scores, names):
    p = ARNAS(table=table10, objectives=("clean", "synflow", "ntk_cond"), budget=1)
    F = p.evaluate(np.array([[3] * 6, [1] * 6]))
    synflow, cond = scores[:, names.index("synflow")], scores[:, names.index("ntk_cond")]
    worst = [1.0, -synflow.min(), cond[np.isfinite(cond)].max()]
    assert F[1].tolist() == worst == p.ref_point.tolist()
    assert (p.evaluate(G[::50]) <= p.ref_point).all()  # every cell weakly dominates it


@pytest.mark.parametrize("objectives", [
    ("clean", "synflow"),
    ("pgd@Linf", "naswot"),
    ("clean", "pgd@Linf", "ntk_cond"),
    ("clean", "log_synflow", "params"),
    ("synflow", "naswot"),
    ("ntk_min",),
])
def test_exact_front_with_scores_holds_against_every_genome(table10, objectives):
    p = ARNAS(table=table10, objectives=objectives, epsilon=1.0)
    F = p.evaluate(G)
    front = p.pareto_front()
    assert_exact_front(front, F)
    assert np.array_equal(np.unique(p.evaluate(p.pareto_set()), axis=0), front)
    exact = p.exact_front()
    assert set(map(tuple, p.errors(exact[list(p.columns)].to_numpy()))) == set(map(tuple, front))


def test_scores_are_the_same_for_every_dataset(table10, table100):
    X = G[::500]
    F10 = ARNAS(table=table10, objectives=("naswot",)).evaluate(X)
    F100 = ARNAS(table=table100, objectives=("naswot",)).evaluate(X)
    assert np.array_equal(F10, F100)


def test_an_unknown_objective_lists_the_scores(table10):
    with pytest.raises(ValueError, match="training-free scores: naswot, synflow, log_synflow, ntk_min"):
        ARNAS(table=table10, objectives=("clean", "zen_score"))
    with pytest.raises(ValueError, match="name the same table column twice"):
        ARNAS(table=table10, objectives=("synflow", " synflow"))


@pytest.mark.parametrize("objectives", [("clean", "synflow"), ("pgd@Linf", "naswot", "params")])
def test_metrics_read_scores_in_their_sense(table10, objectives):
    from pymoo_arnas.experiments.metrics import convergence

    p = ARNAS(table=table10, objectives=objectives, epsilon=1.0)
    p.evaluate(G[:40])  # some cells off the front first
    assert convergence(p).iloc[-1]["nhv"] < 1.0
    p.evaluate(p.pareto_set())
    last = convergence(p).iloc[-1]
    assert last["nhv"] == pytest.approx(1.0) and last["share"] == 1.0
