"""Checking table files as they are read.

Every file of a benchmark must parse as JSON, hold the keys its layout promises, and give each
unique cell a number in ``[0, 1]`` (a list of the right length where the layout has one per
epsilon or severity). A file that does not is refused with a :class:`TableFileError` naming the
file, the key and the value, instead of loading as NaN or as silently wrong numbers.

Examples
--------
>>> import numpy as np
>>> from pymoo_arnas.data.checks import accuracy_block
>>> accuracy_block({"0": [0.5, 0.25], "7": [0.75, 0.5]}, ["0", "7"], 2, "f.json").tolist()
[[0.5, 0.25], [0.75, 0.5]]
>>> accuracy_block({"0": 93.1}, ["0"], None, "f.json")
Traceback (most recent call last):
...
pymoo_arnas.data.checks.TableFileError: f.json: accuracy of uid '0' is 93.1, outside [0, 1] ...
"""

from __future__ import annotations

import itertools
import json
import math
import os
from numbers import Real

import numpy as np

from pymoo_arnas.space import N_CELLS, CellIndex, from_arch_str

__all__ = ["TableFileError", "accuracy_block", "check_meta", "parse_json", "subtree"]


class TableFileError(ValueError):
    """A benchmark file is damaged or does not have the layout it should.

    Attributes ``path``, ``key`` and ``value`` say where: the file, the key path inside it
    (e.g. ``"cifar10/clean/accuracy/123"``) and the value found there (None when missing).
    """

    def __init__(self, path, message: str, key: str | None = None, value=None):
        self.path, self.key, self.value = os.fspath(path), key, value
        super().__init__(f"{self.path}: {message}")


def parse_json(path, data: bytes):
    """Parse the bytes of ``path``; a truncated or damaged file names the file and the spot."""
    try:
        return json.loads(data)
    except UnicodeDecodeError as exc:
        raise TableFileError(
            path, f"is not UTF-8 text (byte {exc.start}); the file is damaged: get it again"
        ) from None
    except json.JSONDecodeError as exc:
        raise TableFileError(
            path,
            f"is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno}, "
            f"{len(data)} bytes); the file is truncated or damaged: get it again",
        ) from None


def subtree(obj, keys, path):
    """``obj[k0][k1]...``, each level a JSON object; a missing key names the file and key path."""
    for depth, k in enumerate(keys):
        if not isinstance(obj, dict) or k not in obj:
            where = "/".join(keys[:depth]) or "the top level"
            found = sorted(obj)[:8] if isinstance(obj, dict) else type(obj).__name__
            raise TableFileError(
                path, f"has no key {k!r} under {where} (found {found})", "/".join(keys[: depth + 1])
            )
        obj = obj[k]
    if not isinstance(obj, dict):
        raise TableFileError(
            path, f"{'/'.join(keys)} should be a JSON object keyed by uid, not "
            f"{type(obj).__name__}", "/".join(keys), obj,
        )
    return obj


_NUMBER_TYPES = {float, int}


def _is_number(v) -> bool:
    return isinstance(v, Real) and not isinstance(v, bool)


def _bad_entry(value, width):
    """Why one entry is unusable (None when it is fine)."""
    items = [value] if width is None else value if isinstance(value, list) else None
    if items is None:
        return f"is {value!r}; expected a list of {width} accuracies"
    if width is not None and len(items) != width:
        return f"is a list of {len(items)} values; expected {width} (one per column)"
    for v in items:
        if v is None:
            return "is null" if width is None else f"holds null: {value!r}"
        if not _is_number(v) or math.isnan(v) or math.isinf(v):
            return f"is {v!r}, not an accuracy"
        if not 0.0 <= v <= 1.0:
            return (f"is {v!r}, outside [0, 1] (accuracies are fractions; "
                    "is the file in percent?)")
    return None


def accuracy_block(acc: dict, uids, width: int | None, path, where: str = "") -> np.ndarray:
    """The accuracies of ``uids`` as a float64 array, checked.

    Parameters
    ----------
    acc : dict
        ``{uid string: accuracy}`` or ``{uid string: [accuracy, ...]}`` as read from a file.
    uids : sequence of str (n,)
        The unique cells the table must cover, in row order.
    width : int or None
        None for one number per uid; else the length every list must have.
    path : path
        The file, for the error message.
    where : str
        The key path of ``acc`` inside the file, for the error message.

    Returns
    -------
    ndarray, shape (n,) or (n, width)

    Raises
    ------
    TableFileError
        On a missing uid, a null, a non-number, a value outside ``[0, 1]`` or a list of
        the wrong length, naming the first such uid and its value.
    """
    entries = [acc.get(u) for u in uids]
    try:
        # numpy would read "0.5" and true as numbers: only JSON numbers may pass
        if width is None:
            numbers = set(map(type, entries)) <= _NUMBER_TYPES
        else:
            numbers = set(map(type, itertools.chain.from_iterable(entries))) <= _NUMBER_TYPES
        block = np.array(entries, dtype=np.float64)
        shape = (len(uids),) if width is None else (len(uids), width)
        shape_ok = numbers and block.shape == shape
    except (TypeError, ValueError):  # None, a ragged list, a string, a dict...
        block, shape_ok = None, False
    if shape_ok:
        flat = block.reshape(len(uids), -1)
        if np.isfinite(flat).all() and (flat >= 0).all() and (flat <= 1).all():
            return block
    prefix = f"{where}/" if where else ""
    for u, e in zip(uids, entries):
        if u not in acc:
            raise TableFileError(
                path, f"has no entry for uid {u!r} under {where or 'the top level'} "
                f"(it covers {sum(v in acc for v in uids)} of the {len(uids)} unique cells)",
                prefix + u,
            )
        why = _bad_entry(e, width)
        if why is not None:
            raise TableFileError(path, f"accuracy of uid {u!r} {why}", prefix + u, e)
    raise TableFileError(path, f"{where or 'the table'} could not be read as numbers")


_INDEX_KEYS = frozenset(str(i) for i in range(N_CELLS))


def _bad_meta_entry(ids, path):
    """Name the first malformed ``ids`` entry (the slow path, run when building failed)."""
    for key, entry in ids.items():
        where = f"ids/{key}"
        if key not in _INDEX_KEYS:
            raise TableFileError(path, f"key {key!r} is not an index 0..{N_CELLS - 1}", where, key)
        if not isinstance(entry, dict) or not {"nb201-string", "isomorph"} <= set(entry):
            raise TableFileError(
                path, f"{where} is {entry!r}; expected {{'nb201-string': ..., 'isomorph': ...}}",
                where, entry,
            )
        iso = entry["isomorph"]
        if not (str(iso).isdigit() and int(iso) < N_CELLS):
            raise TableFileError(
                path, f"{where}/isomorph is {iso!r}, not an index 0..{N_CELLS - 1}",
                f"{where}/isomorph", iso,
            )
        try:
            from_arch_str(entry["nb201-string"])
        except (ValueError, TypeError) as exc:
            raise TableFileError(path, f"{where}/nb201-string: {exc}", f"{where}/nb201-string",
                                 entry["nb201-string"]) from None


def check_meta(meta, path) -> tuple[CellIndex, dict]:
    """Check a parsed ``meta.json`` and build its :class:`CellIndex` and epsilon lists.

    Returns ``(index, {attack: tuple of epsilons})``; raises :class:`TableFileError` naming
    the entry at fault (a missing or malformed ``ids`` entry, an ``isomorph`` that is not
    the uid of its class, an epsilon list that is not a list of numbers).
    """
    ids = subtree(meta, ["ids"], path)
    if len(ids) != N_CELLS:
        raise TableFileError(
            path, f"lists {len(ids)} architectures under 'ids'; expected {N_CELLS}", "ids", len(ids)
        )
    try:
        if ids.keys() != _INDEX_KEYS:
            raise ValueError("keys are not the indices 0..15624")
        index = CellIndex.from_meta(meta)
        uids = index.code_to_uid[index.index_to_code]
        if ((uids < 0) | (uids >= N_CELLS)).any():
            raise ValueError("an isomorph is out of range")
    except (ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
        _bad_meta_entry(ids, path)
        raise TableFileError(path, str(exc), "ids") from None
    wrong = np.flatnonzero(uids[uids] != uids)  # an isomorph must stand for itself
    if wrong.size:
        i = int(wrong[0])
        raise TableFileError(
            path, f"ids/{i}/isomorph is {int(uids[i])!r}, whose own isomorph is "
            f"{int(uids[uids[i]])}: not the uid of a class", f"ids/{i}/isomorph", int(uids[i]),
        )
    epsilons = {}
    if not isinstance(meta.get("epsilons", {}), dict):
        raise TableFileError(path, "'epsilons' should map attack names to lists of epsilons",
                             "epsilons", meta["epsilons"])
    for attack, eps in meta.get("epsilons", {}).items():
        if not (isinstance(eps, list) and eps and all(_is_number(e) and e >= 0 for e in eps)):
            raise TableFileError(
                path, f"epsilons/{attack} is {eps!r}; expected a list of non-negative numbers",
                f"epsilons/{attack}", eps,
            )
        epsilons[attack] = tuple(float(e) for e in eps)
    return index, epsilons
