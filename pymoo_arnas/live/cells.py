"""Which network a live genome trains, and the store's key of a cell.

Isomorphic genomes share one training: the network trained for a class is always its
representative (:func:`pymoo_arnas.space.representative`, the member with the smallest
code), so results never depend on which member was asked for first. The store keys a cell
by its canonical string (:func:`pymoo_arnas.space.canonical_str`); its uid is the one of
the problem's :class:`~pymoo_arnas.space.CellIndex` (see :mod:`pymoo_arnas.space`).

Examples
--------
>>> from pymoo_arnas.live.cells import key_of
>>> key_of([[0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 3, 0]])  # both compute nothing
['#+#+#', '#+#+#']
"""

from __future__ import annotations

import functools

from pymoo_arnas.space import canonical_str, decode, encode


@functools.lru_cache(maxsize=8192)
def _key_of_code(code: int) -> str:
    return canonical_str(decode([code])[0])


def key_of(X) -> list:
    """Genomes ``(n, 6)`` -> isomorphism keys (canonical strings), the store's cell key."""
    return [_key_of_code(int(c)) for c in encode(X)]
