"""The NAS-Bench-201 network in PyTorch, built from a genome.

Same layout and operations as NAS-Bench-201's ``TinyNetwork`` / ``InferCell``:

- stem: 3x3 conv (``in_channels -> C``) + BatchNorm;
- three stages of ``N`` cells with ``C, 2C, 4C`` channels, a residual reduction block
  (stride 2) between stages;
- BatchNorm + ReLU, global average pool, linear classifier.

A cell has nodes ``0..3``; node ``j`` is the sum over the edges ``i -> j`` of
``op(node i)``, the cell's output is node 3. The five operations: ``none`` (zeros),
``skip_connect`` (identity), ``nor_conv_1x1`` / ``nor_conv_3x3`` (ReLU-Conv-BN) and
``avg_pool_3x3`` (3x3 average pool, stride 1, padding 1, padding not counted).

Examples
--------
>>> import torch
>>> from pymoo_arnas.live.model import NB201Network
>>> net = NB201Network([3, 3, 3, 3, 3, 3], C=4, N=1, in_channels=1, num_classes=10)
>>> net(torch.zeros(2, 1, 8, 8)).shape
torch.Size([2, 10])
"""

from __future__ import annotations

import torch
from torch import nn

from pymoo_arnas.space import EDGES, OPS, validate


class Zero(nn.Module):
    """``none``: the zero tensor of the input's shape."""

    def forward(self, x):
        return x.mul(0.0)


class ReLUConvBN(nn.Module):
    """``nor_conv_kxk``: ReLU, ``k x k`` conv (no bias), BatchNorm."""

    def __init__(self, C_in: int, C_out: int, kernel_size: int, stride: int = 1):
        super().__init__()
        self.op = nn.Sequential(
            nn.ReLU(inplace=False),
            nn.Conv2d(C_in, C_out, kernel_size, stride=stride, padding=kernel_size // 2, bias=False),
            nn.BatchNorm2d(C_out),
        )

    def forward(self, x):
        return self.op(x)


def make_op(name: str, C: int) -> nn.Module:
    """One NAS-Bench-201 operation on ``C`` channels, stride 1.

    Raises
    ------
    ValueError
        For a name not in :data:`pymoo_arnas.space.OPS`.
    """
    if name == "none":
        return Zero()
    if name == "skip_connect":
        return nn.Identity()
    if name == "nor_conv_1x1":
        return ReLUConvBN(C, C, 1)
    if name == "nor_conv_3x3":
        return ReLUConvBN(C, C, 3)
    if name == "avg_pool_3x3":
        return nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)
    raise ValueError(f"unknown operation {name!r}; expected one of {', '.join(OPS)}")


class Cell(nn.Module):
    """A NAS-Bench-201 cell: ``edges[i]`` carries ``OPS[genome[i]]`` on ``EDGES[i]``."""

    def __init__(self, genome, C: int):
        super().__init__()
        self.genome = tuple(int(v) for v in validate(genome)[0])
        self.edges = nn.ModuleList(make_op(OPS[g], C) for g in self.genome)

    def forward(self, x):
        nodes = [x]
        for target in (1, 2, 3):
            nodes.append(
                sum(self.edges[pos](nodes[src]) for pos, (src, dst) in enumerate(EDGES) if dst == target)
            )
        return nodes[3]


class ResNetBasicBlock(nn.Module):
    """The reduction block between stages: two ReLU-Conv-BN (first with stride 2) plus a
    shortcut of 2x2 average pool and 1x1 conv."""

    def __init__(self, C_in: int, C_out: int):
        super().__init__()
        self.conv_a = ReLUConvBN(C_in, C_out, 3, stride=2)
        self.conv_b = ReLUConvBN(C_out, C_out, 3)
        self.downsample = nn.Sequential(
            nn.AvgPool2d(2, stride=2, padding=0),
            nn.Conv2d(C_in, C_out, 1, bias=False),
        )

    def forward(self, x):
        return self.downsample(x) + self.conv_b(self.conv_a(x))


class NB201Network(nn.Module):
    """The NAS-Bench-201 network of one genome.

    Parameters
    ----------
    genome : array_like of int, shape (6,)
        Operation per edge (see :mod:`pymoo_arnas.space`).
    C : int
        Channels of the first stage (NAS-Bench-201: 16).
    N : int
        Cells per stage (NAS-Bench-201: 5).
    in_channels : int
        Input channels (3 for CIFAR, 1 for digits).
    num_classes : int
        Output logits.

    Input ``(batch, in_channels, H, W)`` -> logits ``(batch, num_classes)``.
    """

    def __init__(self, genome, C: int = 16, N: int = 5, in_channels: int = 3, num_classes: int = 10):
        super().__init__()
        for name, v in (("C", C), ("N", N), ("in_channels", in_channels), ("num_classes", num_classes)):
            if int(v) != v or v < 1:
                raise ValueError(f"{name} must be a positive integer; got {v!r}")
        self.genome = tuple(int(v) for v in validate(genome)[0])
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, C, 3, padding=1, bias=False), nn.BatchNorm2d(C)
        )
        layers = []
        for stage, width in enumerate((C, 2 * C, 4 * C)):
            if stage:
                layers.append(ResNetBasicBlock(width // 2, width))
            layers.extend(Cell(self.genome, width) for _ in range(N))
        self.cells = nn.Sequential(*layers)
        self.lastact = nn.Sequential(nn.BatchNorm2d(4 * C), nn.ReLU(inplace=False))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(4 * C, num_classes)

    def forward(self, x):
        x = self.lastact(self.cells(self.stem(x)))
        return self.classifier(self.pool(x).flatten(1))


def count_parameters(model: nn.Module) -> int:
    """Trainable parameters of ``model``."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


__all__ = ["NB201Network", "Cell", "ResNetBasicBlock", "ReLUConvBN", "Zero", "make_op",
           "count_parameters"]
