"""nsga2-cat-llm: the LLM's proposals join nsga2-cat's candidate pool and are screened by its
GP like every other candidate."""

import numpy as np
import pytest
from pymoo.optimize import minimize

from pymoo_arnas.algorithms import NEEDS_LLM, get_algorithm, get_record
from pymoo_arnas.algorithms.cat_llm import NSGA2CatLLM
from pymoo_arnas.llm.base import LLMClient
from pymoo_arnas.operators import llm_summary
from pymoo_arnas.problems import ARNAS


class Proposer(LLMClient):
    """Proposes random cells, as many as asked (or a fixed answer)."""

    def __init__(self, answer=None):
        super().__init__(model="proposer", max_retries=0)
        self.answer, self.schemas = answer, []
        self.rng = np.random.default_rng(0)

    def _call(self, prompt, system, schema):
        self.schemas.append(schema)
        if self.answer is not None:
            return self.answer, 1, 1
        return str(self.rng.integers(0, 5, size=(schema["maxItems"], 6)).tolist()), 1, 1


def test_nsga2_cat_llm_is_registered_and_needs_a_client():
    assert "nsga2-cat-llm" in NEEDS_LLM and get_record("nsga2-cat-llm").needs_llm
    with pytest.raises(ValueError, match="needs an LLM client"):
        get_algorithm("nsga2-cat-llm")
    with pytest.raises(ValueError, match="n_mating >= 1"):
        get_algorithm("nsga2-cat-llm", llm=Proposer(answer="[]"), n_mating=0)


def test_llm_proposals_enter_the_pool_and_are_screened_like_the_others():
    problem = ARNAS("cifar10", ("clean", "pgd@Linf"), budget=80)
    llm = Proposer()
    # without the GP, picks are uniform over the pool: LLM cells compete on equal terms
    res = minimize(problem, get_algorithm("nsga2-cat-llm", llm=llm, pop_size=20, share=1.0,
                                          surrogate=False), seed=1)
    algo = res.algorithm
    assert isinstance(algo, NSGA2CatLLM) and problem.n_unique == 80
    st = algo.mutation.stats
    # one request per generation, for share * n_mating * n_offsprings cells
    assert st.llm_calls == len(llm.schemas) == 3 and llm.schemas[0]["maxItems"] == 60
    assert st.used > 0 and algo.n_picked == 60
    # some of the model's cells were picked from the pool, not only them
    assert 0 < algo.n_llm_picked < algo.n_picked
    assert "LLMMutation" in llm_summary(algo)


def test_default_share_asks_for_15_cells_a_generation():
    problem = ARNAS("cifar10", ("clean", "pgd@Linf"), budget=40)
    llm = Proposer()
    minimize(problem, get_algorithm("nsga2-cat-llm", llm=llm), seed=1)
    assert [s["maxItems"] for s in llm.schemas] == [15]


def test_garbage_answers_leave_nsga2_cat_running_on_its_own_pool():
    problem = ARNAS("cifar10", ("clean", "pgd@Linf"), budget=60)
    res = minimize(problem, get_algorithm("nsga2-cat-llm", llm=Proposer(answer="no cells")),
                   seed=1)
    assert problem.n_unique == 60 and res.algorithm.n_llm_picked == 0
    assert res.algorithm.mutation.stats.fallback == res.algorithm.mutation.stats.wanted
