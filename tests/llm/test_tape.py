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


_WRITER = """
import sys
from pymoo_arnas.llm.base import LLMClient

class Echo(LLMClient):
    backend = "echo"
    def _call(self, prompt, system, schema):
        return '{"cells": [[3, 3, 3, 3, 3, 3]]}', 10, 12

llm = Echo(model="echo-1", record=sys.argv[1])
for i in range(int(sys.argv[3])):
    llm.complete(f"w{sys.argv[2]} i{i} " + "x" * (60000 + 37 * i))
"""


@pytest.mark.slow  # four interpreters at once: seconds on a busy two-core machine
def test_processes_recording_to_one_tape_never_interleave_a_line(tmp_path):
    """``arnas bench --record --workers N``: the worker processes append to one tape. Each
    entry is one append of one line, so lines of 60 KB from four processes at once stay
    whole and the tape replays."""
    import subprocess
    import sys

    tape = tmp_path / "tape.jsonl"
    procs = [subprocess.Popen([sys.executable, "-c", _WRITER, str(tape), str(w), "40"])
             for w in range(4)]
    assert all(p.wait(timeout=120) == 0 for p in procs)
    lines = tape.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 160
    prompts = {json.loads(line)["prompt"][:8].strip() for line in lines}  # every line parses
    assert len(prompts) == 160
    rep = ReplayClient(tape)
    assert rep.complete("w3 i39 " + "x" * (60000 + 37 * 39)).text.startswith('{"cells"')
