"""Every Python block and every shell command of README.md runs (issue 10).

What is extracted, on every run (so new README sections are covered without editing this file):

- **Python blocks** (```python fences) run in document order in *one* namespace, in a
  subprocess, as a reader pasting them into one session would (the LLM block uses the problem
  and imports of the first block). A failing block does not stop the later ones; each block is
  one test.
- **Shell commands**: every line of ```bash / ```sh / ```console fences (``$ `` prompts
  stripped, ``&&`` chains split), and every inline code span that starts with ``arnas `` or
  ``python `` / ``python3 ``. Each runs in bash with the checkout's virtual environment first on
  ``PATH``.

Everything runs with the working directory a fresh temporary folder and this environment:

- ``ARNAS_DATA``: the robustness dataset as :func:`pymoo_arnas.data.find_data_dir` finds it
  from the checkout (skipped when there is none);
- ``ARNAS_CACHE_DIR``: a temporary folder (so ``cache=True`` writes nothing to the user cache),
  whose ``tables/`` is the real cache's, so the compact tables are not rebuilt;
- ``OPENAI_BASE_URL`` / ``OPENAI_API_KEY``: the fake OpenAI-compatible server of
  ``tests/llm/llm_fakeserver.py`` on 127.0.0.1, so the LLM block runs as written
  (``OpenAIClient(model="gpt-4o-mini", ...)`` without ``base_url=`` goes to
  ``OPENAI_BASE_URL``, as the openai SDK documents) and no request leaves the machine; a block
  with an ``OpenAIClient`` is skipped when the ``llm`` extra is not installed;
- ``MPLBACKEND=Agg``, ``OPENBLAS_NUM_THREADS=1``.

Shell commands go through :data:`SKIPS` (set-up steps and commands that cannot run here, each
with its reason) and then :data:`SUBSTITUTIONS` (smaller budgets for long commands, each with
its reason). A substitution or skip that matches nothing in the README any more fails
:func:`test_every_substitution_and_skip_is_used`, so the tables cannot rot.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
BIN = Path(sys.executable).parent
PYTHON_TIMEOUT = 480
SHELL_TIMEOUT = 300


def _cap(flag: str, most: int):
    """A substitution that lowers ``--flag N`` to at most ``most``."""
    return (rf"(?<=--{flag} )(\d+)\b", lambda m: str(min(int(m.group(1)), most)))


SUBSTITUTIONS = [
    # (regex, replacement, why); applied to every shell command in this order
    (*_cap("budget", 30), "a long search: 30 unique queries take the same code path as 300"),
    (*_cap("seeds", 1), "one seed of a sweep takes the same code path as ten"),
    (r"^arnas paper$", "arnas paper --runs 1 --evals 60 --report-at 60",
     "the paper protocol (30 runs x 3,000 evaluations) at one run of 60 evaluations"),
    (r"(?<![\w/])benchmarks/", f"{ROOT}/benchmarks/",
     "the scripts are in the checkout; the test runs in a temporary folder"),
    (r"bench_surrogate\.py --search$", "bench_surrogate.py --search --seeds 1 --repeats 1 "
     "--train 100", "8 models x 8 problems x 10 seeds searched, 3 screening draws: 1 seed, 1 draw"),
    (r"bench_search\.py", "bench_search.py --so-evals 30",
     "part 2 of the search benchmark (300 evaluations per run) at 30"),
    (r"bench_speed\.py", "bench_speed.py --problems cifar10/clean+square --seeds 1",
     "optuna-gp on 8 problems (minutes per run at 300 queries): one problem, one seed"),
    (r"bench_lookup\.py$", "bench_lookup.py --n 10000 --repeat 1",
     "1e6 genomes timed 5 times: 1e4 once"),
    (r"bench_llm_operators\.py$",
     "bench_llm_operators.py --backend openai --base-url $OPENAI_BASE_URL --model fake "
     "--pop-size 6 --n-gen 2 --baseline-seeds 2",
     "the local Gemma model by default: the fake OpenAI server instead, 2 small generations"),
    (r"bench_scores\.py --device all$", "bench_scores.py --device all --n-cells 3",
     "64 cells scored: 3"),
    (r"bench_live\.py$",
     "bench_live.py --n-cells 3 --C 4 --epochs 1 --max-train 128 --eval-pgd-steps 2",
     "24 cells trained 5 epochs: 3 tiny cells, 1 epoch"),
]

SKIPS = [
    # (regex, why); a command (or a part of an `&&` chain) that matches is not run
    (r"^python3? -m venv\b", "creates a virtual environment: the test runs in the checkout's"),
    (r"^(\.|source) \S*activate$", "activates a virtual environment (see above)"),
    (r"^(\w+=\S+ )*pip install\b", "installs the package: the test runs the installed checkout"),
    (r"^python3? -m pytest\b", "runs this test suite itself"),
    (r"^arnas download\b", "needs the network (tests/data/test_download.py serves it locally)"),
    (r"^arnas llm-server\b", "starts a server that runs until stopped "
                             "(tests/llm/test_local_gemma.py starts and stops it)"),
    (r"\[[^\]]*\]|\b[A-Z]{3,}\b", "a usage template (optional [parts], CAPITAL placeholders)"),
]


@dataclass(frozen=True)
class Snippet:
    line: int  # 1-based line of README.md where it starts
    kind: str  # "python" or "shell"
    text: str

    @property
    def id(self) -> str:
        head = re.sub(r"\s+", " ", self.text.strip().splitlines()[0])[:50]
        return f"L{self.line}:{head}"


FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.S | re.M)
INLINE = re.compile(r"`([^`\n]+)`")
SHELL_LANGS = {"bash", "sh", "shell", "console"}


def _shell_lines(body: str, lang: str):
    """Command lines of a fenced shell block: continuations joined, prompts stripped."""
    body = re.sub(r"\s*\\\n\s*", " ", body)
    for offset, raw in enumerate(body.splitlines()):
        line = raw.strip()
        if lang == "console":
            if not line.startswith("$ "):
                continue  # output
            line = line[2:]
        if line and not line.startswith("#"):
            yield offset, line


def extract(text: str) -> list[Snippet]:
    """The Python blocks and shell commands of a Markdown text, in document order."""
    out, fenced = [], []
    for m in FENCE.finditer(text):
        lang, body = m.group(1).lower(), m.group(2)
        line = text.count("\n", 0, m.start()) + 2  # the first line inside the fence
        fenced.append((m.start(), m.end()))
        if lang in ("python", "py"):
            out.append(Snippet(line, "python", body))
        elif lang in SHELL_LANGS:
            out += [Snippet(line + k, "shell", c) for k, c in _shell_lines(body, lang)]
    for m in INLINE.finditer(text):
        if any(a <= m.start() < b for a, b in fenced):
            continue
        code = m.group(1).strip()
        if re.match(r"(arnas|python3?) ", code):
            out.append(Snippet(text.count("\n", 0, m.start()) + 1, "shell", code))
    return sorted(out, key=lambda s: s.line)


def prepare(command: str) -> tuple[str | None, list[str]]:
    """The command to run (None: nothing left) and the reasons for what was changed or skipped."""
    notes, parts = [], []
    for part in (p.strip() for p in command.split("&&")):
        why = next((why for pat, why in SKIPS if re.search(pat, part)), None)
        if why:
            notes.append(f"skipped {part!r}: {why}")
            continue
        for pat, repl, why in SUBSTITUTIONS:
            new = re.sub(pat, repl, part)
            if new != part:
                notes.append(f"{part!r} -> {new!r}: {why}")
                part = new
        parts.append(part)
    return (" && ".join(parts) if parts else None), notes


SNIPPETS = extract(README.read_text(encoding="utf-8"))
PYTHON = [s for s in SNIPPETS if s.kind == "python"]
SHELL = [s for s in SNIPPETS if s.kind == "shell"]


# ------------------------------------------------------------------------ fast checks


def test_the_readme_has_code_to_check():
    assert PYTHON and SHELL
    assert any(s.text.startswith("arnas search") or "&& arnas search" in s.text for s in SHELL)


def test_every_substitution_and_skip_is_used():
    commands = [p.strip() for s in SHELL for p in s.text.split("&&")]
    for pat, *_ in SUBSTITUTIONS + SKIPS:
        assert any(re.search(pat, c) for c in commands), (
            f"{pat!r} matches no shell command of README.md any more; remove it from "
            f"tests/test_readme.py"
        )


def test_extraction():
    md = textwrap.dedent("""\
        Run `arnas search --budget 300` or `pip install x`; `ARNAS(x)` is not a command.

        ```python
        a = 1
        ```

        ```console
        $ python -m venv .venv && arnas bench \\
            --seeds 10
        output line
        ```
        """)
    got = [(s.line, s.kind, s.text) for s in extract(md)]
    assert got == [(1, "shell", "arnas search --budget 300"), (4, "python", "a = 1\n"),
                   (8, "shell", "python -m venv .venv && arnas bench --seeds 10")]
    assert prepare(got[2][2])[0] == "arnas bench --seeds 1"
    assert prepare("pip install -e .")[0] is None


# ------------------------------------------------------------------------ running them


@pytest.fixture(scope="module")
def fake_server():
    from llm_fakeserver import FakeLLMServer

    server = FakeLLMServer()
    yield server
    server.close()


@pytest.fixture(scope="module")
def env(tmp_path_factory, fake_server):
    from pymoo_arnas.data.locate import DataNotFoundError, cache_dir, find_data_dir

    try:
        data = find_data_dir()
    except DataNotFoundError as exc:
        pytest.skip(f"the README examples need the robustness dataset: {exc}")
    cache = tmp_path_factory.mktemp("arnas-cache")
    tables = cache_dir() / "tables"
    tables.mkdir(parents=True, exist_ok=True)
    (cache / "tables").symlink_to(tables, target_is_directory=True)
    env = dict(os.environ)
    for name in ("ARNAS_DATA_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID"):
        env.pop(name, None)
    env.update(
        ARNAS_DATA=str(data), ARNAS_CACHE_DIR=str(cache), MPLBACKEND="Agg",
        OPENBLAS_NUM_THREADS="1", OPENAI_BASE_URL=fake_server.openai_url,
        OPENAI_API_KEY="sk-readme-test", PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        PYTHONUNBUFFERED="1",
    )
    return env


DRIVER = """\
import json, sys, time, traceback
blocks, results = json.load(open(sys.argv[1])), open(sys.argv[2], "w")
namespace = {"__name__": "__main__"}
for b in blocks:
    t0 = time.perf_counter()
    try:
        exec(compile(b["source"], "README.md:%d" % b["line"], "exec"), namespace)
        status, detail = "ok", ""
    except BaseException:
        status, detail = "error", traceback.format_exc()
    results.write(json.dumps({"line": b["line"], "status": status, "detail": detail,
                              "seconds": time.perf_counter() - t0}) + "\\n")
    results.flush()
"""


@pytest.fixture(scope="module")
def python_results(env, tmp_path_factory):
    """Run every Python block once, in order, in one namespace; ``{line: result}``."""
    work = tmp_path_factory.mktemp("readme-python")
    (work / "blocks.json").write_text(json.dumps([{"line": s.line, "source": s.text}
                                                  for s in PYTHON]))
    (work / "driver.py").write_text(DRIVER)
    try:
        proc = subprocess.run(
            [sys.executable, "driver.py", "blocks.json", "results.jsonl"], cwd=work, env=env,
            capture_output=True, text=True, timeout=PYTHON_TIMEOUT)
        tail = (proc.stdout + proc.stderr)[-3000:]
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else exc.stdout or ""
        tail = f"timed out after {PYTHON_TIMEOUT} s\n{out[-3000:]}"
    done = work / "results.jsonl"
    lines = done.read_text().splitlines() if done.is_file() else []
    results = {r["line"]: r for r in map(json.loads, lines)}
    return results, tail


@pytest.mark.slow
@pytest.mark.parametrize("block", PYTHON, ids=lambda s: s.id)
def test_python_block_runs(block, python_results, fake_server):
    if "OpenAIClient(" in block.text and importlib.util.find_spec("openai") is None:
        pytest.skip("needs the `llm` extra (openai)")
    results, tail = python_results
    if block.line not in results:
        pytest.fail(f"README.md:{block.line} never finished; the run ended with:\n{tail}")
    r = results[block.line]
    failed_before = [ln for ln, o in results.items() if ln < block.line and o["status"] != "ok"]
    assert r["status"] == "ok", (
        f"README.md:{block.line} failed"
        + (f" (after the failure of the block(s) at line {failed_before})" if failed_before else "")
        + f":\n{block.text}\n{r['detail']}"
    )
    if "OpenAIClient(" in block.text:  # it talked to the (fake) model, not only to a fallback
        assert fake_server.requests, f"README.md:{block.line} sent no request to the LLM server"


@pytest.mark.slow
@pytest.mark.parametrize("snippet", SHELL, ids=lambda s: s.id)
def test_shell_command_runs(snippet, env, tmp_path):
    command, notes = prepare(snippet.text)
    if command is None:
        pytest.skip("; ".join(notes))
    for note in notes:
        print(note)
    try:
        proc = subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=SHELL_TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"README.md:{snippet.line} `{command}` ran past {SHELL_TIMEOUT} s; add a "
                    f"substitution with a smaller budget to SUBSTITUTIONS")
    assert proc.returncode == 0, (
        f"README.md:{snippet.line} `{command}` exited {proc.returncode}\n"
        f"--- stdout\n{proc.stdout[-3000:]}\n--- stderr\n{proc.stderr[-3000:]}"
    )
    assert "Traceback (most recent call last)" not in proc.stderr, proc.stderr[-3000:]

