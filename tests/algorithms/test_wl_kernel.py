"""The Weisfeiler-Lehman kernel between cells: what a cell computes, its features, the kernel."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pymoo_arnas.algorithms.surrogate import ClassHammingGP
from pymoo_arnas.algorithms.wl_kernel import cell_expression, wl_features, wl_kernel
from pymoo_arnas.space import (
    all_genomes,
    canonical_str,
    class_of_code,
    isomorphism_class,
    representative_codes,
)

N_CLASSES = len(representative_codes())  # 6,466
genomes = st.lists(st.integers(0, 4), min_size=6, max_size=6)


def _as_str(terms) -> str:
    """An expression written the way canonical_str writes a node, '#' terms left out."""
    parts = ["0" if op == "x" else f"({_as_str(sub)})@{op}" for op, sub in terms]
    return "+".join(sorted(parts))


def _strip_zeros(key: str) -> str:
    """canonical_str's key with its zero terms removed (an op of a zero input is zero)."""
    import re

    while True:
        new = re.sub(r"\((#(\+#)*)?\)@[a-z_0-9]+", "#", key)  # an op applied to zero
        new = re.sub(r"#\+|\+#", "", new)
        if new == key:
            return "" if key == "#" else key
        key = new


@settings(max_examples=200, deadline=None)
@given(genomes)
def test_the_expression_is_what_the_cell_computes_by_nas_bench_201s_rule(g):
    # the same sums of terms as the isomorphism key, up to the order of terms in a sum
    assert sorted(_as_str(cell_expression(g)).split("+")) == \
        sorted(_strip_zeros(canonical_str(g)).split("+")) or \
        _as_str(cell_expression(g)) == _strip_zeros(canonical_str(g))


def test_a_cell_without_a_live_path_computes_nothing_and_a_skip_passes_its_input():
    assert cell_expression([0, 0, 0, 0, 0, 0]) == ()
    assert cell_expression([3, 3, 3, 0, 0, 0]) == ()  # nothing reaches the output
    assert cell_expression([0, 0, 0, 1, 0, 0]) == (("x", ()),)
    assert cell_expression([1, 0, 0, 0, 2, 0]) == (("nor_conv_1x1", (("x", ()),)),)


def test_features_are_unit_rows_one_per_class_and_isomorphic_genomes_share_them():
    Phi = wl_features(2)
    assert Phi.shape[0] == N_CLASSES
    np.testing.assert_allclose(np.asarray(Phi.multiply(Phi).sum(axis=1)).ravel(), 1.0)
    # the features of a class are those of any of its genomes' expression
    G, cls = all_genomes(), class_of_code()
    rng = np.random.default_rng(0)
    for c in rng.choice(N_CLASSES, 30, replace=False):
        members = G[cls == c]
        keys = {repr(sorted(map(repr, cell_expression(m)))) for m in members}
        assert len(keys) == 1, members
    # depth 0 counts operations only: fewer features than depth 2
    assert wl_features(0).shape[1] < Phi.shape[1]


def test_the_kernel_is_a_cosine_one_on_the_diagonal_and_positive_semi_definite():
    rng = np.random.default_rng(1)
    c = rng.choice(N_CLASSES, 60, replace=False)
    K = wl_kernel(c, c)
    np.testing.assert_allclose(np.diag(K), 1.0)
    np.testing.assert_allclose(K, K.T, atol=1e-12)
    assert K.min() >= 0.0 and K.max() <= 1.0 + 1e-12
    assert np.linalg.eigvalsh(K).min() > -1e-9
    Phi = wl_features(2)  # the same numbers as the features' products
    np.testing.assert_allclose(K[:, :5], (Phi[c] @ Phi[c[:5]].T).toarray(), atol=1e-12)
    # two classes by the benchmark's key (a zero term in a sum) that compute the same
    a, b = isomorphism_class([[3, 0, 0, 0, 3, 0], [0, 3, 0, 0, 0, 3]])
    assert a != b and wl_kernel([a], [b])[0, 0] == pytest.approx(1.0)


@pytest.mark.parametrize("bad", [-1, 1.5, True, "2"])
def test_a_bad_depth_is_refused(bad):
    with pytest.raises(ValueError, match="depth"):
        wl_features(bad)
    with pytest.raises(ValueError, match="depth"):
        ClassHammingGP(wl_weight=0.5, wl_depth=bad)


@pytest.mark.parametrize("bad", [-0.1, 1.5, True, "0.5", None])
def test_a_bad_wl_weight_is_refused(bad):
    with pytest.raises(ValueError, match="wl_weight"):
        ClassHammingGP(wl_weight=bad)


def test_the_class_kernel_mixes_in_the_squared_wl_kernel_by_its_weight():
    rng = np.random.default_rng(2)
    X = all_genomes()[representative_codes()[rng.choice(N_CLASSES, 25, replace=False)]]
    K0 = ClassHammingGP(conv_similarity=0.5).kernel(X, X)
    c = isomorphism_class(X)
    W = wl_kernel(c, c)
    for w in (0.0, 0.5, 1.0):
        K = ClassHammingGP(conv_similarity=0.5, wl_weight=w).kernel(X, X)
        np.testing.assert_allclose(K, (1 - w) * K0 + w * W ** 2, atol=1e-12)
        np.testing.assert_allclose(np.diag(K), 1.0)
        assert np.linalg.eigvalsh(K).min() > -1e-9
