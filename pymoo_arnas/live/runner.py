"""Train the cells a generation asks for: from the store when there, else serially, in
local processes or on a Dask cluster, writing each result to the store as it finishes.

Every cell is trained under a seed that depends only on the config seed and the cell's
isomorphism key, so serial, process and Dask runs give the same numbers (on the same
kind of device and thread count).
"""

from __future__ import annotations

import logging

from pymoo_arnas.live.cells import key_of
from pymoo_arnas.space import representative
from pymoo_arnas.live.config import TrainConfig
from pymoo_arnas.live.store import ResultStore

log = logging.getLogger(__name__)


def _train_job(genome, dataset, config, metrics):
    """Runs in a worker: one cell (imported lazily so workers need torch only here)."""
    from pymoo_arnas.live.train import train_cell

    return train_cell(genome, dataset, config, metrics)


class CellRunner:
    """Evaluates cells of one dataset and config against a :class:`ResultStore`.

    Parameters
    ----------
    dataset : str or LiveData
        Built-in name or user data (its ``name`` is its key in the store).
    config : TrainConfig
    store : ResultStore or path
    scheduler : str, optional
        Address of a running Dask scheduler (``"tcp://host:8786"``), or ``"local"`` for a
        ``LocalCluster`` of ``n_workers`` processes. For one GPU per worker start the
        cluster with ``dask-cuda`` (``LocalCUDACluster``/``dask-cuda-worker``); with
        ``device="auto"`` each worker trains on the GPU it sees.
    n_workers : int
        Without a scheduler: local worker processes (1: train in this process).
    progress : bool
        A tqdm bar per batch of cells to train (time and device of the last cell).
    trainer : callable, optional
        ``trainer(genome, dataset, config, metrics) -> dict`` (default: :func:`train_cell`);
        must be picklable for processes / Dask.
    callback : callable, optional
        ``callback(genome, result)`` after each cell is stored (e.g. for logging).
    """

    def __init__(self, dataset, config: TrainConfig, store, scheduler: str | None = None,
                 n_workers: int = 1, progress: bool = True, trainer=None, callback=None):
        if not isinstance(config, TrainConfig):
            raise ValueError(f"config must be a TrainConfig; got {type(config).__name__}")
        if isinstance(n_workers, bool) or int(n_workers) != n_workers or n_workers < 1:
            raise ValueError(f"n_workers must be a positive integer; got {n_workers!r}")
        if scheduler is not None and not isinstance(scheduler, str):
            raise ValueError(f"scheduler must be a Dask address such as 'tcp://host:8786' or "
                             f"'local'; got {scheduler!r}")
        self.dataset = dataset
        self.dataset_name = dataset if isinstance(dataset, str) else dataset.name
        self.config = config
        self.store = store if isinstance(store, ResultStore) else ResultStore(store)
        self.scheduler = scheduler
        self.n_workers = int(n_workers)
        self.progress = progress
        self.trainer = trainer or _train_job
        self.callback = callback
        self.n_trained = 0
        self._pool = None
        self._client = None
        self._cluster = None

    @property
    def mode(self) -> str:
        if self.scheduler:
            return "dask"
        return "processes" if self.n_workers > 1 else "serial"

    def __getstate__(self):
        state = self.__dict__.copy()
        state.update(_pool=None, _client=None, _cluster=None)
        return state

    # ------------------------------------------------------------------ public

    def run(self, X, metrics) -> list:
        """Genomes ``(n, 6)`` -> one ``{metric: accuracy}`` per row, training what is missing.

        Isomorphic genomes share one training (of the class representative). Each trained
        cell is in the store before the next is waited for; if some cells fail, the others
        are still stored and the first error is raised at the end.
        """
        metrics = list(metrics)
        reps = representative(X)
        keys = key_of(reps)
        cached = self.store.get(self.dataset_name, self.config, reps, metrics)
        results = {k: c for k, c in zip(keys, cached) if c is not None}
        todo = {}
        for k, g, c in zip(keys, reps, cached):
            if c is None and k not in todo:
                todo[k] = g
        if todo:
            log.info("%d cells to train (%s), %d from the store", len(todo), self.mode,
                     len(set(keys)) - len(todo))
            results.update(self._train(list(todo.items()), metrics))
        return [results[k] for k in keys]

    def close(self) -> None:
        """Shut down worker processes / the Dask client this runner started."""
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def __del__(self):
        try:
            self.close()
        except Exception:  # interpreter shutdown
            pass

    # ------------------------------------------------------------------ internals

    def _worker_config(self) -> TrainConfig:
        if self.mode != "serial" and self.config.num_threads is None:
            return self.config.replace(num_threads=1)  # not part of the key
        return self.config

    def _record(self, genome, key, res, metrics, out, bar) -> None:
        got = {m: res["metrics"][m] for m in metrics}
        self.store.put(self.dataset_name, self.config, genome, got, seconds=res.get("seconds"),
                       device=res.get("device"), n_params=res.get("n_params"))
        out[key] = got
        self.n_trained += 1
        bar.set_postfix_str(f"{res.get('seconds', float('nan')):.1f}s on {res.get('device')}")
        bar.update(1)
        if self.callback is not None:
            self.callback(genome, res)

    def _train(self, todo, metrics) -> dict:
        from tqdm.auto import tqdm

        out: dict = {}
        cfg = self._worker_config()
        with tqdm(total=len(todo), desc=f"live cells ({self.mode})", unit="cell",
                  disable=not self.progress, leave=False) as bar:
            if self.mode == "serial":
                for key, g in todo:
                    res = self.trainer(g, self.dataset, cfg, metrics)
                    self._record(g, key, res, metrics, out, bar)
                return out
            futures = self._submit(todo, cfg, metrics)
            errors = []
            for fut, (key, g) in self._completed(futures):
                try:
                    res = fut.result()
                except Exception as exc:  # keep collecting: finished cells must be stored
                    log.error("cell %s failed: %r", key, exc)
                    errors.append(exc)
                    continue
                self._record(g, key, res, metrics, out, bar)
            if errors:
                raise errors[0]
        return out

    def _submit(self, todo, cfg, metrics):
        if self.mode == "dask":
            client = self._dask_client()
            return {client.submit(self.trainer, g, self.dataset, cfg, metrics, pure=False): (k, g)
                    for k, g in todo}
        if self._pool is None:
            import multiprocessing as mp
            from concurrent.futures import ProcessPoolExecutor

            self._pool = ProcessPoolExecutor(max_workers=self.n_workers,
                                             mp_context=mp.get_context("spawn"))
        return {self._pool.submit(self.trainer, g, self.dataset, cfg, metrics): (k, g)
                for k, g in todo}

    def _completed(self, futures):
        if self.mode == "dask":
            from distributed import as_completed
        else:
            from concurrent.futures import as_completed
        for fut in as_completed(list(futures)):
            yield fut, futures[fut]

    def _dask_client(self):
        if self._client is None:
            from distributed import Client, LocalCluster

            if self.scheduler == "local":
                self._cluster = LocalCluster(n_workers=self.n_workers, threads_per_worker=1,
                                             processes=True, dashboard_address=None)
                self._client = Client(self._cluster)
            else:
                self._client = Client(self.scheduler)
        return self._client
