"""The NAS-Bench-201 cell search space: genomes, arch strings, indices and unique ids.

A *genome* is 6 integers in ``0..4``: the operation on each edge of the cell, edges
in NAS-Bench-201 order ``(0->1), (0->2), (1->2), (0->3), (1->3), (2->3)`` and
operations ``0 none, 1 skip_connect, 2 nor_conv_1x1, 3 nor_conv_3x3, 4 avg_pool_3x3``.
A genome decodes to exactly the cell that carries those operations on those edges.

Four ways to name a cell:

- the genome, ``(n, 6)`` integers;
- the *code*, ``0..15624``: the genome read as a base-5 number, ``x0`` most significant
  (a compact key for arrays; it is *not* the NAS-Bench-201 index);
- the NAS-Bench-201 arch string ``|op~0|+|op~0|op~1|+|op~0|op~1|op~2|``;
- the NAS-Bench-201 *index* ``0..15624`` and the *unique id* (uid), the index of the
  representative of the cell's isomorphism class (6,466 of them); both come from the
  benchmark's ``meta.json`` (see :class:`CellIndex`).

Cell identity, one meaning everywhere:

- the *isomorphism class* (:func:`isomorphism_class`, ``0..6465``) is computed from the
  cell graph alone; isomorphic genomes compute the same function and count as one query;
- the *representative* of a class (:func:`representative`) is its member with the smallest
  code, the genome a live run trains;
- the *uid* of a cell is what its :class:`CellIndex` says: the benchmark's uid (NAS-Bench-201
  index of the class representative in ``meta.json``) wherever a benchmark table is loaded,
  and, with :meth:`CellIndex.from_graph` when no benchmark is at hand, the code of the
  class representative. ``query_log``, tables and stores all report that uid.

Examples
--------
>>> from pymoo_arnas.space import to_arch_str, from_arch_str, encode, decode
>>> to_arch_str([3, 3, 3, 3, 3, 3])
'|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|'
>>> from_arch_str('|none~0|+|skip_connect~0|nor_conv_1x1~1|+|nor_conv_3x3~0|avg_pool_3x3~1|none~2|').tolist()
[0, 1, 2, 3, 4, 0]
>>> decode(encode([[0, 1, 2, 3, 4, 0]])).tolist()
[[0, 1, 2, 3, 4, 0]]
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import numpy as np

OPS = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
"""Operation names; a genome value is an index into this tuple."""

EDGES = ((0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3))
"""Edges ``(source, target)`` in NAS-Bench-201 order; genome position ``i`` is ``EDGES[i]``."""

N_EDGES = len(EDGES)
N_OPS = len(OPS)
N_CELLS = N_OPS**N_EDGES  # 15,625
N_UNIQUE = 6466

GENOME_COLUMNS = tuple(f"x{i}" for i in range(N_EDGES))
"""Column names of a genome in every table the package writes (query logs, stores, runs):
``("x0", ..., "x5")``; ``log[list(GENOME_COLUMNS)].to_numpy()`` gives the genomes back."""

OP_INDEX = {name: i for i, name in enumerate(OPS)}

# x0 most significant: code = sum(x_i * 5**(5 - i)); lexicographic order of genomes
_POWERS = N_OPS ** np.arange(N_EDGES - 1, -1, -1, dtype=np.int64)

_ARCH_RE = re.compile(
    r"^\|(\w+)~0\|\+\|(\w+)~0\|(\w+)~1\|\+\|(\w+)~0\|(\w+)~1\|(\w+)~2\|$"
)


def validate(X, n_var: int = N_EDGES) -> np.ndarray:
    """Check genomes and return them as an ``int64`` array of shape ``(n, 6)``.

    Accepts integer arrays and floats that hold whole numbers (as pymoo's PSO or DE
    give after a rounding repair). A single genome of shape ``(6,)`` is taken as one row.

    Raises
    ------
    ValueError
        Naming the first offending row, position and value: wrong number of columns,
        NaN, a non-integral float, or a value outside ``0..4``.
    """
    X = np.asarray(X)
    if X.ndim == 1:
        X = X[None, :]
    if X.ndim != 2 or X.shape[1] != n_var:
        raise ValueError(
            f"genomes must have shape (n, {n_var}): one operation (0..{N_OPS - 1}) per edge; "
            f"got an array of shape {X.shape}"
        )
    if X.dtype == bool or not (
        np.issubdtype(X.dtype, np.integer) or np.issubdtype(X.dtype, np.floating)
    ):
        raise ValueError(
            f"genomes must be integers in 0..{N_OPS - 1}; got an array of dtype {X.dtype}"
        )
    if np.issubdtype(X.dtype, np.floating):
        bad = ~np.isfinite(X) | (X != np.round(X))
        if bad.any():
            row, col = np.argwhere(bad)[0]
            raise ValueError(
                f"genome row {row} has the value {X[row, col].item()!r} at x{col}; expected an "
                f"integer in 0..{N_OPS - 1} (real-valued operators such as SBX, PM, PSO or DE "
                f"need pymoo's RoundingRepair, see the ARNAS docs)"
            )
    out = X.astype(np.int64)
    bad = (out < 0) | (out >= N_OPS)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise ValueError(
            f"genome row {row} has the value {X[row, col].item()!r} at x{col}; expected an "
            f"integer in 0..{N_OPS - 1} ({', '.join(f'{i} {o}' for i, o in enumerate(OPS))})"
        )
    return out


def encode(X) -> np.ndarray:
    """Genomes ``(n, 6)`` -> codes ``(n,)`` in ``0..15624`` (base 5, ``x0`` most significant)."""
    return validate(X) @ _POWERS


def decode(codes) -> np.ndarray:
    """Codes ``(n,)`` -> genomes ``(n, 6)``; the inverse of :func:`encode`."""
    codes = np.asarray(codes, dtype=np.int64)
    if codes.size and (codes.min() < 0 or codes.max() >= N_CELLS):
        bad = codes[(codes < 0) | (codes >= N_CELLS)][0]
        raise ValueError(f"cell code {bad} is outside 0..{N_CELLS - 1}")
    return (codes[..., None] // _POWERS) % N_OPS


def all_genomes() -> np.ndarray:
    """All 15,625 genomes ``(15625, 6)``, row ``c`` having code ``c``."""
    return decode(np.arange(N_CELLS))


def to_arch_str(genome) -> str:
    """One genome (6 ints) -> NAS-Bench-201 arch string."""
    g = validate(genome)
    if g.shape[0] != 1:
        raise ValueError(f"to_arch_str takes one genome of 6 values; got {g.shape[0]} rows")
    o = [OPS[i] for i in g[0]]
    return f"|{o[0]}~0|+|{o[1]}~0|{o[2]}~1|+|{o[3]}~0|{o[4]}~1|{o[5]}~2|"


def from_arch_str(arch: str) -> np.ndarray:
    """NAS-Bench-201 arch string -> genome ``(6,)``.

    Raises
    ------
    ValueError
        If the string does not have the NAS-Bench-201 cell shape or names an unknown op.
    """
    m = _ARCH_RE.match(str(arch).strip())
    if m is None:
        raise ValueError(
            f"{arch!r} is not a NAS-Bench-201 arch string; expected "
            "'|op~0|+|op~0|op~1|+|op~0|op~1|op~2|' with op in " + ", ".join(OPS)
        )
    ops = m.groups()
    unknown = [op for op in ops if op not in OP_INDEX]
    if unknown:
        raise ValueError(
            f"{arch!r} names the unknown operation {unknown[0]!r}; expected one of {', '.join(OPS)}"
        )
    return np.array([OP_INDEX[op] for op in ops], dtype=np.int64)


def canonical_str(genome) -> str:
    """The cell's isomorphism-class key, by NAS-Bench-201's rule.

    Each node is the sorted sum of its incoming terms: ``none`` or an input that is
    itself zero gives ``#``, ``skip_connect`` passes its input's expression through, any
    other op wraps it as ``(input)@op``. Two genomes with the same key are isomorphic;
    this partition is exactly the 6,466 classes of the benchmark's ``meta.json``.
    """
    g = validate(genome)[0]
    nodes = {0: "0"}
    for target in (1, 2, 3):
        terms = []
        for pos, (src, dst) in enumerate(EDGES):
            if dst != target:
                continue
            op, inp = OPS[g[pos]], nodes[src]
            if op == "none" or inp == "#":
                terms.append("#")
            elif op == "skip_connect":
                terms.append(inp)
            else:
                terms.append(f"({inp})@{op}")
        nodes[target] = "+".join(sorted(terms))
    return nodes[3]


@functools.lru_cache(maxsize=1)
def _class_of_code() -> np.ndarray:
    keys = [canonical_str(g) for g in all_genomes()]
    first: dict[str, int] = {}
    out = np.array([first.setdefault(k, len(first)) for k in keys], dtype=np.int32)
    out.setflags(write=False)
    return out


def class_of_code() -> np.ndarray:
    """The isomorphism class of every genome code, ``(15625,)`` int32, read-only.

    ``class_of_code()[encode(X)]`` is :func:`isomorphism_class` ``(X)``; algorithms that
    index by code use the array directly.

    >>> int(class_of_code().max()) + 1
    6466
    """
    return _class_of_code()


def isomorphism_class(X) -> np.ndarray:
    """Genomes ``(n, 6)`` -> isomorphism class number ``(n,)`` in ``0..6465``.

    Computed from the cell graph alone (no benchmark file needed); numbered in order
    of the smallest code in each class. Use :meth:`CellIndex.genome_to_uid` for the
    benchmark's own unique ids.

    >>> isomorphism_class([[0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 3, 0]]).tolist()  # both compute nothing
    [0, 0]
    """
    return _class_of_code()[encode(X)].astype(np.int64)


@functools.lru_cache(maxsize=1)
def representative_codes() -> np.ndarray:
    """Code of each class's representative (its smallest code) ``(6466,)``, by class number.

    >>> len(representative_codes())
    6466
    """
    _, first = np.unique(_class_of_code(), return_index=True)
    first = first.astype(np.int64)
    first.setflags(write=False)
    return first


def representative(X) -> np.ndarray:
    """Genomes ``(n, 6)`` -> the representative genome of each one's class ``(n, 6)``.

    >>> representative([[0, 0, 0, 0, 3, 0]]).tolist()
    [[0, 0, 0, 0, 0, 0]]
    """
    return decode(representative_codes()[isomorphism_class(X)])


@dataclass(frozen=True)
class CellIndex:
    """Maps between genome codes, NAS-Bench-201 indices and unique ids.

    Built from the benchmark's ``meta.json`` (:meth:`from_meta`); arrays of shape
    ``(15625,)``.

    Attributes
    ----------
    code_to_index : ndarray of int32
        NAS-Bench-201 index of the cell with each genome code.
    index_to_code : ndarray of int32
        The inverse permutation.
    code_to_uid : ndarray of int32
        Unique id (the index of the class representative) for each code.
    """

    code_to_index: np.ndarray
    index_to_code: np.ndarray
    code_to_uid: np.ndarray

    @classmethod
    def from_meta(cls, meta: dict) -> "CellIndex":
        """Build from the parsed ``meta.json`` (``{"ids": {index: {"nb201-string", "isomorph"}}}``)."""
        ids = meta["ids"]
        if len(ids) != N_CELLS:
            raise ValueError(f"meta.json lists {len(ids)} architectures; expected {N_CELLS}")
        index_to_code = np.empty(N_CELLS, dtype=np.int32)
        index_to_uid = np.empty(N_CELLS, dtype=np.int32)
        for key, entry in ids.items():
            i = int(key)
            index_to_code[i] = int(from_arch_str(entry["nb201-string"]) @ _POWERS)
            index_to_uid[i] = int(entry["isomorph"])
        code_to_index = np.empty(N_CELLS, dtype=np.int32)
        code_to_index[index_to_code] = np.arange(N_CELLS, dtype=np.int32)
        if not np.array_equal(np.sort(index_to_code), np.arange(N_CELLS)):
            raise ValueError("meta.json does not list every NAS-Bench-201 cell exactly once")
        return cls(code_to_index, index_to_code, index_to_uid[code_to_index])

    @classmethod
    def from_graph(cls) -> "CellIndex":
        """An index without the benchmark's ``meta.json``: index = genome code, and
        uid = code of the class representative (see :func:`representative_codes`).

        >>> CellIndex.from_graph().genome_to_uid([[0, 0, 0, 0, 3, 0]]).tolist()
        [0]
        """
        return _graph_index()

    @property
    def uids(self) -> np.ndarray:
        """The sorted unique ids ``(6466,)``."""
        return np.unique(self.code_to_uid)

    def genome_to_index(self, X) -> np.ndarray:
        """Genomes ``(n, 6)`` -> NAS-Bench-201 indices ``(n,)``."""
        return self.code_to_index[encode(X)].astype(np.int64)

    def index_to_genome(self, index) -> np.ndarray:
        """NAS-Bench-201 indices ``(n,)`` -> genomes ``(n, 6)``."""
        index = np.asarray(index, dtype=np.int64)
        bad = (index < 0) | (index >= N_CELLS)
        if bad.any():
            raise ValueError(f"NAS-Bench-201 index {index[bad][0]} is outside 0..{N_CELLS - 1}")
        return decode(self.index_to_code[index])

    def genome_to_uid(self, X) -> np.ndarray:
        """Genomes ``(n, 6)`` -> unique ids ``(n,)`` (isomorphic genomes share one)."""
        return self.code_to_uid[encode(X)].astype(np.int64)

    def uid_to_genome(self, uid) -> np.ndarray:
        """Unique ids ``(n,)`` -> the genome of each representative cell ``(n, 6)``."""
        uid = np.asarray(uid, dtype=np.int64)
        codes = self.index_to_code[uid]
        if not np.array_equal(self.code_to_uid[codes], uid):
            bad = uid[self.code_to_uid[codes] != uid][0]
            raise ValueError(f"{bad} is not a unique id (the representative of its class)")
        return decode(codes)

    def index_to_uid(self, index) -> np.ndarray:
        """NAS-Bench-201 indices ``(n,)`` -> unique ids ``(n,)``."""
        return self.code_to_uid[self.index_to_code[np.asarray(index, dtype=np.int64)]].astype(
            np.int64
        )


@functools.lru_cache(maxsize=1)
def _graph_index() -> CellIndex:
    ident = np.arange(N_CELLS, dtype=np.int32)
    uid = representative_codes()[_class_of_code()].astype(np.int32)
    return CellIndex(ident, ident.copy(), uid)
