"""Data for live cells: built-in digits and CIFAR, or a user's torch Datasets.

Everything is held as in-memory tensors (inputs scaled to ``[0, 1]``), which keeps
training on small data fast and lets the same data be shipped to Dask workers.

- ``"digits"``: scikit-learn's 8x8 handwritten digits (1,797 images, 1 channel, 10
  classes; ships with scikit-learn, no download). A fixed split: 1,347 train, 450 test.
- ``"cifar10"``, ``"cifar100"``: through torchvision (imported only then), downloaded to
  ``root`` when missing and reachable.
- :meth:`LiveData.from_datasets`: any torch ``Dataset`` pair yielding ``(image, label)``.

Examples
--------
>>> from pymoo_arnas.live.datasets import load_dataset
>>> d = load_dataset("digits")
>>> d.name, tuple(d.x_train.shape), tuple(d.x_test.shape), d.num_classes
('digits', (1347, 1, 8, 8), (450, 1, 8, 8), 10)
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import torch

from pymoo_arnas.live.config import DATASETS as BUILTIN  # names load_dataset knows

_SUBSET_SEED = 12345


@dataclass(frozen=True, eq=False)
class LiveData:
    """A train / test split as tensors.

    Attributes
    ----------
    name : str
        Key of the data in the result store (give each distinct data set its own).
    x_train, x_test : Tensor of float32, shape (n, channels, H, W)
        Inputs in ``[0, 1]``.
    y_train, y_test : Tensor of int64, shape (n,)
        Labels ``0..num_classes-1``.
    num_classes : int
    """

    name: str
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    num_classes: int

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"LiveData needs a non-empty name (its key in the store); got {self.name!r}")
        for split, x, y in (("train", self.x_train, self.y_train), ("test", self.x_test, self.y_test)):
            if x.ndim != 4:
                raise ValueError(
                    f"{split} inputs must have shape (n, channels, H, W); got {tuple(x.shape)}"
                )
            if y.ndim != 1 or len(y) != len(x):
                raise ValueError(
                    f"{split} labels must have shape ({len(x)},); got {tuple(y.shape)}"
                )
            if len(x) == 0:
                raise ValueError(f"the {split} split is empty")
        if self.x_train.shape[1:] != self.x_test.shape[1:]:
            raise ValueError(
                f"train inputs {tuple(self.x_train.shape[1:])} and test inputs "
                f"{tuple(self.x_test.shape[1:])} differ in shape"
            )

    @property
    def in_channels(self) -> int:
        return int(self.x_train.shape[1])

    @classmethod
    def from_datasets(cls, train, test, name: str, num_classes: int | None = None) -> "LiveData":
        """Materialise two torch ``Dataset`` objects yielding ``(image, label)``.

        Images must be tensors (or arrays) of shape ``(channels, H, W)`` with values in
        ``[0, 1]`` (e.g. torchvision's ``ToTensor()``); ``num_classes`` defaults to
        ``max(label) + 1``.
        """
        def stack(ds, split):
            if len(ds) == 0:
                raise ValueError(f"the {split} dataset is empty")
            xs, ys = zip(*(ds[i] for i in range(len(ds))))
            x = torch.stack([torch.as_tensor(v, dtype=torch.float32) for v in xs])
            if x.ndim == 3:  # (n, H, W): one channel
                x = x[:, None]
            return x, torch.as_tensor(np.asarray(ys), dtype=torch.int64)

        x_train, y_train = stack(train, "train")
        x_test, y_test = stack(test, "test")
        if num_classes is None:
            num_classes = int(max(y_train.max(), y_test.max())) + 1
        return cls(name, x_train, y_train, x_test, y_test, int(num_classes))

    def subset(self, max_train: int | None, max_test: int | None) -> "LiveData":
        """The first ``max_*`` samples of a fixed (seeded) shuffle of each split."""
        def take(x, y, n):
            if n is None or n >= len(x):
                return x, y
            idx = torch.randperm(len(x), generator=torch.Generator().manual_seed(_SUBSET_SEED))[:n]
            return x[idx], y[idx]

        xtr, ytr = take(self.x_train, self.y_train, max_train)
        xte, yte = take(self.x_test, self.y_test, max_test)
        return LiveData(self.name, xtr, ytr, xte, yte, self.num_classes)


@functools.lru_cache(maxsize=4)
def _load_builtin(name: str, root: str | None) -> LiveData:
    if name == "digits":
        from sklearn.datasets import load_digits

        bunch = load_digits()
        x = torch.as_tensor(bunch.images / 16.0, dtype=torch.float32)[:, None]
        y = torch.as_tensor(bunch.target, dtype=torch.int64)
        perm = torch.randperm(len(x), generator=torch.Generator().manual_seed(0))
        x, y = x[perm], y[perm]
        n_test = 450
        return LiveData("digits", x[n_test:], y[n_test:], x[:n_test], y[:n_test], 10)
    try:
        import torchvision
    except ImportError:
        raise ImportError(
            f"dataset {name!r} needs torchvision (pip install torchvision matching your torch); "
            "or pass your own data as LiveData.from_datasets(train, test, name=...)"
        ) from None
    cls = torchvision.datasets.CIFAR10 if name == "cifar10" else torchvision.datasets.CIFAR100
    root = root or str(_default_root())
    tf = torchvision.transforms.ToTensor()
    try:
        train = cls(root, train=True, download=True, transform=tf)
        test = cls(root, train=False, download=True, transform=tf)
    except Exception as exc:  # offline, proxy, corrupt archive
        raise RuntimeError(
            f"could not load or download {name} into {root} ({exc}); put the torchvision "
            f"archive there, or pass your data as LiveData.from_datasets(train, test, name=...)"
        ) from exc
    return LiveData.from_datasets(train, test, name=name, num_classes=10 if name == "cifar10" else 100)


def _default_root():
    from pymoo_arnas.data.locate import cache_dir

    return cache_dir() / "torchvision"


def load_dataset(dataset, root: str | None = None) -> LiveData:
    """A :class:`LiveData` from a built-in name or a :class:`LiveData` (returned as is).

    Raises
    ------
    ValueError
        For an unknown name (listing :data:`BUILTIN`) or an unsupported object.
    """
    if isinstance(dataset, LiveData):
        return dataset
    if isinstance(dataset, str):
        name = dataset.strip().lower()
        if name not in BUILTIN:
            raise ValueError(
                f"unknown live dataset {dataset!r}; expected one of {', '.join(BUILTIN)}, or "
                "LiveData.from_datasets(train, test, name=...) for your own torch Datasets"
            )
        return _load_builtin(name, root)
    raise ValueError(
        f"dataset must be one of {', '.join(BUILTIN)} or a LiveData; got {type(dataset).__name__} "
        "(wrap torch Datasets with LiveData.from_datasets(train, test, name=...))"
    )
