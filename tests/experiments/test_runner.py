"""Sweeps: determinism, resumability, parallel == serial, bad input, CLI, plots, paper."""

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import pymoo_arnas
from pymoo_arnas.experiments import runner
from pymoo_arnas.experiments.paper import (
    OPTIMA,
    TABLE3,
    best_by_eval,
    compare_table3,
    llmo_curves,
)
from pymoo_arnas.experiments.problems import SUITES, expand_problems, make_problem
from pymoo_arnas.experiments.runner import load_runs, plan, run_one, summarize, sweep

PROBLEMS = ["cifar10/clean+pgd", "cifar100/pgd"]


def test_suites_hold_the_benchmark_problems():
    assert len(SUITES["bi"]) == 8 and len(SUITES["paper"]) == 10
    for name in SUITES["bi"] + SUITES["paper"]:
        p = make_problem(name)
        assert p.n_obj == name.count("+") + 1
        assert all(c == "clean" or c.endswith(":1.0") for c in p.columns)


def test_run_one_is_deterministic_and_seed_dependent():
    a = run_one("cifar10/clean+apgd", "nsga2-cat", seed=1, budget=40)
    b = run_one("cifar10/clean+apgd", "nsga2-cat", seed=1, budget=40)
    c = run_one("cifar10/clean+apgd", "nsga2-cat", seed=2, budget=40)
    pd.testing.assert_frame_equal(a, b)
    assert not a["uid"].equals(c["uid"])
    assert len(a) == 40 and a["n_unique"].tolist() == list(range(1, 41))
    assert (np.diff(a["n_evals"]) > 0).all()


def test_run_one_in_evals_mode_counts_every_evaluation():
    df = run_one("cifar10/pgd", "ga", seed=0, budget=90, mode="evals")
    assert df["n_evals"].max() <= 90
    assert df.attrs["n_evals"] >= 90
    assert {"best", "gap", "hit"} <= set(df.columns)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(problem="cifar10/clean+pgd", algorithm="nsga9"), "unknown algorithm 'nsga9'.*random"),
        (dict(problem="cifar10/clean+pgd", algorithm="ga"), "single-objective.*nsga2"),
        (dict(problem="cifar10", algorithm="random"), "cifar10/clean\\+pgd"),
        (dict(problem="cifar10/clean+pgdd", algorithm="random"), "unknown objective 'pgdd'"),
        (dict(problem="cifar10/clean+pgd", algorithm="random", budget=0), "budget"),
        (dict(problem="cifar10/clean+pgd", algorithm="random", budget=2.5), "budget"),
        (dict(problem="cifar10/clean+pgd", algorithm="random", mode="time"), "mode"),
    ],
)
def test_bad_input_names_the_valid_choices(kwargs, match):
    kwargs.setdefault("budget", 10)
    with pytest.raises(ValueError, match=match):
        run_one(**kwargs)


def test_plan_expands_suites_and_seeds():
    specs = plan(["bi"], ["random", "nsga2-cat"], 3, 100)
    assert len(specs) == 8 * 2 * 3
    assert expand_problems("bi,cifar10/clean+pgd") == SUITES["bi"]
    with pytest.raises(ValueError, match="single-objective"):
        plan(["bi"], ["de"], 1, 10)


def test_plan_reads_the_algorithm_records():
    specs = plan(["cifar10/clean+pgd"], ["random", "nsga2"], 1, 10, params={"pop_size": 8})
    assert {s.algorithm: dict(s.params) for s in specs} == {"random": {}, "nsga2": {"pop_size": 8}}
    with pytest.raises(ValueError, match="'nsga2-llm' needs an LLM client"):
        plan(["cifar10/clean+pgd"], ["nsga2-llm"], 1, 10)


def test_sweep_writes_skips_finished_runs_and_survives_a_crash(tmp_path, monkeypatch):
    out = tmp_path / "sweep"
    real = runner._run_spec
    calls = []

    def flaky(spec):
        calls.append(spec)
        if len(calls) == 3:
            raise RuntimeError("worker died")
        return real(spec)

    monkeypatch.setattr(runner, "_run_spec", flaky)
    with pytest.raises(RuntimeError, match="worker died"):
        sweep(PROBLEMS, ["random"], 2, 30, out, progress=False)
    done = sorted(out.glob("runs/*/*/*.parquet"))
    assert len(done) == 2  # the two runs before the crash are kept
    mtimes = {p: p.stat().st_mtime_ns for p in done}

    calls.clear()
    runs = sweep(PROBLEMS, ["random"], 2, 30, out, progress=False)
    assert len(calls) == 2  # only the missing runs ran
    assert {p: p.stat().st_mtime_ns for p in done} == mtimes
    assert runs.groupby(["problem", "seed"]).ngroups == 4
    assert not list(out.glob("runs/*/*/*.tmp*"))


def test_sweep_refuses_an_out_holding_runs_of_other_settings(tmp_path):
    out = tmp_path / "sweep"
    sweep(["cifar10/clean+pgd"], ["random"], 1, 20, out, progress=False)
    with pytest.raises(ValueError, match="other settings.*budget 20.*this sweep: 30"):
        sweep(["cifar10/clean+pgd"], ["random"], 1, 30, out, progress=False)
    sweep(["cifar10/clean+pgd"], ["nsga2"], 1, 20, out, params={"pop_size": 10}, progress=False)
    with pytest.raises(ValueError, match="params.*pop_size.*10"):
        sweep(["cifar10/clean+pgd"], ["nsga2"], 1, 20, out, params={"pop_size": 12},
              progress=False)
    runs = load_runs(out)  # each run keeps the settings it was made with
    assert set(runs["params"]) == {"{}", '{"pop_size": 10}'}



@pytest.mark.parametrize("stored", ["0.1.0", None])
def test_sweep_refuses_runs_of_another_package_version(tmp_path, stored):
    """An algorithm's defaults may change between versions (e.g. nsga2-cat's warped GP in
    0.2.0) with the same parameter text: such runs are not reused."""
    import pyarrow.parquet as pq

    out = tmp_path / "sweep"
    runs = sweep(["cifar10/clean+pgd"], ["random"], 1, 20, out, progress=False)
    assert set(runs["version"]) == {pymoo_arnas.__version__}
    (path,) = out.glob("runs/*/*/seed0.parquet")
    table = pq.read_table(path).drop(["version"])
    if stored is not None:
        table = table.append_column("version", pa.array([stored] * len(table)))
    pq.write_table(table, path)
    said = "'0.1.0'" if stored else "not recorded"
    with pytest.raises(ValueError, match=f"other settings.*version {said} "
                                         rf"\(this sweep: '{pymoo_arnas.__version__}'\)"):
        sweep(["cifar10/clean+pgd"], ["random"], 1, 20, out, progress=False)


def test_sweep_removes_half_written_files_of_dead_processes(tmp_path):
    out = tmp_path / "sweep"
    folder = out / "runs" / "cifar10_clean+pgd" / "random"
    folder.mkdir(parents=True)
    dead = folder / "seed0.tmp999999999"  # no such process
    dead.write_bytes(b"half a parquet file")
    sweep(["cifar10/clean+pgd"], ["random"], 1, 10, out, progress=False)
    assert not dead.exists() and (folder / "seed0.parquet").exists()


@pytest.mark.slow
def test_parallel_sweeps_match_serial(tmp_path):
    args = (PROBLEMS, ["nsga2-cat", "random"], [0, 1], 30)
    serial = sweep(*args, out=tmp_path / "serial", progress=False)
    procs = sweep(*args, out=tmp_path / "procs", workers=2, progress=False)
    key = ["problem", "algorithm", "seed", "n_unique"]
    cols = [c for c in serial.columns if c != "seconds"]
    a = serial[cols].sort_values(key).reset_index(drop=True)
    b = procs[cols].sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.slow
def test_dask_cluster_at_an_address_matches_serial(tmp_path):
    distributed = pytest.importorskip("distributed")
    args = (["cifar10/clean+square"], ["nsga2-cat", "random"], [3], 25)
    serial = sweep(*args, out=tmp_path / "serial", progress=False)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        dask = sweep(*args, out=tmp_path / "dask", scheduler=cluster.scheduler_address,
                     progress=False)
    cols = [c for c in serial.columns if c != "seconds"]
    key = ["algorithm", "n_unique"]
    pd.testing.assert_frame_equal(serial[cols].sort_values(key).reset_index(drop=True),
                                  dask[cols].sort_values(key).reset_index(drop=True))


def test_summary_reports_checkpoints(tmp_path):
    runs = sweep(PROBLEMS, ["random", "nsga2-cat"], 2, 40, tmp_path, progress=False)
    s = summarize(runs, checkpoints=(20, 100))
    assert set(s["checkpoint"]) == {20, 40}  # 100 is past the budget
    bi = s[s["problem"] == "cifar10/clean+pgd"]
    assert bi["nhv"].between(0, 1).all() and bi["share"].between(0, 1).all()
    so = s[s["problem"] == "cifar100/pgd"]
    assert so["best"].notna().all() and (so["gap"] >= 0).all()
    assert (s["n_seeds"] == 2).all()
    # the summary at 20 is the metric after 20 unique queries, averaged over the seeds
    r = runs[(runs.problem == "cifar10/clean+pgd") & (runs.algorithm == "random")]
    expect = r[r.n_unique == 20]["nhv"].mean()
    got = bi[(bi.algorithm == "random") & (bi.checkpoint == 20)]["nhv"].iloc[0]
    assert got == pytest.approx(expect)


def test_summary_of_one_and_two_objective_problems_gives_each_kind_its_own_mean(tmp_path):
    problems = ["cifar10/clean+pgd", "cifar100/clean+fgsm", "cifar10/pgd", "cifar100/pgd"]
    runs = sweep(problems, ["random"], 2, 30, tmp_path, progress=False)
    s = summarize(runs, checkpoints=(30,))
    text = runner.format_summary(s)
    multi, single = text.split("after 30 queries, one objective (mean best accuracy %):")
    assert multi.startswith("after 30 queries, several objectives (nHV / share of front):")
    bi, so = s[s["nhv"].notna()], s[s["nhv"].isna()]

    def mean_line(block):
        lines = [x for x in block.splitlines() if x.startswith("mean")]
        assert len(lines) == 1
        return lines[0].split()[1:]

    assert mean_line(multi) == [f"{bi['nhv'].mean():.3f}", "/", f"{100 * bi['share'].mean():.0f}%"]
    assert mean_line(single) == [f"{100 * so['best'].mean():.2f}"]
    assert all(p in multi for p in problems[:2]) and all(p in single for p in problems[2:])
    assert not any(p in multi for p in problems[2:])


def test_summary_mean_is_left_out_for_an_algorithm_missing_a_problem():
    s = pd.DataFrame([
        dict(problem="cifar10/pgd", algorithm="ga", checkpoint=10, best=0.5),
        dict(problem="cifar100/pgd", algorithm="ga", checkpoint=10, best=0.25),
        dict(problem="cifar10/pgd", algorithm="llmo", checkpoint=10, best=0.75),
    ])
    mean = [x for x in runner.format_summary(s).splitlines() if x.startswith("mean")][0]
    assert mean.split() == ["mean", "37.50", "-"]  # not llmo's 75.00 beside ga's mean of two


def test_best_by_eval_and_compare_table3(tmp_path):
    runs = sweep(["cifar100/clean"], ["de"], 2, 100, tmp_path, mode="evals", progress=False)
    curves = best_by_eval(runs, 100)
    assert curves.shape == (2, 100)
    assert (np.diff(curves.to_numpy(), axis=1) >= 0).all()
    t = compare_table3(runs, evals=(50, 100))
    assert t.loc["cifar100/clean", "de@100"] == pytest.approx(100 * curves[100].mean())
    assert t.loc["cifar100/clean", "paper SHADE"] == TABLE3["cifar100/clean"]["SHADE"]


def test_llmo_curves_are_the_papers_runs():
    C = llmo_curves("cifar10/clean")
    assert C.shape == (10, 2999)
    assert (np.diff(C, axis=1) >= 0).all()
    assert C[:, -1].max() <= OPTIMA["cifar10/clean"] / 100 + 1e-9


def test_plot_front(tmp_path):
    from pymoo.optimize import minimize

    from pymoo_arnas.algorithms import get_algorithm
    from pymoo_arnas.experiments.plots import plot_front

    problem = make_problem("cifar100/clean+square", budget=40)
    minimize(problem, get_algorithm("nsga2-cat"), seed=0)
    path = plot_front(problem, path=tmp_path / "front.png")
    assert path.stat().st_size > 1000


def test_plot_front_draws_costs_as_costs(tmp_path, monkeypatch):
    """With a cost objective the found front is the non-dominated set of (accuracy up, params
    down), the axis says "minimised", and the view keeps the whole exact front."""
    import matplotlib.pyplot as plt
    from pymoo.optimize import minimize
    from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

    from pymoo_arnas.algorithms import get_algorithm
    from pymoo_arnas.experiments import plots

    problem = make_problem("cifar10/clean+params", budget=60)
    minimize(problem, get_algorithm("nsga2-cat"), seed=0)
    figs = []
    monkeypatch.setattr(plots, "_save", lambda fig, path: figs.append(fig) or Path(path))
    plots.plot_front(problem, path=tmp_path / "front.png")
    ax = figs[0].axes[0]
    assert ax.get_xlabel() == "clean accuracy" and ax.get_ylabel() == "params (minimised)"
    found = ax.collections[1].get_offsets()  # the found front's squares
    A = problem.query_log[list(problem.columns)].to_numpy(float)
    nd = NonDominatedSorting().do(problem.errors(A), only_non_dominated_front=True)
    assert sorted(map(tuple, np.asarray(found))) == sorted(map(tuple, A[nd]))
    exact = problem.exact_front()[list(problem.columns)].to_numpy(float)
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    assert ((exact[:, 0] >= x0) & (exact[:, 0] <= x1)).all()
    assert ((exact[:, 1] >= y0) & (exact[:, 1] <= y1)).all()
    plt.close(figs[0])
