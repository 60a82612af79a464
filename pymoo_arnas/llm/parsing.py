"""Tolerant, bounded parsing of an LLM's answer into NAS-Bench-201 genomes.

Copes with prose around the answer, markdown fences, op names instead of indices, arch
strings, objects wrapping the list, truncated JSON (cut at ``max_tokens``) and too many
values per cell. Every row is checked: a cell whose first 6 values are not all integers in
``0..4`` (or op names) is an invalid proposal and is dropped (counted in ``n_dropped``, and
by the operators in ``stats.invalid``): ``-1``, ``7``, ``2.5``, ``inf``, ``NaN``, ``1e999``
or a 40-digit integer. A cell with more than 6 valid values keeps the first 6 (counted in
``n_repaired``); one with fewer is dropped.

Any text is safe: only the first :data:`MAX_ANSWER_CHARS` characters are read (a real
answer is a few hundred), JSON nested deeper than :data:`MAX_DEPTH` is read by the bracket
scanner instead of the JSON parser, and the work is linear in the text's length, so a call
never raises and never takes long (about 0.1 s at the cap).

Examples
--------
>>> from pymoo_arnas.llm.parsing import parse_cells
>>> r = parse_cells('Sure! ```json\\n{"cells": [[3,3,1,3,2,4], ["nor_conv_3x3","skip","none",'
...                 '"avg_pool_3x3","conv1x1",0], [1,2], [3,3,3,3,3,9]]}\\n```')
>>> r.X.tolist(), r.n_found, r.n_repaired, r.n_dropped
([[3, 3, 1, 3, 2, 4], [3, 1, 0, 4, 2, 0]], 4, 0, 2)
>>> parse_cells("[[inf, 3, 3, 3, 3, 3], [1e999, 1, 1, 1, 1, 1]]").n_dropped
2
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass

import numpy as np

from pymoo_arnas.space import N_EDGES, N_OPS, from_arch_str

MAX_ANSWER_CHARS = 100_000
"""Characters of an answer that are parsed; the rest is ignored (``truncated`` is set)."""

MAX_DEPTH = 32
"""Deepest bracket nesting handed to the JSON parser; deeper text is read by brackets only."""

_ALIASES = {
    "none": 0, "zero": 0, "zeroize": 0, "null": 0,
    "skipconnect": 1, "skip": 1, "identity": 1, "skipconnection": 1,
    "norconv1x1": 2, "conv1x1": 2, "1x1": 2, "conv1": 2, "1x1conv": 2,
    "norconv3x3": 3, "conv3x3": 3, "3x3": 3, "conv3": 3, "3x3conv": 3,
    "avgpool3x3": 4, "avgpool": 4, "averagepool": 4, "pool": 4, "avgpooling": 4,
}
_ARCH_RE = re.compile(r"\|\w+~0\|\+\|\w+~0\|\w+~1\|\+\|\w+~0\|\w+~1\|\w+~2\|")
_FENCE_RE = re.compile(r"```(?:json|JSON)?\s*(.*?)```", re.S)
_INNER_RE = re.compile(r"\[([^\[\]{}]*)\]")
_ITEM_RE = re.compile(r'"([^"]*)"|\'([^\']*)\'|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)'
                      r'|([A-Za-z_][\w]*)')
_SPECIAL_RE = re.compile(r'["\\\[\]{}]')
_NUMBER_RE = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
_PREFERRED = ("cells", "architectures", "archs", "proposals", "candidates", "genomes",
              "population", "offspring", "children", "cell", "genome", "ops", "operations",
              "arch", "architecture")


@dataclass
class ParseResult:
    """Genomes found in an answer.

    Attributes
    ----------
    X : ndarray of int64, shape (k, 6)
        Valid genomes, in the order they appear (not deduplicated).
    n_found : int
        Candidate cells seen (``len(X) + n_dropped``).
    n_repaired : int
        Valid cells that had more than 6 values (the first 6 were kept).
    n_dropped : int
        Invalid cells: a value that is not an integer in ``0..4`` or an op name, or fewer
        than 6 values.
    truncated : bool
        The answer was longer than :data:`MAX_ANSWER_CHARS`; only its start was read.
    """

    X: np.ndarray
    n_found: int
    n_repaired: int
    n_dropped: int
    truncated: bool = False


def op_value(v):
    """One value -> its op index ``0..4``, or ``None`` if it is not a valid op.

    >>> [op_value(v) for v in (3, 3.0, "3", "conv3x3", 2.5, -1, 7, float("inf"), 10**40, True)]
    [3, 3, 3, 3, None, None, None, None, None, None]
    """
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, np.integer)):
        return int(v) if 0 <= v < N_OPS else None
    if isinstance(v, float):
        return int(v) if math.isfinite(v) and v.is_integer() and 0 <= v < N_OPS else None
    if isinstance(v, str):
        s = v.strip()
        if _NUMBER_RE.fullmatch(s):
            if len(s) > 24:  # no op index is written with that many characters
                return None
            try:
                return op_value(float(s))
            except (ValueError, OverflowError):
                return None
        if len(s) > 40:
            return None
        return _ALIASES.get(re.sub(r"[^a-z0-9]", "", s.lower()))
    return None


def _rows_from_json(obj, out, depth=0):
    if depth > MAX_DEPTH:
        return
    if isinstance(obj, list):
        if obj and all(not isinstance(v, (list, dict)) for v in obj):
            if all(isinstance(v, str) and _ARCH_RE.search(v) for v in obj):
                out.extend(obj)
            else:
                out.append(obj)
        else:
            for v in obj:
                _rows_from_json(v, out, depth + 1)
    elif isinstance(obj, dict):
        low = {str(k).lower(): v for k, v in obj.items()}
        for k in _PREFERRED:
            if k in low:
                _rows_from_json(low[k], out, depth + 1)
                return
        for v in obj.values():
            if isinstance(v, (list, dict, str)):
                _rows_from_json(v, out, depth + 1)
    elif isinstance(obj, str) and _ARCH_RE.search(obj):
        out.append(obj)
    elif isinstance(obj, str) and obj.strip().startswith("["):  # a list inside a string
        value = _loads(obj)
        if value is not _INVALID:
            _rows_from_json(value, out, depth + 1)


_INVALID = object()


def _loads(text):
    """``json.loads`` that returns ``_INVALID`` instead of raising (bad, too deep, too long)."""
    if _max_depth(text)[0] > MAX_DEPTH:
        return _INVALID
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return _INVALID


def _max_depth(text):
    """``(deepest nesting, [(start, end) of each complete top-level [...] or {...}])``,
    skipping brackets inside JSON strings; one pass over the special characters."""
    depth = deepest = 0
    start = None
    spans = []
    in_str = False
    skip = -1  # the position of a character escaped by a backslash
    for m in _SPECIAL_RE.finditer(text):
        c, i = m.group(), m.start()
        if i == skip:
            continue
        if in_str:
            if c == "\\":
                skip = i + 1
            elif c == '"':
                in_str = False
            continue
        if c == '"':
            in_str = depth > 0  # quotes in prose outside brackets do not open a string
        elif c in "[{":
            if depth == 0:
                start = i
            depth += 1
            deepest = max(deepest, depth)
        elif c in "]}" and depth > 0:
            depth -= 1
            if depth == 0:
                spans.append((start, i + 1))
    return deepest, spans


def _json_values(text):
    """The whole text as JSON, else every complete top-level JSON array/object in it."""
    deepest, spans = _max_depth(text)
    if deepest <= MAX_DEPTH:
        try:
            return [json.loads(text)], True
        except (ValueError, RecursionError):
            pass
    out = []
    for a, b in spans:
        value = _loads(text[a:b])
        if value is not _INVALID:
            out.append(value)
    return out, False


def _regex_rows(text):
    rows = []
    for m in _ARCH_RE.finditer(text):
        rows.append((m.start(), m.group(0)))
    for m in _INNER_RE.finditer(text):
        items = [next(g for g in it.groups() if g is not None)
                 for it in _ITEM_RE.finditer(m.group(1))]
        if items and not _ARCH_RE.search(m.group(0)):
            rows.append((m.start(), items))
    return [r for _, r in sorted(rows, key=lambda t: t[0])]


def _to_genome(row):
    """-> (genome list or None, repaired flag)."""
    if isinstance(row, str):
        try:
            return from_arch_str(_ARCH_RE.search(row).group(0)).tolist(), False
        except (ValueError, AttributeError):
            return None, False
    if len(row) < N_EDGES:
        return None, False
    g = [op_value(v) for v in row[:N_EDGES]]
    if any(v is None for v in g):
        return None, False
    return g, len(row) > N_EDGES


def parse_cells(text: str) -> ParseResult:
    """Find genomes in an answer (see the module docstring).

    Parameters
    ----------
    text : str
        The model's answer (anything else is read as ``str(text)``; ``None`` as empty).

    Returns
    -------
    ParseResult
        Never raises; linear time in ``min(len(text), MAX_ANSWER_CHARS)``.
    """
    text = "" if text is None else text if isinstance(text, str) else str(text)
    truncated = len(text) > MAX_ANSWER_CHARS
    text = text[:MAX_ANSWER_CHARS]
    fences = _FENCE_RE.findall(text)
    body = ("\n".join(fences) if fences else text).strip()
    rows: list = []
    values, whole = _json_values(body)
    for obj in values:
        _rows_from_json(obj, rows)
    best = _convert(rows)
    if len(best.X) == 0 or not whole:  # truncated JSON or prose: try the brackets
        alt = _convert(_regex_rows(body))
        if (len(alt.X), alt.n_found) > (len(best.X), best.n_found):
            best = alt
    best.truncated = truncated
    return best


def _convert(rows) -> ParseResult:
    out, n_rep, n_drop = [], 0, 0
    for row in rows:
        g, rep = _to_genome(row)
        if g is None:
            n_drop += 1
        else:
            out.append(g)
            n_rep += int(rep)
    X = np.array(out, dtype=np.int64).reshape(-1, N_EDGES)
    return ParseResult(X, len(rows), n_rep, n_drop)


__all__ = ["MAX_ANSWER_CHARS", "MAX_DEPTH", "ParseResult", "op_value", "parse_cells"]
