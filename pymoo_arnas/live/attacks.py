"""L-infinity FGSM and PGD on inputs in ``[0, 1]``.

Small, dependency-free implementations (torchattacks needs torchvision and pins an
old ``requests``). The model is used as given: put it in ``eval()`` mode for evaluation.

Examples
--------
>>> import torch
>>> from pymoo_arnas.live.attacks import pgd
>>> model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 2))
>>> x, y = torch.rand(3, 1, 2, 2), torch.tensor([0, 1, 0])
>>> x_adv = pgd(model, x, y, eps=0.1, steps=5)
>>> bool(((x_adv - x).abs() <= 0.1 + 1e-6).all() and x_adv.min() >= 0 and x_adv.max() <= 1)
True
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def _grad_sign(model, x, y):
    x = x.detach().requires_grad_(True)
    loss = F.cross_entropy(model(x), y)
    (grad,) = torch.autograd.grad(loss, x)
    return grad.sign()


def fgsm(model, x, y, eps: float):
    """One signed-gradient step of size ``eps``, clipped to ``[0, 1]``.

    Parameters
    ----------
    model : torch.nn.Module
        Maps ``x`` to logits ``(batch, classes)``.
    x : Tensor, shape (batch, channels, H, W)
        Clean inputs in ``[0, 1]``.
    y : Tensor of int64, shape (batch,)
        Labels.
    eps : float
        L-infinity radius in input units.

    Returns
    -------
    Tensor, shape of ``x``
        Adversarial inputs (no gradient attached).
    """
    if eps == 0:
        return x.detach().clone()
    return (x + eps * _grad_sign(model, x, y)).clamp(0.0, 1.0).detach()


def pgd(model, x, y, eps: float, steps: int = 10, alpha: float | None = None,
        random_start: bool = True, generator: torch.Generator | None = None):
    """Projected gradient descent (Madry et al.) in the L-infinity ball of radius ``eps``.

    Parameters
    ----------
    model, x, y, eps
        As in :func:`fgsm`.
    steps : int
        Gradient steps.
    alpha : float, optional
        Step size (default ``2.5 * eps / steps``).
    random_start : bool
        Start from a uniform point in the ball.
    generator : torch.Generator, optional
        For the random start (default: the global generator).

    Returns
    -------
    Tensor, shape of ``x``
        Adversarial inputs with ``|x_adv - x| <= eps`` and values in ``[0, 1]``.
    """
    if steps < 1 or int(steps) != steps:
        raise ValueError(f"PGD steps must be a positive integer; got {steps!r}")
    if eps == 0:
        return x.detach().clone()
    alpha = 2.5 * eps / steps if alpha is None else alpha
    x = x.detach()
    x_adv = x.clone()
    if random_start:
        noise = torch.rand(x.shape, generator=generator, device="cpu").to(x.device)
        x_adv = (x_adv + (2 * noise - 1) * eps).clamp(0.0, 1.0)
    for _ in range(int(steps)):
        x_adv = x_adv + alpha * _grad_sign(model, x_adv, y)
        x_adv = torch.min(torch.max(x_adv, x - eps), x + eps).clamp(0.0, 1.0).detach()
    return x_adv
