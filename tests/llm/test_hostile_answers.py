"""parse_cells and the tape reader on hostile text: no crash, bounded time, documented errors."""

import json
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pymoo_arnas.llm.parsing import MAX_ANSWER_CHARS, ParseResult, parse_cells
from pymoo_arnas.llm.replay import ReplayClient, TapeError, read_tape

SECONDS_PER_CALL = 2.0  # generous on a busy 2-core machine; the cap makes it ~0.1 s


@pytest.mark.parametrize("text", [
    "[[inf,3,3,3,3,3]]",
    "[[Infinity,3,3,3,3,3]]",
    "[[NaN,3,3,3,3,3]]",
    "[[1e999,3,3,3,3,3]]",
    "[[-1e999, 1, 1, 1, 1, 1]]",
    "[[" + "9" * 45 + ",3,3,3,3,3]]",
    "[[" + "9" * 5000 + ",3,3,3,3,3]]",  # beyond Python's int-string limit
    '[["' + "9" * 45 + '",3,3,3,3,3]]',
])
def test_parse_cells_refuses_non_integer_or_huge_values_without_crashing(text):
    r = parse_cells(text)
    assert r.X.shape == (0, 6) and r.n_dropped == 1 == r.n_found


@pytest.mark.parametrize("text", ["1e999", "-1e999", "9" * 50, "NaN", "Infinity", "[]", "{}"])
def test_parse_cells_on_a_bare_number_finds_nothing(text):
    r = parse_cells(text)
    assert r.X.shape == (0, 6) and r.n_found == 0


def test_parse_cells_survives_deeply_nested_brackets():
    for text in ("[" * 100_000, "[" * 50_000 + "]" * 50_000, "{" * 10_000,
                 "[" * 5000 + "[1,1,1,1,1,1]" + "]" * 5000):
        t0 = time.perf_counter()
        r = parse_cells(text)
        assert time.perf_counter() - t0 < SECONDS_PER_CALL
        assert isinstance(r, ParseResult)
    assert parse_cells("[" * 5000 + "[1,1,1,1,1,1]" + "]" * 5000).X.tolist() == [[1] * 6]


@pytest.mark.parametrize("unit", ["[[1,2,3,4,0,1]], ", "[", '"\\"', "[1,2,", "aaaa ", "```"])
def test_parse_cells_is_linear_and_capped_on_a_10_mb_answer(unit):
    text = unit * (10_000_000 // len(unit))
    t0 = time.perf_counter()
    r = parse_cells(text)
    assert time.perf_counter() - t0 < 3 * SECONDS_PER_CALL
    assert r.truncated
    if unit.startswith("[[1"):  # only the first MAX_ANSWER_CHARS characters are read
        assert 0 < len(r.X) <= MAX_ANSWER_CHARS // len(unit) + 1


JSONS = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda kids: st.lists(kids, max_size=8) | st.dictionaries(st.text(max_size=8), kids,
                                                                max_size=5),
    max_leaves=60)


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=2000), JSONS.map(lambda v: json.dumps(v)),
                 st.text(alphabet="[]{},0123456789.-e\" \\", max_size=3000)))
def test_fuzz_parse_cells_only_returns_valid_genomes(text):
    t0 = time.perf_counter()
    r = parse_cells(text)
    assert time.perf_counter() - t0 < SECONDS_PER_CALL
    assert r.X.dtype == np.int64 and r.X.ndim == 2 and r.X.shape[1] == 6
    assert ((r.X >= 0) & (r.X <= 4)).all()
    assert r.n_found == len(r.X) + r.n_dropped and 0 <= r.n_repaired <= len(r.X)


@pytest.mark.slow
@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(lines=st.lists(st.one_of(st.text(max_size=300), JSONS.map(json.dumps),
                                JSONS.map(lambda v: json.dumps({"prompt": "p", "response": v}))),
                      max_size=5))
def test_fuzz_tape_reader_gives_entries_or_a_tape_error(tmp_path, lines):
    tape = tmp_path / "fuzz.jsonl"
    tape.write_bytes("\n".join(lines).encode("utf-8", "replace"))
    t0 = time.perf_counter()
    try:
        entries = read_tape(tape)
    except TapeError as exc:
        assert str(exc).startswith(f"{tape}:")
    else:
        for e in entries:
            assert isinstance(e.get("response"), str) or e.get("error") is not None
    assert time.perf_counter() - t0 < SECONDS_PER_CALL


@pytest.mark.parametrize("response, what", [
    (42, "got int"), ({}, "got dict"), ([1, 2], "got list"), (True, "got bool"),
])
def test_tape_entry_that_is_not_a_string_is_refused_naming_file_and_line(tmp_path, response,
                                                                          what):
    tape = tmp_path / "bad.jsonl"
    good = {"prompt": "a", "response": "[[1,1,1,1,1,1]]"}
    tape.write_text(json.dumps(good) + "\n" + json.dumps({"prompt": "b", "response": response})
                    + "\n")
    with pytest.raises(TapeError, match=rf"bad.jsonl:2: 'response' must be a string.*{what}"):
        ReplayClient(tape)


@pytest.mark.parametrize("line, match", [
    ("{not json", "not a JSON line"), ("[1, 2]", "expected a JSON object"),
    ('{"prompt": "a", "response": "x", "usage": {"prompt_tokens": -3}}', "non-negative"),
    ('{"prompt": "a"}', "needs a 'response' string or an 'error'"),
    ('{"response": "x"}', "needs a 'replay_key' or a 'prompt'"),
    ("[" * 100_000, "not a JSON line"),
])
def test_damaged_tape_lines_are_refused_with_file_and_line(tmp_path, line, match):
    tape = tmp_path / "t.jsonl"
    tape.write_text(line + "\n")
    with pytest.raises(TapeError, match=match) as ei:
        read_tape(tape)
    assert str(ei.value).startswith(f"{tape}:1:")


def test_tape_that_is_not_utf8_is_refused(tmp_path):
    tape = tmp_path / "t.jsonl"
    tape.write_bytes(b'{"prompt": "a", "response": "ok"}\n\xff\xfe\n')
    with pytest.raises(TapeError, match=r"t.jsonl:2: not UTF-8"):
        read_tape(tape)
