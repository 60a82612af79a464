"""Search algorithms for ARNAS problems: ``get_algorithm(name, **params)``.

=============  ======================================================================
name           algorithm
=============  ======================================================================
``nsga2``      pymoo NSGA-II for integers (random integers, SBX + PM, rounding), pop 50
``nsga2-ux``   NSGA-II with categorical operators (uniform crossover, random reset,
               duplicate elimination by isomorphism class)
``nsga2-cat``  the best classic configuration: NSGA-II + Pareto local search over
               1-edge neighbourhoods + Hamming-kernel GP screening (:class:`NSGA2LocalSearch`)
``nsga2-llm``  NSGA-II with the LLM operators (needs ``llm=client``)
``ga``         GA, Table II settings (pop 30, pc 0.9, pm 0.01, tournament)
``pso``        PSO, Table II settings (w 1, c1 = c2 = 2.05, speed in [-2, 2])
``de``         DE, Table II's F 0.8, CR 0.9 (``DE/rand/1/bin``: pymoo has no cur-to-rand)
``cmaes``      CMA-ES, sigma 1.3, rounded samples, restarts
``llmo``       the seed paper's LLM loop, one call per evaluation (needs ``llm=client``)
``random``     random search without replacement over unique cells
=============  ======================================================================

JADE and SHADE are not provided: pymoo has neither and no well-kept implementation plugs
into pymoo (see :mod:`pymoo_arnas.algorithms.presets`).

Examples
--------
>>> from pymoo.optimize import minimize
>>> from pymoo_arnas.algorithms import get_algorithm, list_algorithms
>>> from pymoo_arnas.problems import ARNAS
>>> "nsga2-cat" in list_algorithms()
True
>>> problem = ARNAS("cifar10", ("clean", "pgd@Linf"), budget=40)
>>> res = minimize(problem, get_algorithm("nsga2-cat"), seed=0)
>>> problem.n_unique
40
"""

from __future__ import annotations

from pymoo_arnas.algorithms import presets
from pymoo_arnas.algorithms.hybrid import NSGA2LocalSearch, neighbours
from pymoo_arnas.algorithms.llmo import LLMO
from pymoo_arnas.algorithms.random_search import RandomSearch
from pymoo_arnas.algorithms.surrogate import HammingGP, RidgeSurrogate

ALGORITHMS = {
    "nsga2": presets.nsga2,
    "nsga2-ux": presets.nsga2_ux,
    "nsga2-cat": presets.nsga2_cat,
    "nsga2-llm": presets.nsga2_llm,
    "ga": presets.ga,
    "pso": presets.pso,
    "de": presets.de,
    "cmaes": presets.cmaes,
    "llmo": presets.llmo,
    "random": presets.random_search,
}
"""Name -> factory ``(**params) -> pymoo Algorithm``."""

NEEDS_LLM = frozenset({"nsga2-llm", "llmo"})
"""Algorithms that take an ``llm=`` client."""

SINGLE_OBJECTIVE = frozenset({"ga", "pso", "de", "cmaes", "llmo"})
"""Algorithms for one objective only."""


def list_algorithms() -> list:
    """The registered algorithm names."""
    return list(ALGORITHMS)


def get_algorithm(name: str, **params):
    """A fresh pymoo algorithm by name, with ``params`` passed to its factory.

    Raises
    ------
    ValueError
        For an unknown name (the message lists the valid ones).
    """
    if name not in ALGORITHMS:
        raise ValueError(
            f"unknown algorithm {name!r}; valid choices: {', '.join(list_algorithms())}"
        )
    return ALGORITHMS[name](**params)


__all__ = [
    "ALGORITHMS",
    "HammingGP",
    "LLMO",
    "NEEDS_LLM",
    "NSGA2LocalSearch",
    "RandomSearch",
    "RidgeSurrogate",
    "SINGLE_OBJECTIVE",
    "get_algorithm",
    "list_algorithms",
    "neighbours",
]
