"""Which network a live genome trains: one per isomorphism class.

Isomorphic genomes (same :func:`~pymoo_arnas.space.canonical_str`) share one training.
The network trained for a class is always its *representative*, the genome with the
smallest code, so results never depend on which member was asked for first. A class is
named by the code of its representative (``uid``) and keyed in the store by its
canonical string.

Examples
--------
>>> from pymoo_arnas.live.cells import representative_codes, uid_of
>>> len(representative_codes())
6466
>>> uid_of([[0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 3, 0]]).tolist()  # both compute nothing
[0, 0]
"""

from __future__ import annotations

import functools

import numpy as np

from pymoo_arnas.space import N_CELLS, CellIndex, _class_of_code, canonical_str, decode, encode


@functools.lru_cache(maxsize=1)
def representative_codes() -> np.ndarray:
    """Code of each class's representative ``(6466,)``, in class-number order (ascending)."""
    _, first = np.unique(_class_of_code(), return_index=True)
    return first.astype(np.int64)


def uid_of(X) -> np.ndarray:
    """Genomes ``(n, 6)`` -> live uid ``(n,)``: the code of the class representative."""
    return representative_codes()[_class_of_code()[encode(X)]]


def representative(X) -> np.ndarray:
    """Genomes ``(n, 6)`` -> the genomes actually trained ``(n, 6)``."""
    return decode(uid_of(X))


@functools.lru_cache(maxsize=8192)
def _key_of_code(code: int) -> str:
    return canonical_str(decode([code])[0])


def key_of(X) -> list:
    """Genomes ``(n, 6)`` -> isomorphism keys (canonical strings), the store's cell key."""
    return [_key_of_code(int(c)) for c in encode(X)]


@functools.lru_cache(maxsize=1)
def live_cell_index() -> CellIndex:
    """A :class:`~pymoo_arnas.space.CellIndex` without the benchmark's meta data:
    index = code and uid = code of the class representative."""
    ident = np.arange(N_CELLS, dtype=np.int32)
    uid = representative_codes()[_class_of_code()].astype(np.int32)
    return CellIndex(ident, ident.copy(), uid)
