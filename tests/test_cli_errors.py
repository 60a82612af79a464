"""Every ``arnas`` sub-command with bad arguments and failing conditions (no data, no network,
missing extra) ends in one line on stderr and a non-zero exit, never a traceback.

Each case runs in this process (quick) and, marked slow, as a subprocess the way a user runs
it (``python -m pymoo_arnas``, or a ``-c`` wrapper that blocks an import).
"""

import io
import os
import signal
import socket
import subprocess
import sys
import time
import types

import pytest

from pymoo_arnas.cli import main


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens there once the socket is closed


CLOSED = f"http://127.0.0.1:{_closed_port()}"
BENCH = ["bench", "--problems", "cifar10/clean+pgd", "--seeds", "1", "--budget", "10",
         "--no-progress", "--no-plots"]

# (id, argv, condition, exit status, a word the line must hold)
CASES = [
    ("no-command", [], None, 2, "required: COMMAND"),
    ("unknown-command", ["serch"], None, 2, "invalid choice: 'serch'"),
    ("search-dataset", ["search", "--dataset", "mnist"], None, 2, "invalid choice: 'mnist'"),
    ("search-objective", ["search", "--objectives", "clean", "pgdd"], None, 2, "'pgdd'"),
    ("search-epsilon-not-a-number", ["search", "--epsilon", "one"], None, 2, "--epsilon"),
    ("search-epsilon-not-in-table", ["search", "--epsilon", "99"], None, 2, "epsilon"),
    ("search-algorithm", ["search", "--algorithm", "nsga9"], None, 2, "unknown algorithm"),
    ("search-budget-0", ["search", "--budget", "0"], None, 2, "--budget"),
    ("search-pop-size-0", ["search", "--pop-size", "0"], None, 2, "--pop-size"),
    ("search-data-dir", ["search", "--data-dir", "{tmp}/nowhere"], None, 2, "nowhere"),
    ("search-ga-two-objectives", ["search", "--algorithm", "ga"], None, 2, "single-objective"),
    ("search-llm-algorithm", ["search", "--algorithm", "llmo", "--objectives", "clean"], None, 2,
     "LLM client"),
    ("search-prior-dataset", ["search", "--prior", "mnist"], None, 2, "invalid choice: 'mnist'"),
    ("search-prior-itself", ["search", "--prior", "cifar10"], None, 2, "searched dataset itself"),
    ("search-prior-algorithm", ["search", "--dataset", "cifar100", "--prior", "cifar10",
                                "--algorithm", "nsga2"], None, 2, "--prior works with"),
    ("search-empty-arnas-data", ["search"], "empty-data", 1, "does not hold"),
    ("search-no-data-anywhere", ["search"], "no-data", 1, "arnas download"),
    ("bench-budget", BENCH + ["--budget", "-3"], None, 2, "--budget"),
    ("bench-seeds", BENCH + ["--seeds", "x"], None, 2, "--seeds"),
    ("bench-algorithm", BENCH + ["--algorithms", "sa"], None, 2, "unknown algorithm 'sa'"),
    ("bench-problem", ["bench", "--problems", "cifar10/clean+pgdd"], None, 2, "'pgdd'"),
    ("bench-ga-two-objectives", BENCH + ["--algorithms", "ga"], None, 2, "single-objective"),
    ("bench-llm", BENCH + ["--algorithms", "nsga2-llm"], None, 2, "LLM client"),
    ("bench-workers", BENCH + ["--workers", "0"], None, 2, "--workers"),
    ("paper-evals", ["paper", "--evals", "0"], None, 2, "--evals"),
    ("paper-algorithm", ["paper", "--algorithms", "nsga9"], None, 2, "unknown algorithm"),
    ("analyze-top", ["analyze", "--top", "2"], None, 2, "--top"),
    ("analyze-metric", ["analyze", "--metric", "pgdd"], None, 2, "'pgdd'"),
    ("analyze-scores-file", ["analyze", "--scores", "{tmp}/none.csv"], None, 2, "none.csv"),
    ("scores-workers", ["scores", "--workers", "0"], None, 2, "--workers"),
    ("scores-inputs-file", ["scores", "--inputs", "{tmp}/none.npz"], "torch", 2, "none.npz"),
    ("scores-cuda-on-cpu-build", ["scores", "--device", "cuda", "--limit", "1", "--out",
                                  "{tmp}/s.csv"], "cpu-torch", 1, "--device cuda"),
    ("download-dataset", ["download", "cifar11"], None, 2, "cifar11"),
    ("download-no-network", ["download", "cifar10", "--url", CLOSED, "--dest", "{tmp}/dl",
                             "--quiet"], None, 1, "--url"),
    ("live-no-torch", ["live", "--no-progress"], "no-torch", 1, "needs torch"),
    ("live-no-sklearn", ["live", "--no-progress"], "no-sklearn", 1, "scikit-learn"),
    ("live-no-torchvision", ["live", "--dataset", "cifar10"], "no-torchvision", 1, "torchvision"),
    ("live-cifar-offline", ["live", "--dataset", "cifar10", "--no-progress"], "offline-cifar", 1,
     "cifar10"),
    ("live-cuda-on-cpu-build", ["live", "--device", "cuda"], "cpu-torch", 1, "--device cuda"),
    ("live-optimizer", ["live", "--optimizer", "rmsprop"], None, 2, "'rmsprop'"),
    ("live-adv", ["live", "--adv", "trades"], None, 2, "'trades'"),
    ("live-dataset", ["live", "--dataset", "mnist"], None, 2, "'mnist'"),
    ("live-objective", ["live", "--objectives", "clean", "cw"], None, 2, "'cw'"),
    ("live-ga-two-objectives", ["live", "--algorithm", "ga"], None, 2, "single-objective"),
    ("live-pop-size", ["live", "--pop-size", "0"], None, 2, "--pop-size"),
    ("live-prior-algorithm", ["live", "--prior-config", "abc", "--no-progress"], None, 2,
     "--prior-config works with nsga2-cat"),
    ("live-prior-store-alone", ["live", "--prior-store", "p.sqlite"], None, 2,
     "need --prior-config"),
    ("live-prior-store-missing", ["live", "--algorithm", "nsga2-cat", "--prior-config", "abc",
                                  "--prior-store", "{tmp}/none.sqlite", "--store",
                                  "{tmp}/s.sqlite", "--no-progress"], None, 2, "no such file"),
    ("live-prior-config-unknown", ["live", "--algorithm", "nsga2-cat", "--prior-config", "abc",
                                   "--store", "{tmp}/s.sqlite", "--no-progress"], None, 2,
     "matches no config of digits"),
    ("llm-server-port", ["llm-server", "--port", "-1"], None, 2, "--port"),
]

# what a condition does to a subprocess: code run before `main` in a `-c` wrapper
_BLOCK = """
import importlib.abc, sys
class _Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {names!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
sys.meta_path.insert(0, _Block())
"""
_NO_DATA = """
import pymoo_arnas.data as data
from pymoo_arnas.data.locate import DataNotFoundError
def _nowhere(*args, **kwargs):
    raise DataNotFoundError("Could not find the robustness dataset. Looked in:\\n  - here")
data.load_robustness = _nowhere
"""
_OFFLINE_CIFAR = """
import sys, types
tv = types.ModuleType("torchvision")
def _offline(*args, **kwargs):
    raise RuntimeError("<urlopen error [Errno -3] Temporary failure in name resolution>")
tv.datasets = types.SimpleNamespace(CIFAR10=_offline, CIFAR100=_offline)
tv.transforms = types.SimpleNamespace(ToTensor=lambda: None)
sys.modules["torchvision"] = tv
"""
PRELUDE = {
    "no-torch": _BLOCK.format(names={"torch"}),
    "no-sklearn": _BLOCK.format(names={"sklearn"}),
    "no-torchvision": _BLOCK.format(names={"torchvision"}),
    "no-data": _NO_DATA,
    "offline-cifar": _OFFLINE_CIFAR,
}


def _needs(condition):
    if condition in ("torch", "cpu-torch", "offline-cifar", "no-sklearn"):
        torch = pytest.importorskip("torch")
        if condition == "cpu-torch" and torch.cuda.is_available():
            pytest.skip("this torch has CUDA")


def _env(tmp_path, condition) -> dict:
    env = {"ARNAS_CACHE_DIR": str(tmp_path / "cache"), "ARNAS_DATA_URL": CLOSED}
    if condition == "empty-data":
        (tmp_path / "empty").mkdir(exist_ok=True)
        env["ARNAS_DATA"] = str(tmp_path / "empty")
    return env


def _argv(argv, tmp_path) -> list:
    return [a.replace("{tmp}", str(tmp_path)) for a in argv]


def _check(code, err, status, word):
    lines = err.strip().splitlines()
    assert "Traceback" not in err, err
    assert code == status, err
    assert len(lines) == 1, err
    assert lines[0].startswith("arnas") and "error:" in lines[0], err
    assert word in lines[0], err


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_in_process(case, tmp_path, monkeypatch, capsys):
    name, argv, condition, status, word = case
    if name in ("download-no-network",):
        pytest.skip("retries take seconds; run as a subprocess (slow)")
    _needs(condition)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ARNAS_DATA", raising=False)
    for k, v in _env(tmp_path, condition).items():
        monkeypatch.setenv(k, v)
    if condition in ("no-torch", "no-sklearn", "no-torchvision"):
        monkeypatch.setitem(sys.modules, condition[3:], None)  # `import` raises ImportError
    elif condition == "no-data":
        import pymoo_arnas.data as data
        from pymoo_arnas.data.locate import DataNotFoundError

        def nowhere(*args, **kwargs):
            raise DataNotFoundError("Could not find the robustness dataset. Looked in:\n  - here")

        monkeypatch.setattr(data, "load_robustness", nowhere)  # stderr is no TTY: no question
    elif condition == "offline-cifar":
        namespace = {}
        exec(_OFFLINE_CIFAR.replace('sys.modules["torchvision"] = tv', ""), namespace)
        monkeypatch.setitem(sys.modules, "torchvision", namespace["tv"])
    try:
        code = main(_argv(argv, tmp_path))
    except SystemExit as exc:  # argparse's own errors
        code = exc.code
    _check(code, capsys.readouterr().err, status, word)


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_as_a_subprocess(case, tmp_path):
    name, argv, condition, status, word = case
    _needs(condition)
    prelude = PRELUDE.get(condition, "")
    code = f"{prelude}\nimport sys\nfrom pymoo_arnas.cli import main\nsys.exit(main())\n"
    env = {k: v for k, v in os.environ.items() if k != "ARNAS_DATA"}
    env.update(_env(tmp_path, condition))
    proc = subprocess.run([sys.executable, "-c", code, *_argv(argv, tmp_path)], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=300)
    _check(proc.returncode, proc.stderr, status, word)


def test_version_is_one_line(capsys):
    assert main(["--version"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.startswith("arnas (pymoo-arnas) ")


def test_a_broken_pipe_ends_quietly(monkeypatch, capsys):
    class ClosedPipe(types.SimpleNamespace):
        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self):
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    assert main(["search", "--budget", "20", "--pop-size", "10"]) == 1
    assert capsys.readouterr().err == ""


class _Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.mark.parametrize("how, answer, downloads", [("--download", "", 1), ("tty", "y\n", 1),
                                                    ("tty", "n\n", 0)])
def test_no_data_offers_the_download(how, answer, downloads, monkeypatch, capsys):
    import pymoo_arnas.data as data
    from pymoo_arnas.data.locate import DataNotFoundError

    real, calls = data.load_robustness, []

    def first_missing(dataset, data_dir=None):
        if not calls:
            raise DataNotFoundError("Could not find the robustness dataset.")
        return real(dataset, data_dir=data_dir)

    monkeypatch.delenv("ARNAS_DATA", raising=False)
    monkeypatch.setattr(data, "load_robustness", first_missing)
    monkeypatch.setattr(data, "download", lambda datasets, progress: calls.append(datasets) or "x")
    argv = ["search", "--budget", "20", "--pop-size", "10"]
    if how == "tty":
        monkeypatch.setattr(sys, "stdin", _Terminal(answer))
        monkeypatch.setattr(sys, "stderr", _Terminal())
    code = main(argv + (["--download"] if how == "--download" else []))
    assert len(calls) == downloads and (code == 0) == bool(downloads)
    if how == "tty":
        assert "Download them into the user cache now? [y/N]" in sys.stderr.getvalue()
        if not downloads:
            assert "`arnas download`" in sys.stderr.getvalue().splitlines()[-1]
    if downloads:
        assert "Found front" in capsys.readouterr().out


@pytest.mark.slow
def test_a_closed_pipe_gives_no_broken_pipe_error(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "pymoo_arnas", "search", "--budget", "30",
                             "--pop-size", "10"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            cwd=tmp_path)
    proc.stdout.close()  # `| head -1` that has already gone
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=300) != 0
    assert "Traceback" not in err and "BrokenPipe" not in err and err == ""


@pytest.mark.slow
@pytest.mark.parametrize("workers", ["1", "2"])
def test_ctrl_c_ends_with_one_line_saying_what_was_kept(workers, tmp_path):
    out = tmp_path / "bench"
    proc = subprocess.Popen(
        [sys.executable, "-m", "pymoo_arnas", "bench", "--problems", "cifar10/clean+pgd",
         "--algorithms", "random,nsga2", "--seeds", "30", "--budget", "300", "--out", str(out),
         "--no-progress", "--no-plots", "--workers", workers],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
        start_new_session=True,
        # as in a terminal: a suite started in the background (`cmd &` without job control)
        # hands its children SIGINT ignored, and Python then never raises KeyboardInterrupt
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 240
    while not list(out.glob("runs/*/*/*.parquet")) and time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read()
        time.sleep(0.05)
    assert proc.poll() is None, "the sweep ended before Ctrl-C"  # 60 runs: seconds of work left
    os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C in a terminal: the whole process group
    _, err = proc.communicate(timeout=120)
    n = len(list(out.glob("runs/*/*/*.parquet")))
    assert proc.returncode == 130 and "Traceback" not in err
    assert err.strip().splitlines() == [
        f"arnas bench: interrupted; {n} finished run{'s' * (n != 1)} kept under {out / 'runs'}; "
        "rerun the same command to run only what is missing"]
