"""pymoo's many-objective algorithms set up for cells: NSGA-III, MOEA/D, SMS-EMOA, AGE-MOEA.

All four use the categorical operators of ``nsga2-ux`` (unique-cell sampling, uniform
edge-wise crossover, random-reset mutation; duplicate elimination by isomorphism class
where the algorithm eliminates duplicates), so they search the same genomes as every
other algorithm of the registry. NSGA-III and MOEA/D need reference directions: when none
are given, they are made for the problem's number of objectives when the run starts
(:func:`reference_directions`), so one factory serves two, three or five objectives.

Examples
--------
>>> from pymoo.optimize import minimize
>>> from pymoo_arnas.problems import ARNAS
>>> problem = ARNAS("cifar10", ("clean", "pgd@Linf", "aa_square@Linf"), budget=40)
>>> res = minimize(problem, nsga3(), seed=0)
>>> problem.n_unique, res.algorithm.ref_dirs.shape
(40, (21, 3))
"""

from __future__ import annotations

from math import comb

import numpy as np
from pymoo.algorithms.moo.age import AGEMOEA
from pymoo.algorithms.moo.moead import MOEAD
from pymoo.algorithms.moo.nsga3 import NSGA3, ReferenceDirectionSurvival
from pymoo.algorithms.moo.sms import SMSEMOA
from pymoo.operators.crossover.ux import UX
from pymoo.util.ref_dirs import get_reference_directions

from pymoo_arnas.algorithms.registry import AlgorithmRecord, register
from pymoo_arnas.operators.classic import (
    CellDuplicateElimination,
    CellSampling,
    RandomResetMutation,
)


def reference_directions(n_obj: int, n_points: int) -> np.ndarray:
    """Das-Dennis reference directions ``(k, n_obj)`` on the unit simplex, with the number
    of partitions whose count ``k`` is nearest to ``n_points`` (the smaller on a tie).

    >>> reference_directions(2, 20).shape, reference_directions(3, 20).shape
    ((20, 2), (21, 3))
    >>> reference_directions(5, 20).shape
    (15, 5)
    """
    if int(n_obj) != n_obj or n_obj < 2:
        raise ValueError(f"reference directions need n_obj >= 2; got {n_obj!r}")
    if int(n_points) != n_points or n_points < 1:
        raise ValueError(f"n_points must be a positive integer; got {n_points!r}")
    n_obj, n_points = int(n_obj), int(n_points)
    count = 1  # directions of p partitions: comb(p + m - 1, m - 1)
    p = 0
    while count < n_points:
        p += 1
        count = comb(p + n_obj - 1, n_obj - 1)
    below = comb(p - 1 + n_obj - 1, n_obj - 1) if p > 1 else 0
    if p > 1 and n_points - below <= count - n_points:
        p -= 1
    return get_reference_directions("das-dennis", n_obj, n_partitions=max(p, 1))


def _categorical(kwargs: dict, duplicates: bool = True) -> dict:
    kwargs.setdefault("sampling", CellSampling())
    kwargs.setdefault("crossover", UX())
    kwargs.setdefault("mutation", RandomResetMutation())
    if duplicates:
        kwargs.setdefault("eliminate_duplicates", CellDuplicateElimination())
    return kwargs


class CellNSGA3(NSGA3):
    """pymoo's NSGA-III; without ``ref_dirs`` it makes :func:`reference_directions` for
    the problem's objectives and about ``pop_size`` points when the run starts (the
    population is at least as large as the number of directions)."""

    def __init__(self, ref_dirs=None, pop_size: int = 20, **kwargs):
        if ref_dirs is None:
            kwargs["survival"] = None  # made in _setup, once n_obj is known
        super().__init__(ref_dirs=ref_dirs, pop_size=pop_size, **kwargs)

    def _setup(self, problem, **kwargs):
        if self.ref_dirs is None:
            self.ref_dirs = reference_directions(problem.n_obj, self.pop_size)
            self.survival = ReferenceDirectionSurvival(self.ref_dirs)
            self.pop_size = max(self.pop_size, len(self.ref_dirs))
        super()._setup(problem, **kwargs)


class CellMOEAD(MOEAD):
    """pymoo's MOEA/D; without ``ref_dirs`` it makes :func:`reference_directions` for the
    problem's objectives and about ``pop_size`` points (one subproblem each) when the run
    starts."""

    def __init__(self, ref_dirs=None, pop_size: int = 20, n_neighbors: int = 5, **kwargs):
        self._n_points = int(pop_size)
        placeholder = np.ones((self._n_points, 1)) if ref_dirs is None else ref_dirs
        super().__init__(ref_dirs=placeholder, n_neighbors=n_neighbors, **kwargs)
        self.ref_dirs = ref_dirs

    def _setup(self, problem, **kwargs):
        if self.ref_dirs is None:
            self.ref_dirs = reference_directions(problem.n_obj, self._n_points)
        super()._setup(problem, **kwargs)


def nsga3(pop_size: int = 20, ref_dirs=None, **kwargs):
    """NSGA-III with categorical operators and reference directions for any number of
    objectives (:class:`CellNSGA3`)."""
    return CellNSGA3(ref_dirs=ref_dirs, pop_size=pop_size, **_categorical(kwargs))


register(AlgorithmRecord(
    "nsga3", nsga3,
    "NSGA-III, categorical operators, Das-Dennis reference directions (about pop_size)",
    multi_objective_only=True,
))


def moead(pop_size: int = 20, ref_dirs=None, n_neighbors: int = 5, **kwargs):
    """MOEA/D (Tchebycheff for two objectives, PBI above, pymoo's defaults) with categorical
    operators; ``pop_size`` is the number of reference directions asked for
    (:class:`CellMOEAD`). MOEA/D keeps no duplicate elimination: re-asked cells cost no
    unique query."""
    return CellMOEAD(ref_dirs=ref_dirs, pop_size=pop_size, n_neighbors=n_neighbors,
                     **_categorical(kwargs, duplicates=False))


register(AlgorithmRecord(
    "moead", moead,
    "MOEA/D, categorical operators, Das-Dennis reference directions (about pop_size)",
    multi_objective_only=True,
))


def sms_emoa(pop_size: int = 20, **kwargs):
    """SMS-EMOA (survival by least exact hypervolume contribution) with categorical
    operators."""
    return SMSEMOA(pop_size=pop_size, **_categorical(kwargs))


register(AlgorithmRecord(
    "sms-emoa", sms_emoa,
    "SMS-EMOA (least hypervolume contribution survival), categorical operators",
    multi_objective_only=True,
))


def age_moea(pop_size: int = 20, **kwargs):
    """AGE-MOEA (survival by the front's estimated geometry) with categorical operators."""
    return AGEMOEA(pop_size=pop_size, **_categorical(kwargs))


register(AlgorithmRecord(
    "age-moea", age_moea,
    "AGE-MOEA (adaptive geometry estimation), categorical operators",
    multi_objective_only=True,
))


__all__ = ["CellMOEAD", "CellNSGA3", "age_moea", "moead", "nsga3", "reference_directions",
           "sms_emoa"]
