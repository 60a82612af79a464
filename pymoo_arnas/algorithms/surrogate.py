"""Cheap surrogates of cell objectives: Hamming-kernel GPs over genomes and over isomorphism
classes (what ``nsga2-cat`` screens its candidates with) and ridge regression on one-hot cell
features."""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np
from scipy.linalg import solve_triangular
from scipy.special import ndtri

from pymoo_arnas.algorithms.wl_kernel import check_depth, wl_features
from pymoo_arnas.space import (
    EDGES, N_CELLS, N_EDGES, N_OPS, N_UNIQUE, OPS, class_of_code, decode, encode, validate,
)

# edges on some input->output path matter most; pairs of edges that form a path 0->a->b
_PATH_PAIRS = tuple(
    (i, j) for i, (s1, t1) in enumerate(EDGES) for j, (s2, t2) in enumerate(EDGES) if t1 == s2
)


def cell_features(X, pairs: bool = True) -> np.ndarray:
    """Features ``(n, d)`` of genomes ``(n, 6)``: a bias, one-hot ops per edge, op counts
    and (with ``pairs``) one-hot op pairs on consecutive edges of a path.

    >>> cell_features([[3, 3, 3, 3, 3, 3]]).shape
    (1, 136)
    """
    X = validate(X)
    n = len(X)
    onehot = np.zeros((n, N_EDGES * N_OPS))
    onehot[np.arange(n)[:, None], np.arange(N_EDGES) * N_OPS + X] = 1.0
    counts = np.stack([(X == o).sum(axis=1) for o in range(N_OPS)], axis=1) / N_EDGES
    parts = [np.ones((n, 1)), onehot, counts]
    if pairs:
        pair = np.zeros((n, len(_PATH_PAIRS) * N_OPS * N_OPS))
        for k, (i, j) in enumerate(_PATH_PAIRS):
            pair[np.arange(n), k * N_OPS * N_OPS + X[:, i] * N_OPS + X[:, j]] = 1.0
        parts.append(pair)
    return np.hstack(parts)


class RidgeSurrogate:
    """Ridge regression of every objective on :func:`cell_features`.

    Parameters
    ----------
    alpha : float
        L2 penalty (the bias is not penalised).
    pairs : bool
        Use the edge-pair features (more capacity; useful once ~50 cells are known).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.integers(0, 5, size=(40, 6))
    >>> F = (X == 3).sum(axis=1, keepdims=True) * 1.0
    >>> model = RidgeSurrogate(alpha=1e-3, pairs=False).fit(X, F)
    >>> bool(np.abs(model.predict(X) - F).max() < 0.05)
    True
    """

    def __init__(self, alpha: float = 1.0, pairs: bool = True) -> None:
        self.alpha = float(alpha)
        self.pairs = pairs
        self.coef_ = None

    def fit(self, X, F) -> "RidgeSurrogate":
        """Fit on genomes ``(n, 6)`` and objective values ``(n, m)``."""
        A = cell_features(X, self.pairs)
        F = np.asarray(F, dtype=float).reshape(len(A), -1)
        reg = np.full(A.shape[1], self.alpha)
        reg[0] = 0.0
        self.mean_ = F.mean(axis=0)
        self.coef_ = np.linalg.solve(A.T @ A + np.diag(reg), A.T @ (F - self.mean_))
        return self

    def predict(self, X) -> np.ndarray:
        """Predicted objective values ``(n, m)``."""
        if self.coef_ is None:
            raise RuntimeError("call fit() before predict()")
        return cell_features(X, self.pairs) @ self.coef_ + self.mean_


def hamming(A, B) -> np.ndarray:
    """Hamming distances ``(n, k)`` between genomes ``A`` ``(n, 6)`` and ``B`` ``(k, 6)``."""
    A = np.asarray(A)
    B = np.asarray(B)
    D = np.zeros((len(A), len(B)), dtype=np.int64)
    for i in range(A.shape[1]):
        D += A[:, i, None] != B[None, :, i]
    return D


_CONVS = (OPS.index("nor_conv_1x1"), OPS.index("nor_conv_3x3"))


def check_unit(name: str, value, note: str = "") -> float:
    """``value`` as a float, or a ``ValueError`` naming ``name`` if it is not a number in
    [0, 1] (``note`` is added to what is expected).

    >>> check_unit("wl_weight", 0.5)
    0.5
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(
            value, (int, float, np.integer, np.floating)) or not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be a number in [0, 1]{note}; got {value!r}")
    return float(value)


def edge_kernel(theta: float = 1.0, conv_similarity: float = 0.0) -> np.ndarray:
    """The kernel ``(5, 5)`` between the ops of one edge, ``w + (1 - w) * S`` with ``w =
    exp(-theta)``: ``S`` is 1 between an op and itself and ``conv_similarity`` between the two
    convolutions (1x1 and 3x3), 0 between any other two ops. The kernel between two genomes
    is the product of it over their 6 edges; with ``conv_similarity=0`` that is the Hamming
    kernel ``exp(-theta * hamming)``. Positive semi-definite for ``conv_similarity`` in [0, 1].

    >>> edge_kernel(1.0, 0.5)[2:4, 2:4].round(3).tolist()  # the two convolutions
    [[1.0, 0.684], [0.684, 1.0]]
    """
    conv_similarity = check_unit("conv_similarity", conv_similarity)
    w = float(np.exp(-float(theta)))
    S = np.eye(N_OPS)
    S[_CONVS[0], _CONVS[1]] = S[_CONVS[1], _CONVS[0]] = conv_similarity
    return w + (1.0 - w) * S


def _product_kernel(K1, A, B) -> np.ndarray:
    """Kernel matrix ``(n, k)`` of genomes ``A`` ``(n, 6)`` and ``B`` ``(k, 6)``: the product
    over the edges of the edge kernel ``K1`` ``(5, 5)``."""
    A = np.asarray(A, dtype=np.int64)
    B = np.asarray(B, dtype=np.int64)
    K = np.ones((len(A), len(B)))
    for i in range(A.shape[1]):
        K *= K1[A[:, i, None], B[None, :, i]]
    return K


def rank_warp(F) -> np.ndarray:
    """Each column of ``F`` ``(n, m)`` through its empirical distribution onto the normal
    scale (a Gaussian copula, as HEBO warps its outputs): ``ndtri((rank - 0.5) / n)``, tied
    values sharing their mean rank. Only the order of each column matters, so a GP fitted on
    the warped values is unchanged by any increasing map of an objective, and a long tail
    (e.g. the many cells that barely train) no longer sets its scale.

    >>> rank_warp([[0.1], [0.3], [0.3], [0.9]]).round(3).ravel().tolist()
    [-1.15, 0.0, 0.0, 1.15]
    """
    F = np.asarray(F, dtype=float)
    F = F.reshape(len(F), -1)
    W = np.empty_like(F)
    for j in range(F.shape[1]):
        _, inverse, counts = np.unique(F[:, j], return_inverse=True, return_counts=True)
        mid_rank = np.cumsum(counts) - (counts - 1) / 2.0  # 1-based mean rank of each value
        W[:, j] = ndtri((mid_rank[inverse.ravel()] - 0.5) / len(F))
    return W


def warp_map(values, src, dst) -> np.ndarray:
    """Each column of ``values`` ``(k, m)``, given on the scale of ``src`` ``(n, m)``, onto the
    scale of ``dst`` ``(n, m)``, where row ``i`` of ``dst`` is row ``i`` of ``src`` through an
    increasing map per column (e.g. ``dst = rank_warp(src)``, or the other way round to undo
    the warping): piecewise linear between the pairs, linear beyond them at the slope of the
    outer tenth of the pairs (a prediction better than everything seen keeps its distance).

    >>> F = np.array([[1.0], [2.0], [3.0], [4.0]])
    >>> warp_map([[2.5], [5.0]], F, 2 * F).ravel().tolist()
    [5.0, 10.0]
    """
    values = np.asarray(values, dtype=float)
    src = np.asarray(src, dtype=float)
    dst = np.asarray(dst, dtype=float)
    out = np.empty_like(values)
    for j in range(values.shape[1]):
        x, first = np.unique(src[:, j], return_index=True)  # ties share their warped value
        y = dst[first, j]
        v = values[:, j]
        if len(x) == 1:
            out[:, j] = y[0] + (v - x[0])
            continue
        k = max(1, len(x) // 10)
        with np.errstate(all="ignore"):  # values a hair apart: flat beyond them
            low, high = np.nan_to_num([(y[k] - y[0]) / (x[k] - x[0]),
                                       (y[-1] - y[-1 - k]) / (x[-1] - x[-1 - k])],
                                      nan=0.0, posinf=0.0, neginf=0.0)
        out[:, j] = np.where(v < x[0], y[0] + (v - x[0]) * low,
                             np.where(v > x[-1], y[-1] + (v - x[-1]) * high, np.interp(v, x, y)))
    return out


_LEAST_ACCURACY = 1e-3
"""Clean accuracy below which :func:`to_robust_ratio` divides by this instead."""


def to_robust_ratio(F, clean: int, robust) -> np.ndarray:
    """Errors ``F`` ``(n, m)`` (``1 - accuracy``) with each column of ``robust`` replaced by
    minus its accuracy's ratio to the clean accuracy (column ``clean``): how much of what a
    network gets right survives the attack (or corruption), minimised.

    >>> to_robust_ratio([[0.2, 0.6]], clean=0, robust=[1]).round(3).tolist()
    [[0.2, -0.5]]
    """
    G = np.array(F, dtype=float, ndmin=2)
    clean_acc = np.maximum(1.0 - G[:, clean], _LEAST_ACCURACY)
    for j in np.atleast_1d(robust):
        G[:, j] = -(1.0 - G[:, j]) / clean_acc
    return G


def from_robust_ratio(G, clean: int, robust) -> np.ndarray:
    """The errors ``(n, m)`` of :func:`to_robust_ratio`'s output ``G`` (its inverse).

    >>> from_robust_ratio([[0.2, -0.5]], clean=0, robust=[1]).round(3).tolist()
    [[0.2, 0.6]]
    """
    F = np.array(G, dtype=float, ndmin=2)
    clean_acc = np.maximum(1.0 - F[:, clean], _LEAST_ACCURACY)
    for j in np.atleast_1d(robust):
        F[:, j] = 1.0 + F[:, j] * clean_acc
    return F


class HammingGP:
    """Gaussian-process regression with the kernel ``exp(-theta * hamming(x, y))``.

    Every objective is standardised and shares the kernel; noise is a small nugget.

    Parameters
    ----------
    theta : float
        Kernel decay per differing edge.
    noise : float
        Nugget added to the kernel diagonal (in standardised units).
    conv_similarity : float
        How alike the two convolutions (1x1, 3x3) are on an edge, in [0, 1]: 0 (default)
        counts them as different as any two ops (the Hamming kernel); 1 as the same op. See
        :func:`edge_kernel`.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.integers(0, 5, size=(30, 6))
    >>> F = (X == 3).sum(axis=1, keepdims=True) * 1.0
    >>> mean, std = HammingGP().fit(X, F).predict(X, return_std=True)
    >>> mean.shape, std.shape, bool(np.abs(mean - F).max() < 0.5)
    ((30, 1), (30, 1), True)
    """

    def __init__(self, theta: float = 1.0, noise: float = 1e-2,
                 conv_similarity: float = 0.0) -> None:
        self.theta = float(theta)
        self.noise = float(noise)
        edge_kernel(self.theta, conv_similarity)  # checks the value
        self.conv_similarity = float(conv_similarity)

    def kernel(self, A, B) -> np.ndarray:
        """Kernel matrix ``(n, k)`` between genomes ``A`` ``(n, 6)`` and ``B`` ``(k, 6)``, 1 on
        the diagonal (a subclass may use another; ``benchmarks/bench_surrogate.py`` does)."""
        if self.conv_similarity == 0.0:
            return np.exp(-self.theta * hamming(A, B))
        return _product_kernel(edge_kernel(self.theta, self.conv_similarity), A, B)

    def fit(self, X, F) -> "HammingGP":
        """Fit on genomes ``(n, 6)`` and objective values ``(n, m)``."""
        self.X_ = np.asarray(X, dtype=np.int64)
        F = np.asarray(F, dtype=float).reshape(len(self.X_), -1)
        self.mean_ = F.mean(axis=0)
        self.scale_ = F.std(axis=0) + 1e-12
        self.L_ = self._cholesky(self.X_)
        Y = (F - self.mean_) / self.scale_
        self.alpha_ = solve_triangular(self.L_.T, solve_triangular(self.L_, Y, lower=True))
        return self

    def _cholesky(self, X) -> np.ndarray:
        """Lower Cholesky factor ``(n, n)`` of the training kernel matrix plus the nugget."""
        return np.linalg.cholesky(self.kernel(X, X) + self.noise * np.eye(len(X)))

    def predict(self, X, return_std: bool = False):
        """Predicted mean ``(n, m)`` (and standard deviation ``(n, m)`` with ``return_std``)."""
        Ks = self.kernel(np.asarray(X, dtype=np.int64), self.X_)
        mean = Ks @ self.alpha_ * self.scale_ + self.mean_
        if not return_std:
            return mean
        V = solve_triangular(self.L_, Ks.T, lower=True)
        std = np.sqrt(np.maximum(1.0 - (V * V).sum(axis=0), 1e-12))
        return mean, std[:, None] * self.scale_


class _ColumnCache:
    """Columns ``(6466,)`` of a kernel between classes, computed on demand (:meth:`_compute`,
    given by a subclass) and kept in one buffer (up to ``most``, about 53 MB, or the largest
    single request; least recently used first out): a search asks for the same training
    cells' columns every generation."""

    def __init__(self, most: int = 1024) -> None:
        self.most = int(most)
        self.cols: OrderedDict = OrderedDict()  # class -> its slot in buf, oldest use first
        self.buf = np.empty((0, N_UNIQUE))  # (slots, 6466): a column a row
        self.free: list = []  # slots of buf that hold no column
        self.lock = threading.Lock()

    def _compute(self, classes) -> np.ndarray:
        """Columns ``(6466, k)`` of sorted, distinct ``classes``."""
        raise NotImplementedError

    def get(self, classes, rows=None) -> np.ndarray:
        """Columns ``(6466, len(classes))`` for (possibly repeated) class numbers, or only
        their ``rows`` ``(len(rows), len(classes))`` (one copy of what is asked for)."""
        classes = np.asarray(classes, dtype=np.int64)
        uniq = np.unique(classes)
        with self.lock:
            for c in uniq.tolist():
                if c in self.cols:
                    self.cols.move_to_end(c)
            missing = np.array([c for c in uniq.tolist() if c not in self.cols], dtype=np.int64)
            while self.cols and len(self.cols) + len(missing) > max(self.most, len(uniq)):
                self.free.append(self.cols.popitem(last=False)[1])  # least recently used
            if len(self.free) < len(missing):  # grow the buffer
                old = len(self.buf)
                new = max(old + len(missing) - len(self.free), min(2 * old, self.most))
                buf = np.empty((new, self.buf.shape[1]))
                buf[:old] = self.buf
                self.buf = buf
                self.free.extend(range(old, new))
            for start in range(0, len(missing), 256):  # bounded memory: 256 at a time
                part = missing[start:start + 256]
                slots = [self.free.pop() for _ in part]
                self.buf[slots] = self._compute(part).T
                self.cols.update(zip(part.tolist(), slots))
            slots = np.array([self.cols[c] for c in classes.tolist()], dtype=np.int64)
            if rows is None:
                return self.buf[slots].T
            rows = np.asarray(rows, dtype=np.int64)
            if 4 * len(rows) > self.buf.shape[1]:  # most rows: whole columns, then rows
                return np.take(self.buf[slots], rows, axis=1).T
            return self.buf[np.ix_(slots, rows)].T


class _ClassColumns:
    """Columns of the class kernel, unnormalised (:class:`_KernelColumns` keeps them,
    normalised): the mean of the genome kernel (the product over edges of
    :func:`edge_kernel`) over all pairs of genomes of two classes. The genome kernel is a
    Kronecker product of one 5 x 5 kernel per edge, so a class's column costs a few products
    of 15,625 numbers."""

    def __init__(self, theta: float, conv_similarity: float = 0.0) -> None:
        self.theta = float(theta)
        self.K1 = edge_kernel(self.theta, conv_similarity)
        cls = class_of_code()
        self.size = np.bincount(cls).astype(float)
        self.order = np.argsort(cls, kind="stable")  # codes grouped by class
        self.starts = np.r_[0, np.cumsum(self.size[:-1])].astype(np.int64)
        self.cls = cls
        self.diag = np.ones(len(self.size))  # each class with itself
        for c in np.flatnonzero(self.size > 1):
            start = self.starts[c]
            G = decode(self.order[start:start + int(self.size[c])])
            if conv_similarity == 0.0:  # the Hamming kernel
                self.diag[c] = np.exp(-self.theta * hamming(G, G)).mean()
            else:
                self.diag[c] = _product_kernel(self.K1, G, G).mean()

    def columns(self, classes) -> np.ndarray:
        """Unnormalised columns ``(6466, k)`` of sorted, distinct ``classes``: ``A E A^T``
        restricted to them."""
        K1 = self.K1
        AT = np.zeros((N_CELLS, len(classes)))
        hit = np.isin(self.cls, classes)
        codes = np.flatnonzero(hit)
        AT[codes, np.searchsorted(classes, self.cls[codes])] = 1.0 / self.size[self.cls[codes]]
        T = AT.reshape((N_OPS,) * N_EDGES + (len(classes),))
        for ax in range(N_EDGES):  # E @ A^T, one edge's factor at a time
            T = np.moveaxis(np.tensordot(K1, T, axes=([1], [ax])), 0, ax)
        EA = T.reshape(N_CELLS, len(classes))
        return np.add.reduceat(EA[self.order], self.starts, axis=0) / self.size[:, None]


class _WLColumns:
    """Columns of :func:`~pymoo_arnas.algorithms.wl_kernel.wl_kernel` of one ``depth``
    (:class:`_KernelColumns` keeps them, mixed in)."""

    def __init__(self, depth: int) -> None:
        self.Phi = wl_features(depth)

    def columns(self, classes) -> np.ndarray:
        """Columns ``(6466, k)`` of ``classes``."""
        return (self.Phi @ self.Phi[classes].T).toarray()


class _KernelColumns(_ColumnCache):
    """Columns of :class:`ClassHammingGP`'s kernel itself: the class kernel normalised to 1
    on its diagonal, mixed with the squared Weisfeiler-Lehman kernel when ``wl_weight > 0``
    (kept as :class:`_ColumnCache` says, so a prediction over the whole space is one gather)."""

    def __init__(self, theta: float, conv_similarity: float, wl_weight: float, wl_depth: int,
                 most: int = 1024) -> None:
        super().__init__(most)
        self.classes = _class_columns(theta, conv_similarity)
        self.wl_weight = float(wl_weight)
        self.wl = _wl_columns(wl_depth) if self.wl_weight > 0.0 else None

    def _compute(self, classes) -> np.ndarray:
        d = self.classes.diag
        K = self.classes.columns(classes) / np.sqrt(d[:, None] * d[classes][None, :])
        if self.wl is None:
            return K
        W = self.wl.columns(classes)
        return (1.0 - self.wl_weight) * K + self.wl_weight * W * W


_COLUMNS: dict = {}


def _kernel_columns(theta: float, conv_similarity: float, wl_weight: float,
                    wl_depth: int) -> _KernelColumns:
    key = ("kernel", theta, conv_similarity, wl_weight, wl_depth if wl_weight > 0.0 else 0)
    if key not in _COLUMNS:
        _COLUMNS[key] = _KernelColumns(theta, conv_similarity, wl_weight, wl_depth)
    return _COLUMNS[key]


def _class_columns(theta: float, conv_similarity: float = 0.0) -> _ClassColumns:
    key = (theta, conv_similarity)
    if key not in _COLUMNS:
        _COLUMNS[key] = _ClassColumns(theta, conv_similarity)
    return _COLUMNS[key]


def _wl_columns(depth: int) -> _WLColumns:
    key = ("wl", depth)
    if key not in _COLUMNS:
        _COLUMNS[key] = _WLColumns(depth)
    return _COLUMNS[key]


class ClassHammingGP(HammingGP):
    """:class:`HammingGP` whose kernel is between isomorphism classes, not genomes.

    Isomorphic genomes are one cell (one network, one row of a table), but the Hamming kernel
    sees them as up to six edges apart. Here the kernel of two cells is the mean of
    ``exp(-theta * hamming)`` (or, with ``conv_similarity``, of the product of
    :func:`edge_kernel` over the edges) over every pair of their genomes, normalised to 1
    between a cell and itself (a mean embedding, so still positive semi-definite). Use it
    where the objectives are functions of the class (``nsga2-cat`` does when its problem
    counts classes).

    Parameters
    ----------
    theta, noise, conv_similarity : float
        As :class:`HammingGP`'s.
    wl_weight : float
        Weight in [0, 1] of a second kernel, on what the cells compute: the square of the
        Weisfeiler-Lehman subtree kernel of their expressions
        (:func:`~pymoo_arnas.algorithms.wl_kernel.wl_kernel`; it sees shared pieces, e.g. a
        3x3 convolution of a 3x3 convolution, wherever they sit in the cell). The kernel is
        ``(1 - wl_weight) * class kernel + wl_weight * wl_kernel ** 2``; 0 (default): the class
        kernel alone.
    wl_depth : int
        Greatest subtree height of the Weisfeiler-Lehman features.
    warm_start : bool
        Keep what a fit computed for the next fit of this instance when its training cells
        begin with the previous ones (a search's archive grows by appending): the Cholesky
        factor is extended by the new rows, and the solve against the kernel columns of
        every class of the space, once a prediction over a large share of it (a quarter or
        more) asked for it, is extended too. A prediction is then one gather, its cost
        ``O(m n 6466)`` for ``m`` new cells instead of ``O(n^2 6466)``. The same values up
        to rounding; off by default.

    Examples
    --------
    >>> gp = ClassHammingGP()
    >>> K = gp.kernel([[0, 0, 0, 0, 0, 0], [1, 1, 1, 1, 1, 1]], [[0, 0, 0, 0, 3, 0]])
    >>> K.round(3).ravel().tolist()  # the first two cells compute nothing: one class
    [1.0, 0.021]
    >>> ClassHammingGP(wl_weight=0.5).kernel([[3, 0, 0, 0, 3, 0]], [[3, 0, 0, 1, 3, 0]]).round(3)
    array([[0.527]])
    """

    def __init__(self, theta: float = 1.0, noise: float = 1e-2, conv_similarity: float = 0.0,
                 wl_weight: float = 0.0, wl_depth: int = 2, warm_start: bool = False) -> None:
        super().__init__(theta=theta, noise=noise, conv_similarity=conv_similarity)
        self.wl_weight = check_unit("wl_weight", wl_weight)
        self.wl_depth = check_depth(wl_depth)
        self.warm_start = bool(warm_start)
        self.classes_ = np.empty(0, dtype=np.int64)  # of the last fit's training cells
        self._space = None  # (V, sum of V**2 per class): L^-1 K(train, space), first rows

    def _columns(self) -> _KernelColumns:
        return _kernel_columns(self.theta, self.conv_similarity, self.wl_weight, self.wl_depth)

    def kernel(self, A, B) -> np.ndarray:
        """Kernel matrix ``(n, k)`` between the classes of genomes ``A`` ``(n, 6)`` and ``B``
        ``(k, 6)``."""
        cls = class_of_code()
        ca = cls[encode(np.asarray(A, dtype=np.int64))]
        cb = cls[encode(np.asarray(B, dtype=np.int64))]
        return self._columns().get(cb, rows=ca)

    def _cholesky(self, X) -> np.ndarray:
        """The factor for training genomes ``X``; with ``warm_start``, the last fit's factor
        extended by new rows below where ``X``'s classes begin with its classes (else a
        fresh one, and the kept solve against the space is dropped)."""
        cls = class_of_code()[encode(X)]
        old, self.classes_ = self.classes_, cls
        n0 = len(old) if self.warm_start and 0 < len(old) <= len(cls) \
            and np.array_equal(cls[:len(old)], old) else 0
        if n0 == 0:
            self._space = None
            return super()._cholesky(X)
        if len(cls) == n0:
            return self.L_
        columns = self._columns()
        B = solve_triangular(self.L_, columns.get(cls[n0:], rows=cls[:n0]), lower=True)
        K22 = columns.get(cls[n0:], rows=cls[n0:]) + self.noise * np.eye(len(cls) - n0)
        L = np.zeros((len(cls), len(cls)))
        L[:n0, :n0] = self.L_
        L[n0:, :n0] = B.T
        L[n0:, n0:] = np.linalg.cholesky(K22 - B.T @ B)
        return L

    def _space_solve(self):
        """``(V, s)``: ``V = L^-1 K(train, every class)`` ``(n, 6466)`` and ``s`` its column
        sums of squares ``(6466,)``, extended from the rows kept since an earlier fit."""
        columns = self._columns()
        n = len(self.classes_)
        if self._space is None:
            V = solve_triangular(self.L_, columns.get(self.classes_).T, lower=True)
            self._space = (V, (V * V).sum(axis=0))
        V, s = self._space
        if len(V) < n:
            n0 = len(V)
            rhs = columns.get(self.classes_[n0:]).T - self.L_[n0:, :n0] @ V
            V2 = solve_triangular(self.L_[n0:, n0:], rhs, lower=True)
            self._space = (np.vstack([V, V2]), s + (V2 * V2).sum(axis=0))
        return self._space

    def predict(self, X, return_std: bool = False):
        """Predicted mean ``(n, m)`` (and standard deviation ``(n, m)`` with
        ``return_std``); with ``warm_start``, from the solve against the whole space once a
        prediction over a quarter of it or more asked for it."""
        X = np.asarray(X, dtype=np.int64)
        if not self.warm_start or (self._space is None and 4 * len(X) < N_UNIQUE):
            return super().predict(X, return_std=return_std)
        V, s = self._space_solve()
        ca = class_of_code()[encode(X)]
        beta = self.L_.T @ self.alpha_  # L^-1 Y: the mean is K(X, train) L^-T L^-1 Y
        mean = (V.T @ beta)[ca] * self.scale_ + self.mean_
        if not return_std:
            return mean
        std = np.sqrt(np.maximum(1.0 - s[ca], 1e-12))
        return mean, std[:, None] * self.scale_


class PerObjectiveGP:
    """One GP per objective, each with its own kernel.

    With a cost objective the problem counts genomes (two genomes of one class can differ in
    their parameter count), but the accuracies are still functions of the class: their GP
    can keep the kernel between classes (:class:`ClassHammingGP`) while the cost's is
    between genomes (:class:`HammingGP`). ``nsga2-cat`` does so (see
    :class:`~pymoo_arnas.algorithms.hybrid.NSGA2LocalSearch`).

    Parameters
    ----------
    gps : sequence of HammingGP
        The model of each objective, in the order of the objectives (columns of ``F``).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.integers(0, 5, size=(30, 6))
    >>> F = np.stack([(X == 3).sum(axis=1), (X == 2).sum(axis=1)], axis=1) / 6
    >>> model = PerObjectiveGP([ClassHammingGP(), HammingGP()]).fit(X, F)
    >>> mean, std = model.predict(X, return_std=True)
    >>> mean.shape, std.shape, bool(np.abs(mean - F).max() < 0.1)
    ((30, 2), (30, 2), True)
    """

    def __init__(self, gps) -> None:
        self.gps = list(gps)
        if not self.gps:
            raise ValueError("PerObjectiveGP needs one GP per objective; got none")

    def fit(self, X, F) -> "PerObjectiveGP":
        """Fit each GP on genomes ``(n, 6)`` and its column of ``F`` ``(n, m)``."""
        F = np.asarray(F, dtype=float).reshape(len(X), -1)
        if F.shape[1] != len(self.gps):
            raise ValueError(f"F has {F.shape[1]} objectives for {len(self.gps)} GPs")
        for j, gp in enumerate(self.gps):
            gp.fit(X, F[:, j:j + 1])
        return self

    def predict(self, X, return_std: bool = False):
        """Predicted mean ``(n, m)`` (and standard deviation ``(n, m)`` with
        ``return_std``)."""
        if not return_std:
            return np.hstack([gp.predict(X) for gp in self.gps])
        parts = [gp.predict(X, return_std=True) for gp in self.gps]
        return np.hstack([m for m, _ in parts]), np.hstack([s for _, s in parts])


class ResidualGP:
    """A linear regression on given features plus a :class:`HammingGP` of its residuals.

    Each objective ``f`` is modelled as ``[1, z] @ w + g(x)``, ``w`` fitted by ridge
    regression on the features ``z`` of each cell (e.g. the objective values of the same cell
    in another table, see :class:`~pymoo_arnas.algorithms.prior.TransferPrior`) and ``g`` a
    GP over the genome. What ``z`` explains is known for every cell before it is queried; the
    GP learns only the rest.

    Parameters
    ----------
    alpha : float
        L2 penalty of the linear weights (not of the bias).
    theta, noise : float
        Of the residuals' :class:`HammingGP`.
    gp : HammingGP, optional
        The residuals' GP instead (e.g. a :class:`ClassHammingGP`); ``theta`` and ``noise``
        are then its own.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.integers(0, 5, size=(30, 6))
    >>> Z = rng.random((30, 1))
    >>> F = 2 * Z + 0.1 * (X == 3).sum(axis=1, keepdims=True)
    >>> model = ResidualGP().fit(X, F, Z)
    >>> mean, std = model.predict(X, Z, return_std=True)
    >>> mean.shape, bool(np.abs(mean - F).max() < 0.1)
    ((30, 1), True)
    """

    def __init__(self, alpha: float = 1e-3, theta: float = 1.0, noise: float = 1e-2,
                 gp: HammingGP | None = None) -> None:
        self.alpha = float(alpha)
        self.gp = HammingGP(theta=theta, noise=noise) if gp is None else gp

    def _design(self, Z) -> np.ndarray:
        Z = np.asarray(Z, dtype=float)
        Z = (Z.reshape(len(Z), -1) - self.zmean_) / self.zscale_
        return np.hstack([np.ones((len(Z), 1)), Z])

    def fit(self, X, F, Z) -> "ResidualGP":
        """Fit on genomes ``(n, 6)``, objective values ``(n, m)`` and features ``(n, k)``
        (standardised on these cells)."""
        Z = np.asarray(Z, dtype=float).reshape(len(Z), -1)
        self.zmean_ = Z.mean(axis=0)
        self.zscale_ = Z.std(axis=0) + 1e-12
        A = self._design(Z)
        F = np.asarray(F, dtype=float).reshape(len(A), -1)
        reg = np.full(A.shape[1], self.alpha * len(A))
        reg[0] = 0.0
        self.coef_ = np.linalg.solve(A.T @ A + np.diag(reg), A.T @ F)  # (k + 1, m)
        self.gp.fit(X, F - A @ self.coef_)
        return self

    def predict(self, X, Z, return_std: bool = False):
        """Predicted mean ``(n, m)`` of genomes ``(n, 6)`` with features ``(n, k)`` (and
        standard deviation ``(n, m)`` with ``return_std``)."""
        trend = self._design(Z) @ self.coef_
        if not return_std:
            return trend + self.gp.predict(X)
        mean, std = self.gp.predict(X, return_std=True)
        return trend + mean, std


__all__ = ["ClassHammingGP", "HammingGP", "PerObjectiveGP", "ResidualGP", "RidgeSurrogate",
           "cell_features", "check_unit", "edge_kernel", "from_robust_ratio", "hamming",
           "rank_warp", "to_robust_ratio", "warp_map"]
