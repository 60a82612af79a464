"""Training-free scores of NAS-Bench-201 cells: NTK spectrum, NASWOT and synflow.

Each score is computed on the untrained NAS-Bench-201 network of a genome
(:class:`~pymoo_arnas.live.model.NB201Network`, CIFAR input shape ``3 x 32 x 32``) with
weights drawn from a fixed seed, on one fixed batch of inputs:

- **empirical NTK** (as in Wu et al., ICLR 2024, and TE-NAS): the ``B x B`` Gram matrix
  ``Theta[i, j] = <d s(x_i)/d theta, d s(x_j)/d theta>`` of the per-sample gradients of
  the summed logits ``s(x) = sum_k f_k(x)``; BatchNorm statistics are those of the clean
  batch, frozen, so every sample's output depends on that sample alone. Reported: the
  smallest and largest eigenvalue, the trace and the condition number
  (``ntk_min``, ``ntk_max``, ``ntk_trace``, ``ntk_cond``), on the clean batch and on its
  PGD-perturbed copy (``ntk_adv_*``; L-inf PGD against the untrained network, labels of
  the batch);
- **NASWOT** (Mellor et al., ICML 2021): ``log |det K|`` of the kernel
  ``K[i, j] = sum over ReLUs of (units where the binary activation codes of x_i and x_j
  agree)``, network in training mode (``naswot``);
- **synflow** (Tanaka et al., NeurIPS 2020): ``sum |theta * dR/dtheta|`` with
  ``R = sum f(1)`` of the network with absolute weights, BatchNorm removed, in float64,
  on an all-ones input (``synflow``; ``log_synflow`` is its natural log).

Inputs are the user's batch when given, else a seeded Gaussian batch in image range:
``clip(0.5 + 0.25 z, 0, 1)`` with uniform random labels (``ScoreSettings.inputs`` says
which; it is stored beside every score).

:func:`score_classes` scores one genome per isomorphism class (the class representative,
see :func:`pymoo_arnas.space.representative_codes`) serially, in local processes or on a
Dask cluster (:mod:`pymoo_arnas.parallel`), on the CPU or a GPU, appending each row to a
CSV as it finishes, so an interrupted run resumes where it stopped.

Examples
--------
>>> from pymoo_arnas.live.scores import ScoreSettings, cell_scores
>>> s = cell_scores([3, 3, 3, 3, 3, 3], ScoreSettings(C=4, N=1, batch_size=4, pgd_steps=1))
>>> sorted(s)[:4]
['log_synflow', 'naswot', 'ntk_adv_cond', 'ntk_adv_max']
>>> s["ntk_max"] >= s["ntk_min"] > 0
True
"""

from __future__ import annotations

import contextlib
import copy
import csv
import math
import os
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.func import functional_call, grad, vmap

from pymoo_arnas.live.attacks import pgd
from pymoo_arnas.live.config import check_positive_ints
from pymoo_arnas.live.model import NB201Network
from pymoo_arnas.space import decode, encode, representative_codes, validate

SCORE_NAMES = (
    "ntk_min", "ntk_max", "ntk_trace", "ntk_cond",
    "ntk_adv_min", "ntk_adv_max", "ntk_adv_trace", "ntk_adv_cond",
    "naswot", "synflow", "log_synflow",
)
"""Columns of one cell's scores, in the order :func:`cell_scores` and the store write them."""


@dataclass(frozen=True)
class ScoreSettings:
    """How the scores are computed; stored with every row.

    Parameters
    ----------
    C, N : int
        Channels of the first stage and cells per stage (NAS-Bench-201: 16 and 5).
    num_classes : int
        Logits of the classifier (CIFAR-10: 10).
    batch_size : int
        Samples in the Gaussian batch (ignored when the user's inputs are given).
    seed : int
        Seeds the weights of every network, the Gaussian batch, its labels and PGD's
        random start.
    pgd_eps : float
        L-inf radius of the perturbation for the adversarial NTK, in units of 1/255.
    pgd_steps : int
        PGD steps.
    inputs : str
        ``"gaussian"`` for the seeded batch of :func:`make_batch`, or a label of the user's
        data, set by whoever passes ``x, y`` (``arnas scores --inputs f.npz`` sets
        ``"user:f.npz"``).
    """

    C: int = 16
    N: int = 5
    num_classes: int = 10
    batch_size: int = 16
    seed: int = 0
    pgd_eps: float = 8.0
    pgd_steps: int = 10
    inputs: str = "gaussian"

    def __post_init__(self):
        check_positive_ints(self, ("C", "N", "num_classes", "batch_size", "pgd_steps"))
        if self.batch_size < 2:
            raise ValueError(f"ScoreSettings.batch_size must be at least 2; got {self.batch_size}")
        if not self.pgd_eps >= 0:
            raise ValueError(f"ScoreSettings.pgd_eps must be >= 0 (units of 1/255); "
                             f"got {self.pgd_eps!r}")


def make_batch(settings: ScoreSettings):
    """The seeded Gaussian batch ``x (B, 3, 32, 32)`` in ``[0, 1]`` and labels ``y (B,)``.

    >>> x, y = make_batch(ScoreSettings(batch_size=4))
    >>> tuple(x.shape), float(x.min()) >= 0, tuple(y.shape)
    ((4, 3, 32, 32), True, (4,))
    """
    g = torch.Generator().manual_seed(settings.seed)
    x = (0.5 + 0.25 * torch.randn(settings.batch_size, 3, 32, 32, generator=g)).clamp(0.0, 1.0)
    y = torch.randint(0, settings.num_classes, (settings.batch_size,), generator=g)
    return x, y


def _network(genome, settings: ScoreSettings) -> NB201Network:
    """The untrained network, weights drawn from ``settings.seed`` (global RNG untouched)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(settings.seed)
        return NB201Network(genome, C=settings.C, N=settings.N, in_channels=3,
                            num_classes=settings.num_classes)


def _spectrum(theta: torch.Tensor, prefix: str) -> dict:
    ev = torch.linalg.eigvalsh(theta.double())
    lo, hi = float(ev[0]), float(ev[-1])
    return {f"{prefix}_min": lo, f"{prefix}_max": hi, f"{prefix}_trace": float(ev.sum()),
            f"{prefix}_cond": hi / lo if lo > 0 else math.inf}


def ntk(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Empirical NTK ``(B, B)`` of the summed logits, per-sample gradients (``torch.func``).

    ``model`` is used as given: put BatchNorm in eval mode so samples do not interact.
    """
    params = {k: v.detach() for k, v in model.named_parameters()}
    buffers = {k: v.detach() for k, v in model.named_buffers()}

    def out(p, xi):
        return functional_call(model, (p, buffers), (xi[None],)).sum()

    grads = vmap(grad(out), in_dims=(None, 0))(params, x)
    G = torch.cat([g.reshape(x.shape[0], -1) for g in grads.values()], dim=1)
    return G @ G.T


def _freeze_batchnorm(model: nn.Module, x: torch.Tensor) -> None:
    """Set every BatchNorm's running statistics to those of ``x`` and switch to eval mode."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.reset_running_stats()
            m.momentum = None  # cumulative average: one batch -> exactly its statistics
    model.train()
    with torch.no_grad():
        model(x)
    model.eval()


def naswot(model: nn.Module, x: torch.Tensor) -> float:
    """NASWOT score: ``log |det K|`` of the binary ReLU-code kernel on ``x`` (training mode)."""
    B = x.shape[0]
    K = torch.zeros(B, B, dtype=torch.float64, device=x.device)

    def hook(_module, inp, _out):
        c = (inp[0].detach().reshape(B, -1) > 0).double()
        K.add_(c @ c.T + (1 - c) @ (1 - c).T)

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, nn.ReLU)]
    try:
        model.train()
        with torch.no_grad():
            model(x)
    finally:
        for h in handles:
            h.remove()
    return float(torch.linalg.slogdet(K)[1])


def synflow(model: nn.Module, input_shape=(3, 32, 32), device=None) -> float:
    """Synflow: ``sum |theta * dR/dtheta|``, ``R = sum f(ones)``, absolute float64 weights,
    BatchNorm removed (as in the zero-cost proxy reference code). ``model`` is not changed."""
    net = copy.deepcopy(model)
    for name, m in list(net.named_modules()):
        for child_name, child in list(m.named_children()):
            if isinstance(child, nn.BatchNorm2d):
                setattr(m, child_name, nn.Identity())
    net = net.double().eval()
    with torch.no_grad():
        for p in net.parameters():
            p.abs_()
    net.zero_grad()
    net(torch.ones(1, *input_shape, dtype=torch.float64, device=device)).sum().backward()
    return float(sum((p.detach() * p.grad).abs().sum() for p in net.parameters()
                     if p.grad is not None))


def cell_scores(genome, settings: ScoreSettings = ScoreSettings(), x=None, y=None,
                device: str | None = None) -> dict:
    """All scores of one genome, a dict ``{name: float}`` over :data:`SCORE_NAMES`.

    Parameters
    ----------
    genome : array_like of int, shape (6,)
    settings : ScoreSettings
    x, y : Tensor, optional
        The user's batch ``(B, 3, 32, 32)`` in ``[0, 1]`` and labels ``(B,)``; default the
        seeded Gaussian batch of :func:`make_batch`.
    device : str, optional
        Torch device (default ``"cpu"``; ``"cuda"`` on a GPU). Weights and inputs are drawn
        on the CPU first, and convolutions on a GPU run in full float32 (not TF32), so a
        device changes only rounding.
    """
    if x is None:
        x, y = make_batch(settings)
    elif y is None:
        raise ValueError("user inputs x need their labels y (for the PGD perturbation)")
    device = torch.device(device or "cpu")
    with _full_float32(device):
        return _scores(genome, settings, x, y, device)


def _full_float32(device: torch.device):
    """On a GPU, convolutions without TF32, which cuDNN uses by default on Ampere and
    later GPUs (measured on an H200 with it: NTK scores a median 0.1 % off the CPU's, 3-4 %
    after PGD; without it as close as another CPU, see ``benchmarks/bench_scores.py``)."""
    if device.type != "cuda":
        return contextlib.nullcontext()
    cudnn = torch.backends.cudnn
    return cudnn.flags(enabled=cudnn.enabled, benchmark=cudnn.benchmark,
                       deterministic=cudnn.deterministic, allow_tf32=False)


def _scores(genome, settings, x, y, device) -> dict:
    model = _network(validate(genome)[0], settings).to(device)
    x, y = x.to(device), y.to(device)
    out = {"naswot": naswot(model, x)}
    sf = synflow(model, tuple(x.shape[1:]), device)
    out["synflow"] = sf
    out["log_synflow"] = math.log(sf) if sf > 0 else -math.inf
    _freeze_batchnorm(model, x)
    out.update(_spectrum(ntk(model, x), "ntk"))
    g = torch.Generator().manual_seed(settings.seed)
    x_adv = pgd(model, x, y, eps=settings.pgd_eps / 255, steps=settings.pgd_steps, generator=g)
    out.update(_spectrum(ntk(model, x_adv), "ntk_adv"))
    return {k: out[k] for k in SCORE_NAMES}


# ---------------------------------------------------------------- resumable store


STORE_COLUMNS = ("code", "uid", *SCORE_NAMES, "seconds", *(f.name for f in fields(ScoreSettings)))
"""Columns of a :class:`ScoreStore` CSV: cell, scores, seconds it took, settings."""


class ScoreStore:
    """Append-only CSV of scores, one row per cell (``code``, ``uid``, scores, seconds,
    settings); rows are flushed as they are written, so a killed run loses nothing.

    Parameters
    ----------
    path : str or Path
    settings : ScoreSettings
        Every row of an existing file must have been computed with the same settings;
        otherwise :class:`ValueError` names the differing setting.
    """

    def __init__(self, path, settings: ScoreSettings):
        self.path = Path(path)
        self.settings = settings
        self.columns = list(STORE_COLUMNS)
        if self.path.exists() and self.path.stat().st_size > 0:
            with self.path.open() as f:
                header = f.readline().rstrip("\n").split(",")
            if header != self.columns:
                raise ValueError(
                    f"{self.path} is not a score store (its first line is not the header "
                    f"{','.join(self.columns[:4])},...); use another file"
                )
            data = self.path.read_bytes()
            if not data.endswith(b"\n"):  # a run killed mid-line: drop the torn row
                with self.path.open("rb+") as f:
                    f.truncate(data.rfind(b"\n") + 1)
            done = self.read()
            ours = asdict(settings)
            for name, value in ours.items():
                if len(done) and not (done[name].astype(str) == str(value)).all():
                    other = done[name].iloc[0]
                    other = other.item() if hasattr(other, "item") else other
                    raise ValueError(
                        f"{self.path} holds scores computed with {name}={other!r}; these "
                        f"settings have {name}={value!r} (use another file)"
                    )
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("w", newline="") as f:
                csv.writer(f).writerow(self.columns)

    def read(self):
        """The rows stored so far as a DataFrame, one per code."""
        import pandas as pd

        df = pd.read_csv(self.path)
        return df.drop_duplicates("code", keep="last").reset_index(drop=True)

    def done_codes(self) -> set:
        return set(int(c) for c in self.read()["code"])

    def append(self, code: int, uid: int, scores: dict, seconds: float) -> None:
        row = [int(code), int(uid), *(repr(float(scores[k])) for k in SCORE_NAMES),
               f"{seconds:.3f}", *asdict(self.settings).values()]
        with self.path.open("a", newline="") as f:
            csv.writer(f).writerow(row)
            f.flush()
            os.fsync(f.fileno())


def _work(code, settings, x, y, device):
    """Scores of one genome code in a worker (one torch thread) -> (code, scores, seconds)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        t0 = time.perf_counter()
        s = cell_scores(decode([code])[0], settings, x, y, device)
        return code, s, time.perf_counter() - t0
    finally:
        torch.set_num_threads(threads)


def score_classes(path, settings: ScoreSettings = ScoreSettings(), codes=None, uids=None,
                  x=None, y=None, workers: int = 1, scheduler: str | None = None,
                  progress: bool = True, device: str | None = None):
    """Score one genome per isomorphism class into the CSV at ``path``; resumes.

    Parameters
    ----------
    path : str or Path
        The :class:`ScoreStore` file; cells already in it are skipped.
    settings : ScoreSettings
    codes : array_like of int, optional
        Genome codes to score (default: every class representative,
        :func:`pymoo_arnas.space.representative_codes`, 6,466 cells).
    uids : array_like of int, optional
        The uid stored beside each code (default the benchmark-free uid of
        :meth:`pymoo_arnas.space.CellIndex.from_graph`: the code itself for representatives).
    x, y : Tensor, optional
        User inputs and labels (see :func:`cell_scores`).
    workers : int
        Worker processes, one torch thread each (1: in this process); see
        :class:`pymoo_arnas.parallel.Executor`.
    scheduler : str, optional
        A Dask scheduler address (or ``"local"``) to run the cells on a cluster.
    progress : bool
        Show a tqdm progress bar.
    device : str, optional
        Torch device of every worker (default ``"cpu"``).

    Returns
    -------
    pandas.DataFrame
        Every row of the store.
    """
    from tqdm.auto import tqdm

    from pymoo_arnas.parallel import map_unordered

    codes = representative_codes() if codes is None else np.asarray(codes, dtype=np.int64)
    encode(decode(codes))  # validates the range
    uids = codes if uids is None else np.asarray(uids, dtype=np.int64)
    if uids.shape != codes.shape:
        raise ValueError(f"uids has shape {uids.shape}; expected one per code {codes.shape}")
    store = ScoreStore(path, settings)
    uid_of = dict(zip(codes.tolist(), uids.tolist()))
    done = store.done_codes()
    todo = [c for c in codes.tolist() if c not in done]
    bar = tqdm(total=len(codes), initial=len(codes) - len(todo), disable=not progress,
               desc="scores", unit="cell")
    try:
        for _, (code, s, sec) in map_unordered(_work, todo, settings, x, y, device,
                                               workers=workers, scheduler=scheduler):
            store.append(code, uid_of[code], s, sec)
            bar.update()
    finally:
        bar.close()
    return store.read()


__all__ = ["SCORE_NAMES", "ScoreSettings", "ScoreStore", "make_batch", "cell_scores", "ntk",
           "naswot", "synflow", "score_classes"]
