"""Live ARNAS: train and attack real NAS-Bench-201 networks (needs the ``live`` extra).

Configs, cell keys and the result store need no torch; the network, attacks, data and
training import torch and are loaded on first use:

- :class:`TrainConfig` (:mod:`.config`), :class:`ResultStore` (:mod:`.store`),
  :class:`CellRunner` (:mod:`.runner`), cell keys (:mod:`.cells`);
- :class:`NB201Network` (:mod:`.model`), :func:`fgsm` / :func:`pgd` (:mod:`.attacks`),
  :class:`LiveData` / :func:`load_dataset` (:mod:`.datasets`), :func:`train_cell` (:mod:`.train`).

The pymoo problem is :class:`pymoo_arnas.problems.ARNASLive`.
"""

from pymoo_arnas.live.config import TrainConfig, cell_seed, metric_name, parse_metric
from pymoo_arnas.live.runner import CellRunner
from pymoo_arnas.live.store import ResultStore

_LAZY = {
    "NB201Network": "pymoo_arnas.live.model",
    "fgsm": "pymoo_arnas.live.attacks",
    "pgd": "pymoo_arnas.live.attacks",
    "LiveData": "pymoo_arnas.live.datasets",
    "load_dataset": "pymoo_arnas.live.datasets",
    "train_cell": "pymoo_arnas.live.train",
}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'pymoo_arnas.live' has no attribute {name!r}")


__all__ = ["TrainConfig", "ResultStore", "CellRunner", "cell_seed", "metric_name",
           "parse_metric", *_LAZY]
