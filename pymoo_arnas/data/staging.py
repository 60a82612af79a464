"""Replacing files and folders of a data root all at once, surviving a crash at any point.

A download unpacks into a staging folder ``<root>/.download-XXXX/new/`` and only then swaps
each item (``meta.json``, ``cifar10/``, ...) into place: the item there is first moved to
``.../old/``, then the new one moved in, both by ``os.replace`` (atomic renames on one file
system). When every item is in place a ``committed`` marker is written and the staging folder
removed. A failure before the marker puts every old item back (:meth:`Staging.swap`); a
process killed before the marker leaves the staging folder behind, and :func:`recover` puts the
old items back the next time the root is looked at. One lock file per root
(``<root>/.download.lock``) keeps two downloads, or a download and a recovery, apart.

Examples
--------
>>> import pathlib, tempfile
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> _ = (root / "meta.json").write_text("old")
>>> with Staging(root) as stage:
...     _ = (stage.new / "meta.json").write_text("new")
...     stage.swap(["meta.json"])
>>> (root / "meta.json").read_text(), sorted(p.name for p in root.iterdir())
('new', ['.download.lock', 'meta.json'])
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; downloads into one root must not overlap
    fcntl = None

log = logging.getLogger(__name__)

LOCK_NAME = ".download.lock"
PREFIX = ".download-"
COMMITTED = "committed"


def _move(src: Path, dst: Path) -> None:
    os.replace(src, dst)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


class _RootLock:
    """An exclusive ``flock`` on ``<root>/.download.lock`` (released when the process dies)."""

    def __init__(self, root: Path, blocking: bool = True):
        self.root, self.blocking, self._f = root, blocking, None

    def acquire(self) -> bool:
        self._f = open(self.root / LOCK_NAME, "a+b")
        if fcntl is None:
            return True
        try:
            fcntl.flock(self._f, fcntl.LOCK_EX | (0 if self.blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            self.release()
            return False
        return True

    def release(self) -> None:
        if self._f is not None:
            self._f.close()  # closing drops the flock
            self._f = None


def _roll_back(stage: Path, root: Path) -> list[str]:
    """Put every item of ``stage/old`` back into ``root`` (removing what replaced it)."""
    restored = []
    old = stage / "old"
    for item in sorted(old.iterdir()) if old.is_dir() else ():
        target = root / item.name
        if target.exists() or target.is_symlink():
            _remove(target)
        _move(item, target)
        restored.append(item.name)
    return restored


def _recover_locked(root: Path) -> list[str]:
    restored = []
    for stage in [p for p in root.glob(PREFIX + "*") if p.is_dir()]:
        if not (stage / COMMITTED).exists():
            restored += _roll_back(stage, root)
        _remove(stage)
    if restored:
        log.warning("put back %s in %s after an interrupted download", ", ".join(restored), root)
    return restored


def recover(root) -> list[str]:
    """Finish what a killed download left in ``root``: roll back an unfinished swap, remove
    the staging folders. Returns the names of the items put back.

    Does nothing while another process holds the root's lock (a download in progress), or
    where the root cannot be written (a read-only copy).
    """
    root = Path(root)
    if not any(p.is_dir() for p in root.glob(PREFIX + "*")):
        return []
    lock = _RootLock(root, blocking=False)
    try:
        if not lock.acquire():
            return []
        return _recover_locked(root)
    except OSError as exc:
        log.warning("could not clean up an interrupted download in %s: %s", root, exc)
        return []
    finally:
        lock.release()


class Staging:
    """A staging folder inside ``root``, under the root's lock, for one swap.

    Use as a context manager: fill :attr:`new` with items, call :meth:`swap` with their
    names; on leaving, the staging folder is removed (after a failed swap, with the old items
    put back first).
    """

    def __init__(self, root):
        self.root = Path(root)
        self._lock = _RootLock(self.root)
        self.path: Path | None = None

    @property
    def new(self) -> Path:
        return self.path / "new"

    @property
    def old(self) -> Path:
        return self.path / "old"

    def __enter__(self) -> "Staging":
        if self.path is not None:
            raise RuntimeError("a Staging is entered once")
        self.root.mkdir(parents=True, exist_ok=True)
        self._lock.acquire()
        try:
            _recover_locked(self.root)
            self.path = Path(tempfile.mkdtemp(dir=self.root, prefix=PREFIX))
            self.new.mkdir()
            self.old.mkdir()
        except BaseException:
            self._lock.release()
            raise
        return self

    def swap(self, names) -> None:
        """Move each ``new/<name>`` to ``root/<name>``, the item there to ``old/`` first.

        All or nothing: an exception (or KeyboardInterrupt) half-way puts the old items back.
        """
        try:
            for name in names:
                target = self.root / name
                if target.exists() or target.is_symlink():
                    _move(target, self.old / name)
                _move(self.new / name, target)
            (self.path / COMMITTED).touch()
        except BaseException:
            _roll_back(self.path, self.root)
            raise

    def __exit__(self, *exc) -> None:
        try:
            if self.path is not None:
                if not (self.path / COMMITTED).exists():
                    _roll_back(self.path, self.root)
                _remove(self.path)
        finally:
            self._lock.release()
