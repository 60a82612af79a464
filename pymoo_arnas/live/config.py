"""How a live cell is trained and attacked: :class:`TrainConfig` and metric names.

No torch needed here, so configs can be built, hashed and stored without the ``live`` extra.

Epsilons of live attacks are in *input units*: inputs are scaled to ``[0, 1]``, so
``eps=0.1`` is ``25.5/255`` (the ARNAS tables count in units of ``1/255`` instead).

Examples
--------
>>> from pymoo_arnas.live.config import TrainConfig, metric_name, parse_metric
>>> cfg = TrainConfig(C=8, N=1, epochs=2, adv="pgd", adv_eps=0.1)
>>> cfg.key() == TrainConfig(C=8, N=1, epochs=2, adv="pgd", adv_eps=0.1, device="cpu").key()
True
>>> metric_name("pgd", 0.1), parse_metric("fgsm@Linf:0.05")
('pgd@Linf:0.1', ('fgsm@Linf', 0.05))
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass

from pymoo_arnas.objectives import (
    SHORT_NAMES,
    attack_epsilon,
    format_epsilon,
    objective_name,
    split_objective,
)

DATASETS = ("digits", "cifar10", "cifar100")
"""Datasets a live cell can be trained on by name (or any :class:`~pymoo_arnas.live.datasets.LiveData`)."""

ATTACKS = ("fgsm@Linf", "pgd@Linf")
"""Attacks a live cell can be evaluated under."""

SHORT_ATTACKS = {short: attack for short, attack in SHORT_NAMES.items() if attack in ATTACKS}
ADV_TRAINING = ("none", "fgsm", "pgd")
OPTIMIZERS = ("sgd", "adam")

# fields that do not change the numbers a cell gets (up to floating point), kept out of the key
_NOT_HASHED = ("device", "num_threads")


_UNITS = "input units, inputs in [0, 1]"


def check_positive_ints(settings, names, optional: bool = False) -> None:
    """Raise ``ValueError`` naming ``<Class>.<field>`` unless each of ``names`` of the dataclass
    ``settings`` is a positive ``int`` (``None`` too with ``optional``; ``bool`` and ``16.0``
    are refused: they would hash and store differently).

    >>> check_positive_ints(TrainConfig(), ("C", "N"))
    >>> check_positive_ints(TrainConfig(), ("max_train",), optional=True)
    >>> check_positive_ints(TrainConfig(), ("max_train",))
    Traceback (most recent call last):
    ...
    ValueError: TrainConfig.max_train must be a positive integer; got None
    """
    for name in names:
        v = getattr(settings, name)
        if optional and v is None:
            continue
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            expected = "None or a positive integer" if optional else "a positive integer"
            raise ValueError(f"{type(settings).__name__}.{name} must be {expected}; got {v!r}")


def _live_attack(attack: str) -> str:
    """The attack key of ``attack`` (short names expanded), or a ValueError listing :data:`ATTACKS`."""
    full = SHORT_NAMES.get(attack, attack)
    if full not in ATTACKS:
        raise ValueError(
            f"unknown live attack {attack!r}; expected 'clean' or one of "
            f"{', '.join(ATTACKS)} (short: {', '.join(SHORT_ATTACKS)})"
        )
    return full


def metric_name(attack: str, eps: float | None = None) -> str:
    """Canonical metric column: ``"clean"`` or ``"<attack>@Linf:<eps>"``, named by the
    grammar of :mod:`pymoo_arnas.objectives` (the same names as the benchmark tables).

    Raises
    ------
    ValueError
        For an unknown attack (listing :data:`ATTACKS`) or a missing / negative epsilon.
    """
    if attack == "clean":
        return "clean"
    full = _live_attack(attack)
    return objective_name(full, attack_epsilon(full, None, eps, units=_UNITS))


def parse_metric(name: str, epsilon: float | None = None) -> tuple:
    """Objective name -> ``(attack, eps)``; ``("clean", None)`` for clean accuracy.

    ``name`` is ``"clean"``, an attack (``"pgd@Linf"``, ``"pgd"``, ``"fgsm@Linf"``, ``"fgsm"``)
    taking ``epsilon``, or an attack with its own epsilon (``"pgd@Linf:0.1"``), as in
    :mod:`pymoo_arnas.objectives`; ``eps`` is the epsilon as its name writes it.
    """
    base, arg = split_objective(name)
    if base == "clean" and arg is None:
        return "clean", None
    full = _live_attack(base)
    return full, float(format_epsilon(attack_epsilon(name, arg, epsilon, units=_UNITS)))


@dataclass(frozen=True)
class TrainConfig:
    """Training and evaluation settings of a live cell.

    Every field but ``device`` and ``num_threads`` enters :meth:`key`, under which results
    are stored: change one and cells are trained again.

    Parameters
    ----------
    C : int
        Channels of the first stage (NAS-Bench-201: 16); stages have ``C, 2C, 4C``.
    N : int
        Cells per stage (NAS-Bench-201: 5).
    epochs : int
        Training epochs.
    batch_size : int
        Mini-batch size (training and evaluation).
    lr : float
        Initial learning rate, cosine-annealed to 0.
    optimizer : str
        ``"sgd"`` (momentum 0.9, Nesterov) or ``"adam"``.
    weight_decay : float
        L2 penalty.
    adv : str
        Adversarial training: ``"none"``, ``"fgsm"`` or ``"pgd"`` (train on the attacked batch).
    adv_eps : float
        Training attack epsilon (input units).
    adv_steps : int
        PGD steps in training (step size ``2.5 * adv_eps / adv_steps``).
    eval_pgd_steps : int
        PGD steps in evaluation (step size ``2.5 * eps / eval_pgd_steps``, random start).
    max_train, max_test : int, optional
        Use at most this many training / test samples (a fixed, seeded subset).
    seed : int
        Base seed; a cell's seed depends only on it and the cell's isomorphism key.
    device : str
        ``"auto"`` (CUDA when present, else CPU), ``"cpu"``, ``"cuda"``, ``"cuda:1"``...
    num_threads : int, optional
        torch CPU threads while training (workers default to 1).
    """

    C: int = 16
    N: int = 1
    epochs: int = 10
    batch_size: int = 128
    lr: float = 0.05
    optimizer: str = "sgd"
    weight_decay: float = 5e-4
    adv: str = "none"
    adv_eps: float = 0.1
    adv_steps: int = 3
    eval_pgd_steps: int = 10
    max_train: int | None = None
    max_test: int | None = None
    seed: int = 0
    device: str = "auto"
    num_threads: int | None = None

    def __post_init__(self):
        check_positive_ints(self, ("C", "N", "epochs", "batch_size", "adv_steps", "eval_pgd_steps"))
        check_positive_ints(self, ("max_train", "max_test", "num_threads"), optional=True)
        if not (isinstance(self.lr, (int, float)) and self.lr > 0):
            raise ValueError(f"TrainConfig.lr must be a positive number; got {self.lr!r}")
        if not (isinstance(self.weight_decay, (int, float)) and self.weight_decay >= 0):
            raise ValueError(f"TrainConfig.weight_decay must be >= 0; got {self.weight_decay!r}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(
                f"TrainConfig.optimizer {self.optimizer!r} is unknown; expected one of {', '.join(OPTIMIZERS)}"
            )
        if self.adv not in ADV_TRAINING:
            raise ValueError(
                f"TrainConfig.adv {self.adv!r} is unknown; expected one of {', '.join(ADV_TRAINING)}"
            )
        if not (isinstance(self.adv_eps, (int, float)) and self.adv_eps >= 0):
            raise ValueError(f"TrainConfig.adv_eps must be >= 0 (input units); got {self.adv_eps!r}")
        if not isinstance(self.seed, int) or isinstance(self.seed, bool):
            raise ValueError(f"TrainConfig.seed must be an integer; got {self.seed!r}")
        if not isinstance(self.device, str) or not (
            self.device in ("auto", "cpu", "cuda", "mps") or self.device.startswith("cuda:")
        ):
            raise ValueError(
                f"TrainConfig.device {self.device!r} is unknown; expected 'auto', 'cpu', 'cuda', "
                "'cuda:<i>' or 'mps'"
            )

    def hashed(self) -> dict:
        """The fields that define the results (all but ``device`` and ``num_threads``)."""
        d = dataclasses.asdict(self)
        for name in _NOT_HASHED:
            d.pop(name)
        if d["adv"] == "none":  # attack settings of training do not matter then
            d.pop("adv_eps")
            d.pop("adv_steps")
        return d

    def key(self) -> str:
        """A short stable hash of :meth:`hashed` (16 hex digits), the store's config key."""
        blob = json.dumps(self.hashed(), sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), sort_keys=True)

    def replace(self, **changes) -> "TrainConfig":
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)


def cell_seed(base_seed: int, cell_key: str) -> int:
    """The seed of one cell's training: a hash of the config seed and the cell key only.

    Independent of worker, order and process, so serial and parallel runs agree.

    >>> cell_seed(0, "#+#+#") == cell_seed(0, "#+#+#") != cell_seed(1, "#+#+#")
    True
    """
    h = hashlib.sha256(f"{int(base_seed)}|{cell_key}".encode()).digest()
    return int.from_bytes(h[:4], "little") & 0x7FFFFFFF
