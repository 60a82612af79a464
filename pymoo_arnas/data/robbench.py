"""Loader for NAS-RobBench-201 (Wu et al., ICLR 2024).

The same 6,466 NAS-Bench-201 cells, *adversarially trained*, evaluated clean and under FGSM,
PGD and AutoAttack. The release is one JSON keyed by arch string::

    {"|nor_conv_3x3~0|+|...|": {"val_acc": {"777": 80.1, "888": 79.9, "999": 80.3,
                                            "threeseed": 80.1},
                               "val_fgsm_3.0_acc": {...}, "val_fgsm_8.0_acc": {...},
                               "val_pgd_3.0_acc": {...}, "val_pgd_8.0_acc": {...},
                               "autoattack": {...}},
     ...}

Each metric holds per-seed values and their ``threeseed`` mean (a bare number or a list of
per-seed values is read too). Accuracies given in percent are turned into fractions.
The file cannot be fetched automatically; pass its path.

Table columns are the file's metric names; the aliases ``clean``, ``fgsm@Linf:3.0``,
``fgsm@Linf:8.0``, ``pgd@Linf:3.0``, ``pgd@Linf:8.0`` and ``autoattack@Linf:8.0`` let the same
objective names as the robustness dataset work (epsilons in units of 1/255).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

from pymoo_arnas.data.locate import find_data_dir, meta_path
from pymoo_arnas.data.robustness import _read_meta
from pymoo_arnas.data.table import BenchmarkTable
from pymoo_arnas.space import CellIndex, N_CELLS, encode, from_arch_str

SOURCE = "nas-robbench-201"
METRICS = ("val_acc", "val_fgsm_3.0_acc", "val_fgsm_8.0_acc", "val_pgd_3.0_acc", "val_pgd_8.0_acc", "autoattack")
_ATTACK_RE = re.compile(r"^val_(fgsm|pgd)_(\d+(?:\.\d+)?)_acc$")


def _aggregate(value, where: str) -> float:
    if isinstance(value, dict):
        if "threeseed" in value:
            return float(value["threeseed"])
        seeds = [float(v) for v in value.values() if isinstance(v, (int, float))]
        if not seeds:
            raise ValueError(f"{where}: no per-seed numbers and no 'threeseed' mean in {value!r}")
        return float(np.mean(seeds))
    if isinstance(value, (list, tuple)):
        return float(np.mean([float(v) for v in value]))
    return float(value)


def load_nas_robbench(path, dataset: str = "cifar10", data_dir=None, index: CellIndex | None = None) -> BenchmarkTable:
    """Load a NAS-RobBench-201 JSON as a :class:`BenchmarkTable` (means over seeds).

    Parameters
    ----------
    path : path
        The NAS-RobBench-201 JSON file.
    dataset : str
        Label of the dataset the file holds (the release is CIFAR-10).
    data_dir, index
        Where to get the NAS-Bench-201 index (``meta.json`` of the robustness dataset) to
        map arch strings to indices and unique ids; or a ready :class:`CellIndex`.

    Raises
    ------
    ValueError
        If an entry is not a NAS-Bench-201 arch string, or the file leaves an isomorphism
        class without any entry.
    """
    path = Path(path)
    with open(path) as f:
        raw = json.load(f)
    if not isinstance(raw, dict) or not raw:
        raise ValueError(f"{path}: expected a JSON object keyed by NAS-Bench-201 arch strings")
    if index is None:
        mpath = meta_path(find_data_dir(data_dir))
        index, _ = _read_meta(mpath, mpath.stat().st_mtime_ns)
    seen = {m for entry in raw.values() for m in entry}
    metrics = [m for m in METRICS if m in seen] + sorted(seen - set(METRICS))
    codes = encode(np.array([from_arch_str(a) for a in raw]))
    uids_of_entries = index.code_to_uid[codes]
    uids = np.unique(uids_of_entries).astype(np.int64)
    row = np.searchsorted(uids, uids_of_entries)
    values = np.full((len(uids), len(metrics)), np.nan)
    for r, (arch, entry) in zip(row, raw.items()):
        for j, m in enumerate(metrics):
            if m in entry:
                values[r, j] = _aggregate(entry[m], f"{path}: {arch} {m}")
    finite = values[np.isfinite(values)]
    if finite.size and finite.max() > 1.0:
        values = values / 100.0  # percent -> fraction
    aliases, epsilons = {}, {}
    for m in metrics:
        if m == "val_acc":
            aliases["clean"] = m
        elif m == "autoattack":
            aliases["autoattack@Linf:8.0"] = m
            epsilons.setdefault("autoattack@Linf", (8.0,))
        elif (hit := _ATTACK_RE.match(m)) is not None:
            attack, eps = f"{hit.group(1)}@Linf", float(hit.group(2))
            aliases[f"{attack}:{eps:.1f}"] = m
            epsilons[attack] = tuple(sorted({*epsilons.get(attack, ()), eps}))
    present = np.zeros(N_CELLS, dtype=bool)
    present[uids] = True
    missing = ~present[index.code_to_uid]
    if missing.any():
        n = len(np.unique(index.code_to_uid[missing]))
        raise ValueError(
            f"{path} covers {len(uids)} of the 6466 unique cells; {n} are missing "
            f"(e.g. uid {int(index.code_to_uid[missing][0])})"
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
