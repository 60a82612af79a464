"""The abstract client and its faults: retries with Retry-After for every provider, an
unreachable model stops the run, missing SDKs fail at construction, keys never leave."""

import json
import logging
import pickle
import time

import numpy as np
import pytest
from pymoo.algorithms.moo.nsga2 import NSGA2
from pymoo.operators.crossover.ux import UX
from pymoo.optimize import minimize

import llm_fakeserver as fs
from pymoo_arnas.llm import (
    GeminiClient,
    LLMClient,
    LLMError,
    LLMUnreachable,
    OpenAIClient,
    ReplayClient,
    ReplayMismatch,
)
from pymoo_arnas.llm.base import classify
from pymoo_arnas.operators import CellDuplicateElimination, LLMMutation, LLMSampling, llm_summary
from pymoo_arnas.problems import ARNAS

KEY = "sk-test-SECRET-123456"
SDKS = ["openai", "google-genai", "google-generativeai"]


def make(server, sdk, **kw):
    kw.setdefault("backoff", 0.01)
    kw.setdefault("timeout", 5)
    if sdk == "openai":
        return OpenAIClient(model="fake", base_url=server.openai_url, api_key=KEY, **kw)
    return GeminiClient(model="gemini-fake", base_url=server.gemini_url, api_key=KEY, sdk=sdk,
                        **kw)


def dead_url(sdk):
    srv = fs.FakeLLMServer()
    url = srv.openai_url if sdk == "openai" else srv.gemini_url
    srv.close()  # nothing listens there any more: connection refused
    return url


@pytest.fixture(scope="module")
def problem():
    return ARNAS("cifar10", objectives=("clean", "pgd@Linf"), epsilon=1.0)


def search(problem, llm, n_gen=3):
    problem.reset()
    s, m = LLMSampling(llm), LLMMutation(llm)
    alg = NSGA2(pop_size=8, sampling=s, crossover=UX(), mutation=m,
                eliminate_duplicates=CellDuplicateElimination())
    return minimize(problem, alg, ("n_gen", n_gen), seed=1), s, m


# ---------------------------------------------------------------------- the abstract base


def test_llm_client_is_abstract_and_replay_implements_only_the_provider_call():
    with pytest.raises(TypeError, match="abstract"):
        LLMClient(model="m")
    for cls in (OpenAIClient, GeminiClient, ReplayClient):
        assert issubclass(cls, LLMClient) and "_call" in vars(cls)
        assert "complete" not in vars(cls)  # accounting, retries, tape, cache: in the base


@pytest.mark.parametrize("cls, kw, module", [
    (OpenAIClient, {"base_url": "http://127.0.0.1:1/v1"}, "openai"),
    (GeminiClient, {"base_url": "http://127.0.0.1:1", "sdk": "google-genai"}, "google.genai"),
    (GeminiClient, {"base_url": "http://127.0.0.1:1", "sdk": "auto"}, None),
])
def test_missing_sdk_fails_at_construction_naming_the_extra(monkeypatch, cls, kw, module):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if (
        name.startswith(("openai", "google.genai", "google.generativeai"))) else real(name, *a))
    with pytest.raises(ImportError, match=r'pip install "pymoo-arnas\[llm\]"'):
        cls(model="m", **kw)


# ---------------------------------------------------------------------- retries


@pytest.mark.parametrize("sdk", SDKS)
@pytest.mark.parametrize("code", [429, 503])
def test_every_provider_retries_429_and_5xx_honouring_retry_after(fake_llm, monkeypatch, sdk,
                                                                  code):
    sleeps = []
    monkeypatch.setattr(time, "sleep", lambda s: sleeps.append(s))
    fake_llm.script = [fs.status(code, headers={"Retry-After": "7"})]
    fake_llm.default = fs.fixed([[1] * 6])
    llm = make(fake_llm, sdk, max_retries=2)
    assert json.loads(llm.complete("x").text) == [[1] * 6]
    assert len(fake_llm.requests) == 2 and llm.usage.retries == 1
    assert sleeps == [pytest.approx(7.0)]


def test_retry_after_is_capped(fake_llm, monkeypatch):
    sleeps = []
    monkeypatch.setattr(time, "sleep", lambda s: sleeps.append(s))
    fake_llm.script = [fs.status(429, headers={"Retry-After": "86400"})]
    llm = make(fake_llm, "openai", max_retries=1, max_retry_after=5)
    llm.complete("x")
    assert sleeps == [5.0]


@pytest.mark.parametrize("sdk", SDKS)
def test_connection_refused_is_retried_then_the_unreachable_model_stops(sdk):
    llm = GeminiClient(model="g", base_url=dead_url(sdk), api_key=KEY, sdk=sdk, max_retries=2,
                       backoff=0.01, timeout=2) if sdk != "openai" else OpenAIClient(
        model="m", base_url=dead_url(sdk), api_key=KEY, max_retries=2, backoff=0.01, timeout=2)
    with pytest.raises(LLMUnreachable, match="cannot be reached") as ei:
        llm.complete("x")
    assert llm.usage.failures == 3 and llm.usage.retries == 2
    assert ei.value.__cause__ is None and ei.value.__context__ is None


def test_classify_reads_google_genai_errors():
    from google.genai import errors

    f = classify(errors.ServerError(503, {"error": {"message": "busy"}}))
    assert f.transient and f.status == 503
    f = classify(errors.ClientError(429, {"error": {"message": "slow down", "details": [
        {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "12s"}]}}))
    assert f.transient and f.status == 429 and f.retry_after == 12.0
    f = classify(errors.ClientError(404, {"error": {"message": "no such model"}}))
    assert not f.transient and f.unreachable


# ---------------------------------------------------------------------- unreachable model


@pytest.mark.parametrize("sdk", SDKS)
def test_run_against_a_server_answering_404_stops_with_a_clear_error(fake_llm, problem, sdk):
    fake_llm.default = fs.status(404, message="no route")
    with pytest.raises(LLMUnreachable, match=r"cannot be reached.*on_unreachable='fallback'"):
        search(problem, make(fake_llm, sdk))
    assert len(fake_llm.requests) == 1  # the first call; no run on the fallback


def test_fallback_on_an_unreachable_model_only_when_asked(fake_llm, problem):
    fake_llm.default = fs.status(404)
    res, s, m = search(problem, make(fake_llm, "openai", on_unreachable="fallback"))
    assert s.stats.llm_failures == 1 and m.stats.fallback == m.stats.wanted > 0
    text = llm_summary(res.algorithm)
    assert "from the FALLBACK" in text.splitlines()[0] and "FAILED" in text.splitlines()[0]
    assert "FAILED calls" in text.splitlines()[-1]


def test_a_model_that_answered_before_falls_back_on_later_4xx(fake_llm, problem):
    fake_llm.script = [fs.good()]
    fake_llm.default = fs.status(400)
    res, s, m = search(problem, make(fake_llm, "openai"))
    assert s.stats.used > 0 and m.stats.llm_failures == m.stats.llm_calls > 0


def test_on_unreachable_is_checked():
    with pytest.raises(ValueError, match="on_unreachable='ignore'"):
        OpenAIClient(model="m", base_url="http://127.0.0.1:1/v1", on_unreachable="ignore")


# ---------------------------------------------------------------------- the key


def test_failed_call_keeps_no_provider_exception_in_its_chain(fake_llm):
    fake_llm.script = [fs.good()]
    fake_llm.default = fs.status(401, message=f"bad key {KEY}")
    llm = make(fake_llm, "openai")
    llm.complete("first")
    with pytest.raises(LLMError) as ei:
        llm.complete("x")
    e = ei.value
    assert e.__cause__ is None and e.__context__ is None and KEY not in str(e)


def test_pickle_holds_no_explicit_key_and_rereads_the_environment(monkeypatch):
    llm = OpenAIClient(model="m", api_key=KEY)
    with pytest.raises(TypeError, match="OPENAI_API_KEY"):
        pickle.dumps(llm)
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    for llm in (OpenAIClient(model="m"), OpenAIClient(model="m", api_key=KEY)):
        blob = pickle.dumps(llm)
        assert KEY.encode() not in blob and b"OPENAI_API_KEY" in blob
        assert pickle.loads(blob).api_key == KEY
    monkeypatch.setenv("GEMINI_API_KEY", KEY)
    g = GeminiClient(model="g", sdk="google-genai")
    assert KEY.encode() not in pickle.dumps(g) and pickle.loads(pickle.dumps(g)).api_key == KEY
    # a local server that needs no key pickles as is (Dask workers of a local sweep)
    monkeypatch.delenv("OPENAI_API_KEY")
    local = OpenAIClient(model="m", base_url="http://127.0.0.1:8080/v1")
    assert pickle.loads(pickle.dumps(local)).base_url == local.base_url


def test_echoed_key_is_redacted_from_answer_cache_tape_and_debug_log(fake_llm, tmp_path, caplog):
    fake_llm.default = fs.text(f"[[1,1,1,1,1,1]] my key is {KEY}")
    llm = make(fake_llm, "openai", cache=tmp_path / "c", record=tmp_path / "t.jsonl")
    with caplog.at_level(logging.DEBUG):
        r = llm.complete("x")
    assert KEY not in r.text and "***" in r.text
    files = list((tmp_path / "c").rglob("*.json")) + [tmp_path / "t.jsonl"]
    assert len(files) == 2 and all(KEY not in f.read_text() for f in files)
    assert KEY not in caplog.text


def test_credentials_in_base_url_are_redacted(fake_llm, caplog):
    url = fake_llm.openai_url.replace("http://", "http://alice:pa55word@")
    llm = OpenAIClient(model="m", base_url=url + "?api_key=QWERTY123")
    assert "pa55word" not in repr(llm) and "alice" not in repr(llm) and "QWERTY123" not in repr(llm)
    assert "***@127.0.0.1" in repr(llm)
    g = GeminiClient(model="g", base_url="https://bob:hunter22@example.com", api_key="k",
                     sdk="google-genai")
    assert "hunter22" not in repr(g)


# ---------------------------------------------------------------------- cache


def test_empty_answer_is_never_cached(fake_llm, tmp_path):
    fake_llm.script = [fs.text("")]
    fake_llm.default = fs.text("[[2,2,2,2,2,2]]")
    llm = make(fake_llm, "openai", cache=tmp_path / "c")
    assert llm.complete("x").text == ""
    assert not list((tmp_path / "c").rglob("*.json"))
    assert llm.complete("x").text == "[[2,2,2,2,2,2]]" and len(fake_llm.requests) == 2


@pytest.mark.parametrize("entry", [{"text": 42}, {"text": {}}, {}, [], {"text": ""},
                                   {"text": "ok", "prompt_tokens": -1}])
def test_bad_cache_entry_is_refused_naming_the_file(fake_llm, tmp_path, caplog, entry):
    llm = make(fake_llm, "openai", cache=tmp_path / "c")
    path = llm._cache_path(llm.key("x"))
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(entry))
    with caplog.at_level(logging.WARNING):
        assert llm.complete("x").text  # asked the model instead
    assert f"{path}:1 is refused" in caplog.text and len(fake_llm.requests) == 1


# ---------------------------------------------------------------------- replay


def test_strict_replay_stops_at_the_first_prompt_that_does_not_match(fake_llm, problem,
                                                                      tmp_path):
    tape = tmp_path / "t.jsonl"
    search(problem, make(fake_llm, "openai", record=tape), n_gen=2)
    log1 = problem.query_log.copy()
    search(problem, ReplayClient(tape), n_gen=2)  # the same run: no mismatch
    assert problem.query_log.equals(log1)
    with pytest.raises(ReplayMismatch, match="LLMMutation/gen3/0.*not on tape"):
        search(problem, ReplayClient(tape), n_gen=3)  # one generation more than recorded
    res, s, m = search(problem, ReplayClient(tape, strict=False), n_gen=3)
    assert m.stats.llm_failures == 1


def test_llmo_speaks_the_operators_contract_and_replays_identically(fake_llm, tmp_path):
    from pymoo.termination.max_eval import MaximumFunctionCallTermination

    from pymoo_arnas.algorithms import get_algorithm
    from pymoo_arnas.llm.prompts import answer_schema

    tape = tmp_path / "llmo.jsonl"
    p = ARNAS("cifar10", objectives="pgd@Linf")
    res1 = minimize(p, get_algorithm("llmo", llm=make(fake_llm, "openai", record=tape)),
                    MaximumFunctionCallTermination(8), seed=3)
    log1 = p.query_log.copy()
    req = fake_llm.requests[0]
    assert req.body["response_format"]["schema"] == answer_schema(1)
    assert "Insight:" in req.prompt and "exactly 1 new cells" in req.prompt and req.system
    fake_llm.close()
    p2 = ARNAS("cifar10", objectives="pgd@Linf")
    res2 = minimize(p2, get_algorithm("llmo", llm=ReplayClient(tape)),
                    MaximumFunctionCallTermination(8), seed=3)
    assert p2.query_log.equals(log1) and np.array_equal(res1.F, res2.F)
    with pytest.raises(ValueError, match="LLMClient"):
        get_algorithm("llmo", llm=lambda prompt: "[[1,1,1,1,1,1]]")


def test_invalid_values_are_invalid_proposals_in_the_operator_stats(problem):
    class Hostile(LLMClient):
        def _call(self, prompt, system, schema):
            return "[[inf,3,3,3,3,3], [1e999,1,1,1,1,1], [" + "9" * 45 + ",2,2,2,2,2], " \
                   "[1,2,3,4,0,1]]", 1, 1

    problem.reset()
    s = LLMSampling(Hostile(model="h"))
    X = s._do(problem, 4, random_state=np.random.default_rng(0))
    assert X.shape == (4, 6)
    assert (s.stats.returned, s.stats.valid, s.stats.invalid, s.stats.used) == (4, 1, 3, 1)


def test_mutation_prompt_lists_evaluated_cells_next_to_the_elite(problem):
    from pymoo.core.population import Population

    class Rec(LLMClient):
        def _call(self, prompt, system, schema):
            return "[]", 1, 1

    elite = [3, 3, 1, 3, 3, 3]
    near = [[3, 3, 1, 3, 3, 0], [0, 3, 1, 3, 3, 3], [3, 3, 2, 3, 3, 3]]
    far = [[0, 0, 0, 0, 0, 0], [3, 3, 1, 0, 0, 3]]
    problem.reset()
    X = np.array([elite, *near, *far])
    F = problem.evaluate(X)
    alg = type("Alg", (), {"n_gen": 4, "pop": Population.new(X=X[:1], F=F[:1])})()
    m = LLMMutation(Rec(model="r"), n_avoid=2)
    ctx = m._context(problem, alg, 4)
    assert ctx.X.tolist() == [elite]
    assert ctx.avoid.tolist() == [near[2], near[1]]  # the most recent first, at most n_avoid
    user, _ = m.template.render(ctx)
    assert ("Already evaluated, one edge away from the cells above (do not propose these "
            "again): [3, 3, 2, 3, 3, 3], [0, 3, 1, 3, 3, 3]\nStatement:") in user
    ctx0 = LLMSampling(Rec(model="r"))._context(problem, None, 4)
    assert len(ctx0.avoid) == 0 and "Already evaluated" not in m.template.render(ctx0)[0]


def test_frequency_penalty_is_sent_only_when_set(fake_llm):
    make(fake_llm, "openai").complete("x")
    make(fake_llm, "openai", frequency_penalty=0.5).complete("x")
    assert "frequency_penalty" not in fake_llm.requests[0].body
    assert fake_llm.requests[1].body["frequency_penalty"] == 0.5
    with pytest.raises(ValueError, match="frequency_penalty must be in"):
        make(fake_llm, "openai", frequency_penalty=3)
