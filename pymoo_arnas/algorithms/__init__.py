"""Search algorithms for ARNAS problems: ``get_algorithm(name, **params)``.

==================  ==================================================================
name                algorithm
==================  ==================================================================
``nsga2``           pymoo NSGA-II for integers (random integers, SBX + PM, rounding), pop 50
``nsga2-ux``        NSGA-II with categorical operators (uniform crossover, random reset,
                    duplicate elimination by isomorphism class)
``nsga2-cat``       the best classic configuration: NSGA-II + Pareto local search over
                    1-edge neighbourhoods + Hamming-kernel GP screening (:class:`NSGA2LocalSearch`)
``nsga2-cat-zc``    ``nsga2-cat`` whose GP also knows each cell's zero-cost features (log
                    params, the untrained cell's adversarial NTK; :mod:`.zero_cost`)
``nsga2-llm``       NSGA-II with the LLM operators (needs ``llm=client``)
``nsga2-cat-llm``   ``nsga2-cat`` whose candidate pool also holds LLM proposals, screened
                    by the GP (needs ``llm=client``)
``ga``              GA, Table II settings (pop 30, pc 0.9, pm 0.01, tournament)
``pso``             PSO, Table II settings (w 1, c1 = c2 = 2.05, speed in [-2, 2])
``de``              DE, Table II's F 0.8, CR 0.9 (``DE/rand/1/bin``: pymoo has no cur-to-rand)
``cmaes``           CMA-ES, sigma 1.3, rounded samples, restarts
``jade``            JADE, the LLMO paper's settings (mu_F = mu_CR = 0.5, pop 30), rounded
``shade``           SHADE, the LLMO paper's settings (memory 0.5, pop 30), rounded
``llmo``            the seed paper's LLM loop, one call per evaluation (needs ``llm=client``)
``random``          random search without replacement over unique cells
``nsga3``           NSGA-III, categorical operators, Das-Dennis reference directions
``moead``           MOEA/D, categorical operators, Das-Dennis reference directions
``sms-emoa``        SMS-EMOA (least hypervolume contribution survival), categorical operators
``age-moea``        AGE-MOEA (adaptive geometry estimation), categorical operators
``optuna-tpe``      Optuna's multivariate TPE, categorical edges (``optuna`` extra)
``optuna-gp``       Optuna's Gaussian-process sampler (``optuna`` extra; minutes per run)
``optuna-nsga2``    Optuna's NSGA-II sampler (``optuna`` extra)
==================  ==================================================================

Every name is an :class:`AlgorithmRecord` in :data:`REGISTRY` (:mod:`.registry`); adding an
algorithm is one :func:`register` call beside its factory. :func:`get_record` and
:func:`check_algorithm` say what a name needs (an LLM client, one objective, ...).

Examples
--------
>>> from pymoo.optimize import minimize
>>> from pymoo_arnas.algorithms import get_algorithm, list_algorithms
>>> from pymoo_arnas.problems import ARNAS
>>> "nsga2-cat" in list_algorithms()
True
>>> get_record("ga").single_objective
True
>>> problem = ARNAS("cifar10", ("clean", "pgd@Linf"), budget=40)
>>> res = minimize(problem, get_algorithm("nsga2-cat"), seed=0)
>>> problem.n_unique
40
"""

from __future__ import annotations

from pymoo_arnas.algorithms import presets  # noqa: F401  (registers the algorithms)
from pymoo_arnas.algorithms.hybrid import NSGA2LocalSearch, neighbours
from pymoo_arnas.algorithms import adaptive_de  # noqa: F401  (registers jade, shade)
from pymoo_arnas.algorithms import many_objective  # noqa: F401  (registers nsga3, moead, ...)
from pymoo_arnas.algorithms import optuna_search  # noqa: F401  (registers optuna-*)
from pymoo_arnas.algorithms import cat_llm  # noqa: F401  (registers nsga2-cat-llm)
from pymoo_arnas.algorithms.llmo import LLMO
from pymoo_arnas.algorithms.random_search import RandomSearch
from pymoo_arnas.algorithms.registry import (
    ALGORITHMS,
    MULTI_OBJECTIVE_ONLY,
    NEEDS_LLM,
    REGISTRY,
    SINGLE_OBJECTIVE,
    AlgorithmRecord,
    check_algorithm,
    get_algorithm,
    get_record,
    list_algorithms,
    register,
)
from pymoo_arnas.algorithms.surrogate import HammingGP, RidgeSurrogate

__all__ = [
    "ALGORITHMS",
    "AlgorithmRecord",
    "HammingGP",
    "LLMO",
    "MULTI_OBJECTIVE_ONLY",
    "NEEDS_LLM",
    "NSGA2LocalSearch",
    "REGISTRY",
    "RandomSearch",
    "RidgeSurrogate",
    "SINGLE_OBJECTIVE",
    "check_algorithm",
    "get_algorithm",
    "get_record",
    "list_algorithms",
    "neighbours",
    "register",
]
