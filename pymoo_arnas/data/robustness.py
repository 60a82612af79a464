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

Every file is checked as it is read (see :mod:`pymoo_arnas.data.checks`): a missing cell, a
null, an accuracy outside ``[0, 1]``, a list of the wrong length or a truncated JSON is an error
naming the file, the key and the value.

The first load of a dataset builds a compact cache (``.npz``, one row per uid) in the user
cache dir; later loads read it in milliseconds. The cache is keyed on the SHA-256 of the source
files' contents, computed once per build from the very bytes it was built from, and also keeps
each file's size, mtime, ctime and inode. A load whose files show the same stamp uses the cache
at once; any other (an edit, a copy, a restore with old mtimes) hashes the files again and
rebuilds unless the contents are the same. The cache is written atomically.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path

import numpy as np

from pymoo_arnas.data.checks import TableFileError, accuracy_block, check_meta, parse_json, subtree
from pymoo_arnas.data.locate import ENV_DATA, DataNotFoundError, cache_dir, find_data_dir, meta_path
from pymoo_arnas.data.table import BenchmarkTable
from pymoo_arnas.objectives import objective_name
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
N_SEVERITIES = 5
_CACHE_VERSION = 3


def available_datasets(data_dir=None) -> tuple[str, ...]:
    """Datasets with at least one ``*_accuracy.json`` under the data root."""
    root = find_data_dir(data_dir)
    return tuple(
        sorted(p.name for p in root.iterdir() if p.is_dir() and any(p.glob("*_accuracy.json")))
    )


def _source_paths(root: Path, dataset: str, meta: Path | None = None) -> list[Path]:
    """``meta.json`` (of ``root``, or ``meta``) and every ``*_accuracy.json`` of ``dataset``."""
    files = (root / dataset / f"{key}_accuracy.json" for key in KEYS)
    return [meta or meta_path(root), *(f for f in files if f.is_file())]


def _read_sources(root: Path, dataset: str, meta: Path | None = None) -> list[tuple[Path, bytes]]:
    """The source files with their bytes."""
    return [(f, f.read_bytes()) for f in _source_paths(root, dataset, meta)]


def _stamp(paths: list[Path]) -> str:
    """Name, size, mtime, ctime and inode of each file. The kernel sets ctime on every write
    and no tool can set it back (unlike mtime: ``cp -p``, ``touch -r``, a restore), so an
    unchanged stamp means unchanged files without reading them."""
    parts = []
    for f in paths:
        st = f.stat()
        parts.append(f"{f.name}|{st.st_size}|{st.st_mtime_ns}|{st.st_ctime_ns}|{st.st_ino}")
    return "\n".join(parts)


def _content_hash(sources: list[tuple[Path, bytes]]) -> str:
    """SHA-256 over the names and bytes of the source files (and the cache layout version)."""
    h = hashlib.sha256(f"v{_CACHE_VERSION}".encode())
    for path, data in sources:
        h.update(f"\0{path.name}\0{len(data)}\0".encode())
        h.update(data)
    return h.hexdigest()


def _cache_file(root: Path, dataset: str) -> Path:
    tag = hashlib.sha1(str(root.resolve()).encode()).hexdigest()[:12]
    return cache_dir() / "tables" / f"{SOURCE}-{dataset}-{tag}.npz"


_META_MEMO: dict[str, tuple[CellIndex, dict]] = {}


def _index_of(path: Path, data: bytes) -> tuple[CellIndex, dict]:
    """The checked :class:`CellIndex` and epsilons of a ``meta.json`` (memo on its content)."""
    key = hashlib.sha256(data).hexdigest()
    if key not in _META_MEMO:
        if len(_META_MEMO) >= 4:
            _META_MEMO.pop(next(iter(_META_MEMO)))
        _META_MEMO[key] = check_meta(parse_json(path, data), path)
    return _META_MEMO[key]


def read_index(data_dir=None) -> tuple[CellIndex, dict]:
    """The NAS-Bench-201 :class:`CellIndex` and attack epsilons from a root's ``meta.json``."""
    mpath = meta_path(find_data_dir(data_dir))
    return _index_of(mpath, mpath.read_bytes())


def _build(dataset: str, sources: list[tuple[Path, bytes]]) -> BenchmarkTable:
    """Parse and check the source files (``meta.json`` first) into a table."""
    (mpath, mdata), files = sources[0], sources[1:]
    index, epsilons = _index_of(mpath, mdata)
    uids = index.uids
    keys = [str(u) for u in uids]
    columns, blocks, eps_present = [], [], {}
    for path, data in files:
        key = path.name.removesuffix("_accuracy.json")
        where = [dataset, key, "accuracy"]
        acc = subtree(parse_json(path, data), where, path)
        where = "/".join(where)
        if key in ATTACKS:
            eps = epsilons.get(key)
            if eps is None:
                raise TableFileError(mpath, f"lists no epsilons for {key} (needed by {path})",
                                     f"epsilons/{key}")
            block = accuracy_block(acc, keys, len(eps), path, where)
            columns += [objective_name(key, e) for e in eps]
            eps_present[key] = eps
        elif key == CLEAN:
            block = accuracy_block(acc, keys, None, path, where)[:, None]
            columns.append(key)
        else:  # a corruption: one accuracy per severity 1..5, plus their mean
            sev = accuracy_block(acc, keys, N_SEVERITIES, path, where)
            block = np.hstack([sev.mean(axis=1, keepdims=True), sev])
            columns += [key, *(f"{key}:{s}" for s in range(1, N_SEVERITIES + 1))]
        blocks.append(block)
    return BenchmarkTable(
        dataset=dataset,
        source=SOURCE,
        columns=tuple(columns),
        values=np.hstack(blocks),
        uids=uids.astype(np.int64),
        code_to_row=BenchmarkTable.rows_from_uids(index, uids),
        index=index,
        epsilons=eps_present,
    )


def _save(path: Path, table: BenchmarkTable, content_hash: str, stamp: str) -> None:
    """Write the cache atomically: a temp file in the same folder, then ``os.replace``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(
                f,
                content_hash=np.array(content_hash),
                stamp=np.array(stamp),
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


def _load_cached(path: Path) -> tuple[BenchmarkTable, str, str] | None:
    """``(table, content hash of its sources, their stamp)`` from the cache, or None."""
    try:
        with np.load(path, allow_pickle=False) as z:
            if "content_hash" not in z.files:  # an older layout
                return None
            table = BenchmarkTable(
                dataset=str(z["dataset"]),
                source=SOURCE,
                columns=tuple(str(c) for c in z["columns"]),
                values=z["values"],
                uids=z["uids"],
                code_to_row=z["code_to_row"],
                index=CellIndex(z["code_to_index"], z["index_to_code"], z["code_to_uid"]),
                epsilons={k: tuple(v) for k, v in json.loads(str(z["epsilons"])).items()},
            )
            return table, str(z["content_hash"]), str(z["stamp"])
    except FileNotFoundError:
        return None
    except Exception as exc:  # a damaged cache is rebuilt, never trusted
        log.warning("ignoring unreadable table cache %s (%s); rebuilding", path, exc)
        return None


def check_files(root, dataset: str, meta=None) -> BenchmarkTable:
    """Read and check every file of ``dataset`` under ``root`` (no cache): the table, or a
    :class:`~pymoo_arnas.data.checks.TableFileError` naming the first fault.

    ``meta`` is the ``meta.json`` to use when ``root`` has none (e.g. a download that brings
    only a dataset's files).
    """
    root = Path(root)
    sources = _read_sources(root, dataset, Path(meta) if meta is not None else None)
    if len(sources) == 1:
        raise TableFileError(root / dataset, f"holds no *_accuracy.json files for {dataset}")
    return _build(dataset, sources)


def load_robustness(dataset: str = "cifar10", data_dir=None, use_cache: bool = True,
                    download: bool = False) -> BenchmarkTable:
    """Load one dataset of the robustness benchmark as a :class:`BenchmarkTable`.

    Parameters
    ----------
    dataset : str
        ``"cifar10"``, ``"cifar100"`` or ``"ImageNet16-120"`` (where its files are present).
    data_dir : path, optional
        Root of the dataset; see :mod:`pymoo_arnas.data.locate` for where it is looked for.
    use_cache : bool
        Read and write the compact ``.npz`` cache (default). ``False`` parses the JSON.
    download : bool
        When the tables are nowhere to be found (or lack ``dataset``), fetch them from the
        official release with :func:`pymoo_arnas.data.download` (into ``data_dir`` if given,
        else the user cache), with a progress bar, instead of failing.

    Raises
    ------
    DataNotFoundError
        No copy of the tables is found (and ``download`` is False); the message lists where
        it looked.
    TableFileError
        A file is damaged or malformed; the message names the file, the key and the value.

    Examples
    --------
    >>> from pymoo_arnas.data import load_robustness
    >>> t = load_robustness("cifar10")
    >>> t.n_rows, round(float(t.column("clean").max()), 3)
    (6466, 0.946)
    """
    try:
        root = find_data_dir(data_dir)
    except DataNotFoundError:
        if not download:
            raise
        from pymoo_arnas.data.release import download as fetch

        root = fetch([dataset], dest=data_dir if data_dir is not None else os.environ.get(ENV_DATA))
    if not (root / dataset).is_dir() and download:
        from pymoo_arnas.data.release import download as fetch

        fetch([dataset], dest=root)
    if not (root / dataset).is_dir():
        raise ValueError(
            f"unknown dataset {dataset!r}; datasets under {root}: "
            f"{', '.join(available_datasets(root)) or 'none'}"
        )
    paths = _source_paths(root, dataset)
    if len(paths) == 1:
        raise FileNotFoundError(
            f"no *_accuracy.json files for dataset {dataset!r} under {root}; datasets there: "
            f"{', '.join(available_datasets(root)) or 'none'}"
        )
    path = _cache_file(root, dataset)
    cached = _load_cached(path) if use_cache else None
    stamp = _stamp(paths)
    if cached is not None and cached[2] == stamp:
        return cached[0]  # the very files it was built from, untouched since
    sources = [(f, f.read_bytes()) for f in paths]
    content_hash = _content_hash(sources)
    if stamp != _stamp(paths):
        stamp = ""  # written to while read: hash again next time
    if cached is not None and cached[1] == content_hash:
        table = cached[0]  # touched or copied, same contents
    else:
        table = _build(dataset, sources)
    if use_cache:
        try:
            _save(path, table, content_hash, stamp)
            log.info("wrote table cache %s (from %s)", path, root)
        except OSError as exc:
            log.warning("could not write table cache %s: %s", path, exc)
    return table
