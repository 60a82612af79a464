"""Finding the benchmark data and the cache on disk.

Where the robustness dataset is looked for, in this order (the first that holds it wins, and
the copy used is logged once per process):

1. the ``data_dir=`` argument;
2. the environment variable ``ARNAS_DATA``;
3. ``shared/data/robustness-dataset`` in the working directory or its parent (so
   ``../shared/data/robustness-dataset`` from a project checkout), then the same in the
   checkout this package runs from (an editable install) or its parent. No folder further up
   is searched, so an unrelated ``shared/`` far above is never picked up silently;
4. the user cache dir, where ``arnas download`` (or ``load_robustness(..., download=True)``)
   puts it.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import platformdirs

from pymoo_arnas.data.staging import LOCK_NAME, recover

log = logging.getLogger(__name__)

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
    """Where :func:`pymoo_arnas.data.download` puts the release:
    ``<cache_dir>/robustness-dataset``."""
    return cache_dir() / DATASET_DIRNAME


def meta_path(root: Path) -> Path | None:
    """``meta.json`` of a dataset root: at its top (official zips) or under ``data/``."""
    for p in (root / "meta.json", root / "data" / "meta.json"):
        if p.is_file():
            return p
    return None


def _is_root(path: Path) -> bool:
    return path.is_dir() and meta_path(path) is not None


def _checkout() -> Path | None:
    """The project checkout this package runs from (an editable install), if any."""
    top = Path(__file__).resolve().parents[2]
    return top if (top / "pyproject.toml").is_file() else None


def candidate_dirs(data_dir: str | os.PathLike | None = None) -> list[tuple[str, Path]]:
    """The places looked at, in order, each with a word on where it comes from."""
    out: list[tuple[str, Path]] = []
    if data_dir is not None:
        out.append(("data_dir argument", Path(data_dir).expanduser()))
    env = os.environ.get(ENV_DATA)
    if env:
        out.append((f"${ENV_DATA}", Path(env).expanduser()))
    cwd, checkout = Path.cwd(), _checkout()
    near = [("working directory", cwd), ("parent of the working directory", cwd.parent)]
    if checkout is not None:
        near += [("package checkout", checkout),
                 ("parent of the package checkout", checkout.parent)]
    seen = set()
    for how, base in near:
        p = base / _SHARED
        if p not in seen:
            seen.add(p)
            out.append((f"shared/ in the {how}", p))
    out.append(("user cache", default_download_dir()))
    return out


_logged: set[Path] = set()


def find_data_dir(data_dir: str | os.PathLike | None = None) -> Path:
    """Return the root of the robustness dataset (the folder with ``meta.json`` and ``cifar10/``).

    A download that was killed half-way in a candidate folder is rolled back first (see
    :mod:`pymoo_arnas.data.staging`).

    Raises
    ------
    DataNotFoundError
        If no place holds it; the message lists every place looked at and how to get the data.
        An explicit ``data_dir`` or ``ARNAS_DATA`` that does not hold it is an error at once,
        rather than silently falling back to another copy.
    """
    cands = candidate_dirs(data_dir)
    for how, path in cands:
        if (path / LOCK_NAME).exists():
            recover(path)
        if _is_root(path):
            path = path.resolve()
            if path not in _logged:
                _logged.add(path)
                log.info("robustness dataset: using %s (%s)", path, how)
            return path
        if how in ("data_dir argument", f"${ENV_DATA}"):
            raise DataNotFoundError(
                f"{how} {str(path)!r} does not hold the robustness dataset: expected meta.json "
                f"(or data/meta.json) and a folder per dataset such as cifar10/ with "
                f"*_accuracy.json files. Get it there with `arnas download --dest {path}` or "
                f"load_robustness(..., download=True)."
            )
    looked = "\n".join(f"  - {p} ({how})" for how, p in cands)
    raise DataNotFoundError(
        "Could not find the robustness dataset (Jung et al., ICLR 2023). Looked in:\n"
        f"{looked}\n"
        "Get it with `arnas download` (the official release from data.robustness.vision, into "
        "the user cache), or load_robustness(..., download=True), or point ARNAS_DATA / "
        "data_dir= at an existing copy."
    )
