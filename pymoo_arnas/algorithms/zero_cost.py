"""Zero-cost features: what is known of a cell's network before anyone trains it.

:class:`ZeroCostFeatures` gives a surrogate, for any genome, the size of its network
(``params``, ``flops``: closed form, :mod:`pymoo_arnas.cost`, as logarithms) and the
training-free scores of its untrained network shipped with the package
(:func:`pymoo_arnas.data.load_scores`: the NTK spectrum on clean and on PGD inputs, NASWOT,
synflow; C = 8, N = 1, a seeded Gaussian batch, so no dataset is involved). ``nsga2-cat``
takes them with ``zero_cost=`` (registered as ``nsga2-cat-zc`` with ``params`` and
``ntk_adv_min``): its GP then models the residuals of a linear fit on them
(:class:`~pymoo_arnas.algorithms.surrogate.ResidualGP`), as it does a transfer prior's values.

Why those two: in the robust-NAS study (``arnas analyze``) size predicts clean accuracy
(Spearman 0.78 on CIFAR-10) and the smallest eigenvalue of the NTK on adversarial inputs is
the one score that rises with robust accuracy (+0.24..+0.42 with the attacks at 1/255), so
together they speak to both objectives of the clean-vs-attack problems.

Examples
--------
>>> zc = ZeroCostFeatures(("params", "ntk_adv_min"))
>>> Z = zc.features([[3, 3, 3, 3, 3, 3], [0, 0, 0, 0, 0, 0]])
>>> Z.shape, bool(Z[0, 0] > Z[1, 0])   # log params: the all-conv cell is the bigger one
((2, 2), True)
>>> ZeroCostFeatures(["size"])
Traceback (most recent call last):
...
ValueError: unknown zero-cost feature 'size'; expected some of params, flops, ntk_min, ...
"""

from __future__ import annotations

import functools

import numpy as np

from pymoo_arnas.space import N_CELLS, decode, encode

COSTS = ("params", "flops")
"""Features from the network's size (their logarithms)."""


@functools.lru_cache(maxsize=1)
def _score_names() -> tuple:
    from pymoo_arnas.data.scores import load_scores

    return tuple(c for c in load_scores().columns if c != "code")


def feature_names() -> tuple:
    """Every zero-cost feature: :data:`COSTS`, then the shipped scores."""
    return COSTS + _score_names()


@functools.lru_cache(maxsize=None)
def _column(name: str) -> np.ndarray:
    """One feature of every genome code ``(15625,)``, finite, read-only."""
    if name in COSTS:
        from pymoo_arnas import cost

        v = np.log(getattr(cost, name)(decode(np.arange(N_CELLS))).astype(float))
    else:
        from pymoo_arnas.data.scores import by_code, load_scores

        v = by_code(load_scores())[name].to_numpy(float)
        ok = np.isfinite(v)
        # cells whose output ignores the input score inf / -inf: the largest / smallest finite
        # value, which is the worst for the shipped scores that have them (341 cells each:
        # ntk_cond and ntk_adv_cond +inf, lower is better; naswot -inf, higher is better)
        v = np.where(np.isposinf(v), v[ok].max(), np.where(np.isneginf(v), v[ok].min(), v))
        v = np.where(np.isnan(v), np.median(v[ok]), v)
    v.setflags(write=False)
    return v


class ZeroCostFeatures:
    """Zero-cost features of genomes, for a surrogate.

    Parameters
    ----------
    names : sequence of str or str
        Features (:func:`feature_names`; a comma-separated string allowed): ``"params"``,
        ``"flops"`` (log of the NAS-Bench-201 network's size, C = 16, N = 5) or a shipped
        score (``"ntk_adv_min"``, ``"naswot"``, ...).
    """

    def __init__(self, names=("params", "ntk_adv_min")) -> None:
        if isinstance(names, str):
            names = [n.strip() for n in names.split(",") if n.strip()]
        names = tuple(names)
        known = feature_names()
        for n in names:
            if n not in known:
                raise ValueError(f"unknown zero-cost feature {n!r}; expected some of "
                                 f"{', '.join(known)}")
        if not names:
            raise ValueError("ZeroCostFeatures needs at least one feature name")
        self.names = names

    def __repr__(self) -> str:
        return f"ZeroCostFeatures({self.names!r})"

    def features(self, X) -> np.ndarray:
        """Features ``(n, len(names))`` of genomes ``(n, 6)``."""
        codes = encode(np.atleast_2d(np.asarray(X, dtype=np.int64)))
        return np.stack([_column(n)[codes] for n in self.names], axis=1)


__all__ = ["COSTS", "ZeroCostFeatures", "feature_names"]
