"""Sweeps: problems x algorithms x seeds, one convergence table per run, resumable.

A run is one algorithm on one problem with one seed, stopped by a budget of unique
queries (``mode="unique"``, the NAS cost: every unique cell is one trained network) or of
evaluations, duplicates included (``mode="evals"``, the seed paper's protocol). Its result
is the archive (every unique cell queried, in order) with the metrics of
:mod:`pymoo_arnas.experiments.metrics` after each query, and the evaluation at which each
cell was first asked (``n_evals``), so best-so-far per evaluation can be read off too.

Each finished run is written to ``<out>/runs/<problem>/<algorithm>/seed<k>.parquet``
(atomically, by the process that drives the sweep); a sweep skips runs whose file exists,
so an interrupted sweep loses nothing finished and a re-run only does what is missing.
Runs are deterministic (same seed, same result) and independent, so they can run in
processes on this machine or on a Dask cluster with identical results.

Examples
--------
>>> from pymoo_arnas.experiments.runner import run_one
>>> df = run_one("cifar10/clean+pgd", "random", seed=0, budget=20)
>>> len(df), list(df.columns[:3])
(20, ['n_unique', 'n_evals', 'x0'])
>>> bool(df["nhv"].is_monotonic_increasing)
True
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from pymoo_arnas.experiments.metrics import convergence
from pymoo_arnas.experiments.problems import expand_problems, make_problem

log = logging.getLogger(__name__)

MODES = ("unique", "evals")


@dataclass(frozen=True)
class RunSpec:
    """One run of a sweep."""

    problem: str
    algorithm: str
    seed: int
    budget: int
    mode: str = "unique"
    params: tuple = field(default_factory=tuple)  # sorted (key, value) algorithm params

    def path(self, out) -> Path:
        """Where the run's table is stored under the sweep folder ``out``."""
        folder = Path(out) / "runs" / _safe(self.problem) / _safe(self.algorithm)
        return folder / f"seed{self.seed}.parquet"


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_.+@" else "_" for c in str(name))


def _check_budget(budget) -> int:
    try:
        ok = int(budget) == budget and int(budget) >= 1
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(f"budget must be a positive integer; got {budget!r}")
    return int(budget)


def _check_algorithm(name: str, n_obj: int | None = None) -> None:
    from pymoo_arnas.algorithms import ALGORITHMS, SINGLE_OBJECTIVE, list_algorithms

    if name not in ALGORITHMS:
        raise ValueError(
            f"unknown algorithm {name!r}; valid choices: {', '.join(list_algorithms())}"
        )
    if n_obj is not None and n_obj > 1 and name in SINGLE_OBJECTIVE:
        raise ValueError(
            f"algorithm {name!r} is single-objective; the problem has {n_obj} objectives "
            f"(use one of: {', '.join(a for a in list_algorithms() if a not in SINGLE_OBJECTIVE)})"
        )


def run_one(problem: str, algorithm: str, seed: int = 0, budget: int = 300,
            mode: str = "unique", params: dict | None = None) -> pd.DataFrame:
    """Run one algorithm on one problem and return its convergence table.

    Parameters
    ----------
    problem : str
        A problem name (:mod:`pymoo_arnas.experiments.problems`), e.g. ``"cifar10/clean+pgd"``.
    algorithm : str
        A name of :func:`pymoo_arnas.algorithms.list_algorithms`.
    seed : int
        The run's seed (same seed, same result).
    budget : int
        Unique queries (``mode="unique"``) or evaluations (``mode="evals"``).
    mode : {"unique", "evals"}
        What the budget counts.
    params : dict, optional
        Passed to :func:`pymoo_arnas.algorithms.get_algorithm` (e.g. ``pop_size``, ``llm``).

    Notes
    -----
    Sets BLAS to one thread in this process
    (:func:`~pymoo_arnas.experiments.blas.limit_blas_threads`): runs are small and a sweep
    runs one per core.

    Returns
    -------
    DataFrame
        One row per unique query: ``n_unique``, ``n_evals`` (the evaluation that first asked
        for it), ``x0..x5``, ``uid``, the accuracy columns, and the metrics (``nhv``,
        ``igd_plus``, ``found``, ``share``; or ``best``, ``gap``, ``hit``). ``attrs`` hold
        the run's description and wall time.
    """
    from pymoo.optimize import minimize
    from pymoo.termination.max_eval import MaximumFunctionCallTermination

    from pymoo_arnas.algorithms import get_algorithm
    from pymoo_arnas.experiments.blas import limit_blas_threads

    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}; got {mode!r}")
    budget = _check_budget(budget)
    limit_blas_threads(1)
    prob = make_problem(problem, budget=budget if mode == "unique" else None)
    _check_algorithm(algorithm, prob.n_obj)
    algo = get_algorithm(algorithm, **dict(params or {}))
    # "unique": the problem's budget stops the run; the cap on evaluations is a safety net
    n_max = 50 * budget if mode == "unique" else budget
    t0 = time.perf_counter()
    minimize(prob, algo, MaximumFunctionCallTermination(n_max), seed=int(seed), verbose=False,
             copy_algorithm=False)
    seconds = time.perf_counter() - t0
    logdf = prob.query_log  # its n_evals: the evaluation that first asked for each cell
    if mode == "evals":
        logdf = logdf[logdf["n_evals"] <= budget].reset_index(drop=True)
    else:
        logdf = logdf.iloc[:budget].reset_index(drop=True)
    pos = logdf.pop("n_evals")
    conv = convergence(prob, logdf)
    df = pd.concat([conv[["n_unique"]], pos, logdf, conv.drop(columns=["n_unique"])], axis=1)
    df.attrs.update(problem=problem, algorithm=algorithm, seed=int(seed), budget=budget,
                    mode=mode, seconds=seconds, n_evals=int(prob.n_evals))
    return df


def _run_spec(spec: RunSpec) -> pd.DataFrame:
    return run_one(spec.problem, spec.algorithm, spec.seed, spec.budget, spec.mode,
                   dict(spec.params))


def _write(df: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    out = df.copy()
    for k in ("problem", "algorithm", "mode"):
        out[k] = df.attrs[k]
    out["seed"] = df.attrs["seed"]
    out["budget"] = df.attrs["budget"]
    out["seconds"] = df.attrs["seconds"]
    out.to_parquet(tmp, index=False)
    os.replace(tmp, path)


def plan(problems, algorithms, seeds, budget, mode="unique", params=None) -> list:
    """The :class:`RunSpec` of every run of a sweep (validated).

    ``seeds``: an int ``n`` (seeds ``0..n-1``) or a list of seeds.
    """
    budget = _check_budget(budget)
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}; got {mode!r}")
    problems = expand_problems(problems)
    if not problems:
        raise ValueError("no problems given")
    if isinstance(algorithms, str):
        algorithms = [a for a in algorithms.split(",") if a]
    if not algorithms:
        raise ValueError("no algorithms given")
    for a in algorithms:
        _check_algorithm(a)
    seeds = list(range(int(seeds))) if np.isscalar(seeds) else [int(s) for s in seeds]
    if not seeds:
        raise ValueError("no seeds given")
    from pymoo_arnas.experiments.problems import parse_problem

    specs = []
    for p in problems:
        n_obj = len(parse_problem(p)[1])
        for a in algorithms:
            _check_algorithm(a, n_obj)
            for s in seeds:
                specs.append(RunSpec(p, a, s, budget, mode, tuple(sorted((params or {}).items()))))
    return specs


def sweep(problems, algorithms, seeds=10, budget=300, out="results", mode="unique",
          params=None, workers: int = 1, scheduler: str | None = None,
          progress: bool = True) -> pd.DataFrame:
    """Run every missing run of a sweep and return the long table of all finished runs.

    Parameters
    ----------
    problems, algorithms : list of str
        Problem names or suites; algorithm names.
    seeds : int or list of int
        ``n`` means seeds ``0..n-1``.
    budget : int
        Per run, in unique queries (``mode="unique"``) or evaluations (``mode="evals"``).
    out : path
        Sweep folder; finished runs in it are skipped.
    workers : int
        Local worker processes (1: run in this process).
    scheduler : str, optional
        Address of a running Dask scheduler (``"tcp://host:8786"``): runs go to that cluster
        (``dask.distributed``); ``"local"`` starts a ``LocalCluster`` of ``workers`` processes.
    progress : bool
        Show a tqdm progress bar.

    Returns
    -------
    DataFrame
        :func:`load_runs` of ``out`` restricted to this sweep's runs.
    """
    from tqdm.auto import tqdm

    specs = plan(problems, algorithms, seeds, budget, mode, params)
    todo = [s for s in specs if not s.path(out).exists()]
    log.info("%d runs planned, %d already done, %d to run",
             len(specs), len(specs) - len(todo), len(todo))
    bar = tqdm(total=len(specs), initial=len(specs) - len(todo), disable=not progress,
               desc="runs", unit="run")
    try:
        if todo and scheduler:
            _sweep_dask(todo, out, scheduler, workers, bar)
        elif todo and workers > 1:
            _sweep_processes(todo, out, workers, bar)
        else:
            for spec in todo:
                _write(_run_spec(spec), spec.path(out))
                bar.update(1)
    finally:
        bar.close()
    return load_runs(out, specs)


def _sweep_processes(todo, out, workers, bar):
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from pymoo_arnas.experiments.blas import limit_blas_threads

    limit_blas_threads(1)  # inherited by the workers through the environment
    with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn")) as pool:
        futures = {pool.submit(_run_spec, s): s for s in todo}
        for fut in as_completed(futures):
            _write(fut.result(), futures[fut].path(out))
            bar.update(1)


def _sweep_dask(todo, out, scheduler, workers, bar):
    from distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler == "local":
        cluster = LocalCluster(n_workers=max(int(workers), 1), threads_per_worker=1,
                               processes=True, dashboard_address=None)
        client = Client(cluster)
    else:
        client = Client(scheduler)
    try:
        futures = client.map(_run_spec, todo, pure=False)
        spec_of = {f.key: s for f, s in zip(futures, todo)}
        for fut in as_completed(futures):
            _write(fut.result(), spec_of[fut.key].path(out))
            bar.update(1)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def load_runs(out, specs=None) -> pd.DataFrame:
    """All finished runs under ``out`` (or only ``specs``) as one long table."""
    if specs is not None:
        paths = [s.path(out) for s in specs]
    else:
        paths = sorted(Path(out).glob("runs/*/*/seed*.parquet"))
    frames = [pd.read_parquet(p) for p in paths if Path(p).exists()]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def summarize(runs: pd.DataFrame, checkpoints=(100, 300, 1000)) -> pd.DataFrame:
    """Mean and spread over seeds of the metrics at each checkpoint of unique queries.

    Returns one row per problem, algorithm and checkpoint (checkpoints past a run's budget
    are dropped) with ``n_seeds``, and for multi-objective problems ``nhv``, ``nhv_std``,
    ``share``, ``share_std``, ``igd_plus``; for single-objective ones ``best``, ``best_std``,
    ``gap``, ``hit_rate``. In ``"evals"`` mode the checkpoints count evaluations.
    """
    if runs.empty:
        return pd.DataFrame()
    rows = []
    for (problem, algorithm), g in runs.groupby(["problem", "algorithm"], sort=False):
        budget = int(g["budget"].max())
        mode = g["mode"].iloc[0]
        for cp in sorted({c for c in checkpoints if c <= budget} | {budget}):
            per_seed = []
            for _, r in g.groupby("seed"):
                axis = r["n_evals"] if mode == "evals" else r["n_unique"]
                sel = r[axis <= cp]
                per_seed.append(sel.iloc[-1] if len(sel) else r.iloc[0] * np.nan)
            s = pd.DataFrame(per_seed)
            row = {"problem": problem, "algorithm": algorithm, "checkpoint": cp,
                   "n_seeds": len(s)}
            if "nhv" in s and s["nhv"].notna().any():
                row.update(nhv=s["nhv"].mean(), nhv_std=s["nhv"].std(ddof=0),
                           share=s["share"].mean(), share_std=s["share"].std(ddof=0),
                           igd_plus=s["igd_plus"].mean())
            else:
                row.update(best=s["best"].mean(), best_std=s["best"].std(ddof=0),
                           gap=s["gap"].mean(), hit_rate=s["hit"].astype(float).mean())
            rows.append(row)
    out = pd.DataFrame(rows)
    out.attrs["mode"] = str(runs["mode"].iloc[0]) if "mode" in runs else "unique"
    return out


def format_summary(summary: pd.DataFrame) -> str:
    """The summary as a readable table: one line per problem and checkpoint, one column per
    algorithm (``nHV / share%`` or best accuracy in %), and the mean over problems."""
    if summary.empty:
        return "(no finished runs)"
    lines = []
    algos = list(dict.fromkeys(summary["algorithm"]))
    multi = "nhv" in summary and summary["nhv"].notna().any()
    for cp, g in summary.groupby("checkpoint"):
        head = f"{'problem':22s} " + " ".join(f"{a:>16s}" for a in algos)
        unit = "nHV / share of front" if multi else "mean best accuracy %"
        axis = "evaluations" if summary.attrs.get("mode") == "evals" else "queries"
        lines.append(f"after {cp} {axis} ({unit}):")
        lines.append(head)
        means = {a: [] for a in algos}
        for problem, gp in g.groupby("problem", sort=False):
            cells = []
            for a in algos:
                r = gp[gp["algorithm"] == a]
                if r.empty:
                    cells.append(f"{'-':>16s}")
                    continue
                r = r.iloc[0]
                if multi and pd.notna(r.get("nhv")):
                    cells.append(f"{r['nhv']:7.3f} / {100 * r['share']:4.0f}%  ")
                    means[a].append((r["nhv"], r["share"]))
                else:
                    cells.append(f"{100 * r['best']:16.2f}")
                    means[a].append((r["best"], r["hit_rate"]))
            lines.append(f"{problem:22s} " + " ".join(cells))
        cells = []
        for a in algos:
            m = np.array(means[a]) if means[a] else np.full((1, 2), np.nan)
            cells.append(f"{m[:, 0].mean():7.3f} / {100 * m[:, 1].mean():4.0f}%  " if multi
                         else f"{100 * m[:, 0].mean():16.2f}")
        lines.append(f"{'mean':22s} " + " ".join(cells))
        lines.append("")
    return "\n".join(lines)


__all__ = ["MODES", "RunSpec", "format_summary", "load_runs", "plan", "run_one", "summarize",
           "sweep"]
