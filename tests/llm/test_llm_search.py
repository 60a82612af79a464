"""Full NSGA-II runs on ARNAS with the LLM operators against the scripted fake server."""

import logging

import numpy as np
import pytest
from pymoo.algorithms.moo.nsga2 import NSGA2
from pymoo.operators.crossover.ux import UX
from pymoo.optimize import minimize

import llm_fakeserver as fs
from pymoo_arnas.llm import GeminiClient, OpenAIClient, ReplayClient
from pymoo_arnas.operators import CellDuplicateElimination, LLMMutation, LLMSampling
from pymoo_arnas.problems import ARNAS
from pymoo_arnas.space import isomorphism_class

POP = 10
N_EVALS = 50  # initial population + 4 generations of 10


@pytest.fixture(scope="module")
def problem():
    return ARNAS("cifar10", objectives=("clean", "pgd@Linf"), epsilon=1.0)


def run(problem, llm, seed=1, n_evals=N_EVALS, **mut_kw):
    problem.reset()
    sampling, mutation = LLMSampling(llm), LLMMutation(llm, **mut_kw)
    algorithm = NSGA2(pop_size=POP, sampling=sampling, crossover=UX(), mutation=mutation,
                      eliminate_duplicates=CellDuplicateElimination())
    res = minimize(problem, algorithm, ("n_evals", n_evals), seed=seed)
    return res, sampling, mutation


def client(server, **kw):
    kw.setdefault("backoff", 0.01)
    kw.setdefault("timeout", 5)
    return OpenAIClient(model="fake", base_url=server.openai_url, api_key="sk-x", **kw)


ANSWERS = {
    "good": lambda: fs.good(),
    "garbage": lambda: fs.garbage(),
    "fewer": lambda: fs.fewer(2),
    "more": lambda: fs.more(5),
    "slow": lambda: fs.slow(2.0),
    "429": lambda: fs.status(429),
    "500": lambda: fs.status(500),
    "prose+names": lambda: fs.text(
        "Here you go:\n```json\n[[\"nor_conv_3x3\", \"skip\", \"conv1x1\", 3, 3, 4, 4], [1, 2], "
        "[3, 3, 3, 3, 3, 9]]\n```"),
}


@pytest.mark.parametrize("kind", list(ANSWERS))
def test_search_completes_for_every_answer_kind(fake_llm, problem, kind):
    fake_llm.default = ANSWERS[kind]()
    llm = client(fake_llm, timeout=0.1 if kind == "slow" else 5, max_retries=1)
    res, s, m = run(problem, llm)
    assert problem.n_evals >= N_EVALS and res.F.shape[1] == 2
    n_mating = res.algorithm.n_gen - 2  # n_gen is the next generation; the first is sampling
    assert n_mating == (N_EVALS - POP) // POP
    # one request per generation (plus at most one retry each): never one per mating re-run
    assert s.stats.llm_calls == 1 and m.stats.llm_calls == n_mating
    assert len(fake_llm.requests) <= 2 * (s.stats.llm_calls + m.stats.llm_calls)
    assert len(fake_llm.requests) == llm.usage.calls + llm.usage.failures
    for st in (s.stats, m.stats):
        assert st.used + st.fallback == st.wanted  # every wanted cell came from somewhere
        assert st.asked <= st.wanted
        assert st.used - st.reused <= st.valid - st.duplicates
        assert st.valid + st.invalid == st.returned
    if kind in ("good", "more"):
        assert m.stats.used > 0 and llm.usage.failures == 0
    if kind in ("garbage", "slow", "429", "500"):
        assert s.stats.used == m.stats.used == 0
        assert s.stats.fallback == POP and m.stats.fallback == m.stats.wanted
    if kind in ("slow", "429", "500"):
        assert s.stats.llm_failures == 1 and llm.usage.calls == 0
    if kind == "fewer":
        assert 0 < m.stats.used <= 2 * n_mating
    if kind == "prose+names":
        # names read, the 7th value cut (repaired), a short cell and an op 9 invalid
        assert s.stats.valid == 1 and s.stats.repaired == 1 and s.stats.invalid == 2


def test_known_cell_is_evaluated_and_counts_match(fake_llm, problem):
    best = [3, 3, 1, 3, 3, 3]
    fake_llm.default = fs.fixed([best], prompt_tokens=100, completion_tokens=20)
    llm = client(fake_llm)
    res, s, m = run(problem, llm)
    assert problem.is_queried([best])[0]
    log = problem.query_log
    row = log[(log[[f"x{i}" for i in range(6)]].to_numpy() == best).all(axis=1)]
    assert len(row) == 1
    # the server saw exactly the requests that usage and stats count
    n_req = len(fake_llm.requests)
    assert n_req == llm.usage.calls == s.stats.llm_calls + m.stats.llm_calls
    assert llm.usage.prompt_tokens == 100 * n_req and llm.usage.completion_tokens == 20 * n_req
    # the cell is proposed every generation but used once: later it is a duplicate
    assert s.stats.used == 1 and m.stats.used == 0 and m.stats.duplicates == m.stats.llm_calls


def test_prompt_shows_elite_best_first_with_accuracies(fake_llm, problem):
    fake_llm.default = fs.good()
    run(problem, client(fake_llm), n_evals=20)
    first, second = fake_llm.requests[0], fake_llm.requests[1]
    assert "No cells have been evaluated yet" in first.prompt
    assert "exactly 10 new cells" in first.prompt and "CIFAR-10" in first.prompt
    assert "PGD (L-inf, epsilon 1.0/255) robust accuracy" in second.prompt
    assert "avg_pool_3x3" in second.prompt and "0->1" in second.prompt
    lines = [ln for ln in second.prompt.splitlines() if "] -> " in ln]
    assert 1 <= len(lines) <= 10
    vals = np.array([[float(v) for v in ln.split("-> ")[1].split(", ")] for ln in lines])
    assert (vals >= 0).all() and (vals <= 100).all()
    assert second.system  # CRISPE: capacity and role


def test_proposals_avoid_population_and_queried_cells(fake_llm, problem):
    fake_llm.default = fs.good(seed=305)
    res, s, m = run(problem, client(fake_llm), n_evals=60)
    X = problem.query_log[[f"x{i}" for i in range(6)]].to_numpy()
    assert len(np.unique(isomorphism_class(X))) == len(X)  # the query log is unique by class
    assert m.stats.duplicates >= 0 and m.stats.used > 0


def test_record_then_replay_without_server(fake_llm, problem, tmp_path):
    tape = tmp_path / "run.jsonl"
    fake_llm.script = [fs.good(301), fs.garbage(), fs.status(400), fs.fewer(3)]
    fake_llm.default = fs.good(302)
    res1, s1, m1 = run(problem, client(fake_llm, record=tape), seed=7)
    log1 = problem.query_log.copy()
    fake_llm.close()
    rep = ReplayClient(tape)
    res2, s2, m2 = run(problem, rep, seed=7)
    assert problem.query_log.equals(log1)
    np.testing.assert_array_equal(res1.F, res2.F)
    assert s1.stats == s2.stats and m1.stats == m2.stats
    assert rep.remaining == 0 and rep.misses == 0


def test_cache_rerun_costs_no_calls(fake_llm, problem, tmp_path):
    fake_llm.default = fs.good(303)
    llm = client(fake_llm, cache=tmp_path / "c")
    _, _, _ = run(problem, llm, seed=3)
    log1 = problem.query_log.copy()
    n_req = len(fake_llm.requests)
    llm2 = client(fake_llm, cache=tmp_path / "c")
    run(problem, llm2, seed=3)
    assert problem.query_log.equals(log1)
    assert len(fake_llm.requests) == n_req and llm2.usage.calls == 0 and llm2.usage.cache_hits > 0


def test_call_cap_per_run_falls_back(fake_llm, problem):
    fake_llm.default = fs.good()
    llm = client(fake_llm, max_calls=2)
    res, s, m = run(problem, llm)
    assert len(fake_llm.requests) == 2 and llm.usage.refused == m.stats.llm_calls - 1
    assert m.stats.fallback > 0 and problem.n_evals >= N_EVALS


@pytest.mark.parametrize("sdk", ["google-genai", "google-generativeai"])
def test_search_with_gemini(fake_llm, problem, sdk):
    fake_llm.script = [fs.status(429)]
    fake_llm.default = fs.good()
    llm = GeminiClient(model="gemini-fake", api_key="k", base_url=fake_llm.gemini_url, sdk=sdk,
                       backoff=0.01, timeout=5)
    res, s, m = run(problem, llm, n_evals=30)
    assert s.stats.used > 0 and m.stats.used > 0 and llm.usage.retries == 1
    assert all(r.dialect == "gemini" for r in fake_llm.requests)


def test_batches_run_concurrently_in_order(fake_llm, problem, caplog):
    fake_llm.default = fs.slow(0.3)
    llm = client(fake_llm)
    problem.reset()
    m = LLMMutation(llm, batch_size=3, max_workers=4)
    X = np.zeros((10, 6), dtype=int)
    with caplog.at_level(logging.INFO):
        Y = m._do(problem, X, random_state=np.random.default_rng(0))
    assert Y.shape == (10, 6) and m.stats.llm_calls == 4 and m.stats.asked == 10
    asked = sorted(r.n_asked for r in fake_llm.requests)
    assert asked == [1, 3, 3, 3]
