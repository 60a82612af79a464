"""Ready-made pymoo algorithms for ARNAS problems, with the seed paper's settings as presets.

The paper's Table II settings (population 30 for the baselines): GA crossover 0.9,
mutation 0.01, tournament selection; PSO inertia 1, c1 = c2 = 2.05, speed in [-2, 2];
DE/cur-to-rand/1/bin F 0.8 CR 0.9; CMA-ES sigma 1.3. pymoo's real-valued operators get a
:class:`~pymoo.operators.repair.rounding.RoundingRepair` (ARNAS refuses non-integral genomes).

Differences from the paper, forced by what pymoo offers:

- pymoo's DE has no ``current-to-rand`` selection; ``de`` uses ``DE/rand/1/bin`` with the
  paper's F and CR (pass ``variant=`` to change it);
- JADE and SHADE: pymoo has neither, and ``mealpy``'s run behind their own problem
  interface, so :mod:`pymoo_arnas.algorithms.adaptive_de` implements them in pymoo's DE
  framework (``jade``, ``shade``).
"""

from __future__ import annotations

import numpy as np
from pymoo.algorithms.moo.nsga2 import NSGA2
from pymoo.algorithms.soo.nonconvex.cmaes import CMAES
from pymoo.algorithms.soo.nonconvex.de import DE
from pymoo.algorithms.soo.nonconvex.ga import GA
from pymoo.algorithms.soo.nonconvex.pso import PSO
from pymoo.core.population import Population
from pymoo.operators.crossover.sbx import SBX
from pymoo.operators.crossover.ux import UX
from pymoo.operators.mutation.pm import PM
from pymoo.operators.repair.rounding import RoundingRepair
from pymoo.operators.sampling.rnd import IntegerRandomSampling

from pymoo_arnas.algorithms.hybrid import NSGA2LocalSearch
from pymoo_arnas.algorithms.random_search import RandomSearch
from pymoo_arnas.algorithms.registry import AlgorithmRecord, register
from pymoo_arnas.operators.classic import (
    CellDuplicateElimination,
    CellSampling,
    RandomResetMutation,
)
from pymoo_arnas.space import N_OPS


CMA_SEED_FOR_0 = 2**31 - 1
"""The seed ``cma`` gets for a run with seed 0 (which it would take as "use the clock")."""


class RoundedCMAES(CMAES):
    """pymoo's CMA-ES whose samples are rounded to the nearest operation before evaluation.

    The strategy keeps its continuous samples; the problem sees ``round(clip(x, 0, 4))``.

    The ``cma`` package reads a seed of 0 as "seed from the clock", so a run with
    ``seed=0`` was not reproducible; here seed 0 is given to ``cma`` as :data:`CMA_SEED_FOR_0`
    (other seeds as they are).
    """

    def _setup(self, problem, **kwargs):
        super()._setup(problem, **kwargs)
        if self.options.get("seed") == 0:
            self.options["seed"] = CMA_SEED_FOR_0

    def _initialize_infill(self):
        pop = super()._initialize_infill()
        pop.set("X", np.clip(np.round(pop.get("X").astype(float)), 0, N_OPS - 1))
        return pop

    def _infill(self):
        pop = super()._infill()
        X = np.clip(np.round(pop.get("X")), 0, N_OPS - 1)
        self.pop = Population.new("X", X)
        return self.pop


class RoundedDE(DE):
    """pymoo's DE whose trial vectors are rounded to the nearest operation before evaluation
    (pymoo's DE variant does not apply a repair to its trials)."""

    def _infill(self):
        off = super()._infill()
        if off is not None:
            off.set("X", np.clip(np.round(off.get("X").astype(float)), 0, N_OPS - 1))
        return off


def nsga2(pop_size: int = 50, **kwargs):
    """Plain NSGA-II as pymoo users set it up for integers: random integers, SBX + PM, rounding."""
    kwargs.setdefault("sampling", IntegerRandomSampling())
    kwargs.setdefault("crossover", SBX(prob=0.9, eta=15, vtype=float, repair=RoundingRepair()))
    kwargs.setdefault("mutation", PM(eta=20, vtype=float, repair=RoundingRepair()))
    kwargs.setdefault("eliminate_duplicates", True)
    return NSGA2(pop_size=pop_size, **kwargs)


register(AlgorithmRecord(
    "nsga2", nsga2,
    "pymoo NSGA-II for integers (random integers, SBX + PM, rounding), pop 50",
))


def nsga2_ux(pop_size: int = 20, **kwargs):
    """NSGA-II with categorical operators only: unique-cell sampling, uniform (edge-wise)
    crossover, random-reset mutation, duplicate elimination by isomorphism class."""
    kwargs.setdefault("sampling", CellSampling())
    kwargs.setdefault("crossover", UX())
    kwargs.setdefault("mutation", RandomResetMutation())
    kwargs.setdefault("eliminate_duplicates", CellDuplicateElimination())
    return NSGA2(pop_size=pop_size, **kwargs)


register(AlgorithmRecord(
    "nsga2-ux", nsga2_ux,
    "NSGA-II with categorical operators (uniform crossover, random reset, duplicate "
    "elimination by isomorphism class)",
))


def nsga2_cat(pop_size: int | None = None, **kwargs):
    """The best classic configuration: :class:`NSGA2LocalSearch` (NSGA-II with categorical
    operators + Pareto local search over 1-edge neighbourhoods + a Hamming-kernel GP
    screening the candidates)."""
    return NSGA2LocalSearch(pop_size=pop_size, **kwargs)


register(AlgorithmRecord(
    "nsga2-cat", nsga2_cat,
    "NSGA-II + Pareto local search over 1-edge neighbourhoods + Hamming-kernel GP screening",
))


ZERO_COST = ("params", "ntk_adv_min")
"""The zero-cost features of ``nsga2-cat-zc`` (see :mod:`pymoo_arnas.algorithms.zero_cost`)."""


def nsga2_cat_zc(pop_size: int | None = None, **kwargs):
    """``nsga2-cat`` whose surrogate also knows each cell's zero-cost features: the log of
    its parameter count and the smallest NTK eigenvalue of its untrained network on PGD
    inputs (:data:`ZERO_COST`; ``zero_cost=`` to choose others)."""
    kwargs.setdefault("zero_cost", ZERO_COST)
    return nsga2_cat(pop_size=pop_size, **kwargs)


register(AlgorithmRecord(
    "nsga2-cat-zc", nsga2_cat_zc,
    "nsga2-cat + zero-cost surrogate features (log params, adversarial NTK's smallest "
    "eigenvalue of the untrained cell)",
))


def nsga2_llm(llm=None, pop_size: int = 20, share: float = 1.0, **kwargs):
    """NSGA-II with the LLM operators (LLM sampling and mutation, uniform crossover).

    ``share``: the fraction of each batch the LLM proposes (the rest comes from the classic
    fallback operators)."""
    if llm is None:
        raise ValueError("nsga2-llm needs an LLM client: get_algorithm('nsga2-llm', llm=client)")
    from pymoo_arnas.operators.llm import LLMMutation, LLMSampling  # lazy: optional package

    kwargs.setdefault("sampling", LLMSampling(llm, share=share))
    kwargs.setdefault("crossover", UX())
    kwargs.setdefault("mutation", LLMMutation(llm, share=share))
    kwargs.setdefault("eliminate_duplicates", CellDuplicateElimination())
    return NSGA2(pop_size=pop_size, **kwargs)


register(AlgorithmRecord(
    "nsga2-llm", nsga2_llm,
    "NSGA-II with the LLM operators (needs llm=client)", needs_llm=True,
))


def ga(pop_size: int = 30, pc: float = 0.9, pm: float = 0.01, **kwargs):
    """GA (Table II): tournament selection, SBX with probability ``pc``, PM with per-edge
    probability ``pm``, rounding repair."""
    kwargs.setdefault("sampling", IntegerRandomSampling())
    kwargs.setdefault("crossover", SBX(prob=pc, eta=15, vtype=float, repair=RoundingRepair()))
    kwargs.setdefault("mutation", PM(prob=1.0, prob_var=pm, eta=20, vtype=float,
                                     repair=RoundingRepair()))
    return GA(pop_size=pop_size, **kwargs)


register(AlgorithmRecord(
    "ga", ga,
    "GA, Table II settings (pop 30, pc 0.9, pm 0.01, tournament)", single_objective=True,
))


def pso(pop_size: int = 30, w: float = 1.0, c1: float = 2.05, c2: float = 2.05,
        max_speed: float = 2.0, **kwargs):
    """PSO (Table II): inertia ``w``, ``c1``, ``c2``, speed in ``[-max_speed, max_speed]``."""
    kwargs.setdefault("sampling", IntegerRandomSampling())
    kwargs.setdefault("repair", RoundingRepair())
    return PSO(pop_size=pop_size, w=w, c1=c1, c2=c2, adaptive=False,
               max_velocity_rate=max_speed / (N_OPS - 1), **kwargs)


register(AlgorithmRecord(
    "pso", pso,
    "PSO, Table II settings (w 1, c1 = c2 = 2.05, speed in [-2, 2])", single_objective=True,
))


def de(pop_size: int = 30, F: float = 0.8, CR: float = 0.9, variant: str = "DE/rand/1/bin",
       **kwargs):
    """DE (Table II's F and CR; pymoo has no cur-to-rand, see the module docstring)."""
    kwargs.setdefault("sampling", IntegerRandomSampling())
    kwargs.setdefault("repair", RoundingRepair())
    return RoundedDE(pop_size=pop_size, variant=variant, F=F, CR=CR, **kwargs)


register(AlgorithmRecord(
    "de", de,
    "DE, Table II's F 0.8, CR 0.9 (DE/rand/1/bin: pymoo has no cur-to-rand)",
    single_objective=True,
))


def cmaes(pop_size: int = 30, sigma: float = 1.3, restarts: int = 100, **kwargs):
    """CMA-ES (Table II: sigma 1.3 in operation units), rounded samples, restarts when it
    converges so it uses the whole budget."""
    kwargs.setdefault("incpopsize", 1)  # restarts keep the population of 30
    return RoundedCMAES(pop_size=pop_size, sigma=sigma, normalize=False, restarts=restarts,
                        **kwargs)


register(AlgorithmRecord(
    "cmaes", cmaes,
    "CMA-ES, sigma 1.3, rounded samples, restarts", single_objective=True,
))


def random_search(batch_size: int = 10, **kwargs):
    """Random search without replacement over unique cells."""
    return RandomSearch(batch_size=batch_size, **kwargs)


register(AlgorithmRecord(
    "random", random_search,
    "random search without replacement over unique cells", takes_pop_size=False,
))


def llmo(llm=None, **kwargs):
    """The seed paper's LLMO loop (see :class:`~pymoo_arnas.algorithms.llmo.LLMO`)."""
    from pymoo_arnas.algorithms.llmo import LLMO

    return LLMO(llm=llm, **kwargs)


register(AlgorithmRecord(
    "llmo", llmo,
    "the seed paper's LLM loop, one call per evaluation (needs llm=client)",
    needs_llm=True, single_objective=True, takes_pop_size=False,
))


__all__ = ["RoundedCMAES", "RoundedDE", "ZERO_COST", "cmaes", "de", "ga", "llmo", "nsga2",
           "nsga2_cat", "nsga2_cat_zc", "nsga2_llm", "nsga2_ux", "pso", "random_search"]
