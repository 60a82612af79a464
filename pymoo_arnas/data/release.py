"""Download the official robustness-dataset release into the user cache.

The release (Jung et al., ICLR 2023) is served at ``http://data.robustness.vision/`` as zips:
``meta.zip`` (``meta.json``) and ``<dataset>-accuracies.zip`` (every ``*_accuracy.json`` of one
dataset). Each zip is streamed to a ``.part`` file with a progress bar, its size checked
against the server's ``Content-Length`` (and its SHA-256 against a known value where one is
given), its CRCs tested, then unpacked into a temporary folder and moved into place with
atomic renames: an interrupted download never leaves a half-written dataset behind, and
files already in place are kept.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
import zipfile
import zlib
from pathlib import Path, PurePosixPath

import httpx
from tqdm.auto import tqdm

from pymoo_arnas.data.locate import default_download_dir, meta_path

log = logging.getLogger(__name__)

BASE_URL = "http://data.robustness.vision"
ENV_URL = "ARNAS_DATA_URL"
RELEASE_DATASETS = ("cifar10", "cifar100", "ImageNet16-120")

CHECKSUMS: dict[str, str] = {}
"""Known SHA-256 of release zips by file name; a zip listed here must match it."""


class DownloadError(RuntimeError):
    """A release file could not be fetched or failed its checks."""


def release_files(datasets) -> list[str]:
    """Zip names for ``datasets`` (``meta.zip`` first)."""
    out = ["meta.zip"]
    for d in datasets:
        if d not in RELEASE_DATASETS:
            raise ValueError(
                f"unknown dataset {d!r}; the release has {', '.join(RELEASE_DATASETS)}"
            )
        out.append(f"{d}-accuracies.zip")
    return out


def _fetch(client: httpx.Client, url: str, dest: Path, expected_sha256: str | None, progress: bool):
    part = dest.with_name(dest.name + ".part")
    sha = hashlib.sha256()
    try:
        with client.stream("GET", url) as r:
            if r.status_code != 200:
                raise DownloadError(f"GET {url} answered HTTP {r.status_code}")
            total = r.headers.get("content-length")
            total = int(total) if total is not None else None
            got = 0
            with open(part, "wb") as f, tqdm(
                total=total, unit="B", unit_scale=True, desc=dest.name, disable=not progress
            ) as bar:
                for chunk in r.iter_bytes(1 << 20):
                    f.write(chunk)
                    sha.update(chunk)
                    got += len(chunk)
                    bar.update(len(chunk))
        if total is not None and got != total:
            raise DownloadError(f"{url}: received {got} bytes, the server announced {total}")
        digest = sha.hexdigest()
        if expected_sha256 is not None and digest != expected_sha256:
            raise DownloadError(f"{url}: SHA-256 {digest} does not match the known {expected_sha256}")
        with zipfile.ZipFile(part) as z:
            broken = z.testzip()
        if broken is not None:
            raise DownloadError(f"{url}: the member {broken} of the zip fails its CRC check")
        os.replace(part, dest)
        return digest
    except (httpx.HTTPError, zipfile.BadZipFile, zlib.error, OSError) as exc:
        raise DownloadError(f"could not download {url}: {exc}") from exc
    finally:
        part.unlink(missing_ok=True)


def _unpack(zip_path: Path, root: Path, dataset: str | None) -> list[str]:
    """Put the json files of a release zip into ``root``: ``meta.json`` at the top, the
    ``*_accuracy.json`` files of a dataset zip as the folder ``root/<dataset>/``.

    Everything is staged in a temporary folder beside the target and moved in by one
    rename (a whole dataset folder at once), so readers never see a partial dataset.
    """
    with tempfile.TemporaryDirectory(dir=root, prefix=".unpack-") as tmp, zipfile.ZipFile(zip_path) as z:
        stage = Path(tmp) / "new"
        stage.mkdir()
        names = []
        for info in z.infolist():
            name = PurePosixPath(info.filename)
            if info.is_dir() or ".." in name.parts:
                continue
            wanted = name.name == "meta.json" if dataset is None else name.name.endswith("_accuracy.json")
            if not wanted:
                continue
            with z.open(info) as src, open(stage / name.name, "wb") as dst:
                shutil.copyfileobj(src, dst)
            names.append(name.name)
        if not names:
            return names
        if dataset is None:
            os.replace(stage / "meta.json", root / "meta.json")
        else:
            target = root / dataset
            if target.exists():
                os.replace(target, Path(tmp) / "old")
            os.replace(stage, target)
    return names


def download(
    datasets=("cifar10", "cifar100"),
    dest=None,
    base_url: str | None = None,
    force: bool = False,
    progress: bool = True,
    timeout: float = 60.0,
) -> Path:
    """Fetch the official release zips and unpack them into ``dest``.

    Parameters
    ----------
    datasets : sequence of str
        Which datasets' accuracy files to get (``meta.json`` always comes along).
    dest : path, optional
        Target root; default the user cache (``<cache_dir>/robustness-dataset``), where
        the loaders look last.
    base_url : str, optional
        Server to fetch from; default ``$ARNAS_DATA_URL`` or the official release.
    force : bool
        Download even if the files are already there.

    Returns
    -------
    Path
        The dataset root, ready for :func:`pymoo_arnas.data.load_robustness`.
    """
    datasets = (datasets,) if isinstance(datasets, str) else tuple(datasets)
    names = release_files(datasets)
    root = Path(dest).expanduser() if dest is not None else default_download_dir()
    root.mkdir(parents=True, exist_ok=True)
    base = (base_url or os.environ.get(ENV_URL) or BASE_URL).rstrip("/")
    with httpx.Client(timeout=timeout, follow_redirects=True) as client:
        for name in names:
            dataset = None if name == "meta.zip" else name.removesuffix("-accuracies.zip")
            done = meta_path(root) is not None if dataset is None else any(
                (root / dataset).glob("*_accuracy.json")
            )
            if done and not force:
                log.info("%s already in %s; skipping (force=True downloads again)", name, root)
                continue
            with tempfile.TemporaryDirectory(dir=root, prefix=".download-") as tmp:
                zpath = Path(tmp) / name
                _fetch(client, f"{base}/{name}", zpath, CHECKSUMS.get(name), progress)
                placed = _unpack(zpath, root, dataset)
            if not placed:
                raise DownloadError(f"{base}/{name} holds no meta.json or *_accuracy.json files")
            log.info("unpacked %d files of %s into %s", len(placed), name, root)
    return root
