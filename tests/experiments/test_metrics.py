"""Metrics on the archive vs the exact front, on the real tables."""

import numpy as np
import pytest

from pymoo_arnas.experiments.metrics import (
    FrontReference,
    at_budget,
    best_so_far_by_eval,
    convergence,
    front_share,
    nhv,
    queries_to_optimum,
)
from pymoo_arnas.problems import ARNAS


def _hv2d(P, ref):
    """Independent 2-D hypervolume (minimisation) by sweeping rectangles."""
    P = np.asarray([p for p in P if (p < ref).all()])
    if len(P) == 0:
        return 0.0
    P = P[np.argsort(P[:, 0])]
    hv, best_y = 0.0, ref[1]
    for x, y in P:
        if y < best_y:
            hv += (ref[0] - x) * (best_y - y)
            best_y = y
    return hv


@pytest.fixture(scope="module")
def problem():
    return ARNAS("cifar100", objectives=("clean", "pgd@Linf"), epsilon=1.0)


def test_exact_front_scores_perfectly(problem):
    ref = FrontReference.of(problem)
    front = problem.pareto_front()
    assert ref.nhv(front) == pytest.approx(1.0)
    assert ref.share(front) == 1.0
    assert ref.igd_plus(front) == pytest.approx(0.0, abs=1e-12)


def test_nhv_matches_an_independent_hypervolume(problem, table100):
    rng = np.random.default_rng(0)
    F = problem.evaluate(rng.integers(0, 5, size=(200, 6)))
    ref = FrontReference.of(problem)
    N = ref.normalize(F)
    expected = _hv2d(N, np.array([1.1, 1.1])) / _hv2d(ref.normalize(problem.pareto_front()),
                                                      np.array([1.1, 1.1]))
    assert ref.nhv(F) == pytest.approx(expected, rel=1e-9)
    assert 0.0 <= ref.nhv(F) < 1.0


def test_share_counts_distinct_front_points():
    front = [[0.0, 1.0], [0.5, 0.5], [1.0, 0.0]]
    assert front_share([[0.5, 0.5], [0.5, 0.5], [0.2, 0.9]], front) == pytest.approx(1 / 3)
    assert nhv([[2.0, 2.0]], front) == 0.0  # beyond the reference point


def test_convergence_on_archive_is_monotone_and_ends_at_final_value(problem):
    problem.reset()
    rng = np.random.default_rng(1)
    problem.evaluate(rng.integers(0, 5, size=(150, 6)))
    problem.evaluate(problem.pareto_set()[:3])
    df = convergence(problem)
    assert len(df) == problem.n_unique
    assert (np.diff(df["nhv"]) >= -1e-12).all()
    assert (np.diff(df["share"]) >= 0).all()
    F = 1.0 - problem.query_log[list(problem.columns)].to_numpy()
    ref = FrontReference.of(problem)
    last = df.iloc[-1]
    assert last["nhv"] == pytest.approx(ref.nhv(F))
    assert last["igd_plus"] == pytest.approx(ref.igd_plus(F))
    assert last["found"] >= 3
    # the value after k queries is the metric of the first k cells
    k = 40
    assert at_budget(df, k)["nhv"] == pytest.approx(ref.nhv(F[:k]))


def test_single_objective_best_gap_and_queries_to_optimum(table10):
    p = ARNAS("cifar10", objectives="pgd@Linf", epsilon=1.0)
    rng = np.random.default_rng(2)
    X = rng.integers(0, 5, size=(30, 6))
    p.evaluate(X)
    k_before = p.n_unique
    p.evaluate(p.pareto_set()[:1])
    df = convergence(p)
    acc = p.query_log["pgd@Linf:1.0"].to_numpy()
    assert np.allclose(df["best"], np.maximum.accumulate(acc))
    assert (df["gap"] >= -1e-12).all()
    assert df["hit"].iloc[-1] and not df["hit"].iloc[: k_before].any()
    assert queries_to_optimum(p) == k_before + 1
    assert df["gap"].iloc[-1] == pytest.approx(0.0, abs=1e-12)


def test_best_so_far_by_eval_pads_and_cuts():
    assert best_so_far_by_eval([0.9, 0.8], budget=1).tolist() == [pytest.approx(0.1)]
    assert len(best_so_far_by_eval([0.9, 0.8], budget=4)) == 4


def test_at_budget_rejects_empty():
    import pandas as pd

    with pytest.raises(ValueError, match="empty"):
        at_budget(pd.DataFrame(), 3)


# --------------------------------------------------------------------------- many objectives


def _hv_inclusion_exclusion(P, ref):
    """Independent exact hypervolume (minimisation) of a few points: inclusion-exclusion
    over every subset of their boxes up to ``ref``."""
    from itertools import combinations

    P = np.asarray([p for p in P if (p < ref).all()])
    total = 0.0
    for k in range(1, len(P) + 1):
        for idx in combinations(range(len(P)), k):
            total += (-1) ** (k + 1) * np.prod(ref - P[list(idx)].max(axis=0))
    return total


@pytest.mark.parametrize("m", [3, 5])
def test_nhv_matches_an_independent_hypervolume_in_m_objectives(m):
    rng = np.random.default_rng(m)
    front = rng.random((9, m))
    F = np.vstack([front[:4], rng.random((3, m)) + 0.3])
    ref = FrontReference(front)
    ref_point = np.full(m, 1.1)
    expected = (_hv_inclusion_exclusion(ref.normalize(F), ref_point)
                / _hv_inclusion_exclusion(ref.normalize(front), ref_point))
    assert ref.nhv(F) == pytest.approx(expected, rel=1e-9)
    assert ref.nhv(front) == pytest.approx(1.0) and ref.share(F) == pytest.approx(4 / 9)


@pytest.mark.parametrize("objectives", [
    ("clean", "pgd@Linf", "aa_square@Linf"),
    ("clean", "fgsm@Linf", "pgd@Linf", "aa_apgd-ce@Linf", "aa_square@Linf"),
])
def test_convergence_in_many_objectives(objectives, table10):
    p = ARNAS("cifar10", objectives=objectives)
    p.evaluate(np.random.default_rng(3).integers(0, 5, size=(100, 6)))
    p.evaluate(p.pareto_set())
    df = convergence(p)
    assert (np.diff(df["nhv"]) >= -1e-12).all() and (df["nhv"] <= 1.0).all()
    assert df["nhv"].iloc[-1] == pytest.approx(1.0) and df["share"].iloc[-1] == 1.0
    assert df["nhv"].iloc[99] < 1.0 and df["share"].iloc[99] < 1.0
