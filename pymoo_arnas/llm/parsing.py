"""Tolerant parsing of an LLM's answer into NAS-Bench-201 genomes.

Copes with prose around the answer, markdown fences, op names instead of indices, arch
strings, objects wrapping the list, truncated JSON (cut at ``max_tokens``), too many or too
few values per cell. Every row is checked: values outside ``0..4`` and non-integral numbers
are repaired (clipped / rounded; counted), cells with more than 6 values keep the first 6
(repaired), cells with fewer values or unknown op names are dropped (counted).

Examples
--------
>>> from pymoo_arnas.llm.parsing import parse_cells
>>> r = parse_cells('Sure! ```json\\n{"cells": [[3,3,1,3,2,9], ["nor_conv_3x3","skip","none",'
...                 '"avg_pool_3x3","conv1x1",0], [1,2]]}\\n```')
>>> r.X.tolist(), r.n_found, r.n_repaired, r.n_dropped
([[3, 3, 1, 3, 2, 4], [3, 1, 0, 4, 2, 0]], 3, 1, 1)
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import numpy as np

from pymoo_arnas.space import N_EDGES, N_OPS, from_arch_str

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
_ITEM_RE = re.compile(r'"([^"]*)"|\'([^\']*)\'|(-?\d+(?:\.\d+)?)|([A-Za-z_][\w]*)')
_PREFERRED = ("cells", "architectures", "archs", "proposals", "candidates", "genomes",
              "population", "offspring", "children", "cell", "genome", "ops", "operations",
              "arch", "architecture")


@dataclass
class ParseResult:
    """Genomes found in an answer.

    Attributes
    ----------
    X : ndarray of int64, shape (k, 6)
        Valid genomes, in the order they appear (repaired where needed; not deduplicated).
    n_found : int
        Candidate cells seen (``len(X) + n_dropped``).
    n_repaired : int
        Cells kept after clipping, rounding or truncation.
    n_dropped : int
        Cells that could not be made valid.
    """

    X: np.ndarray
    n_found: int
    n_repaired: int
    n_dropped: int


def op_value(v):
    """One value -> op index (may be out of range), or ``None`` if it names no op."""
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, float):
        return v if np.isfinite(v) else None
    if isinstance(v, str):
        s = v.strip()
        try:
            f = float(s)
            return int(f) if f == int(f) else f
        except ValueError:
            pass
        key = re.sub(r"[^a-z0-9]", "", s.lower())
        return _ALIASES.get(key)
    return None


def _rows_from_json(obj, out):
    if isinstance(obj, list):
        if obj and all(not isinstance(v, (list, dict)) for v in obj):
            if all(isinstance(v, str) and _ARCH_RE.search(v) for v in obj):
                out.extend(obj)
            else:
                out.append(obj)
        else:
            for v in obj:
                _rows_from_json(v, out)
    elif isinstance(obj, dict):
        low = {str(k).lower(): v for k, v in obj.items()}
        for k in _PREFERRED:
            if k in low:
                _rows_from_json(low[k], out)
                return
        for v in obj.values():
            if isinstance(v, (list, dict, str)):
                _rows_from_json(v, out)
    elif isinstance(obj, str) and _ARCH_RE.search(obj):
        out.append(obj)
    elif isinstance(obj, str) and obj.strip().startswith("["):  # a list inside a string
        try:
            _rows_from_json(json.loads(obj), out)
        except ValueError:
            pass


def _json_values(text):
    """The whole text as JSON, else every JSON array/object found in it, left to right."""
    try:
        return [json.loads(text)]
    except ValueError:
        pass
    dec, out, pos = json.JSONDecoder(), [], 0
    while True:
        m = re.compile(r"[\[{]").search(text, pos)
        if m is None:
            return out
        try:
            obj, end = dec.raw_decode(text, m.start())
        except ValueError:
            pos = m.start() + 1
            continue
        out.append(obj)
        pos = end


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
    vals = [op_value(v) for v in row]
    if any(v is None for v in vals) or len(vals) < N_EDGES:
        return None, False
    repaired = len(vals) > N_EDGES
    g = []
    for v in vals[:N_EDGES]:
        iv = int(round(v))
        iv2 = min(max(iv, 0), N_OPS - 1)
        repaired |= iv2 != v
        g.append(iv2)
    return g, repaired


def parse_cells(text: str) -> ParseResult:
    """Find genomes in an answer (see the module docstring).

    Parameters
    ----------
    text : str
        The model's answer.

    Returns
    -------
    ParseResult
    """
    text = "" if text is None else str(text)
    fences = _FENCE_RE.findall(text)
    body = "\n".join(fences) if fences else text
    rows: list = []
    for obj in _json_values(body.strip()):
        _rows_from_json(obj, rows)
    best = _convert(rows)
    if len(best.X) == 0 or not _is_json(body):  # truncated JSON or prose: try the brackets
        alt = _convert(_regex_rows(body))
        if len(alt.X) > len(best.X):
            best = alt
    return best


def _is_json(text) -> bool:
    try:
        json.loads(text)
        return True
    except ValueError:
        return False


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
