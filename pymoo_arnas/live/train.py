"""Train one cell's network and measure its clean and adversarial test accuracy.

Examples
--------
>>> import torch; torch.set_num_threads(1)
>>> from pymoo_arnas.live.config import TrainConfig
>>> from pymoo_arnas.live.train import train_cell
>>> cfg = TrainConfig(C=4, N=1, epochs=1, max_train=64, max_test=32, device="cpu")
>>> r = train_cell([3, 3, 3, 3, 3, 3], "digits", cfg, metrics=("clean", "pgd@Linf:0.1"))
>>> sorted(r["metrics"]), r["device"]
(['clean', 'pgd@Linf:0.1'], 'cpu')
"""

from __future__ import annotations

import time

import numpy as np
import torch
import torch.nn.functional as F

from pymoo_arnas.live.attacks import fgsm, pgd
from pymoo_arnas.live.config import TrainConfig, cell_seed, parse_metric
from pymoo_arnas.live.datasets import load_dataset
from pymoo_arnas.live.model import NB201Network
from pymoo_arnas.space import canonical_str, validate


def resolve_device(device: str = "auto") -> torch.device:
    """``"auto"`` -> CUDA when available (else MPS, else CPU); other names as given."""
    if device == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    return torch.device(device)


def _batches(n: int, batch_size: int, generator: torch.Generator | None):
    order = torch.randperm(n, generator=generator) if generator is not None else torch.arange(n)
    for start in range(0, n, batch_size):
        yield order[start:start + batch_size]


def _adversarial(model, x, y, cfg: TrainConfig, gen):
    if cfg.adv == "fgsm":
        return fgsm(model, x, y, cfg.adv_eps)
    return pgd(model, x, y, cfg.adv_eps, steps=cfg.adv_steps, generator=gen)


def accuracy(model, x, y, batch_size: int, attack=None, device=None) -> float:
    """Accuracy ``in [0, 1]`` of ``model`` on ``(x, y)``, optionally under ``attack(model, x, y)``."""
    model.eval()
    correct = 0
    for idx in _batches(len(x), batch_size, None):
        xb, yb = x[idx].to(device), y[idx].to(device)
        if attack is not None:
            xb = attack(model, xb, yb)
        with torch.no_grad():
            correct += int((model(xb).argmax(1) == yb).sum())
    return correct / len(x)


def train_cell(genome, dataset, config: TrainConfig, metrics=("clean",), data=None) -> dict:
    """Build the genome's NAS-Bench-201 network, train it and evaluate ``metrics``.

    The run is seeded by :func:`~pymoo_arnas.live.config.cell_seed` of ``config.seed`` and the
    cell's isomorphism key (network init, batch order, attack noise), and does not touch the
    caller's global random state.

    Parameters
    ----------
    genome : array_like of int, shape (6,)
    dataset : str or LiveData
        See :func:`~pymoo_arnas.live.datasets.load_dataset`.
    config : TrainConfig
    metrics : sequence of str
        ``"clean"``, ``"fgsm@Linf:<eps>"``, ``"pgd@Linf:<eps>"`` (eps in input units).
    data : LiveData, optional
        Already loaded (and subset) data; default: ``dataset`` loaded and subset per config.

    Returns
    -------
    dict
        ``metrics`` (name -> accuracy), ``seconds`` (wall time, training and evaluation),
        ``device`` (as used, e.g. ``"cuda:0"``), ``n_params``.
    """
    g = validate(genome)[0]
    parsed = [(m, *parse_metric(m)) for m in metrics]
    if data is None:
        data = load_dataset(dataset).subset(config.max_train, config.max_test)
    device = resolve_device(config.device)
    seed = cell_seed(config.seed, canonical_str(g))
    t0 = time.perf_counter()
    old_threads = torch.get_num_threads()
    if config.num_threads is not None:
        torch.set_num_threads(config.num_threads)
    try:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            gen = torch.Generator().manual_seed(seed)
            model = NB201Network(g, C=config.C, N=config.N, in_channels=data.in_channels,
                                 num_classes=data.num_classes).to(device)
            n_params = sum(p.numel() for p in model.parameters())
            _fit(model, data, config, device, gen)
            results = {}
            x, y = data.x_test, data.y_test
            for name, attack, eps in parsed:
                if attack == "clean":
                    fn = None
                elif attack == "fgsm@Linf":
                    def fn(m, xb, yb, eps=eps):
                        return fgsm(m, xb, yb, eps)
                else:
                    def fn(m, xb, yb, eps=eps):
                        return pgd(m, xb, yb, eps, steps=config.eval_pgd_steps, generator=gen)
                results[name] = accuracy(model, x, y, config.batch_size, fn, device)
    finally:
        torch.set_num_threads(old_threads)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
        dev = f"cuda:{device.index if device.index is not None else torch.cuda.current_device()}"
        dev += f" ({torch.cuda.get_device_name(device)})"
    else:
        dev = device.type
    return {"metrics": results, "seconds": time.perf_counter() - t0, "device": dev,
            "n_params": int(n_params)}


def _fit(model, data, cfg: TrainConfig, device, gen) -> None:
    params = model.parameters()
    if cfg.optimizer == "sgd":
        opt = torch.optim.SGD(params, lr=cfg.lr, momentum=0.9, nesterov=True,
                              weight_decay=cfg.weight_decay)
    else:
        opt = torch.optim.Adam(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    n = len(data.x_train)
    steps = cfg.epochs * int(np.ceil(n / cfg.batch_size))
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps)
    x_all, y_all = data.x_train.to(device), data.y_train.to(device)
    for _ in range(cfg.epochs):
        for idx in _batches(n, cfg.batch_size, gen):
            idx = idx.to(device)
            xb, yb = x_all[idx], y_all[idx]
            if cfg.adv != "none":
                model.eval()  # attack the current weights without touching BN statistics
                xb = _adversarial(model, xb, yb, cfg, gen)
            model.train()
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
