"""Finding the benchmark data and the cache on disk.

Where the robustness dataset is looked for, in this order:

1. the ``data_dir=`` argument;
2. the environment variable ``ARNAS_DATA``;
3. ``shared/data/robustness-dataset`` beside the working directory or any of its parents
   (so ``../shared/data/robustness-dataset`` from a project checkout), then the same from
   where this package is installed;
4. the user cache dir, where ``python -m pymoo_arnas download`` puts it.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

ENV_DATA = "ARNAS_DATA"
ENV_CACHE = "ARNAS_CACHE_DIR"
DATASET_DIRNAME = "robustness-dataset"
_SHARED = Path("shared") / "data" / DATASET_DIRNAME


class DataNotFoundError(FileNotFoundError):
    """The benchmark tables are in none of the places looked at."""


def cache_dir() -> Path:
    """The user cache dir of pymoo-arnas (``ARNAS_CACHE_DIR`` overrides it)."""
    env = os.environ.get(ENV_CACHE)
    return Path(env).expanduser() if env else Path(platformdirs.user_cache_dir("pymoo-arnas"))


def default_download_dir() -> Path:
    """Where :func:`pymoo_arnas.data.download` puts the release: ``<cache_dir>/robustness-dataset``."""
    return cache_dir() / DATASET_DIRNAME


def meta_path(root: Path) -> Path | None:
    """``meta.json`` of a dataset root: at its top (official zips) or under ``data/``."""
    for p in (root / "meta.json", root / "data" / "meta.json"):
        if p.is_file():
            return p
    return None


def _is_root(path: Path) -> bool:
    return path.is_dir() and meta_path(path) is not None


def candidate_dirs(data_dir: str | os.PathLike | None = None) -> list[tuple[str, Path]]:
    """The places looked at, in order, each with a word on where it comes from."""
    out: list[tuple[str, Path]] = []
    if data_dir is not None:
        out.append(("data_dir argument", Path(data_dir).expanduser()))
    env = os.environ.get(ENV_DATA)
    if env:
        out.append((f"${ENV_DATA}", Path(env).expanduser()))
    seen = set()
    for start in (Path.cwd(), Path(__file__).resolve().parent):
        for parent in (start, *start.parents):
            p = parent / _SHARED
            if p not in seen:
                seen.add(p)
                out.append(("shared/ beside a parent dir", p))
    out.append(("user cache", default_download_dir()))
    return out


def find_data_dir(data_dir: str | os.PathLike | None = None) -> Path:
    """Return the root of the robustness dataset (the folder with ``meta.json`` and ``cifar10/``).

    Raises
    ------
    DataNotFoundError
        If no place holds it; the message lists every place looked at and how to get the data.
        An explicit ``data_dir`` or ``ARNAS_DATA`` that does not hold it is an error at once,
        rather than silently falling back to another copy.
    """
    cands = candidate_dirs(data_dir)
    for how, path in cands:
        if _is_root(path):
            return path.resolve()
        if how in ("data_dir argument", f"${ENV_DATA}"):
            raise DataNotFoundError(
                f"{how} {str(path)!r} does not hold the robustness dataset: expected meta.json "
                f"(or data/meta.json) and a folder per dataset such as cifar10/ with "
                f"*_accuracy.json files. Get it with `python -m pymoo_arnas download --dest {path}`."
            )
    looked = "\n".join(f"  - {p} ({how})" for how, p in cands if "parent" not in how)
    parents = sorted({str(p) for how, p in cands if "parent" in how})
    raise DataNotFoundError(
        "Could not find the robustness dataset (Jung et al., ICLR 2023). Looked in:\n"
        f"{looked}\n  - shared/data/{DATASET_DIRNAME} beside {len(parents)} parent folders "
        f"of the working directory and of the package, e.g. {parents[0]}\n"
        "Get it with `python -m pymoo_arnas download` (official release from "
        "data.robustness.vision into the user cache), or point ARNAS_DATA / data_dir= at "
        "an existing copy."
    )
