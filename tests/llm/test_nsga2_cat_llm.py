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
from pymoo_arnas.space import GENOME_COLUMNS


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
    with pytest.raises(ValueError, match=r"share must be in \[0, 1\].*1.5"):
        get_algorithm("nsga2-cat-llm", llm=Proposer(answer="[]"), share=1.5)


def test_llm_proposals_enter_the_pool_and_are_screened_like_the_others():
    problem = ARNAS("cifar10", ("clean", "pgd@Linf"), budget=80)
    llm = Proposer()
    # without the GP, picks are uniform over the pool: LLM cells compete on equal terms
    res = minimize(problem, get_algorithm("nsga2-cat-llm", llm=llm, share=1.0,
                                          surrogate=False), seed=1)
    algo = res.algorithm
    assert isinstance(algo, NSGA2CatLLM) and problem.n_unique == 80
    st = algo.mutation.stats
    # after the 25 first cells, one request per generation (5 cells each), for
    # share * n_mating * n_offsprings cells
    assert st.llm_calls == len(llm.schemas) == 11 and llm.schemas[0]["maxItems"] == 15
    assert st.used > 0 and algo.n_picked == 55
    # some of the model's cells were picked from the pool, not only them
    assert 0 < algo.n_llm_picked < algo.n_picked
    assert "LLMMutation" in llm_summary(algo)


def test_the_model_is_asked_only_in_local_generations():
    # nsga2-cat's first 100 queries, and after them the first of every 2 generations, screen
    # every unqueried cell: nothing to add to that pool
    problem = ARNAS("cifar10", ("clean", "pgd@Linf"), budget=140)
    llm = Proposer()
    res = minimize(problem, get_algorithm("nsga2-cat-llm", llm=llm), seed=1)
    # then 8 generations of 5 cells; the 4 local ones each ask for 0.25 * 3 * 5 cells (rounded)
    assert [s["maxItems"] for s in llm.schemas] == [4] * 4
    assert res.algorithm.n_picked == 140 - 25  # all but the first population


def _genomes(problem):
    return problem.query_log[list(GENOME_COLUMNS)].to_numpy()


class Repeater(LLMClient):
    """Proposes only cells the run has already queried."""

    def __init__(self, problem):
        super().__init__(model="repeater", max_retries=0)
        self.problem = problem

    def _call(self, prompt, system, schema):
        return str(_genomes(self.problem)[: schema["maxItems"]].tolist()), 1, 1


@pytest.fixture(scope="module")
def nsga2_cat_queries():
    problem = ARNAS("cifar10", ("clean", "pgd@Linf"), budget=130)
    minimize(problem, get_algorithm("nsga2-cat"), seed=3)
    return _genomes(problem)


@pytest.mark.parametrize("answer", ["[]", "no cells", "repeats"])
def test_a_model_that_proposes_nothing_new_leaves_the_run_exactly_nsga2_cat(answer,
                                                                         nsga2_cat_queries):
    # the model's requests draw no random numbers and a proposal with no new cell leaves the
    # pool as it was: the same cells are queried in the same order
    problem = ARNAS("cifar10", ("clean", "pgd@Linf"), budget=130)
    llm = Repeater(problem) if answer == "repeats" else Proposer(answer=answer)
    algo = minimize(problem, get_algorithm("nsga2-cat-llm", llm=llm), seed=3).algorithm
    X = _genomes(problem)
    assert len(X) == 130 and np.array_equal(X, nsga2_cat_queries)
    # asked in each of the 3 local generations of the 6 after the global phase, nothing used
    assert algo.mutation.stats.llm_calls == 3 and algo.mutation.stats.used == 0
    assert algo.n_llm_picked == 0
    if answer == "repeats":  # valid cells, each dropped as already queried
        assert algo.mutation.stats.duplicates > 0


def test_the_benchmark_tape_replays_against_the_current_nsga2_cat_llm():
    """``benchmarks/tapes/cat_llm`` holds the local model's answers of bench_cat_llm.py; a strict
    replay stops at the first request not on the tape, so this fails when a change to
    nsga2-cat (its pools, its picks, its prompts) makes the recorded figures stale: re-record
    with ``python benchmarks/bench_cat_llm.py``."""
    from pathlib import Path

    from pymoo_arnas.experiments.runner import run_one
    from pymoo_arnas.llm import ReplayClient

    tape = Path(__file__).parents[2] / "benchmarks/tapes/cat_llm/cifar10-clean+pgd-seed0.jsonl"
    df = run_one("cifar10/clean+pgd", "nsga2-cat-llm", 0, 300,
                 params={"llm": ReplayClient(tape, strict=True)})
    assert len(df) == 300
    stats = df.attrs["llm"]
    assert stats["llm_calls"] == 20 and stats["llm_failed_calls"] == 0  # 20 local generations
