"""Loader for the robustness dataset of Jung, Lukasik & Keuper (ICLR 2023).

Every one of the 6,466 non-isomorphic NAS-Bench-201 cells trained normally and evaluated
clean, under four L-inf attacks at several epsilons (units of 1/255) and under 15 common
corruptions. Layout of a root folder (as the official release at data.robustness.vision)::

    meta.json  (or data/meta.json)
    <dataset>/clean_accuracy.json
    <dataset>/<attack>_accuracy.json       one list per uid: accuracy at each epsilon
    <dataset>/<corruption>_accuracy.json   one list per uid: accuracy at severity 1..5

Table columns: ``clean``; ``<attack>:<epsilon>`` (e.g. ``pgd@Linf:1.0``); ``<corruption>`` (the
mean over the five severities, as CIFAR-10-C results are usually reported) and
``<corruption>:<severity>`` (e.g. ``fog:3``).

The first load of a dataset builds a compact cache (``.npz``, one row per uid) in the user
cache dir; later loads read it in milliseconds. The cache is rebuilt when any source file
changes (size or modification time) and written atomically.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path

import numpy as np

from pymoo_arnas.data.locate import cache_dir, find_data_dir, meta_path
from pymoo_arnas.data.table import BenchmarkTable
from pymoo_arnas.space import CellIndex

log = logging.getLogger(__name__)

SOURCE = "robustness-dataset"
DATASETS = ("cifar10", "cifar100", "ImageNet16-120")
CLEAN = "clean"
ATTACKS = ("fgsm@Linf", "pgd@Linf", "aa_apgd-ce@Linf", "aa_square@Linf")
CORRUPTIONS = (
    "brightness", "contrast", "defocus_blur", "elastic_transform", "fog", "frost",
    "gaussian_noise", "glass_blur", "impulse_noise", "jpeg_compression", "motion_blur",
    "pixelate", "shot_noise", "snow", "zoom_blur",
)  # fmt: skip
KEYS = (CLEAN, *ATTACKS, *CORRUPTIONS)
_CACHE_VERSION = 2


def available_datasets(data_dir=None) -> tuple[str, ...]:
    """Datasets with at least one ``*_accuracy.json`` under the data root."""
    root = find_data_dir(data_dir)
    return tuple(
        sorted(p.name for p in root.iterdir() if p.is_dir() and any(p.glob("*_accuracy.json")))
    )


def _source_files(root: Path, dataset: str) -> list[Path]:
    files = [root / dataset / f"{key}_accuracy.json" for key in KEYS]
    return [meta_path(root), *(f for f in files if f.is_file())]


def _fingerprint(files: list[Path]) -> str:
    parts = [f"v{_CACHE_VERSION}"]
    for f in files:
        st = f.stat()
        parts.append(f"{f.resolve()}|{st.st_size}|{st.st_mtime_ns}")
    return "\n".join(parts)


def _cache_file(root: Path, dataset: str) -> Path:
    tag = hashlib.sha1(str(root.resolve()).encode()).hexdigest()[:12]
    return cache_dir() / "tables" / f"{SOURCE}-{dataset}-{tag}.npz"


@functools.lru_cache(maxsize=4)
def _read_meta(path: Path, mtime_ns: int) -> tuple[CellIndex, dict]:
    with open(path) as f:
        meta = json.load(f)
    return CellIndex.from_meta(meta), {k: tuple(v) for k, v in meta.get("epsilons", {}).items()}


def _build(root: Path, dataset: str) -> tuple[BenchmarkTable, str]:
    mpath = meta_path(root)
    index, epsilons = _read_meta(mpath, mpath.stat().st_mtime_ns)
    uids = index.uids
    row_of = {str(u): r for r, u in enumerate(uids)}
    columns, blocks, eps_present = [], [], {}
    for key in KEYS:
        path = root / dataset / f"{key}_accuracy.json"
        if not path.is_file():
            continue
        with open(path) as f:
            acc = json.load(f)[dataset][key]["accuracy"]
        if key in ATTACKS:
            eps = epsilons.get(key)
            if eps is None:
                raise ValueError(f"{mpath} lists no epsilons for {key}")
            block = np.full((len(uids), len(eps)), np.nan)
            for uid, vals in acc.items():
                if uid in row_of:
                    block[row_of[uid], : len(vals)] = vals
            columns += [f"{key}:{e:.1f}" for e in eps]
            eps_present[key] = tuple(float(e) for e in eps)
        elif key == CLEAN:
            block = np.full((len(uids), 1), np.nan)
            for uid, val in acc.items():
                if uid in row_of:
                    block[row_of[uid], 0] = val
            columns.append(key)
        else:  # a corruption: one accuracy per severity 1..5, plus their mean
            n_sev = max(len(v) for v in acc.values())
            sev = np.full((len(uids), n_sev), np.nan)
            for uid, vals in acc.items():
                if uid in row_of:
                    sev[row_of[uid], : len(vals)] = vals
            block = np.hstack([sev.mean(axis=1, keepdims=True), sev])
            columns += [key, *(f"{key}:{s}" for s in range(1, n_sev + 1))]
        blocks.append(block)
    if not blocks:
        raise FileNotFoundError(
            f"no *_accuracy.json files for dataset {dataset!r} under {root}; datasets there: "
            f"{', '.join(available_datasets(root)) or 'none'}"
        )
    table = BenchmarkTable(
        dataset=dataset,
        source=SOURCE,
        columns=tuple(columns),
        values=np.hstack(blocks),
        uids=uids.astype(np.int64),
        code_to_row=BenchmarkTable.rows_from_uids(index, uids),
        index=index,
        epsilons=eps_present,
    )
    return table, _fingerprint(_source_files(root, dataset))


def _save(path: Path, table: BenchmarkTable, fingerprint: str) -> None:
    """Write the cache atomically: a temp file in the same folder, then ``os.replace``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(
                f,
                fingerprint=np.array(fingerprint),
                dataset=np.array(table.dataset),
                columns=np.array(table.columns),
                values=table.values,
                uids=table.uids,
                code_to_row=table.code_to_row,
                code_to_index=table.index.code_to_index,
                index_to_code=table.index.index_to_code,
                code_to_uid=table.index.code_to_uid,
                epsilons=np.array(json.dumps(table.epsilons)),
            )
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _load_cached(path: Path, fingerprint: str) -> BenchmarkTable | None:
    try:
        with np.load(path, allow_pickle=False) as z:
            if str(z["fingerprint"]) != fingerprint:
                return None
            return BenchmarkTable(
                dataset=str(z["dataset"]),
                source=SOURCE,
                columns=tuple(str(c) for c in z["columns"]),
                values=z["values"],
                uids=z["uids"],
                code_to_row=z["code_to_row"],
                index=CellIndex(z["code_to_index"], z["index_to_code"], z["code_to_uid"]),
                epsilons={k: tuple(v) for k, v in json.loads(str(z["epsilons"])).items()},
            )
    except FileNotFoundError:
        return None
    except Exception as exc:  # a damaged cache is rebuilt, never trusted
        log.warning("ignoring unreadable table cache %s (%s); rebuilding", path, exc)
        return None


def load_robustness(dataset: str = "cifar10", data_dir=None, use_cache: bool = True) -> BenchmarkTable:
    """Load one dataset of the robustness benchmark as a :class:`BenchmarkTable`.

    Parameters
    ----------
    dataset : str
        ``"cifar10"``, ``"cifar100"`` or ``"ImageNet16-120"`` (where its files are present).
    data_dir : path, optional
        Root of the dataset; see :mod:`pymoo_arnas.data.locate` for where it is looked for.
    use_cache : bool
        Read and write the compact ``.npz`` cache (default). ``False`` parses the JSON.

    Examples
    --------
    >>> from pymoo_arnas.data import load_robustness
    >>> t = load_robustness("cifar10")
    >>> t.n_rows, round(float(t.column("clean").max()), 3)
    (6466, 0.946)
    """
    root = find_data_dir(data_dir)
    if not (root / dataset).is_dir():
        raise ValueError(
            f"unknown dataset {dataset!r}; datasets under {root}: "
            f"{', '.join(available_datasets(root)) or 'none'}"
        )
    mpath = meta_path(root)
    fingerprint = _fingerprint(_source_files(root, dataset))
    path = _cache_file(root, dataset)
    if use_cache:
        table = _load_cached(path, fingerprint)
        if table is not None:
            return table
    table, fingerprint_built = _build(root, dataset)
    if use_cache and fingerprint_built == fingerprint:
        try:
            _save(path, table, fingerprint)
            log.info("wrote table cache %s (from %s)", path, mpath.parent)
        except OSError as exc:
            log.warning("could not write table cache %s: %s", path, exc)
    return table
