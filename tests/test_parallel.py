"""The executor helper: results as they finish, errors, and workers that die with their parent."""

import os
import pickle
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from pymoo_arnas.parallel import Executor, map_unordered

linux_only = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")


def _descendants(pid: int) -> set:
    """Pids of the live (not zombie) processes below ``pid``, from /proc."""
    parent = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":
            parent[int(stat.parent.name)] = int(fields[1])
    out, frontier = set(), {pid}
    while frontier:
        frontier = {p for p, pp in parent.items() if pp in frontier} - out
        out |= frontier
    return out


def _alive(pids) -> set:
    alive = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.add(pid)
    return alive


def _wait_gone(pids, seconds=10.0) -> set:
    deadline = time.monotonic() + seconds
    while _alive(pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    return _alive(pids)


def test_serial_map_yields_index_and_result_in_order():
    with Executor() as ex:
        assert ex.mode == "serial"
        assert list(ex.map(pow, [2, 3], 2)) == [(0, 4), (1, 9)]


def test_serial_map_stops_at_the_first_error_unless_told_to_keep_going():
    got = []
    with pytest.raises(ValueError, match="'x'"):
        for i, r in Executor().map(int, ["1", "x", "3"]):
            got.append(r)
    assert got == [1]
    got = []
    with pytest.raises(ValueError, match="'x'"):
        for i, r in Executor().map(int, ["1", "x", "3"], keep_going=True):
            got.append(r)
    assert got == [1, 3]


def test_processes_give_every_result_and_the_first_error_after_the_others():
    assert sorted(map_unordered(pow, range(6), 2, workers=2)) == [(i, i * i) for i in range(6)]
    got = {}
    with pytest.raises(ValueError, match="'x'"):
        for i, r in map_unordered(int, ["1", "x", "3", "4"], workers=2, keep_going=True):
            got[i] = r
    assert got == {0: 1, 2: 3, 3: 4}


def test_bad_settings_and_pickling():
    for bad in (0, -1, 1.5, True, "2"):
        with pytest.raises(ValueError, match="workers must be a positive integer"):
            Executor(bad)
    with pytest.raises(ValueError, match="scheduler must be a Dask address"):
        Executor(1, scheduler=3)
    ex = Executor(2)
    list(ex.map(abs, [-1]))
    assert ex._pool is not None
    copy = pickle.loads(pickle.dumps(ex))  # settings only, never the pool
    assert copy._pool is None and copy.workers == 2 and repr(copy) == "Executor(workers=2)"
    ex.close()
    ex.close()  # idempotent


@linux_only
@pytest.mark.slow  # over a second: the full suite runs it
@pytest.mark.parametrize("scheduler", [None, "local"])
def test_local_workers_exit_when_their_parent_is_killed(scheduler):
    if scheduler:
        pytest.importorskip("distributed")  # its worker processes watch their parent too
    code = ("import os, time\n"
            "from pymoo_arnas.parallel import Executor\n"
            f"ex = Executor(2, scheduler={scheduler!r})\n"
            "it = ex.map(time.sleep, [120] * 4)\n"
            "print('ready', flush=True)\n"
            "next(it)\n")
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout.readline().strip() == "ready"
        deadline = time.monotonic() + 120
        while len(_descendants(parent.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        workers = _descendants(parent.pid)
        assert len(workers) >= 2  # two pool workers (and the resource tracker)
        time.sleep(0.5)
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.wait()
    assert _wait_gone(workers) == set()


@pytest.mark.slow
@linux_only
def test_kill_9_of_a_parallel_sweep_leaves_no_worker_and_keeps_every_finished_run(tmp_path):
    # Enough runs that the sweep is still busy for seconds after its first file: once the
    # workers are warm a run of this size takes milliseconds, so the kill must come right
    # after the first finished run, and the test checks that it did come mid-sweep.
    out = tmp_path / "sweep"
    n_runs = 2 * 2 * 20
    argv = [sys.executable, "-m", "pymoo_arnas", "bench", "--problems",
            "cifar10/clean+pgd,cifar100/clean+fgsm", "--algorithms", "random,nsga2",
            "--seeds", "20", "--budget", "300", "--out", str(out), "--no-progress", "--no-plots"]
    sweep = subprocess.Popen(argv + ["--workers", "2"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, cwd=tmp_path)
    workers = set()
    try:
        deadline = time.monotonic() + 240
        while not list(out.glob("runs/*/*/*.parquet")) and time.monotonic() < deadline:
            assert sweep.poll() is None, sweep.stderr.read()
            workers |= _descendants(sweep.pid)
            time.sleep(0.02)
        time.sleep(random.uniform(0.0, 0.2))  # a random point early in the sweep
        workers |= _descendants(sweep.pid)
        assert sweep.poll() is None, "the sweep ended before it could be killed"
    finally:
        sweep.send_signal(signal.SIGKILL)
        sweep.wait()
    finished = sorted(out.glob("runs/*/*/*.parquet"))
    assert len(workers) >= 2 and 0 < len(finished) < n_runs
    assert _wait_gone(workers) == set(), "pool workers outlived the killed sweep"
    for path in finished:
        assert len(pd.read_parquet(path)) == 300  # every finished run's file is whole
    mtimes = {p: p.stat().st_mtime_ns for p in finished}
    rerun = subprocess.run(argv, capture_output=True, text=True, cwd=tmp_path)
    assert rerun.returncode == 0, rerun.stderr
    assert {p: p.stat().st_mtime_ns for p in finished} == mtimes  # kept, not redone
    assert len(list(out.glob("runs/*/*/*.parquet"))) == n_runs
    assert not list(out.glob("runs/*/*/*.tmp*"))
    assert os.path.exists(out / "summary.csv")


_INTERRUPTED_SCRIPT = '''
import os, signal, sys, time
from pymoo_arnas.parallel import Executor

def big(task):  # a short task with a large result: workers are often writing one
    end = time.monotonic() + 0.01
    while time.monotonic() < end:
        pass
    return b"x" * (4 << 20)

if __name__ == "__main__":
    ex = Executor(2)
    try:
        for n, _ in enumerate(ex.map(big, range(400))):
            if n == 5:
                os.kill(os.getpid(), signal.SIGINT)
    except KeyboardInterrupt:
        print("interrupted", flush=True)
'''


@pytest.mark.slow
@linux_only
def test_a_python_caller_interrupted_mid_map_exits_cleanly(tmp_path):
    """Ctrl-C in a script that maps over local workers (not the CLI, which leaves through
    os._exit): the KeyboardInterrupt reaches the caller, the workers are stopped, and the
    interpreter's exit neither hangs nor prints anything on stderr."""
    script = tmp_path / "interrupted.py"
    script.write_text(_INTERRUPTED_SCRIPT)
    run = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    try:
        out, err = run.communicate(timeout=90)
    except subprocess.TimeoutExpired:
        workers = _descendants(run.pid)
        run.kill()
        for pid in workers:
            os.kill(pid, signal.SIGKILL)
        pytest.fail("the interrupted script did not exit")
    assert (run.returncode, out.strip(), err) == (0, "interrupted", "")
