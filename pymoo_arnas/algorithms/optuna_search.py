"""Optuna's samplers as pymoo algorithms: ``optuna-tpe``, ``optuna-gp``, ``optuna-nsga2``.

:class:`OptunaSearch` runs any Optuna sampler on any cell problem: each edge is a
categorical parameter (``CategoricalDistribution([0, 1, 2, 3, 4])``), every objective is
minimised, and the problem counts the queries exactly as for every other algorithm of the
registry (its budget of unique cells stops the run). Needs the optional dependency
``optuna`` (``pip install 'pymoo-arnas[optuna]'``).

Examples
--------
>>> from pymoo.optimize import minimize
>>> from pymoo_arnas.problems import ARNAS
>>> problem = ARNAS("cifar10", ("clean", "pgd@Linf"), budget=30)
>>> res = minimize(problem, optuna_tpe(), seed=0)
>>> problem.n_unique
30
"""

from __future__ import annotations

import logging
import warnings
from contextlib import contextmanager

import numpy as np
from pymoo.core.algorithm import Algorithm
from pymoo.core.population import Population
from pymoo.core.termination import NoTermination
from pymoo.util.display.multi import MultiObjectiveOutput
from pymoo.util.optimum import filter_optimum

from pymoo_arnas.algorithms.registry import AlgorithmRecord, register
from pymoo_arnas.problems.base import budget_room
from pymoo_arnas.space import N_EDGES, N_OPS

SAMPLERS = ("tpe", "gp", "nsga2", "random")
"""Sampler names :class:`OptunaSearch` makes itself (or pass an Optuna sampler)."""


@contextmanager
def _quiet():
    """Optuna's per-trial log lines and experimental-feature warnings off, for a moment."""
    import optuna

    level = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            yield
    finally:
        optuna.logging.set_verbosity(level)


def make_sampler(name: str, seed: int, **options):
    """An Optuna sampler by name, seeded: ``"tpe"`` (multivariate TPE), ``"gp"``
    (``GPSampler``), ``"nsga2"`` (``NSGAIISampler``), ``"random"``; ``options`` go to its
    constructor."""
    import optuna

    samplers = {
        "tpe": optuna.samplers.TPESampler,
        "gp": optuna.samplers.GPSampler,
        "nsga2": optuna.samplers.NSGAIISampler,
        "random": optuna.samplers.RandomSampler,
    }
    if name not in samplers:
        raise ValueError(f"unknown Optuna sampler {name!r}; valid choices: {', '.join(SAMPLERS)}")
    if name == "tpe":
        options.setdefault("multivariate", True)
    with _quiet():
        return samplers[name](seed=seed, **options)


class OptunaSearch(Algorithm):
    """An Optuna sampler as a pymoo algorithm on a cell problem.

    Each iteration asks the study for ``batch_size`` cells and evaluates them with the
    problem. A proposal the run already evaluated (the same genome) is answered from the
    run's memory at once, without a query, and the sampler asks again: Optuna samplers
    often propose a cell twice in a space of 15,625 genomes. After ``max_repeats`` such
    answers in a row the sampler has converged and the run stops. Otherwise the run goes on
    until the problem's budget or a termination given to ``minimize`` stops it (pymoo's
    default termination, made for populations, would stop a one-cell-per-iteration loop
    after a few dozen cells).

    Parameters
    ----------
    sampler : str or optuna.samplers.BaseSampler
        A name of :data:`SAMPLERS` (seeded from the run's seed) or a sampler instance.
    batch_size : int
        Cells evaluated per iteration (1: Optuna's sequential loop).
    max_repeats : int
        Proposals in a row answered from memory before the run stops.
    sampler_options : dict, optional
        Passed to the sampler's constructor when ``sampler`` is a name.

    Attributes
    ----------
    study : optuna.Study
        The study of the last run (its trials are the proposals, repeats included).
    n_repeats : int
        Proposals answered from memory.
    """

    def __init__(self, sampler="tpe", batch_size: int = 1, max_repeats: int = 1000,
                 sampler_options: dict | None = None, **kwargs):
        kwargs.setdefault("output", MultiObjectiveOutput())
        kwargs.setdefault("termination", NoTermination())
        super().__init__(**kwargs)
        if isinstance(sampler, str) and sampler not in SAMPLERS:
            raise ValueError(
                f"unknown Optuna sampler {sampler!r}; valid choices: {', '.join(SAMPLERS)}"
            )
        if int(batch_size) != batch_size or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer; got {batch_size!r}")
        if int(max_repeats) != max_repeats or max_repeats < 1:
            raise ValueError(f"max_repeats must be a positive integer; got {max_repeats!r}")
        self.sampler = sampler
        self.batch_size = int(batch_size)
        self.max_repeats = int(max_repeats)
        self.sampler_options = dict(sampler_options or {})

    def _setup(self, problem, **kwargs):
        import optuna

        if problem.n_var != N_EDGES:
            raise ValueError(f"OptunaSearch runs on cell problems (6 edges); got {problem.n_var}")
        sampler = self.sampler
        if isinstance(sampler, str):
            seed = int(self.random_state.integers(2**31 - 1))
            sampler = make_sampler(sampler, seed, **self.sampler_options)
        with _quiet():
            self.study = optuna.create_study(directions=["minimize"] * problem.n_obj,
                                             sampler=sampler)
        self._space = {f"x{i}": optuna.distributions.CategoricalDistribution(list(range(N_OPS)))
                       for i in range(N_EDGES)}
        self._known: dict = {}  # genome -> objectives, of the cells evaluated in this run
        self._trials: list = []
        self.n_repeats = 0

    # ------------------------------------------------------------------ ask / tell

    def _ask(self):
        n = budget_room(self.problem, self.batch_size)
        X, self._trials, in_a_row = [], [], 0
        with _quiet():
            while len(X) < n:
                trial = self.study.ask(self._space)
                x = tuple(int(trial.params[f"x{i}"]) for i in range(N_EDGES))
                if x in self._known or x in {tuple(r) for r in X}:
                    if x in self._known:
                        self.study.tell(trial, list(self._known[x]))
                    else:  # twice in one batch: the first one answers
                        self.study.tell(trial, state=_failed())
                    self.n_repeats += 1
                    in_a_row += 1
                    if in_a_row >= self.max_repeats:
                        break
                    continue
                in_a_row = 0
                X.append(x)
                self._trials.append(trial)
        if not X:
            self.termination.force_termination = True
            return None
        if in_a_row >= self.max_repeats:
            self.termination.force_termination = True
        return Population.new(X=np.array(X, dtype=np.int64))

    def _tell(self, pop) -> None:
        if pop is None or len(pop) == 0:
            return
        X = np.asarray(pop.get("X")).astype(np.int64)
        F = np.asarray(pop.get("F"), dtype=float)
        is_queried = getattr(self.problem, "is_queried", None)
        evaluated = (np.asarray(is_queried(X), dtype=bool) if callable(is_queried)
                     else np.ones(len(X), dtype=bool))
        with _quiet():
            for trial, x, f, ok in zip(self._trials, X, F, evaluated):
                if ok:  # not refused by the problem's budget
                    self._known[tuple(int(v) for v in x)] = f
                    self.study.tell(trial, [float(v) for v in f])
                else:
                    self.study.tell(trial, state=_failed())
        self._trials = []
        self.pop = pop

    def _initialize_infill(self):
        return self._ask()

    def _infill(self):
        return self._ask()

    def _initialize_advance(self, infills=None, **kwargs):
        self._tell(infills)

    def _advance(self, infills=None, **kwargs):
        self._tell(infills)

    def _set_optimum(self):
        pop = self.pop if self.opt is None else Population.merge(self.opt, self.pop)
        self.opt = filter_optimum(pop, least_infeasible=True)


def _failed():
    import optuna

    return optuna.trial.TrialState.FAIL


def optuna_tpe(**kwargs):
    """Optuna's multivariate TPE sampler (:class:`OptunaSearch`)."""
    return OptunaSearch(sampler="tpe", **kwargs)


register(AlgorithmRecord(
    "optuna-tpe", optuna_tpe,
    "Optuna's multivariate TPE sampler, categorical edges (needs optuna)",
    takes_pop_size=False, extra="optuna",
))


def optuna_gp(**kwargs):
    """Optuna's Gaussian-process sampler ``GPSampler`` (:class:`OptunaSearch`; slow:
    minutes per run of 300 cells, 112 to 1,005 s on the 8 bi-objective problems against
    0.7 to 1.1 s for ``nsga2-cat``, ``benchmarks/bench_speed.py``), told the objectives are
    deterministic (table lookups; pass ``sampler_options={"deterministic_objective": False}``
    for trained networks)."""
    options = dict(kwargs.pop("sampler_options", None) or {})
    options.setdefault("deterministic_objective", True)
    return OptunaSearch(sampler="gp", sampler_options=options, **kwargs)


register(AlgorithmRecord(
    "optuna-gp", optuna_gp,
    "Optuna's Gaussian-process sampler, categorical edges (needs optuna; minutes per run)",
    takes_pop_size=False, extra="optuna",
))


def optuna_nsga2(pop_size: int = 50, **kwargs):
    """Optuna's ``NSGAIISampler`` with ``population_size=pop_size`` (Optuna's default 50)."""
    options = dict(kwargs.pop("sampler_options", None) or {})
    options.setdefault("population_size", pop_size)
    return OptunaSearch(sampler="nsga2", sampler_options=options, **kwargs)


register(AlgorithmRecord(
    "optuna-nsga2", optuna_nsga2,
    "Optuna's NSGA-II sampler, categorical edges (needs optuna)",
    extra="optuna",
))


__all__ = ["OptunaSearch", "SAMPLERS", "make_sampler", "optuna_gp", "optuna_nsga2",
           "optuna_tpe"]
