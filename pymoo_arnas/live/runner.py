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
        from pymoo_arnas.parallel import Executor

        if not isinstance(config, TrainConfig):
            raise ValueError(f"config must be a TrainConfig; got {type(config).__name__}")
        if isinstance(n_workers, bool) or int(n_workers) != n_workers or n_workers < 1:
            raise ValueError(f"n_workers must be a positive integer; got {n_workers!r}")
        self.dataset = dataset
        self.dataset_name = dataset if isinstance(dataset, str) else dataset.name
        self.config = config
        self.store = store if isinstance(store, ResultStore) else ResultStore(store)
        self.executor = Executor(int(n_workers), scheduler)
        self.progress = progress
        self.trainer = trainer or _train_job
        self.callback = callback
        self.n_trained = 0

    @property
    def scheduler(self) -> str | None:
        return self.executor.scheduler

    @property
    def n_workers(self) -> int:
        return self.executor.workers

    @property
    def mode(self) -> str:
        """``"serial"``, ``"processes"`` or ``"dask"``."""
        return self.executor.mode

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
        self.executor.close()

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
        genomes = [g for _, g in todo]
        with tqdm(total=len(todo), desc=f"live cells ({self.mode})", unit="cell",
                  disable=not self.progress, leave=False) as bar:
            # every finished cell is stored at once; a failed cell does not stop the others
            for i, res in self.executor.map(self.trainer, genomes, self.dataset, cfg, metrics,
                                            keep_going=True):
                key, g = todo[i]
                self._record(g, key, res, metrics, out, bar)
        return out
