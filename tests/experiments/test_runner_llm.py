"""Sweeps of LLM algorithms: which cells came from the model, how its calls went, and a dead
model stops the sweep (issue 10). The model is the fake OpenAI server on 127.0.0.1."""

import json
import socket

import numpy as np
import pandas as pd
import pytest
from llm_fakeserver import FakeLLMServer, Reply, status, text  # tests/llm is on pytest's pythonpath

from pymoo_arnas.experiments.runner import (
    format_summary,
    llm_stats,
    load_runs,
    run_one,
    summarize,
    sweep,
)
from pymoo_arnas.llm import LLMUnreachable, OpenAIClient, ReplayClient
from pymoo_arnas.space import isomorphism_class

pytest.importorskip("openai")

BI = "cifar10/clean+pgd"


@pytest.fixture
def server():
    s = FakeLLMServer()
    yield s
    s.close()


def proposing(seed=7):
    """An action answering as many random cells as asked, remembering every cell it gave."""
    rng = np.random.default_rng(seed)
    given = []

    def act(req):
        cells = rng.integers(0, 5, size=(req.n_asked, 6))
        given.extend(cells.tolist())
        return Reply(text=json.dumps(cells.tolist()))

    act.given = given
    return act


def client(server, **kw):
    kw.setdefault("max_retries", 0)
    return OpenAIClient(model="fake", base_url=f"http://127.0.0.1:{server.port}/v1", **kw)


def dead_url():
    with socket.socket() as s:  # a port nobody listens on once closed
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/v1"


def test_run_marks_exactly_the_cells_the_model_proposed(server):
    server.default = act = proposing()
    llm = client(server)
    df = run_one(BI, "nsga2-llm", seed=0, budget=50, params={"llm": llm, "pop_size": 10})
    stats = df.attrs["llm"]
    mine = df["from_llm"].to_numpy()
    assert df["from_llm"].dtype == bool and 0 < mine.sum() < len(df)
    proposed = isomorphism_class(np.array(act.given))
    queried = isomorphism_class(df[[f"x{i}" for i in range(6)]].to_numpy())
    assert np.isin(queried[mine], proposed).all()  # every cell said to be the model's was
    assert stats["llm_share"] == pytest.approx(mine.mean())
    assert stats["llm_cells"] == mine.sum()
    assert stats["llm_calls"] == len(server.requests) == llm.usage.calls
    assert stats["llm_failed_calls"] == 0 and stats["llm_fallback"] >= 0
    plain = run_one(BI, "nsga2", seed=0, budget=50, params={"pop_size": 10})
    assert "from_llm" not in plain and "llm" not in plain.attrs


@pytest.mark.slow  # over a second: the full suite runs it
def test_llmo_cells_are_the_models_unless_replaced_by_its_fallback(server):
    server.script = [text("no idea")] * 3  # three answers LLMO must replace
    server.default = proposing()
    df = run_one("cifar10/pgd", "llmo", seed=1, budget=30, mode="evals",
                 params={"llm": client(server)})
    stats = df.attrs["llm"]
    assert len(df) == 30 and stats["llm_calls"] == 29  # the first cell is random
    assert not df["from_llm"].iloc[:4].any()  # the random start, then three bad answers
    assert stats["llm_cells"] == 30 - 1 - stats["llm_fallback"] and stats["llm_fallback"] >= 3


def test_summary_reports_the_share_of_cells_from_the_llm(server, tmp_path):
    server.default = proposing()
    runs = sweep([BI], ["random", "nsga2-llm"], 2, 40, tmp_path, params={"llm": client(server)},
                 progress=False)
    per_run = llm_stats(runs)
    assert list(per_run["algorithm"]) == ["nsga2-llm"] * 2
    assert per_run["llm_share"].between(0.05, 1).all()
    assert (per_run["llm_calls"] > 0).all() and (per_run["llm_failed_calls"] == 0).all()
    s = summarize(runs, [20, 40])
    llm_rows = s[s["algorithm"] == "nsga2-llm"]
    assert s.loc[s["algorithm"] == "random", "llm_share"].isna().all()
    assert llm_rows["llm_share"].iloc[-1] == pytest.approx(per_run["llm_share"].mean())
    text = format_summary(s)
    assert "from the LLM (share of the queried cells / failed LLM calls per run)" in text
    share = f"{100 * llm_rows['llm_share'].iloc[-1]:.0f}% / 0.0"
    assert share in text.split("after 40")[1]
    # the stored runs keep the run figures, and the model that made them
    stored = load_runs(tmp_path)
    assert set(stored.loc[stored["algorithm"] == "nsga2-llm", "params"]) == {
        '{"llm": "<OpenAIClient model=fake>"}'}
    assert set(stored.loc[stored["algorithm"] == "random", "params"]) == {"{}"}


def test_a_summary_without_llm_runs_has_no_llm_lines(tmp_path):
    runs = sweep([BI], ["random"], 1, 20, tmp_path, progress=False)
    assert "llm_share" not in summarize(runs, [20])
    assert "LLM" not in format_summary(summarize(runs, [20]))
    assert llm_stats(runs).empty


def test_a_sweep_against_a_dead_model_stops_with_the_error(tmp_path):
    llm = OpenAIClient(model="fake", base_url=dead_url(), max_retries=0)
    with pytest.raises(LLMUnreachable, match="cannot be reached"):
        sweep([BI], ["random", "nsga2-llm"], 1, 30, tmp_path, params={"llm": llm},
              progress=False)
    done = {p.parent.name for p in tmp_path.glob("runs/*/*/*.parquet")}
    assert done == {"random"}  # what finished is kept; no run of the dead model is


def test_a_model_that_dies_between_two_runs_stops_the_sweep(server, tmp_path):
    llm = client(server)  # one client for the serial sweep: it has been answered before
    sweep([BI], ["nsga2-llm"], [0], 30, tmp_path, params={"llm": llm}, progress=False)
    server.default = status(404)
    with pytest.raises(LLMUnreachable, match="answered none of its .* LLM requests"):
        sweep([BI], ["nsga2-llm"], [0, 1], 30, tmp_path, params={"llm": llm}, progress=False)
    assert [p.name for p in tmp_path.glob("runs/*/*/*.parquet")] == ["seed0.parquet"]


def test_a_client_that_falls_back_by_request_records_the_run(server, tmp_path):
    server.default = status(404)
    llm = client(server, on_unreachable="fallback")
    runs = sweep([BI], ["nsga2-llm"], 1, 30, tmp_path, params={"llm": llm}, progress=False)
    per_run = llm_stats(runs).iloc[0]
    assert per_run["llm_share"] == 0 and per_run["llm_failed_calls"] == per_run["llm_calls"] > 0
    assert "0% / " in format_summary(summarize(runs, [30]))


def test_a_replayed_sweep_repeats_the_recorded_one_in_any_order(server, tmp_path):
    server.default = proposing()
    tape = tmp_path / "tape.jsonl"
    rec = sweep([BI], ["nsga2-llm"], 2, 30, tmp_path / "rec", progress=False,
                params={"llm": client(server, record=tape)})
    # the seeds' first prompts are identical; each run still gets its own recorded answers
    first = [json.loads(line) for line in tape.read_text().splitlines()[:1]]
    assert first[0]["tag"].startswith(f"{BI}/nsga2-llm/seed0/")
    rep = sweep([BI], ["nsga2-llm"], [1], 30, tmp_path / "rep", progress=False,
                params={"llm": ReplayClient(tape)})
    cols = ["uid", "from_llm", "nhv", "llm_calls", "llm_failed_calls", "llm_fallback"]
    pd.testing.assert_frame_equal(rec.loc[rec["seed"] == 1, cols].reset_index(drop=True),
                                  rep[cols])
