"""Classic operators for categorical NAS-Bench-201 genomes (6 edges, 5 operations each)."""

from __future__ import annotations

import numpy as np
from pymoo.core.duplicate import DuplicateElimination
from pymoo.core.mutation import Mutation
from pymoo.core.sampling import Sampling

from pymoo_arnas.space import N_EDGES, N_OPS, isomorphism_class, validate


class CellSampling(Sampling):
    """Uniformly random genomes ``(n_samples, 6)``, optionally distinct up to isomorphism.

    Parameters
    ----------
    unique : bool
        Draw cells from distinct isomorphism classes (default), as a NAS method that never
        trains the same network twice would.

    Examples
    --------
    >>> from pymoo_arnas.operators import CellSampling
    >>> from pymoo_arnas.problems import ARNAS
    >>> X = CellSampling().do(ARNAS("cifar10"), 8, random_state=np.random.default_rng(0)).get("X")
    >>> X.shape, int(X.min()) >= 0, int(X.max()) <= 4
    ((8, 6), True, True)
    """

    def __init__(self, unique: bool = True) -> None:
        super().__init__()
        self.unique = unique

    def _do(self, problem, n_samples, *args, random_state=None, **kwargs):
        rng = random_state if random_state is not None else np.random.default_rng()
        if not self.unique:
            return rng.integers(0, N_OPS, size=(n_samples, N_EDGES))
        out, seen = [], set()
        while len(out) < n_samples:
            X = rng.integers(0, N_OPS, size=(max(2 * (n_samples - len(out)), 8), N_EDGES))
            for x, c in zip(X, isomorphism_class(X)):
                if c not in seen:
                    seen.add(c)
                    out.append(x)
                    if len(out) == n_samples:
                        break
        return np.array(out, dtype=np.int64)


class RandomResetMutation(Mutation):
    """Random-reset mutation: each edge is set to another operation with ``prob_var``.

    Parameters
    ----------
    prob : float
        Probability that an individual is mutated at all.
    prob_var : float, optional
        Per-edge probability; default ``1 / 6``.
    at_least_one : bool
        Change at least one edge of every mutated genome (default), so a mutation never
        returns its parent unchanged.

    Examples
    --------
    >>> from pymoo_arnas.operators import RandomResetMutation
    >>> X = np.zeros((4, 6), dtype=int)
    >>> Y = RandomResetMutation()._do(None, X, random_state=np.random.default_rng(0))
    >>> bool(((Y != X).sum(axis=1) >= 1).all())
    True
    """

    def __init__(self, prob: float = 1.0, prob_var: float | None = None, at_least_one: bool = True):
        super().__init__(prob=prob, prob_var=prob_var)
        self.at_least_one = at_least_one

    def _do(self, problem, X, *args, random_state=None, **kwargs):
        rng = random_state if random_state is not None else np.random.default_rng()
        X = validate(X)
        n = len(X)
        prob_var = (
            np.full(n, 1.0 / N_EDGES) if self.prob_var is None else
            np.broadcast_to(np.asarray(self.get_prob_var(problem, size=n), float), (n,))
        )  # fmt: skip
        mask = rng.random((n, N_EDGES)) < prob_var[:, None]
        if self.at_least_one:
            none = ~mask.any(axis=1)
            mask[np.flatnonzero(none), rng.integers(0, N_EDGES, size=none.sum())] = True
        # a different op: shift by 1..4 modulo 5
        shift = rng.integers(1, N_OPS, size=X.shape)
        return np.where(mask, (X + shift) % N_OPS, X)


class CellDuplicateElimination(DuplicateElimination):
    """Duplicate elimination by isomorphism class: two genomes of the same cell are duplicates."""

    def _do(self, pop, other, is_duplicate):
        a = isomorphism_class(pop.get("X"))
        if other is None:
            _, first = np.unique(a, return_index=True)
            dup = np.ones(len(a), dtype=bool)
            dup[first] = False
            is_duplicate[dup] = True
        else:
            is_duplicate[np.isin(a, isomorphism_class(other.get("X")))] = True
        return is_duplicate


__all__ = ["CellSampling", "RandomResetMutation", "CellDuplicateElimination"]
