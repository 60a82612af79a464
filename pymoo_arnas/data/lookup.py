"""The numba kernel that turns a batch of genomes into table rows and metric values.

The kernels are compiled on first use and kept in numba's on-disk cache (beside this file,
or under ``NUMBA_CACHE_DIR`` / the user cache). Where no such place is writable (a read-only
install and no writable home), they are compiled without the disk cache, with one warning.
"""

from __future__ import annotations

import warnings

import numba
import numpy as np

from pymoo_arnas.space import N_EDGES, N_OPS, validate

_warned_no_cache = False


def _njit(**options):
    """``numba.njit(cache=True, **options)``, falling back to no disk cache where numba finds
    nowhere to write one (it raises RuntimeError at decoration time then)."""

    def decorate(func):
        global _warned_no_cache
        try:
            return numba.njit(cache=True, **options)(func)
        except RuntimeError as exc:
            if not _warned_no_cache:
                _warned_no_cache = True
                warnings.warn(
                    f"numba cannot cache the table lookup kernels on disk ({exc}); they are "
                    "compiled anew in each process. Set NUMBA_CACHE_DIR to a writable folder "
                    "to keep them.",
                    RuntimeWarning,
                    stacklevel=3,
                )
            return numba.njit(cache=False, **options)(func)

    return decorate


@_njit(nogil=True, boundscheck=False)
def lookup_kernel(X, code_to_row, values, rows, out):
    """Decode genomes and gather metric values, in one pass.

    Parameters
    ----------
    X : integer array (n, 6)
        Genomes, any integer dtype (int64 as pymoo passes them, or compact int8); not
        checked beforehand: the kernel checks the range itself.
    code_to_row : int32 array (15625,)
        Table row of each genome code (base 5, ``x0`` most significant).
    values : float64 array (n_rows, k)
        The requested metric columns, one row per unique cell (C-contiguous).
    rows : int64 array (n,)
        Output: the table row of each genome.
    out : float64 array (n, k)
        Output: the metric values of each genome.

    Returns
    -------
    int
        ``-1`` when every genome was in range, else the first row holding a value outside
        ``0..4`` (``rows``/``out`` are then filled only up to that row).
    """
    n = X.shape[0]
    k = values.shape[1]
    for i in range(n):
        code = 0
        bad = False
        for j in range(N_EDGES):
            v = X[i, j]
            bad |= (v < 0) | (v >= N_OPS)
            code = code * N_OPS + v
        if bad:
            return i
        r = code_to_row[code]
        rows[i] = r
        for c in range(k):
            out[i, c] = values[r, c]
    return -1


@_njit(nogil=True)
def first_unseen(rows, seen):
    """Positions ``(m,)`` of the first occurrence of each row not yet ``seen``, in order.

    ``rows`` (n,) int64 table rows; ``seen`` (n_rows,) bool, left unchanged.
    """
    batch = np.zeros(seen.shape[0], dtype=np.bool_)
    out = np.empty(rows.shape[0], dtype=np.int64)
    m = 0
    for i in range(rows.shape[0]):
        r = rows[i]
        if not seen[r] and not batch[r]:
            batch[r] = True
            out[m] = i
            m += 1
    return out[:m]


def lookup(X, code_to_row: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Genomes ``(n, 6)`` -> (rows ``(n,)``, values ``(n, k)``), with a clear error for bad input.

    Integer input goes straight to the kernel; floats (PSO, DE) are checked to hold whole
    numbers first. A ``ValueError`` names the row, position and value at fault.
    """
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != N_EDGES or not np.issubdtype(X.dtype, np.integer):
        X = validate(X)
    X = np.ascontiguousarray(X)  # any integer dtype: int64 from pymoo, int8 when compact
    values = np.ascontiguousarray(values, dtype=np.float64)
    rows = np.empty(X.shape[0], dtype=np.int64)
    out = np.empty((X.shape[0], values.shape[1]), dtype=np.float64)
    bad = lookup_kernel(X, code_to_row, values, rows, out)
    if bad >= 0:
        validate(X)  # raises, naming the row, position and value
    return rows, out
