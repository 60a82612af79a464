"""Loader for NAS-RobBench-201 (Wu et al., ICLR 2024).

The same 6,466 NAS-Bench-201 cells, *adversarially trained*, evaluated clean and under FGSM,
PGD and AutoAttack. The file is not fetched automatically: it is ``NAS-RobBench-201_all.json``
of the release linked from the paper's repository (:data:`RELEASE_PAGE`). Two layouts are read:
the release's, keyed by dataset then uid, and one keyed by NAS-Bench-201 arch string::

    {"cifar10": {"<uid>": {"val_acc": {"1": 0.80}, "val_fgsm_3.0_acc": {...}, ...}, ...}}
    {"|nor_conv_3x3~0|+|...|": {"val_acc": {"777": 80.1, "888": 79.9, "999": 80.3,
                                            "threeseed": 80.1},
                               "val_fgsm_3.0_acc": {...}, "val_fgsm_8.0_acc": {...},
                               "val_pgd_3.0_acc": {...}, "val_pgd_8.0_acc": {...},
                               "autoattack": {...}},
     ...}

Each metric holds per-seed values (and maybe their ``threeseed`` mean, which is used when
present); a bare number or a list of per-seed values is read too. A file in percent (any value
above 1) is turned into fractions. Every cell must have every metric, each a number: a missing
cell or metric, a null or a value out of range is an error naming the file, the entry and the
value.

Table columns are the file's metric names; the aliases ``clean``, ``fgsm@Linf:3.0``,
``fgsm@Linf:8.0``, ``pgd@Linf:3.0``, ``pgd@Linf:8.0`` and ``autoattack@Linf:8.0`` let the same
objective names as the robustness dataset work (epsilons in units of 1/255).
"""

from __future__ import annotations

import math
import re
from numbers import Real
from pathlib import Path

import numpy as np

from pymoo_arnas.data.checks import TableFileError, parse_json
from pymoo_arnas.data.robustness import read_index
from pymoo_arnas.data.table import BenchmarkTable
from pymoo_arnas.objectives import objective_name
from pymoo_arnas.space import CellIndex, N_CELLS, encode, from_arch_str

SOURCE = "nas-robbench-201"
RELEASE_PAGE = "https://github.com/TT2408/nasrobbench201"
"""The paper's repository; its README links the download of ``NAS-RobBench-201_all.json``."""
METRICS = ("val_acc", "val_fgsm_3.0_acc", "val_fgsm_8.0_acc", "val_pgd_3.0_acc",
           "val_pgd_8.0_acc", "autoattack")
_ATTACK_RE = re.compile(r"^val_(fgsm|pgd)_(\d+(?:\.\d+)?)_acc$")


def _number(v, path, key) -> float:
    if isinstance(v, Real) and not isinstance(v, bool) and math.isfinite(v):
        return float(v)
    raise TableFileError(path, f"{key} is {v!r}, not an accuracy", key, v)


def _aggregate(value, path, key) -> float:
    """One metric of one cell: its ``threeseed`` mean, or the mean of its per-seed numbers."""
    if isinstance(value, dict):
        if "threeseed" in value:
            return _number(value["threeseed"], path, f"{key}/threeseed")
        if not value:
            raise TableFileError(path, f"{key} holds no per-seed values", key, value)
        return float(np.mean([_number(v, path, f"{key}/{s}") for s, v in value.items()]))
    if isinstance(value, list):
        if not value:
            raise TableFileError(path, f"{key} is an empty list", key, value)
        return float(np.mean([_number(v, path, f"{key}/{i}") for i, v in enumerate(value)]))
    return _number(value, path, key)


def _entries(raw, dataset: str, path, index: CellIndex):
    """``(key path, uid, entry)`` of each cell in either layout."""
    if isinstance(raw.get(dataset), dict):  # the release: {dataset: {uid: {metric: ...}}}
        for key, entry in raw[dataset].items():
            if not (isinstance(key, str) and key.isdigit() and int(key) < N_CELLS):
                where = f"{dataset}/{key}"
                raise TableFileError(path, f"key {where} is not a NAS-Bench-201 index", where, key)
            yield f"{dataset}/{key}", int(index.index_to_uid([int(key)])[0]), entry
        return
    try:
        codes = encode(np.array([from_arch_str(a) for a in raw]))
    except ValueError as exc:
        datasets = [k for k, v in raw.items() if isinstance(v, dict) and not k.startswith("|")]
        hint = f" (it holds datasets {', '.join(datasets)}; pass dataset=)" if datasets else ""
        raise TableFileError(path, f"{exc}{hint}") from None
    for (arch, entry), uid in zip(raw.items(), index.code_to_uid[codes]):
        yield arch, int(uid), entry


def load_nas_robbench(path, dataset: str = "cifar10", data_dir=None,
                      index: CellIndex | None = None) -> BenchmarkTable:
    """Load a NAS-RobBench-201 JSON as a :class:`BenchmarkTable` (means over seeds).

    Parameters
    ----------
    path : path
        The NAS-RobBench-201 JSON file (``NAS-RobBench-201_all.json`` of the release linked
        from :data:`RELEASE_PAGE`; it is not downloaded automatically).
    dataset : str
        The dataset to read from a release file keyed by dataset, and the label of the table.
    data_dir, index
        Where to get the NAS-Bench-201 index (``meta.json`` of the robustness dataset) to
        map arch strings to indices and unique ids; or a ready :class:`CellIndex`.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist; the message says where the file comes from.
    TableFileError (a ValueError)
        If the file is not valid JSON, an entry is not a NAS-Bench-201 arch string, a cell
        lacks a metric or has a null or out-of-range value, or an isomorphism class has no
        entry at all.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise FileNotFoundError(
            f"NAS-RobBench-201 file {str(path)!r} does not exist. It is not downloaded "
            f"automatically: get NAS-RobBench-201_all.json from the release linked in the "
            f"README of {RELEASE_PAGE} (Wu et al., ICLR 2024) and pass its path"
        ) from None
    raw = parse_json(path, data)
    if not isinstance(raw, dict) or not raw:
        raise TableFileError(path, "expected a JSON object keyed by dataset or by NAS-Bench-201 "
                             "arch strings")
    if index is None:
        index, _ = read_index(data_dir)
    entries = list(_entries(raw, dataset, path, index))
    seen = {m for _, _, entry in entries if isinstance(entry, dict) for m in entry}
    metrics = [m for m in METRICS if m in seen] + sorted(seen - set(METRICS))
    uids = np.unique([uid for _, uid, _ in entries]).astype(np.int64)
    values = np.empty((len(uids), len(metrics)))
    for key, uid, entry in entries:
        if not isinstance(entry, dict):
            raise TableFileError(path, f"{key} is {entry!r}; expected {{metric: values}}", key,
                                 entry)
        r = np.searchsorted(uids, uid)
        for j, m in enumerate(metrics):
            if m not in entry:
                raise TableFileError(path, f"{key} has no {m!r} (other entries have it)",
                                     f"{key}/{m}")
            values[r, j] = _aggregate(entry[m], path, f"{key}/{m}")
    scale = 100.0 if values.size and values.max() > 1.0 else 1.0  # percent -> fraction
    out = (values < 0) | (values > scale)
    if out.any():
        r, j = np.argwhere(out)[0]
        raise TableFileError(
            path, f"{metrics[j]} of uid {int(uids[r])} is {values[r, j]!r}, outside "
            f"[0, {scale:g}]", f"{int(uids[r])}/{metrics[j]}", float(values[r, j]),
        )
    values = values / scale
    aliases, epsilons = {}, {}
    for m in metrics:
        if m == "val_acc":
            aliases["clean"] = m
        elif m == "autoattack":
            aliases["autoattack@Linf:8.0"] = m
            epsilons.setdefault("autoattack@Linf", (8.0,))
        elif (hit := _ATTACK_RE.match(m)) is not None:
            attack, eps = f"{hit.group(1)}@Linf", float(hit.group(2))
            aliases[objective_name(attack, eps)] = m
            epsilons[attack] = tuple(sorted({*epsilons.get(attack, ()), eps}))
    present = np.zeros(N_CELLS, dtype=bool)
    present[uids] = True
    missing = ~present[index.code_to_uid]
    if missing.any():
        n = len(np.unique(index.code_to_uid[missing]))
        first = int(index.code_to_uid[missing][0])
        raise TableFileError(
            path, f"covers {len(uids)} of the 6466 unique cells; {n} are missing "
            f"(e.g. uid {first})", str(first),
        )
    return BenchmarkTable(
        dataset=dataset,
        source=SOURCE,
        columns=tuple(metrics),
        values=values,
        uids=uids,
        code_to_row=BenchmarkTable.rows_from_uids(index, uids),
        index=index,
        epsilons=epsilons,
        aliases=aliases,
    )
