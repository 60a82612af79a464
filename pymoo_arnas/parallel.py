"""Map a function over tasks serially, in local processes or on a Dask cluster.

One helper for every parallel loop of the package (the sweep runner, the live cell
runner): results come back *as each task finishes*, so the caller can store each one at
once and an interrupted or failed run loses nothing already computed.

Where the tasks run:

- ``workers=1`` and no ``scheduler``: in this process, one after the other;
- ``workers=n > 1``: ``n`` local processes (``concurrent.futures`` with the ``spawn``
  start method). Their lifetime is tied to this process: each worker watches its parent
  and exits as soon as the parent is gone, even after a ``kill -9`` of the parent, which
  runs no clean-up of its own;
- ``scheduler="tcp://host:8786"``: an existing Dask cluster (``dask.distributed``);
  ``scheduler="local"``: a ``LocalCluster`` of ``workers`` processes started here (Dask's
  worker processes watch their parent themselves and exit with it too).

This module sits at the bottom of the package layering and imports nothing from it.

Examples
--------
>>> from pymoo_arnas.parallel import Executor, map_unordered
>>> sorted(map_unordered(pow, [1, 2, 3], 2))          # (index, pow(task, 2)) pairs
[(0, 1), (1, 4), (2, 9)]
>>> with Executor(workers=1) as ex:
...     ex.mode, [r for _, r in ex.map(abs, [-1, -2])]
('serial', [1, 2])
"""

from __future__ import annotations

import logging
import operator
import os
import signal
import threading
import time
from typing import Any, Callable, Iterable, Iterator

log = logging.getLogger(__name__)

PARENT_POLL_SECONDS = 0.5
"""How often a local worker checks that the process that started it is still alive."""


def _init_worker(parent_pid: int, interval: float = PARENT_POLL_SECONDS) -> None:
    """Initializer of a local worker: tie its lifetime to ``parent_pid``, leave Ctrl-C to it.

    A daemon thread polls ``os.getppid()``: when the parent dies (even by ``SIGKILL``) the
    worker is re-parented and the thread ends the process with ``os._exit`` (no clean-up:
    the parent that would receive results is gone). ``SIGINT`` is ignored: on Ctrl-C in a
    terminal the parent stops the workers itself, so they print nothing.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch():
        while True:
            if os.getppid() != parent_pid:
                os._exit(1)
            time.sleep(interval)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _check_workers(workers) -> int:
    try:
        n = operator.index(workers)
    except TypeError:
        n = 0
    if isinstance(workers, bool) or n < 1:
        raise ValueError(f"workers must be a positive integer; got {workers!r}")
    return n


class Executor:
    """Runs tasks serially, in local processes or on a Dask cluster; reusable across maps.

    Parameters
    ----------
    workers : int
        Local worker processes (1: run in this process); with ``scheduler="local"``, the
        number of processes of the ``LocalCluster``.
    scheduler : str, optional
        Address of a running Dask scheduler (``"tcp://host:8786"``), or ``"local"``.

    Notes
    -----
    The pool or Dask client is started at the first :meth:`map` and kept until
    :meth:`close` (or the end of a ``with`` block), so successive maps (e.g. one per
    generation) reuse the same workers. A pickled executor carries only its settings.
    """

    def __init__(self, workers: int = 1, scheduler: str | None = None) -> None:
        self.workers = _check_workers(workers)
        if scheduler is not None and (not isinstance(scheduler, str) or not scheduler):
            raise ValueError(f"scheduler must be a Dask address such as 'tcp://host:8786' or "
                             f"'local'; got {scheduler!r}")
        self.scheduler = scheduler
        self._pool = None
        self._client = None
        self._cluster = None

    @property
    def mode(self) -> str:
        """``"serial"``, ``"processes"`` or ``"dask"``."""
        if self.scheduler:
            return "dask"
        return "processes" if self.workers > 1 else "serial"

    def __repr__(self) -> str:
        where = f", scheduler={self.scheduler!r}" if self.scheduler else ""
        return f"Executor(workers={self.workers}{where})"

    def __getstate__(self):
        state = self.__dict__.copy()
        state.update(_pool=None, _client=None, _cluster=None)
        return state

    def __enter__(self) -> "Executor":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close(wait=exc_type is None)

    # ------------------------------------------------------------------ mapping

    def map(self, func: Callable, tasks: Iterable, *args, keep_going: bool = False
            ) -> Iterator[tuple[int, Any]]:
        """Yield ``(i, func(tasks[i], *args))`` for every task, in the order they finish.

        Parameters
        ----------
        func : callable
            Picklable (a module-level function) unless the executor is serial.
        tasks : iterable
            One first argument of ``func`` per task.
        *args
            Further arguments, the same for every task.
        keep_going : bool
            What happens when a task raises. ``False``: the tasks not yet started are
            cancelled, the ones already running are still yielded when they finish, then
            the first error is raised. ``True``: every other task still runs and is yielded,
            then the first error is raised.
        """
        tasks = list(tasks)
        if not tasks:
            return
        if self.mode == "serial":
            yield from self._map_serial(func, tasks, args, keep_going)
            return
        if self.mode == "dask":
            from distributed import as_completed

            client = self._dask_client()
            futures = {client.submit(func, t, *args, pure=False): i for i, t in enumerate(tasks)}
        else:
            from concurrent.futures import as_completed

            pool = self._process_pool()
            futures = {pool.submit(func, t, *args): i for i, t in enumerate(tasks)}
        first_error = None
        try:
            for fut in as_completed(list(futures)):
                if fut.cancelled():
                    continue
                try:
                    result = fut.result()
                except Exception as exc:
                    log.error("task %d failed: %r", futures[fut], exc)
                    if first_error is None:
                        first_error = exc
                        if not keep_going:
                            for other in futures:
                                other.cancel()  # only those not running yet
                    continue
                yield futures[fut], result
        except BaseException as exc:  # the caller stopped (Ctrl-C, break, error): drop the rest
            for other in futures:
                other.cancel()
            if isinstance(exc, KeyboardInterrupt):
                self.close(wait=False)  # do not wait for the running tasks
            raise
        if first_error is not None:
            raise first_error

    @staticmethod
    def _map_serial(func, tasks, args, keep_going):
        first_error = None
        for i, t in enumerate(tasks):
            try:
                result = func(t, *args)
            except Exception as exc:
                if not keep_going:
                    raise
                log.error("task %d failed: %r", i, exc)
                first_error = first_error or exc
                continue
            yield i, result
        if first_error is not None:
            raise first_error

    # ------------------------------------------------------------------ resources

    def _process_pool(self):
        if self._pool is None:
            import multiprocessing as mp
            from concurrent.futures import ProcessPoolExecutor

            self._pool = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=mp.get_context("spawn"),
                initializer=_init_worker, initargs=(os.getpid(),),
            )
        return self._pool

    def _dask_client(self):
        if self._client is None:
            from distributed import Client, LocalCluster

            if self.scheduler == "local":
                self._cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1,
                                             processes=True, dashboard_address=None)
                self._client = Client(self._cluster)
            else:
                self._client = Client(self.scheduler)
        return self._client

    def close(self, wait: bool = True) -> None:
        """Stop the workers this executor started (idempotent).

        ``wait=False`` (used after an error or Ctrl-C) does not wait for running tasks: the
        local worker processes are terminated.
        """
        pool, self._pool = self._pool, None
        if pool is not None:
            procs = list((getattr(pool, "_processes", None) or {}).values())
            pool.shutdown(wait=wait, cancel_futures=True)
            if not wait:
                for p in procs:
                    if p.is_alive():
                        p.terminate()
                for p in procs:
                    p.join(timeout=5)
        client, self._client = self._client, None
        if client is not None:
            client.close()
        cluster, self._cluster = self._cluster, None
        if cluster is not None:
            cluster.close()

    def __del__(self):
        try:
            self.close(wait=False)
        except Exception:  # interpreter shutdown
            pass


def map_unordered(func: Callable, tasks: Iterable, *args, workers: int = 1,
                  scheduler: str | None = None, keep_going: bool = False
                  ) -> Iterator[tuple[int, Any]]:
    """One :meth:`Executor.map` on a fresh :class:`Executor`, closed at the end.

    Yields ``(i, func(tasks[i], *args))`` as each task finishes.
    """
    ex = Executor(workers, scheduler)
    ok = False
    try:
        yield from ex.map(func, tasks, *args, keep_going=keep_going)
        ok = True
    finally:
        ex.close(wait=ok)


__all__ = ["PARENT_POLL_SECONDS", "Executor", "map_unordered"]
