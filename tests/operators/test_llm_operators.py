"""LLMSampling / LLMMutation without a network: a scripted in-process backend."""

import copy

import numpy as np
import pytest
from pymoo.algorithms.moo.nsga2 import NSGA2
from pymoo.algorithms.soo.nonconvex.ga import GA
from pymoo.operators.crossover.ux import UX
from pymoo.optimize import minimize

from pymoo_arnas.llm.base import LLMClient
from pymoo_arnas.operators import (
    CellDuplicateElimination,
    LLMMutation,
    LLMOperatorStats,
    LLMSampling,
    RandomResetMutation,
)
from pymoo_arnas.problems import ARNAS
from pymoo_arnas.space import isomorphism_class


class Scripted(LLMClient):
    """Answers from a list (then ``default``); records the prompts it was given."""

    backend = "scripted"

    def __init__(self, answers=(), default="[]"):
        super().__init__(model="scripted", max_retries=0)
        self.answers, self.default, self.prompts = list(answers), default, []

    def _call(self, prompt, system, schema):
        self.prompts.append(prompt)
        a = self.answers.pop(0) if self.answers else self.default
        if isinstance(a, Exception):
            raise a
        return a, len(prompt) // 4, len(a) // 4


@pytest.fixture(scope="module")
def problem():
    return ARNAS("cifar10")


def test_sampling_uses_llm_cells_and_fills_distinct(problem):
    problem.reset()
    llm = Scripted(["[[3,3,3,3,3,3],[3,3,3,3,3,3],[1,1,1,1,1,1],[9,9]]"])
    s = LLMSampling(llm)
    X = s._do(problem, 8, random_state=np.random.default_rng(0))
    assert X.shape == (8, 6) and X.dtype == np.int64
    assert X[:2].tolist() == [[3] * 6, [1] * 6]
    assert len(set(isomorphism_class(X).tolist())) == 8
    st = s.stats
    assert (st.llm_calls, st.asked, st.returned, st.valid, st.invalid, st.duplicates, st.used,
            st.fallback) == (1, 8, 4, 3, 1, 1, 2, 6)


def test_sampling_survives_exceptions_of_any_kind(problem):
    s = LLMSampling(Scripted([RuntimeError("boom")]))
    X = s._do(problem, 5, random_state=np.random.default_rng(0))
    assert X.shape == (5, 6) and s.stats.llm_failures == 1 and s.stats.fallback == 5


def test_sampling_is_seeded(problem):
    a = LLMSampling(Scripted(default="nothing"))._do(problem, 6, random_state=np.random.default_rng(4))
    b = LLMSampling(Scripted(default="nothing"))._do(problem, 6, random_state=np.random.default_rng(4))
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("n", [0, -3, 2.5, True])
def test_sampling_rejects_bad_n(problem, n):
    with pytest.raises(ValueError, match="n_samples must be a positive integer"):
        LLMSampling(Scripted())._do(problem, n, random_state=np.random.default_rng(0))


@pytest.mark.parametrize("make, match", [
    (lambda: LLMSampling("gpt-4o"), "llm must be an LLMClient"),
    (lambda: LLMMutation(Scripted(), share=1.5), r"share must be in \[0, 1\]; got 1.5"),
    (lambda: LLMMutation(Scripted(), n_examples=-1), "n_examples must be >= 0"),
    (lambda: LLMMutation(Scripted(), batch_size=0), "batch_size must be >= 1"),
    (lambda: LLMMutation(Scripted(), n_avoid=-1), "n_avoid must be >= 0"),
    (lambda: LLMMutation(Scripted(), template="no placeholder"), r"must contain \{n\}"),
    (lambda: LLMSampling(Scripted(), template=3), "template must be a str or PromptTemplate"),
])
def test_bad_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_mutation_share_and_fallback(problem):
    problem.reset()
    llm = Scripted(default="[[2,2,2,2,2,2],[4,4,4,4,4,4]]")
    m = LLMMutation(llm, share=0.5)
    X = np.zeros((6, 6), dtype=int)
    Y = m._do(problem, X, random_state=np.random.default_rng(1))
    assert Y.shape == (6, 6)
    assert m.stats.asked == 3 and m.stats.used == 2 and m.stats.fallback == 1
    rows = {tuple(r) for r in Y.tolist()}
    assert (2,) * 6 in rows and (4,) * 6 in rows
    assert ((Y != X).sum(axis=1) >= 1).all()  # the fallback rows are real mutations
    m0 = LLMMutation(llm, share=0.0)
    m0._do(problem, X, random_state=np.random.default_rng(1))
    assert m0.stats.llm_calls == 0


def test_one_call_per_generation_and_reuse_on_mating_reruns(problem):
    problem.reset()
    llm = Scripted(default="[[2,2,2,2,2,2],[4,4,4,4,4,4],[1,1,1,1,1,1]]")
    m = LLMMutation(llm)

    class Alg:
        n_gen, pop = 5, None

    alg = Alg()
    Y1 = m._do(problem, np.zeros((1, 6), int), random_state=np.random.default_rng(0), algorithm=alg)
    Y2 = m._do(problem, np.zeros((2, 6), int), random_state=np.random.default_rng(0), algorithm=alg)
    Y3 = m._do(problem, np.zeros((2, 6), int), random_state=np.random.default_rng(0), algorithm=alg)
    assert len(llm.prompts) == 1 and m.stats.llm_calls == 1
    assert Y1.tolist() == [[2] * 6] and Y2.tolist() == [[4] * 6, [1] * 6]
    assert m.stats.reused == 2 and m.stats.fallback == 2 and Y3.shape == (2, 6)
    alg.n_gen = 6
    m._do(problem, np.zeros((1, 6), int), random_state=np.random.default_rng(0), algorithm=alg)
    assert len(llm.prompts) == 2


def test_stats_and_client_survive_minimize_deepcopy(problem):
    problem.reset()
    llm = Scripted(default="[[3,3,1,3,3,3]]")
    s, m = LLMSampling(llm), LLMMutation(llm, fallback=RandomResetMutation(prob_var=0.3))
    alg = NSGA2(pop_size=8, sampling=s, crossover=UX(), mutation=m,
                eliminate_duplicates=CellDuplicateElimination())
    res = minimize(problem, alg, ("n_gen", 4), seed=2)
    assert res.algorithm.mating.mutation is not m  # pymoo deep-copied the algorithm ...
    assert res.algorithm.mating.mutation.stats is m.stats  # ... but the stats are shared
    assert res.algorithm.mating.mutation.llm is llm
    assert m.stats.llm_calls == 3 and s.stats.llm_calls == 1 and llm.usage.calls == 4
    assert copy.deepcopy(m.stats) is m.stats
    assert "4 LLM calls" not in str(m.stats) and "3 LLM calls" in str(m.stats)
    m.stats.reset()
    assert m.stats == LLMOperatorStats()


def test_mutation_prompt_lists_elite_without_duplicates(problem):
    problem.reset()
    llm = Scripted(default="[]")
    m = LLMMutation(llm, n_examples=3)
    alg = NSGA2(pop_size=10, sampling=LLMSampling(llm), crossover=UX(), mutation=m,
                eliminate_duplicates=CellDuplicateElimination())
    minimize(problem, alg, ("n_gen", 2), seed=1)
    prompt = llm.prompts[-1]
    lines = [ln for ln in prompt.splitlines() if "] -> " in ln]
    assert len(lines) == 3
    V = np.array([[float(v) for v in ln.split("-> ")[1].split(", ")] for ln in lines])
    # best first: the first cell listed is non-dominated among the listed ones
    assert not any((v >= V[0]).all() and (v > V[0]).any() for v in V[1:])
    assert len({ln.split(" -> ")[0] for ln in lines}) == 3
    assert "Improve on the best cells" in prompt


def test_works_with_single_objective_ga(problem):
    p1 = ARNAS("cifar10", objectives="pgd@Linf")
    llm = Scripted(default="[[3,3,3,3,3,3],[2,2,2,2,2,2]]")
    res = minimize(p1, GA(pop_size=6, sampling=LLMSampling(llm), crossover=UX(),
                          mutation=LLMMutation(llm), eliminate_duplicates=CellDuplicateElimination()),
                   ("n_gen", 3), seed=1)
    assert res.F.shape == (1,) and llm.usage.calls == 3


def test_sampling_share(problem):
    problem.reset()
    llm = Scripted(default="[[3,3,3,3,3,3],[2,2,2,2,2,2],[1,1,1,1,1,1]]")
    s = LLMSampling(llm, share=0.3)
    X = s._do(problem, 10, random_state=np.random.default_rng(0))
    assert X.shape == (10, 6) and X[:3].tolist() == [[3] * 6, [2] * 6, [1] * 6]
    assert (s.stats.wanted, s.stats.asked, s.stats.used, s.stats.fallback) == (3, 3, 3, 0)
    assert "exactly 3 new cells" in llm.prompts[0]
    s0 = LLMSampling(llm, share=0.0)
    assert s0._do(problem, 4, random_state=np.random.default_rng(0)).shape == (4, 6)
    assert s0.stats.llm_calls == 0 and len(llm.prompts) == 1
    with pytest.raises(ValueError, match="share must be in"):
        LLMSampling(llm, share=-0.1)


def test_llm_summary_lists_operators_and_backend_once(problem):
    from pymoo_arnas.operators import llm_summary

    problem.reset()
    llm = Scripted(default="[[3,3,1,3,3,3]]")
    alg = NSGA2(pop_size=6, sampling=LLMSampling(llm), crossover=UX(), mutation=LLMMutation(llm),
                eliminate_duplicates=CellDuplicateElimination())
    res = minimize(problem, alg, ("n_gen", 2), seed=1)
    lines = llm_summary(res.algorithm).splitlines()
    assert [ln.split(":")[0] for ln in lines] == ["LLM", "LLMSampling", "LLMMutation",
                                                  "Scripted(model='scripted')"]
    assert "2 calls" in lines[3]
    assert llm_summary(NSGA2(pop_size=4)) == ""


def test_llm_operators_bind_the_elimination_to_a_cost_problem(synthetic_table_factory):
    """With a cost objective the genome is the unit: the LLM operators bind the run's
    duplicate elimination to the problem as the classic ones do."""
    from pymoo_arnas.operators import CellDuplicateElimination

    table = synthetic_table_factory(seed=0, dataset="cifar10")  # cifar10: the network's head
    p = ARNAS(table=table, objectives=("clean", "params"), budget=40)
    llm = Scripted(default="[[0, 0, 0, 0, 3, 0], [0, 0, 0, 0, 0, 0]]")
    res = minimize(p, NSGA2(pop_size=10, sampling=LLMSampling(llm), crossover=UX(),
                            mutation=LLMMutation(llm),
                            eliminate_duplicates=CellDuplicateElimination()), seed=0)
    unused_conv = np.array([[0, 0, 0, 0, 3, 0], [0, 0, 0, 0, 0, 0]])
    assert len(np.unique(res.algorithm.eliminate_duplicates.units(unused_conv))) == 2
