"""Download the official robustness-dataset release into the user cache.

The release (Jung et al., ICLR 2023) is served at ``http://data.robustness.vision/`` as zips:
``meta.zip`` (``meta.json``) and ``<dataset>-accuracies.zip`` (every ``*_accuracy.json`` of one
dataset). :func:`download` fetches them with `pooch <https://www.fatiando.org/pooch>`_
(retries with back-off, a progress bar, the SHA-256 of :data:`CHECKSUMS` where known), then

1. checks each zip: the CRC of every member it uses, the expected layout (one ``meta.json``;
   ``clean_accuracy.json`` and at least one attack file for CIFAR), no member path that leaves
   the folder, and no more than ``max_unpacked_bytes`` unpacked (a zip bomb is refused);
2. unpacks into a staging folder inside the target and reads every file with the loaders'
   checks (:mod:`pymoo_arnas.data.checks`), so a release that would not load is never put in
   place;
3. swaps the new files in all at once (:mod:`pymoo_arnas.data.staging`): a failure at any stage,
   even a killed process, leaves the previous copy as it was.

Sizes and hashes of the release
-------------------------------
The zips' SHA-256 could not be recorded: this package was written without access to the
release server. :data:`CHECKSUMS` is therefore empty and each download logs the SHA-256 it got
(``logging`` at INFO); add it there (``"sha256:<hex>"`` or the bare hex) to pin the release.
What is known, from a copy of the unpacked release: ``meta.json`` is about 2.1 MB (15,625 ids,
epsilons of four attacks); CIFAR-10 and CIFAR-100 each have 20 ``*_accuracy.json`` files (clean,
four attacks, 15 corruptions), about 5.1 MB together, with 6,466 uids each.
"""

from __future__ import annotations

import logging
import os
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from pymoo_arnas.data.checks import TableFileError
from pymoo_arnas.data.locate import ENV_DATA, default_download_dir, meta_path
from pymoo_arnas.data.robustness import ATTACKS, CLEAN, DATASETS, KEYS, check_files, read_index
from pymoo_arnas.data.staging import Staging

log = logging.getLogger(__name__)

BASE_URL = "http://data.robustness.vision"
ENV_URL = "ARNAS_DATA_URL"
RELEASE_DATASETS = DATASETS
"""The datasets the release has zips for: those of the robustness tables."""
MAX_UNPACKED_BYTES = 1 << 30
"""Refuse a release zip whose used members unpack to more than this (1 GiB; the real files
are about 10 MB)."""

CHECKSUMS: dict[str, str] = {}
"""Known SHA-256 of release zips by file name (none known yet, see the module docstring); a
zip listed here must match it."""


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


def _dataset_of(name: str) -> str | None:
    return None if name == "meta.zip" else name.removesuffix("-accuracies.zip")


def _present(root: Path, name: str) -> bool:
    dataset = _dataset_of(name)
    if dataset is None:
        return meta_path(root) is not None
    return any((root / dataset).glob("*_accuracy.json"))


def _unreachable(url: str, exc: Exception, root: Path) -> DownloadError:
    """The one-line error for a server that cannot be reached, with the two ways around it."""
    text = str(exc)
    if "NameResolution" in text or "Name or service not known" in text:
        reason = "host name not resolved: no network?"
    elif "refused" in text:
        reason = "connection refused"
    elif "timed out" in text.lower() or "timeout" in type(exc).__name__.lower():
        reason = "timed out"
    else:
        reason = type(exc).__name__
    return DownloadError(
        f"cannot reach {url} ({reason}). Use a mirror: `arnas download --url URL` or "
        f"{ENV_URL}=URL; or get the release by hand and put meta.json and "
        f"<dataset>/*_accuracy.json under {root} (or point {ENV_DATA} at a copy)"
    )


def _fetch(fetcher, name: str, root: Path, progress: bool, timeout: float) -> Path:
    """Download one zip into the staging folder with pooch; every failure a DownloadError."""
    import pooch
    import requests

    url = fetcher.get_url(name)
    downloader = pooch.HTTPDownloader(progressbar=progress, timeout=timeout)
    try:
        path = Path(fetcher.fetch(name, downloader=downloader))
    except requests.HTTPError as exc:
        raise DownloadError(f"GET {url} answered HTTP {exc.response.status_code}") from None
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise _unreachable(url, exc, root) from None
    except requests.RequestException as exc:  # e.g. a body shorter than announced
        raise DownloadError(f"could not download {url}: {exc}") from None
    except ValueError as exc:  # pooch: the hash does not match
        raise DownloadError(f"{url}: SHA-256 does not match the known value ({exc})") from None
    log.info("fetched %s: %d bytes, SHA-256 %s", url, path.stat().st_size,
             pooch.file_hash(str(path)))
    return path


def _member_path(info: zipfile.ZipInfo) -> PurePosixPath:
    return PurePosixPath(info.filename.replace("\\", "/"))  # some Windows tools write "\\"


def _members(z: zipfile.ZipFile, dataset: str | None, url: str) -> list[zipfile.ZipInfo]:
    """The members to unpack, after checking the zip's layout."""
    wanted, seen = [], {}
    for info in z.infolist():
        name = _member_path(info)
        drive = ":" in name.parts[0] if name.parts else False  # C:...
        if name.is_absolute() or ".." in name.parts or drive:
            raise DownloadError(f"{url}: member {info.filename!r} points outside the folder")
        if info.is_dir():
            continue
        if name.name == "meta.json" if dataset is None else name.name.endswith("_accuracy.json"):
            if name.name in seen:
                raise DownloadError(
                    f"{url}: {name.name} appears twice ({seen[name.name]!r}, {info.filename!r})"
                )
            seen[name.name] = info.filename
            wanted.append(info)
    keys = {n.removesuffix("_accuracy.json") for n in seen}
    if dataset is None:
        missing = [] if "meta.json" in seen else ["meta.json"]
    else:
        missing = [] if keys & set(ATTACKS) else [f"an attack file ({', '.join(ATTACKS)})"]
        if dataset.startswith("cifar") and CLEAN not in keys:
            missing.insert(0, f"{CLEAN}_accuracy.json")
    if missing:
        raise DownloadError(
            f"{url} does not have the expected layout: no {' and no '.join(missing)} among its "
            f"{len(z.infolist())} members"
        )
    if dataset is None:
        return wanted
    unknown = sorted(keys - set(KEYS))
    if unknown:
        log.info("%s: ignoring files the loaders do not read: %s", url, ", ".join(unknown))
    return [i for i in wanted
            if _member_path(i).name.removesuffix("_accuracy.json") in KEYS]


def _unpack(zip_path: Path, new: Path, dataset: str | None, url: str, max_bytes: int) -> str:
    """Unpack a release zip's files into ``new`` (``meta.json``, or the folder ``<dataset>/``),
    checking CRCs, layout and size; returns the item's name."""
    try:
        with zipfile.ZipFile(zip_path) as z:
            members = _members(z, dataset, url)
            declared = sum(i.file_size for i in members)
            if declared > max_bytes:
                raise DownloadError(
                    f"{url} would unpack to {declared} bytes, over the limit of {max_bytes} "
                    "(max_unpacked_bytes): refused as a possible zip bomb"
                )
            target = new if dataset is None else new / dataset
            target.mkdir(parents=True, exist_ok=True)
            written = 0
            for info in members:
                name = _member_path(info).name
                with z.open(info) as src, open(target / name, "wb") as dst:
                    while chunk := src.read(1 << 20):  # the CRC is checked at the member's end
                        written += len(chunk)
                        if written > max_bytes:
                            raise DownloadError(
                                f"{url} unpacks to more than {max_bytes} bytes "
                                "(max_unpacked_bytes): refused as a possible zip bomb"
                            )
                        dst.write(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise DownloadError(f"{url} is not a sound zip: {exc}") from None
    return "meta.json" if dataset is None else dataset


def _verify(new: Path, root: Path, items: list[str], base: str) -> None:
    """Read every unpacked file with the loaders' checks before anything is swapped in."""
    meta = new / "meta.json" if "meta.json" in items else meta_path(root)
    try:
        if "meta.json" in items:
            read_index(new)
        for item in items:
            if item != "meta.json":
                check_files(new, item, meta=meta)
    except TableFileError as exc:
        path = Path(exc.path)
        zip_name = "meta.zip" if path.name == "meta.json" else f"{path.parent.name}-accuracies.zip"
        raise DownloadError(f"{base}/{zip_name} fails its checks: {exc}") from None


def download(
    datasets=("cifar10", "cifar100"),
    dest=None,
    base_url: str | None = None,
    force: bool = False,
    progress: bool = True,
    timeout: float = 60.0,
    retries: int = 2,
    max_unpacked_bytes: int = MAX_UNPACKED_BYTES,
) -> Path:
    """Fetch the official release zips, check them and put their files into ``dest``.

    Parameters
    ----------
    datasets : str or sequence of str
        Which datasets' accuracy files to get (``meta.json`` always comes along).
    dest : path, optional
        Target root; default the user cache (``<cache_dir>/robustness-dataset``), where
        the loaders look last.
    base_url : str, optional
        Server to fetch from; default ``$ARNAS_DATA_URL`` or the official release.
    force : bool
        Download even if the files are already there (they are replaced only once the new
        ones have passed every check).
    progress : bool
        Show a progress bar per file.
    timeout : float
        Seconds to wait for the server.
    retries : int
        How many more times to try a file whose download failed (waiting 1 s, 2 s, ...).
    max_unpacked_bytes : int
        Refuse a zip whose files unpack to more than this.

    Returns
    -------
    Path
        The dataset root, ready for :func:`pymoo_arnas.data.load_robustness`.

    Raises
    ------
    DownloadError
        The server cannot be reached (the message gives the mirror option and the manual
        route), answers an error, or a file fails a check. The previous copy is left intact.
    """
    import pooch

    datasets = (datasets,) if isinstance(datasets, str) else tuple(datasets)
    names = release_files(datasets)
    root = Path(dest).expanduser() if dest is not None else default_download_dir()
    base = (base_url or os.environ.get(ENV_URL) or BASE_URL).rstrip("/")
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DownloadError(f"cannot create the target folder {root}: {exc}") from None
    stage = Staging(root)
    try:
        stage.__enter__()
    except OSError as exc:
        raise DownloadError(f"cannot write to the target folder {root}: {exc}") from None
    try:
        todo = [n for n in names if force or not _present(root, n)]
        for name in sorted(set(names) - set(todo)):
            log.info("%s already in %s; skipping (force=True downloads again)", name, root)
        if not todo:
            return root
        fetcher = pooch.create(
            path=stage.path / "zips", base_url=base + "/", retry_if_failed=retries,
            registry={n: CHECKSUMS.get(n) for n in todo},
        )
        pooch_log = pooch.get_logger()
        level = pooch_log.level
        if not progress:
            pooch_log.setLevel(logging.WARNING)
        try:
            items = []
            for name in todo:
                zip_path = _fetch(fetcher, name, root, progress, timeout)
                items.append(_unpack(zip_path, stage.new, _dataset_of(name), f"{base}/{name}",
                                     max_unpacked_bytes))
                zip_path.unlink()
        finally:
            pooch_log.setLevel(level)
        _verify(stage.new, root, items, base)
        stage.swap(items)
        log.info("placed %s in %s", ", ".join(items), root)
    finally:
        stage.__exit__(None, None, None)
    return root
