"""The recorded Gemma tape in notebooks/data replays offline into the identical run."""

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from pymoo_arnas.llm import ReplayClient

ROOT = Path(__file__).resolve().parents[2]
TAPE = ROOT / "notebooks" / "data" / "gemma3-270m-nsga2-tape.jsonl"


def _record_module():
    spec = importlib.util.spec_from_file_location("record_tape", ROOT / "benchmarks" / "record_tape.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.skipif(not TAPE.is_file(), reason="no recorded tape in notebooks/data")
def test_gemma_tape_replays_identically():
    meta = json.loads(TAPE.with_suffix(".run.json").read_text())
    assert TAPE.stat().st_size < 200_000
    entries = [json.loads(line) for line in TAPE.read_text().splitlines()]
    assert all(e["model"] and e["prompt"] and "api_key" not in json.dumps(e) for e in entries)
    rep = ReplayClient(TAPE)
    problem, res, s, m = _record_module().search(rep, **meta["settings"])
    genomes = problem.query_log[[f"x{i}" for i in range(6)]].to_numpy().tolist()
    assert genomes == meta["result"]["query_log_genomes"]
    np.testing.assert_allclose(np.round(res.F, 6), meta["result"]["final_F"])
    assert s.stats.as_dict() == meta["stats"]["sampling"]
    assert m.stats.as_dict() == meta["stats"]["mutation"]
    assert rep.remaining == 0 and rep.misses == 0
    assert rep.usage.calls == meta["usage"]["calls"]
    assert rep.usage.completion_tokens == meta["usage"]["completion_tokens"]
    # the model's proposals really drove part of the search
    assert m.stats.used > 0
