"""The real openai / google-genai / google-generativeai clients against a scripted local server."""

import copy
import json
import logging
import time

import pytest

import llm_fakeserver as fs
from pymoo_arnas.llm import GeminiClient, LLMCallCapReached, LLMError, OpenAIClient, ReplayClient
from pymoo_arnas.llm.prompts import answer_schema

KEY = "sk-test-SECRET-123456"
GKEY = "AIza-test-SECRET-654321"


def openai_client(server, **kw):
    kw.setdefault("backoff", 0.01)
    kw.setdefault("timeout", 5)
    return OpenAIClient(model="fake-model", base_url=server.openai_url, api_key=KEY, **kw)


def gemini_client(server, sdk, **kw):
    kw.setdefault("backoff", 0.01)
    kw.setdefault("timeout", 5)
    return GeminiClient(model="gemini-fake", base_url=server.gemini_url, api_key=GKEY, sdk=sdk, **kw)


# ---------------------------------------------------------------------- OpenAI


def test_openai_good_answer_counts_usage_and_sends_schema(fake_llm):
    fake_llm.default = fs.fixed([[3, 3, 3, 3, 3, 3]], prompt_tokens=40, completion_tokens=9)
    llm = openai_client(fake_llm)
    r = llm.complete("give 1 cell", system="be brief", schema=answer_schema(1))
    assert json.loads(r.text) == [[3, 3, 3, 3, 3, 3]]
    assert (llm.usage.calls, llm.usage.prompt_tokens, llm.usage.completion_tokens) == (1, 40, 9)
    assert llm.usage.failures == 0 and llm.usage.seconds > 0
    (req,) = fake_llm.requests
    assert req.path == "/v1/chat/completions"
    assert req.headers["authorization"] == f"Bearer {KEY}"
    assert req.system == "be brief" and req.prompt == "give 1 cell"
    # llama.cpp style structured output: json_object + schema with enum op values
    assert req.body["response_format"]["type"] == "json_object"
    assert req.body["response_format"]["schema"]["items"]["items"]["enum"] == [0, 1, 2, 3, 4]


def test_openai_json_schema_mode_wraps_array_in_object(fake_llm):
    llm = openai_client(fake_llm, structured="json_schema")
    llm.complete("x", schema=answer_schema(2))
    rf = fake_llm.requests[0].body["response_format"]
    assert rf["type"] == "json_schema"
    assert rf["json_schema"]["schema"]["properties"]["cells"]["maxItems"] == 2


def test_openai_steps_down_when_server_rejects_format(fake_llm, caplog):
    fake_llm.default = fs.reject_response_format(fs.fixed([[1, 1, 1, 1, 1, 1]]))
    llm = openai_client(fake_llm, structured="json_schema")
    with caplog.at_level(logging.WARNING):
        r = llm.complete("x", schema=answer_schema(1))
    assert json.loads(r.text) == [[1, 1, 1, 1, 1, 1]]
    assert llm.structured == "none"
    # json_schema, json_object_schema, json_object rejected; plain text accepted
    assert len(fake_llm.requests) == 4 and "response_format" not in fake_llm.requests[-1].body
    assert "rejected the answer format" in caplog.text
    llm.complete("y", schema=answer_schema(1))  # remembered: one request
    assert len(fake_llm.requests) == 5


@pytest.mark.parametrize("code", [429, 500, 503])
def test_openai_retries_transient_errors_then_succeeds(fake_llm, code):
    fake_llm.script = [fs.status(code), fs.status(code)]
    llm = openai_client(fake_llm, max_retries=3)
    llm.complete("x")
    assert len(fake_llm.requests) == 3
    assert (llm.usage.calls, llm.usage.failures, llm.usage.retries) == (1, 2, 2)


def test_openai_gives_up_after_max_retries(fake_llm):
    fake_llm.default = fs.status(500)
    llm = openai_client(fake_llm, max_retries=2)
    with pytest.raises(LLMError, match="500"):
        llm.complete("x")
    assert len(fake_llm.requests) == 3
    assert (llm.usage.calls, llm.usage.failures, llm.usage.retries) == (0, 3, 2)


def test_openai_does_not_retry_client_errors(fake_llm):
    fake_llm.default = fs.status(401)
    llm = openai_client(fake_llm, max_retries=3)
    with pytest.raises(LLMError):
        llm.complete("x")
    assert len(fake_llm.requests) == 1


def test_backoff_grows_exponentially_with_jitter(fake_llm, monkeypatch):
    sleeps = []
    monkeypatch.setattr(time, "sleep", lambda s: sleeps.append(s))
    fake_llm.default = fs.status(429)
    llm = openai_client(fake_llm, max_retries=4, backoff=1.0, max_backoff=3.0)
    with pytest.raises(LLMError):
        llm.complete("x")
    assert len(sleeps) == 4
    assert all(0 <= s <= cap for s, cap in zip(sleeps, [1, 2, 3, 3]))


def test_openai_timeout_is_bounded_and_retried_when_asked(fake_llm):
    fake_llm.default = fs.slow(3.0)
    llm = openai_client(fake_llm, timeout=0.15, max_retries=1, retry_timeouts=True)
    t0 = time.perf_counter()
    with pytest.raises(LLMError, match="(?i)timed out|timeout"):
        llm.complete("x")
    assert time.perf_counter() - t0 < 2.5
    assert llm.usage.failures == 2 and llm.usage.retries == 1


def test_timeout_is_not_retried_against_a_local_server(fake_llm):
    # a single-slot local server is still generating the abandoned answer: no second request
    fake_llm.default = fs.slow(1.0)
    llm = openai_client(fake_llm, timeout=0.15, max_retries=3)
    assert not llm.retries_timeouts
    with pytest.raises(LLMError, match="(?i)timed out|timeout"):
        llm.complete("x")
    assert len(fake_llm.requests) == 1 and llm.usage.retries == 0
    remote = OpenAIClient(model="m", base_url="https://llm.example.com/v1", api_key=KEY)
    assert remote.retries_timeouts


def test_network_error_is_retried_and_reported():
    from llm_fakeserver import FakeLLMServer

    srv = FakeLLMServer()
    url = srv.openai_url
    srv.close()  # nothing listens there any more
    llm = OpenAIClient(model="m", base_url=url, api_key=KEY, max_retries=2, backoff=0.01, timeout=2)
    with pytest.raises(LLMError, match="Connection"):
        llm.complete("x")
    assert llm.usage.failures == 3 and llm.usage.retries == 2


def test_call_cap(fake_llm):
    llm = openai_client(fake_llm, max_calls=2)
    llm.complete("a")
    llm.complete("b")
    with pytest.raises(LLMCallCapReached, match="max_calls=2"):
        llm.complete("c")
    assert len(fake_llm.requests) == 2 and llm.usage.refused == 1


def test_key_never_in_repr_errors_logs_or_tape(fake_llm, tmp_path, caplog):
    tape = tmp_path / "t.jsonl"
    fake_llm.script = [fs.status(429), fs.text(f"echo {KEY}")]
    fake_llm.default = fs.status(401)
    llm = openai_client(fake_llm, record=tape)
    with caplog.at_level(logging.DEBUG):
        llm.complete("hello")
        with pytest.raises(LLMError) as ei:
            llm.complete("again")
    for s in (repr(llm), str(ei.value), caplog.text, tape.read_text()):
        assert KEY not in s
    assert "***" in tape.read_text()  # the echoed key was redacted
    g = gemini_client(fake_llm, "google-genai")
    assert GKEY not in repr(g)


def test_missing_key_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("GEMINI_API_KEY", raising=False)
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    with pytest.raises(ValueError, match="OPENAI_API_KEY"):
        OpenAIClient(model="gpt-4o-mini")
    with pytest.raises(ValueError, match="GEMINI_API_KEY"):
        GeminiClient(model="gemini-2.0-flash")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env")
    assert OpenAIClient(model="gpt-4o-mini")._api_key == "sk-env"


@pytest.mark.parametrize("kw, match", [
    ({"temperature": -1}, "temperature"), ({"max_tokens": 0}, "max_tokens"),
    ({"timeout": 0}, "timeout"), ({"max_retries": -1}, "max_retries"),
    ({"max_calls": -2}, "max_calls"), ({"structured": "xml"}, "structured='xml'"),
])
def test_bad_arguments(kw, match):
    with pytest.raises(ValueError, match=match):
        OpenAIClient(model="m", base_url="http://127.0.0.1:1/v1", **kw)


def test_deepcopy_shares_the_client():
    llm = OpenAIClient(model="m", base_url="http://127.0.0.1:1/v1")
    assert copy.deepcopy(llm) is llm
    assert copy.deepcopy({"a": llm})["a"].usage is llm.usage


def test_cache_makes_identical_rerun_free(fake_llm, tmp_path):
    llm = openai_client(fake_llm, cache=tmp_path / "cache")
    a = llm.complete("p", tag="t1").text
    b = llm.complete("p", tag="t1").text
    c = llm.complete("p", tag="t2").text  # another tag: another request
    assert a == b and len(fake_llm.requests) == 2 and c
    llm2 = openai_client(fake_llm, cache=tmp_path / "cache")
    assert llm2.complete("p", tag="t1").text == a
    assert llm2.usage.calls == 0 and llm2.usage.cache_hits == 1 and len(fake_llm.requests) == 2
    llm3 = openai_client(fake_llm, cache=tmp_path / "cache", temperature=0.1)  # other params
    llm3.complete("p", tag="t1")
    assert len(fake_llm.requests) == 3


def test_record_and_replay(fake_llm, tmp_path):
    tape = tmp_path / "run.jsonl"
    fake_llm.script = [fs.text("first"), fs.status(400), fs.text("third")]
    llm = openai_client(fake_llm, record=tape)
    llm.complete("a", tag="x")
    with pytest.raises(LLMError):
        llm.complete("b", tag="x")
    llm.complete("a", tag="x")
    entries = [json.loads(line) for line in tape.read_text().splitlines()]
    assert [e["response"] for e in entries] == ["first", None, "third"]
    assert entries[0]["model"] == "fake-model" and entries[0]["params"]["temperature"] == 0.7
    assert entries[0]["usage"] == {"prompt_tokens": 11, "completion_tokens": 7}
    assert entries[1]["error"] and entries[0]["time"]
    rep = ReplayClient(tape, strict=False)
    assert rep.complete("a", tag="x").text == "first"
    with pytest.raises(LLMError, match="recorded failure"):
        rep.complete("b", tag="x")
    assert rep.complete("a", tag="x").text == "third"
    with pytest.raises(LLMError, match="no \\(more\\) answers"):
        rep.complete("a", tag="x")
    assert rep.usage.calls == 2 and rep.usage.failures == 2 and rep.misses == 1


# ---------------------------------------------------------------------- Gemini


@pytest.mark.parametrize("sdk", ["google-genai", "google-generativeai"])
def test_gemini_good_answer(fake_llm, sdk):
    fake_llm.default = fs.fixed([[4, 4, 4, 4, 4, 4]], prompt_tokens=21, completion_tokens=5)
    llm = gemini_client(fake_llm, sdk)
    r = llm.complete("give one", system="sys", schema=answer_schema(1))
    assert json.loads(r.text) == [[4, 4, 4, 4, 4, 4]]
    assert (llm.usage.calls, llm.usage.prompt_tokens, llm.usage.completion_tokens) == (1, 21, 5)
    (req,) = fake_llm.requests
    assert req.path.split("?")[0] == "/v1beta/models/gemini-fake:generateContent"
    assert req.headers.get("x-goog-api-key") == GKEY
    assert req.prompt == "give one" and req.system == "sys"
    assert req.body["generationConfig"]["responseMimeType"] == "application/json"


@pytest.mark.parametrize("sdk", ["google-genai", "google-generativeai"])
@pytest.mark.parametrize("code", [429, 500])
def test_gemini_retries(fake_llm, sdk, code):
    fake_llm.script = [fs.status(code)]
    llm = gemini_client(fake_llm, sdk, max_retries=2)
    assert llm.complete("x").text
    assert len(fake_llm.requests) == 2 and llm.usage.retries == 1 and llm.usage.calls == 1


@pytest.mark.parametrize("sdk", ["google-genai", "google-generativeai"])
def test_gemini_failure_and_timeout(fake_llm, sdk):
    fake_llm.default = fs.status(500)
    llm = gemini_client(fake_llm, sdk, max_retries=1)
    with pytest.raises(LLMError):
        llm.complete("x")
    assert len(fake_llm.requests) == 2
    fake_llm.default = fs.slow(3.0)
    llm = gemini_client(fake_llm, sdk, max_retries=0, timeout=0.5)
    t0 = time.perf_counter()
    with pytest.raises(LLMError):
        llm.complete("y")
    assert time.perf_counter() - t0 < 2.5


def test_gemini_unknown_sdk():
    with pytest.raises(ValueError, match="sdk='vertex'"):
        GeminiClient(model="g", api_key="k", sdk="vertex")


def test_cached_answers_are_recorded_so_the_tape_replays(fake_llm, tmp_path):
    llm = openai_client(fake_llm, cache=tmp_path / "c")
    first = llm.complete("p", tag="a").text
    tape = tmp_path / "t.jsonl"
    llm2 = openai_client(fake_llm, cache=tmp_path / "c", record=tape)
    assert llm2.complete("p", tag="a").text == first and len(fake_llm.requests) == 1
    (entry,) = [json.loads(line) for line in tape.read_text().splitlines()]
    assert entry["cached"] is True
    assert ReplayClient(tape).complete("p", tag="a").text == first


def test_cache_is_shared_across_server_ports(fake_llm, tmp_path):
    from llm_fakeserver import FakeLLMServer

    first = openai_client(fake_llm, cache=tmp_path / "c").complete("p").text
    other = FakeLLMServer()  # the same model restarted on another port
    try:
        llm = openai_client(other, cache=tmp_path / "c")
        assert llm.complete("p").text == first and len(other.requests) == 0
    finally:
        other.close()
