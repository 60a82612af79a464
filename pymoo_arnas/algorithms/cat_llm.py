"""``nsga2-cat-llm``: the LLM's proposals join nsga2-cat's candidate pool.

:class:`NSGA2LocalSearch` (``nsga2-cat``) fills a pool of unqueried candidates every
generation (after its global phase: 1-edge neighbours of the archive's best cells, NSGA-II
offspring) and lets its Hamming-kernel GP pick which to evaluate. Here the model is asked for
more cells each such generation (an :class:`~pymoo_arnas.operators.LLMMutation` shown the
population's best cells); its new proposals join the pool and are screened by the GP like
every other candidate (but not drawn by an unscreened ``explore`` share, which picks
from ``nsga2-cat``'s own candidates: a model's cell is evaluated only when the GP ranks it
among the best). Everything else is ``nsga2-cat``: the same defaults, the same global
phase and global generations (whose pool already holds every cell, so the model is not
asked then), and the same random numbers (the model's requests draw none). A model that
proposes nothing therefore leaves the run exactly as ``nsga2-cat`` would have made it, query
for query.
:attr:`NSGA2CatLLM.n_llm_picked` counts the evaluated cells that were the model's.

Examples
--------
>>> from pymoo.optimize import minimize
>>> from pymoo_arnas.algorithms import get_algorithm
>>> from pymoo_arnas.llm.base import LLMClient
>>> from pymoo_arnas.problems import ARNAS
>>> class Toy(LLMClient):          # a stand-in model
...     def _call(self, prompt, system, schema):
...         return "[[3, 3, 1, 3, 3, 3], [3, 3, 2, 3, 3, 3], [4, 0, 2, 4, 0, 2]]", 1, 1
>>> problem = ARNAS("cifar10", ("clean", "pgd@Linf"), budget=160)
>>> algorithm = get_algorithm("nsga2-cat-llm", llm=Toy(model="toy"))
>>> res = minimize(problem, algorithm, seed=1)
>>> problem.n_unique, res.algorithm.mutation.stats.llm_calls > 0
(160, True)
"""

from __future__ import annotations

import numpy as np

from pymoo_arnas.algorithms.hybrid import NSGA2LocalSearch
from pymoo_arnas.algorithms.registry import AlgorithmRecord, register
from pymoo_arnas.operators.llm import LLMMutation
from pymoo_arnas.space import isomorphism_class


class NSGA2CatLLM(NSGA2LocalSearch):
    """:class:`NSGA2LocalSearch` whose candidate pool also holds the LLM's proposals.

    Parameters
    ----------
    llm : LLMClient
        The backend.
    share : float
        Cells asked of the model each generation of the local phase, as a share of the
        NSGA-II offspring put into the pool (``n_mating * n_offsprings``); default 0.25
        (4 cells a call at the default sizes: 5 a generation, 15 offspring). The offspring
        are not replaced: the model's cells come on top.
    n_examples, n_avoid : int
        Passed to :class:`~pymoo_arnas.operators.LLMMutation` (the best cells shown, the
        evaluated neighbours listed as not to be proposed).
    **kwargs
        Passed to :class:`NSGA2LocalSearch` (``pop_size``, ``n_mating``, ``surrogate``,
        ``global_pool``, ...), with its defaults.

    Attributes
    ----------
    n_llm_picked : int
        Evaluated cells that were LLM proposals.
    n_picked : int
        All cells evaluated after the initial population.
    """

    def __init__(self, llm=None, share: float = 0.25, n_examples: int = 10, n_avoid: int = 20,
                 **kwargs):
        if llm is None:
            raise ValueError("nsga2-cat-llm needs an LLM client: "
                             "get_algorithm('nsga2-cat-llm', llm=client)")
        if not 0.0 <= float(share) <= 1.0:
            raise ValueError(f"share must be in [0, 1] (cells asked per NSGA-II offspring "
                             f"in the pool); got {share!r}")
        super().__init__(**kwargs)
        if self.n_mating < 1:
            raise ValueError("nsga2-cat-llm needs n_mating >= 1: the model is asked for a "
                             "share of the NSGA-II offspring")
        self.share = float(share)
        self.proposer = LLMMutation(llm, n_examples=n_examples, n_avoid=n_avoid)
        self.n_llm_picked = 0
        self.n_picked = 0
        self._n_own = None  # rows of this generation's pool that are nsga2-cat's own

    def _local_pool(self, n, rng) -> np.ndarray:
        pool = super()._local_pool(n, rng)
        self._n_own = len(pool)  # the model's new cells come after nsga2-cat's own
        k = int(round(self.share * self.n_mating * n))
        if k == 0 or self.pop is None:
            return pool
        P = self.proposer.propose(self.problem, self, k)  # draws no random numbers
        return self._unqueried(np.concatenate([pool, P])) if len(P) else pool

    def _select(self, pool, n, rng, n_explorable=None) -> np.ndarray:
        # the unscreened share is drawn from nsga2-cat's own candidates: the model's enter
        # only when the GP ranks them first, so a bad model's cells are not picked at random
        own, self._n_own = self._n_own, None
        if own is not None and own < len(pool) and n_explorable is None:
            n_explorable = own
        return super()._select(pool, n, rng, n_explorable)

    def _infill(self):
        handed = self.proposer.handed_out
        infills = super()._infill()
        if infills is not None and len(infills):
            X = np.asarray(infills.get("X")).astype(np.int64)
            self.n_picked += len(X)
            if self.proposer.handed_out is not handed and len(self.proposer.handed_out):
                self.n_llm_picked += int(np.isin(
                    isomorphism_class(X), isomorphism_class(self.proposer.handed_out)).sum())
        return infills

    @property
    def mutation(self):
        """The :class:`~pymoo_arnas.operators.LLMMutation` that asks the model (its
        ``stats``, ``llm``, ``handed_out``); the NSGA-II offspring's own mutation is
        ``nsga2-cat``'s, ``mating.mutation``."""
        return self.proposer


def nsga2_cat_llm(llm=None, pop_size: int | None = None, share: float = 0.25, **kwargs):
    """nsga2-cat with the LLM's proposals in its candidate pool (:class:`NSGA2CatLLM`)."""
    return NSGA2CatLLM(llm=llm, pop_size=pop_size, share=share, **kwargs)


register(AlgorithmRecord(
    "nsga2-cat-llm", nsga2_cat_llm,
    "nsga2-cat whose candidate pool also holds LLM proposals, screened by the GP "
    "(needs llm=client)", needs_llm=True,
))

__all__ = ["NSGA2CatLLM", "nsga2_cat_llm"]
