"""``nsga2-cat-llm``: the LLM's proposals join nsga2-cat's candidate pool.

:class:`NSGA2LocalSearch` (``nsga2-cat``) fills a pool of unqueried candidates every
generation (1-edge neighbours of the archive's best cells, NSGA-II offspring) and lets its
Hamming-kernel GP pick which to evaluate. Here the NSGA-II offspring's mutation is an
:class:`~pymoo_arnas.operators.LLMMutation`: a ``share`` of the offspring are the model's
proposals, which enter the pool beside the neighbours and the classic offspring and are
screened by the GP like every other candidate. :attr:`NSGA2CatLLM.n_llm_picked` counts the
evaluated cells that were the model's.

Examples
--------
>>> from pymoo.optimize import minimize
>>> from pymoo_arnas.algorithms import get_algorithm
>>> from pymoo_arnas.llm.base import LLMClient
>>> from pymoo_arnas.problems import ARNAS
>>> class Toy(LLMClient):          # a stand-in model
...     def _call(self, prompt, system, schema):
...         return "[[3, 3, 1, 3, 3, 3], [3, 3, 2, 3, 3, 3], [4, 0, 2, 4, 0, 2]]", 1, 1
>>> problem = ARNAS("cifar10", ("clean", "pgd@Linf"), budget=60)
>>> algorithm = get_algorithm("nsga2-cat-llm", llm=Toy(model="toy"))
>>> res = minimize(problem, algorithm, seed=1)
>>> problem.n_unique, res.algorithm.mutation.stats.llm_calls > 0
(60, True)
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
        Share of the NSGA-II offspring (``n_mating * n_offsprings`` per generation) the LLM
        is asked for; default 0.25 (15 cells a call at the default sizes).
    n_examples, n_avoid : int
        Passed to :class:`~pymoo_arnas.operators.LLMMutation`.
    **kwargs
        Passed to :class:`NSGA2LocalSearch` (``pop_size``, ``n_mating``, ``surrogate``, ...).

    Attributes
    ----------
    n_llm_picked : int
        Evaluated cells (after the initial population) that were LLM proposals.
    n_picked : int
        All cells evaluated after the initial population.
    """

    def __init__(self, llm=None, share: float = 0.25, n_examples: int = 10, n_avoid: int = 20,
                 **kwargs):
        if llm is None:
            raise ValueError("nsga2-cat-llm needs an LLM client: "
                             "get_algorithm('nsga2-cat-llm', llm=client)")
        if "mutation" in kwargs:
            raise ValueError("nsga2-cat-llm sets its own mutation (LLMMutation); use nsga2-cat "
                             "for another one")
        kwargs["mutation"] = LLMMutation(llm, share=share, n_examples=n_examples,
                                         n_avoid=n_avoid)
        # the model's proposals reach the pool through the offspring, which a global pool
        # does without: keep the local pool from the start, and a population's worth of
        # cells a generation (the setting measured with the local model and its tapes)
        kwargs.setdefault("global_pool", 0)
        kwargs.setdefault("n_offsprings", kwargs.get("pop_size", 20))
        super().__init__(**kwargs)
        if self.n_mating < 1:
            raise ValueError("nsga2-cat-llm needs n_mating >= 1: the LLM's proposals enter "
                             "the pool through the NSGA-II offspring")
        self.n_llm_picked = 0
        self.n_picked = 0

    def _infill(self):
        infills = super()._infill()
        if infills is not None and len(infills):
            X = np.asarray(infills.get("X")).astype(np.int64)
            handed = self.mating.mutation.handed_out
            self.n_picked += len(X)
            if len(handed):
                self.n_llm_picked += int(np.isin(isomorphism_class(X),
                                                 isomorphism_class(handed)).sum())
        return infills

    @property
    def mutation(self):
        """The :class:`~pymoo_arnas.operators.LLMMutation` (its ``stats``, ``llm``)."""
        return self.mating.mutation


def nsga2_cat_llm(llm=None, pop_size: int = 20, share: float = 0.25, **kwargs):
    """nsga2-cat with the LLM's proposals in its candidate pool (:class:`NSGA2CatLLM`)."""
    return NSGA2CatLLM(llm=llm, pop_size=pop_size, share=share, **kwargs)


register(AlgorithmRecord(
    "nsga2-cat-llm", nsga2_cat_llm,
    "nsga2-cat whose candidate pool also holds LLM proposals, screened by the GP "
    "(needs llm=client)", needs_llm=True,
))

__all__ = ["NSGA2CatLLM", "nsga2_cat_llm"]
