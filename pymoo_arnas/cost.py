"""Cost of the NAS-Bench-201 network a genome builds: parameters and FLOPs, in closed form.

The network is :class:`pymoo_arnas.live.model.NB201Network` (NAS-Bench-201's
``TinyNetwork``): a 3x3 stem conv + BatchNorm, three stages of ``N`` cells on ``C, 2C, 4C``
channels with a residual reduction block between stages, a final BatchNorm + ReLU, global
average pooling and a linear classifier. Only numpy is needed (no torch at search time).

**Cost belongs to the genome, not to its isomorphism class.** Every convolution a genome
places on an edge has weights and does its multiply-adds, even on an edge that no path
from the input to the output uses (such an edge does not change the function, so the
genome shares its class with cheaper ones). Two genomes of one class can therefore differ
in ``params`` and ``flops``.

Conventions
-----------
- ``params``: every parameter of the network, as ``sum(p.numel() for p in
  model.parameters())`` counts it: conv weights (no conv has a bias), BatchNorm affine
  weight and bias (2 per channel), the classifier's weight and bias.
- ``flops``: multiply-accumulate operations of one forward pass of one image through the
  convolution and linear layers, plus the classifier's bias additions: NAS-Bench-201's
  convention (its ``get_model_infos`` sums ``Conv2d`` and ``Linear`` counters only;
  BatchNorm, ReLU, pooling, and the additions of node sums are not counted). Divide by
  ``1e6`` for NAS-Bench-201's "FLOPs (M)".

Examples
--------
>>> from pymoo_arnas.cost import params, flops
>>> params([[3, 3, 3, 3, 3, 3], [0, 0, 0, 0, 0, 0]]).tolist()
[1531546, 73306]
>>> flops([[3, 3, 3, 3, 3, 3]]).tolist()
[220119690]
"""

from __future__ import annotations

import numpy as np

from pymoo_arnas.space import OP_INDEX, validate

_CONV_K2 = np.zeros(5, dtype=np.int64)
_CONV_K2[OP_INDEX["nor_conv_1x1"]] = 1
_CONV_K2[OP_INDEX["nor_conv_3x3"]] = 9
_IS_CONV = (_CONV_K2 > 0).astype(np.int64)


def _check(**kwargs) -> None:
    for name, v in kwargs.items():
        if isinstance(v, bool) or int(v) != v or v < 1:
            raise ValueError(f"{name} must be a positive integer; got {v!r}")


def params(X, C: int = 16, N: int = 5, n_classes: int = 10) -> np.ndarray:
    """Parameters of the network each genome builds.

    Parameters
    ----------
    X : array_like of int, shape (n, 6) or (6,)
        Genomes (see :mod:`pymoo_arnas.space`).
    C : int
        Channels of the first stage (NAS-Bench-201: 16).
    N : int
        Cells per stage (NAS-Bench-201: 5).
    n_classes : int
        Classifier outputs (CIFAR-10: 10, CIFAR-100: 100, ImageNet16-120: 120).

    Returns
    -------
    ndarray of int64, shape (n,)

    >>> params([[2, 0, 0, 0, 0, 0]], C=16, N=5, n_classes=100).tolist()  # 1x1 conv on edge 0->1
    [107156]
    """
    _check(C=C, N=N, n_classes=n_classes)
    X = validate(X)
    k2 = _CONV_K2[X].sum(axis=1)  # sum of k*k over the conv edges of one cell
    n_conv = _IS_CONV[X].sum(axis=1)
    cells = sum(N * (k2 * w * w + n_conv * 2 * w) for w in (C, 2 * C, 4 * C))
    stem = 3 * C * 9 + 2 * C
    reductions = sum(
        9 * w * 2 * w + 2 * (2 * w)  # conv_a (stride 2) + BN
        + 9 * (2 * w) ** 2 + 2 * (2 * w)  # conv_b + BN
        + w * 2 * w  # shortcut 1x1 conv
        for w in (C, 2 * C)
    )
    head = 2 * 4 * C + 4 * C * n_classes + n_classes  # last BN, classifier
    return (cells + stem + reductions + head).astype(np.int64)


def flops(X, C: int = 16, N: int = 5, n_classes: int = 10, input_size: int = 32) -> np.ndarray:
    """Multiply-adds of one forward pass of one ``3 x input_size x input_size`` image.

    Counts conv and linear layers (and the classifier's bias additions), as NAS-Bench-201
    does; see the module docstring.

    Parameters
    ----------
    X, C, N, n_classes
        As in :func:`params`.
    input_size : int
        Height = width of the input (CIFAR: 32, ImageNet16-120: 16); a multiple of 4, the
        network halves it twice.

    Returns
    -------
    ndarray of int64, shape (n,)

    >>> flops([[0, 0, 0, 0, 0, 0]], input_size=16).tolist()
    [1946250]
    """
    _check(C=C, N=N, n_classes=n_classes, input_size=input_size)
    if input_size % 4:
        raise ValueError(
            f"input_size must be a multiple of 4 (two stride-2 reductions); got {input_size}"
        )
    X = validate(X)
    k2 = _CONV_K2[X].sum(axis=1)
    H = input_size
    stages = ((C, H), (2 * C, H // 2), (4 * C, H // 4))
    cells = sum(N * k2 * w * w * h * h for w, h in stages)
    stem = 3 * C * 9 * H * H
    reductions = sum(
        (9 * w * 2 * w + 9 * (2 * w) ** 2 + w * 2 * w) * (h // 2) ** 2 for w, h in stages[:2]
    )
    head = 4 * C * n_classes + n_classes
    return (cells + stem + reductions + head).astype(np.int64)


__all__ = ["params", "flops"]
