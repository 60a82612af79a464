"""Keep BLAS single-threaded during sweeps (best effort, no extra dependency).

Runs are small (a 400 x 400 Cholesky per generation at most) and a sweep already runs
one process per core; a multi-threaded OpenBLAS then spends its time waiting for its own
threads (measured here: a 3,000-evaluation ``nsga2-cat`` run took 93 s with the default
threads and 2.6 s with one). Setting ``OPENBLAS_NUM_THREADS=1`` before Python starts does
the same for everything.
"""

from __future__ import annotations

import ctypes
import os

_SYMBOLS = (
    "scipy_openblas_set_num_threads64_",
    "scipy_openblas_set_num_threads",
    "openblas_set_num_threads64_",
    "openblas_set_num_threads",
)

_ENV = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def _loaded_blas_libraries() -> list:
    try:
        with open("/proc/self/maps") as fh:
            paths = {line.split()[-1] for line in fh if "openblas" in line.lower()}
    except OSError:
        return []
    return sorted(p for p in paths if p.startswith("/"))


def limit_blas_threads(n: int = 1) -> int:
    """Set the thread count of every loaded OpenBLAS to ``n`` and the usual environment
    variables (for child processes). Returns how many libraries were changed.

    >>> limit_blas_threads(1) >= 0
    True
    """
    for var in _ENV:
        os.environ[var] = str(int(n))
    changed = 0
    for path in _loaded_blas_libraries():
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for sym in _SYMBOLS:
            fn = getattr(lib, sym, None)
            if fn is not None:
                fn(ctypes.c_int(int(n)))
                changed += 1
                break
    return changed


__all__ = ["limit_blas_threads"]
