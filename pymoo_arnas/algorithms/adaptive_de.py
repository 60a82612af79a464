"""JADE and SHADE: differential evolution with self-adapted F and CR, in pymoo's DE framework.

Both use the mutation ``DE/current-to-pbest/1`` with an external archive of replaced
parents and binomial crossover; each individual draws its own scale factor
``F_i ~ Cauchy(mu_F, 0.1)`` (redrawn while <= 0, cut at 1) and crossover rate
``CR_i ~ N(mu_CR, 0.1)`` (clipped to [0, 1]); the values of successful trials move the
means:

- JADE (Zhang & Sanderson, IEEE TEVC 2009): ``mu_CR <- (1 - c) mu_CR + c mean(S_CR)``,
  ``mu_F <- (1 - c) mu_F + c lehmer_mean(S_F)``; pbest among the best ``100 p %``;
- SHADE (Tanabe & Fukunaga, CEC 2013): a memory of ``H`` pairs ``(M_CR, M_F)``; each
  individual draws around a random entry; after each generation one entry (in turn) gets
  the improvement-weighted means of the successes; pbest among the best ``100 p_i %``,
  ``p_i ~ U[2 / NP, 0.2]``.

The LLMO paper's settings (Table II): population 30, ``mu_F = mu_CR = 0.5`` (SHADE: every
memory entry 0.5). On cell problems (``integer=True``) trial vectors are rounded to the
nearest operation before evaluation, as for ``de``; a coordinate that leaves the bounds is
set half-way between the bound and its parent (JADE's rule).

Examples
--------
>>> from pymoo.optimize import minimize
>>> from pymoo.problems import get_problem
>>> from pymoo.termination.max_eval import MaximumFunctionCallTermination
>>> res = minimize(get_problem("sphere", n_var=10), JADE(integer=False),
...                MaximumFunctionCallTermination(3000), seed=1)
>>> bool(res.F[0] < 1e-4)
True
"""

from __future__ import annotations

import numpy as np
from pymoo.algorithms.soo.nonconvex.de import DE
from pymoo.algorithms.soo.nonconvex.ga import FitnessSurvival
from pymoo.core.population import Population
from pymoo.operators.sampling.rnd import IntegerRandomSampling

from pymoo_arnas.algorithms.registry import AlgorithmRecord, register


def lehmer_mean(x, w=None) -> float:
    """Weighted Lehmer mean ``sum(w x^2) / sum(w x)`` (weights 1 by default).

    >>> lehmer_mean([0.5, 1.0])
    0.8333333333333334
    """
    x = np.asarray(x, dtype=float)
    w = np.ones_like(x) if w is None else np.asarray(w, dtype=float)
    return float((w * x * x).sum() / (w * x).sum())


class AdaptiveDE(DE):
    """DE/current-to-pbest/1/bin with an archive and per-individual ``F`` and ``CR``;
    subclasses say how the parameters are drawn and adapted (:class:`JADE`,
    :class:`SHADE`).

    Parameters
    ----------
    pop_size : int
        Population size ``NP``.
    mu_F, mu_CR : float
        Initial means of the scale factor and the crossover rate.
    archive : bool
        Keep replaced parents (up to ``NP``) as donors of the second difference vector.
    integer : bool
        Round trial vectors to integers within the bounds (cell genomes); integer
        random sampling unless ``sampling`` is given.
    """

    def __init__(self, pop_size: int = 30, mu_F: float = 0.5, mu_CR: float = 0.5,
                 archive: bool = True, integer: bool = True, **kwargs):
        for name, v in (("mu_F", mu_F), ("mu_CR", mu_CR)):
            if not 0.0 < float(v) <= 1.0:
                raise ValueError(f"{name} must be in (0, 1]; got {v!r}")
        if int(pop_size) != pop_size or pop_size < 4:
            raise ValueError(f"pop_size must be an integer >= 4; got {pop_size!r}")
        if integer:
            kwargs.setdefault("sampling", IntegerRandomSampling())
        super().__init__(pop_size=int(pop_size), variant="DE/rand/1/bin", **kwargs)
        self.mu_F0, self.mu_CR0 = float(mu_F), float(mu_CR)
        self.use_archive = bool(archive)
        self.integer = bool(integer)

    # ---------------------------------------------------------------- what subclasses set

    def _reset_parameters(self) -> None:
        raise NotImplementedError

    def _draw_parameters(self, n: int, rng) -> tuple:
        """``(F, CR, p)`` arrays ``(n,)`` for the next generation."""
        raise NotImplementedError

    def _adapt(self, F, CR, gain) -> None:
        """Update the parameter means from the successful trials' ``F``, ``CR`` and their
        improvement ``gain`` (all ``(k,)``, ``k >= 1``)."""
        raise NotImplementedError

    # ---------------------------------------------------------------- the DE loop

    def _setup(self, problem, **kwargs):
        super()._setup(problem, **kwargs)
        self.de_archive = np.empty((0, problem.n_var))
        self._reset_parameters()

    @staticmethod
    def _cauchy(mu, rng) -> np.ndarray:
        mu = np.asarray(mu, dtype=float)
        F = mu + 0.1 * rng.standard_cauchy(mu.shape)
        bad = F <= 0
        while bad.any():
            F[bad] = mu[bad] + 0.1 * rng.standard_cauchy(int(bad.sum()))
            bad = F <= 0
        return np.minimum(F, 1.0)

    def _infill(self):
        rng = self.random_state
        X = self.pop.get("X").astype(float)
        f = self.pop.get("F")[:, 0]
        n, d = X.shape
        F, CR, p = self._draw_parameters(n, rng)
        order = np.argsort(f, kind="stable")
        n_best = np.maximum(np.round(p * n).astype(int), 1)
        pbest = order[(rng.random(n) * n_best).astype(int)]
        r1 = np.array([rng.choice(np.delete(np.arange(n), i)) for i in range(n)])
        donors = np.vstack([X, self.de_archive]) if self.use_archive else X
        r2 = np.empty(n, dtype=int)
        for i in range(n):
            while True:
                r2[i] = rng.integers(len(donors))
                if r2[i] != i and r2[i] != r1[i]:
                    break
        V = X + F[:, None] * (X[pbest] - X) + F[:, None] * (X[r1] - donors[r2])
        xl, xu = self.problem.bounds()
        V = np.where(V < xl, (xl + X) / 2, V)
        V = np.where(V > xu, (xu + X) / 2, V)
        cross = rng.random((n, d)) < CR[:, None]
        cross[np.arange(n), rng.integers(d, size=n)] = True  # at least one coordinate
        U = np.where(cross, V, X)
        if self.integer:
            U = np.clip(np.round(U), xl, xu)
        self._trial_F, self._trial_CR = F, CR
        off = Population.new(X=U)
        off.set("index", np.arange(n))
        return off

    def _advance(self, infills=None, **kwargs):
        f_old = self.pop.get("F")[:, 0]
        f_new = infills.get("F")[:, 0]
        better = f_new < f_old
        replace = f_new <= f_old
        if self.use_archive and better.any():
            parents = self.pop.get("X")[better].astype(float)
            self.de_archive = np.vstack([self.de_archive, parents])
            excess = len(self.de_archive) - len(self.pop)
            if excess > 0:
                keep = self.random_state.permutation(len(self.de_archive))[: len(self.pop)]
                self.de_archive = self.de_archive[np.sort(keep)]
        if better.any():
            self._adapt(self._trial_F[better], self._trial_CR[better],
                        (f_old - f_new)[better])
        idx = np.flatnonzero(replace)
        self.pop[idx] = infills[idx]
        FitnessSurvival().do(self.problem, self.pop, return_indices=True)


class JADE(AdaptiveDE):
    """JADE (see the module docstring): ``c`` the adaptation rate, ``p`` the pbest share.

    Examples
    --------
    >>> algo = JADE()
    >>> algo.pop_size, algo.mu_F0, algo.mu_CR0, algo.c, algo.p
    (30, 0.5, 0.5, 0.1, 0.05)
    """

    def __init__(self, pop_size: int = 30, mu_F: float = 0.5, mu_CR: float = 0.5,
                 c: float = 0.1, p: float = 0.05, **kwargs):
        super().__init__(pop_size=pop_size, mu_F=mu_F, mu_CR=mu_CR, **kwargs)
        if not 0.0 < c <= 1.0 or not 0.0 < p <= 1.0:
            raise ValueError(f"c and p must be in (0, 1]; got c={c!r}, p={p!r}")
        self.c, self.p = float(c), float(p)

    def _reset_parameters(self) -> None:
        self.mu_F, self.mu_CR = self.mu_F0, self.mu_CR0

    def _draw_parameters(self, n, rng):
        CR = np.clip(rng.normal(self.mu_CR, 0.1, n), 0.0, 1.0)
        F = self._cauchy(np.full(n, self.mu_F), rng)
        return F, CR, np.full(n, self.p)

    def _adapt(self, F, CR, gain) -> None:
        self.mu_CR = (1 - self.c) * self.mu_CR + self.c * float(np.mean(CR))
        self.mu_F = (1 - self.c) * self.mu_F + self.c * lehmer_mean(F)


class SHADE(AdaptiveDE):
    """SHADE (see the module docstring): a memory of ``H`` (default ``pop_size``) pairs.

    Examples
    --------
    >>> algo = SHADE()
    >>> algo.pop_size, algo.H
    (30, 30)
    """

    def __init__(self, pop_size: int = 30, mu_F: float = 0.5, mu_CR: float = 0.5,
                 H: int | None = None, **kwargs):
        super().__init__(pop_size=pop_size, mu_F=mu_F, mu_CR=mu_CR, **kwargs)
        H = self.pop_size if H is None else H
        if int(H) != H or H < 1:
            raise ValueError(f"H must be a positive integer; got {H!r}")
        self.H = int(H)

    def _reset_parameters(self) -> None:
        self.M_F = np.full(self.H, self.mu_F0)
        self.M_CR = np.full(self.H, self.mu_CR0)
        self._k = 0

    def _draw_parameters(self, n, rng):
        r = rng.integers(self.H, size=n)
        CR = np.clip(rng.normal(self.M_CR[r], 0.1), 0.0, 1.0)
        F = self._cauchy(self.M_F[r], rng)
        p = rng.uniform(2.0 / n, 0.2, size=n)
        return F, CR, p

    def _adapt(self, F, CR, gain) -> None:
        w = gain / gain.sum() if gain.sum() > 0 else np.full(len(gain), 1.0 / len(gain))
        self.M_CR[self._k] = float((w * CR).sum())
        self.M_F[self._k] = lehmer_mean(F, w)
        self._k = (self._k + 1) % self.H


def jade(pop_size: int = 30, mu_F: float = 0.5, mu_CR: float = 0.5, **kwargs):
    """JADE with the LLMO paper's settings (population 30, ``mu_F = mu_CR = 0.5``)."""
    return JADE(pop_size=pop_size, mu_F=mu_F, mu_CR=mu_CR, **kwargs)


register(AlgorithmRecord(
    "jade", jade,
    "JADE (current-to-pbest/1, archive, adapted F and CR), mu_F = mu_CR = 0.5, pop 30",
    single_objective=True,
))


def shade(pop_size: int = 30, mu_F: float = 0.5, mu_CR: float = 0.5, **kwargs):
    """SHADE with the LLMO paper's settings (population 30, memory entries 0.5)."""
    return SHADE(pop_size=pop_size, mu_F=mu_F, mu_CR=mu_CR, **kwargs)


register(AlgorithmRecord(
    "shade", shade,
    "SHADE (JADE with a success-history memory of F and CR), memory 0.5, pop 30",
    single_objective=True,
))


__all__ = ["AdaptiveDE", "JADE", "SHADE", "jade", "lehmer_mean", "shade"]
