"""ARNASLive: the ARNAS search when no table exists, by training and attacking real networks."""

from __future__ import annotations

import numpy as np

from pymoo_arnas.live.config import TrainConfig, metric_name, parse_metric
from pymoo_arnas.live.runner import CellRunner
from pymoo_arnas.live.store import ResultStore
from pymoo_arnas.problems.base import CellProblem, check_settings
from pymoo_arnas.space import N_UNIQUE, CellIndex, isomorphism_class


def default_store_path():
    """``<pymoo-arnas cache dir>/live/results.sqlite`` (``ARNAS_CACHE_DIR`` moves it)."""
    from pymoo_arnas.data.locate import cache_dir

    return cache_dir() / "live" / "results.sqlite"


class ARNASLive(CellProblem):
    """ARNAS with real training: each unique cell is built as a NAS-Bench-201 network in
    PyTorch, trained (optionally adversarially) and attacked; needs the ``live`` extra.

    Same interface as :class:`~pymoo_arnas.problems.ARNAS`: 6 integer variables in
    ``0..4`` (the operation per edge), objectives ``error = 1 - accuracy``, ``n_evals``,
    ``n_unique``, ``query_log``, ``budget``, ``is_queried``. Isomorphic genomes share one
    training (of the class representative, the member with the smallest genome code), and
    every result goes to a persistent :class:`~pymoo_arnas.live.store.ResultStore` the
    moment it is done: rerunning a search that crashed or was stopped trains only what is
    missing. The cells of one generation are trained in parallel on a Dask cluster
    (``scheduler``) or in local processes (``n_workers``), with the same results as serially.

    Parameters
    ----------
    dataset : str or LiveData
        ``"digits"`` (scikit-learn, no download), ``"cifar10"``, ``"cifar100"`` (torchvision),
        or :meth:`LiveData.from_datasets(train, test, name=...) <pymoo_arnas.live.datasets.LiveData.from_datasets>`.
    objectives : str or sequence of str
        ``"clean"``, ``"pgd@Linf"`` / ``"pgd"``, ``"fgsm@Linf"`` / ``"fgsm"`` at ``epsilon``, or
        with their own epsilon as ``"pgd@Linf:0.1"``.
    epsilon : float
        Attack radius in *input units* (inputs in ``[0, 1]``; ``0.1`` is ``25.5/255``), unlike
        the ``1/255`` units of the ARNAS tables.
    train : TrainConfig
        Network size, training, adversarial training, evaluation PGD steps, seed, device.
    store : ResultStore or path, optional
        Default :func:`default_store_path`.
    scheduler : str, optional
        Dask scheduler address (``"tcp://host:8786"``) or ``"local"`` (a LocalCluster of
        ``n_workers`` processes).
    n_workers : int
        Local worker processes when no scheduler is given (1: train in this process).
    budget : int, optional
        Most unique cells; as in ARNAS, cells beyond it are not trained and get error 1.0,
        and the running algorithm is told to stop.
    cell_index : CellIndex, optional
        NAS-Bench-201's index (``load_robustness("cifar10").index``) to report real
        NAS-Bench-201 ``index`` / ``uid`` in :attr:`query_log`.
    progress : bool
        tqdm bars while cells train.
    trainer, callback
        See :class:`~pymoo_arnas.live.runner.CellRunner`.

    Attributes
    ----------
    n_evals : int
        Genomes evaluated (every row of every call).
    n_unique : int
        Distinct isomorphism classes evaluated (from the store or trained).
    n_trained : int
        Cells trained by this problem (not found in the store).
    query_log : pandas.DataFrame
        Unique queries in the order first asked: ``x0..x5`` (the genome as asked), ``index``
        (the genome's code, or its NAS-Bench-201 index with ``cell_index``), ``uid`` (the
        isomorphism class: the code of its representative, or NAS-Bench-201's uid with
        ``cell_index``), one accuracy column per objective and ``n_evals``, the evaluation
        that first asked for the cell (see :class:`~pymoo_arnas.problems.base.CellProblem`).

    Examples
    --------
    >>> import pytest, tempfile; torch = pytest.importorskip("torch"); torch.set_num_threads(1)
    >>> from pymoo_arnas.live import TrainConfig
    >>> from pymoo_arnas.problems import ARNASLive
    >>> cfg = TrainConfig(C=4, N=1, epochs=1, max_train=64, max_test=32, device="cpu")
    >>> p = ARNASLive("digits", ("clean", "pgd@Linf"), epsilon=0.1, train=cfg,
    ...               store=tempfile.mkdtemp() + "/live.sqlite", progress=False)
    >>> p.columns
    ('clean', 'pgd@Linf:0.1')
    >>> F = p.evaluate([[0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 3, 0]])  # isomorphic: one training
    >>> p.n_evals, p.n_unique, p.n_trained, bool((F[0] == F[1]).all())
    (2, 1, 1, True)
    """

    def __init__(
        self,
        dataset="digits",
        objectives=("clean", "pgd@Linf"),
        epsilon: float | None = 0.1,
        train: TrainConfig | None = None,
        store=None,
        scheduler: str | None = None,
        n_workers: int = 1,
        budget: int | None = None,
        cell_index: CellIndex | None = None,
        progress: bool = True,
        trainer=None,
        callback=None,
        **kwargs,
    ):
        objectives = check_settings(objectives, budget)
        train = TrainConfig() if train is None else train
        if not isinstance(train, TrainConfig):
            raise ValueError(f"train must be a TrainConfig; got {type(train).__name__}")
        columns = tuple(metric_name(*parse_metric(name, epsilon)) for name in objectives)
        if len(set(columns)) != len(columns):
            raise ValueError(f"objectives {objectives!r} name the same metric twice: {columns}")
        if not isinstance(dataset, str) and not hasattr(dataset, "x_train"):
            raise ValueError(
                f"dataset must be 'digits', 'cifar10', 'cifar100' or a LiveData; got "
                f"{type(dataset).__name__} (wrap torch Datasets with LiveData.from_datasets)"
            )
        if isinstance(dataset, str):
            from pymoo_arnas.live.datasets import BUILTIN  # needs torch: fail early if absent

            if dataset.strip().lower() not in BUILTIN:
                raise ValueError(f"unknown live dataset {dataset!r}; expected one of {', '.join(BUILTIN)} "
                                 "or a LiveData")
            dataset = dataset.strip().lower()
        self.dataset = dataset if isinstance(dataset, str) else dataset.name
        self.epsilon = epsilon
        self.train = train
        self.cell_index = cell_index
        store = ResultStore(default_store_path() if store is None else store) \
            if not isinstance(store, ResultStore) else store
        self.runner = CellRunner(dataset, train, store, scheduler=scheduler, n_workers=n_workers,
                                 progress=progress, trainer=trainer, callback=callback)
        super().__init__(objectives, columns, budget=budget, cell_index=cell_index,
                         n_keys=N_UNIQUE, **kwargs)

    @property
    def store(self) -> ResultStore:
        return self.runner.store

    # ------------------------------------------------------------------ bookkeeping

    def reset(self) -> None:
        """Forget all queries (counters, log, budget); the store keeps its results."""
        super().reset()
        self._trained_before = self.runner.n_trained

    @property
    def n_trained(self) -> int:
        return self.runner.n_trained - self._trained_before

    def to_table(self, missing: str = "raise"):
        """The store's cells for this dataset and config as a table for the fast ARNAS
        problem (see :meth:`ResultStore.to_table <pymoo_arnas.live.store.ResultStore.to_table>`)."""
        return self.store.to_table(self.dataset, self.train, metrics=self.columns,
                                   missing=missing, index=self.cell_index)

    def close(self) -> None:
        """Stop worker processes / Dask clients this problem started."""
        self.runner.close()

    # ------------------------------------------------------------------ evaluation

    def _keys(self, X):
        """The isomorphism class of each genome: isomorphic genomes share one training."""
        return isomorphism_class(X)

    def _values(self, X, keys):
        res = self.runner.run(X, self.columns)
        return np.array([[r[c] for c in self.columns] for r in res], dtype=float)

    def _repr_fields(self) -> list:
        return [f"dataset={self.dataset!r}", f"objectives={self.columns!r}",
                f"config={self.train.key()}"]
