"""A Weisfeiler-Lehman subtree kernel between cells, on what each cell computes.

A cell computes a sum of terms at its output: each term is an operation applied to a sum of
terms, down to the input (NAS-Bench-201's rule, :func:`~pymoo_arnas.space.canonical_str`:
``none`` and an input that is zero give nothing, a skip connection passes its input's terms
through). :func:`cell_expression` builds that tree. Its Weisfeiler-Lehman subtree features
(Shervashidze et al. 2011; for cells, Ru et al. 2021, NAS-BOWL) count, for every term and
every ``h`` up to ``depth``, the subtree of height ``h`` below it: the term's operation
alone, then with the operations it is applied to, and so on. Two cells are alike when they
share such pieces, wherever they sit in the cell, which a kernel over the six edges
(:class:`~pymoo_arnas.algorithms.surrogate.ClassHammingGP`) does not see: e.g. two cells that
apply a 3x3 convolution to a 3x3 convolution of the input, one on edges 0 and 4, the other
on edges 1 and 5.

Isomorphic genomes have one expression, so the features are a class's
(:func:`wl_features`: one row per isomorphism class). Written here instead of taken from a
graph-kernel library (e.g. GraKeL): the tree's semantics (skip connections pass their input
through, dead inputs vanish) must be NAS-Bench-201's, and the whole space is 6,466 small
trees, which a few lines of Python featurise once per process (about 1 s).
"""

from __future__ import annotations

import functools

import numpy as np
from scipy import sparse

from pymoo_arnas.space import EDGES, OPS, decode, representative_codes, validate

_INPUT = "x"


def cell_expression(genome) -> tuple:
    """The terms summed at a cell's output: a tuple of terms, each ``(op, terms)`` (the
    operation and the terms of its input; the cell's input is ``("x", ())``).

    >>> cell_expression([3, 0, 0, 1, 0, 0])  # 3x3 conv to node 1 (dead), skip to the output
    (('x', ()),)
    >>> cell_expression([3, 0, 0, 0, 3, 0])  # conv 3x3, then conv 3x3
    (('nor_conv_3x3', (('nor_conv_3x3', (('x', ()),)),)),)
    """
    g = validate(genome)[0]
    nodes = {0: ((_INPUT, ()),)}
    for target in (1, 2, 3):
        terms = []
        for pos, (src, dst) in enumerate(EDGES):
            if dst != target or OPS[g[pos]] == "none" or not nodes[src]:
                continue
            if OPS[g[pos]] == "skip_connect":
                terms.extend(nodes[src])
            else:
                terms.append((OPS[g[pos]], nodes[src]))
        nodes[target] = tuple(terms)
    return nodes[3]


def _subtree(term, h: int) -> str:
    """The label of the subtree of height ``h`` below ``term``."""
    op, terms = term
    if h == 0 or not terms:
        return op
    return op + "[" + ",".join(sorted(_subtree(t, h - 1) for t in terms)) + "]"


def _counts(expression, depth: int) -> dict:
    """Subtree label -> count over every term of ``expression`` and height ``0..depth``,
    and the output's subtrees of height ``1..depth``."""
    counts: dict = {}

    def walk(term):
        for h in range(depth + 1):
            key = (h, _subtree(term, h))
            counts[key] = counts.get(key, 0) + 1
        for child in term[1]:
            walk(child)

    for term in expression:
        walk(term)
    for h in range(1, depth + 1):
        key = ("output", h, _subtree(("output", expression), h))
        counts[key] = counts.get(key, 0) + 1
    if not expression:
        counts[("zero",)] = 1
    return counts


def check_depth(depth) -> int:
    """``depth`` as an int, or a ``ValueError`` naming it (an integer >= 0 is expected).

    >>> check_depth(2)
    2
    """
    if isinstance(depth, bool) or not isinstance(depth, (int, np.integer)) or depth < 0:
        raise ValueError(f"depth must be an integer >= 0; got {depth!r}")
    return int(depth)


@functools.lru_cache(maxsize=4)
def wl_features(depth: int = 2) -> sparse.csr_matrix:
    """Weisfeiler-Lehman subtree features ``(6466, d)`` of every isomorphism class (row =
    class number), each row of unit length, so ``wl_features() @ wl_features().T`` is 1
    between a class and itself.

    Parameters
    ----------
    depth : int
        Greatest subtree height (0: which operations a cell applies, and how often).

    >>> Phi = wl_features(2)
    >>> Phi.shape[0], round(float(Phi[0].multiply(Phi[0]).sum()), 6)
    (6466, 1.0)
    """
    check_depth(depth)
    vocabulary: dict = {}
    rows, cols, vals = [], [], []
    for r, genome in enumerate(decode(representative_codes())):
        for key, n in _counts(cell_expression(genome), int(depth)).items():
            rows.append(r)
            cols.append(vocabulary.setdefault(key, len(vocabulary)))
            vals.append(float(n))
    Phi = sparse.csr_matrix((vals, (rows, cols)), shape=(r + 1, len(vocabulary)))
    norms = np.sqrt(np.asarray(Phi.multiply(Phi).sum(axis=1)).ravel())
    return sparse.csr_matrix(sparse.diags(1.0 / norms) @ Phi)


def wl_kernel(ca, cb, depth: int = 2) -> np.ndarray:
    """The Weisfeiler-Lehman kernel ``(n, k)`` between isomorphism classes ``ca`` ``(n,)`` and
    ``cb`` ``(k,)`` (class numbers): the cosine of their :func:`wl_features`, in [0, 1]
    (:class:`~pymoo_arnas.algorithms.surrogate.ClassHammingGP` keeps its columns).

    >>> from pymoo_arnas.space import isomorphism_class
    >>> # conv 3x3 twice; the same beside a skip connection; a skip connection alone
    >>> c = isomorphism_class([[3, 0, 0, 0, 3, 0], [3, 0, 0, 1, 3, 0], [0, 0, 0, 1, 0, 0]])
    >>> wl_kernel(c, c).round(3).tolist()  # every cell holds the input: none is 0
    [[1.0, 0.828, 0.372], [0.828, 1.0, 0.572], [0.372, 0.572, 1.0]]
    """
    depth = check_depth(depth)
    ca = np.asarray(ca, dtype=np.int64).ravel()
    cb = np.asarray(cb, dtype=np.int64).ravel()
    Phi = wl_features(depth)
    return (Phi[ca] @ Phi[cb].T).toarray()


__all__ = ["cell_expression", "check_depth", "wl_features", "wl_kernel"]
