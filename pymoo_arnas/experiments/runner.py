"""Sweeps: problems x algorithms x seeds, one convergence table per run, resumable.

A run is one algorithm on one problem with one seed, stopped by a budget of unique
queries (``mode="unique"``, the NAS cost: every unique cell is one trained network) or of
evaluations, duplicates included (``mode="evals"``, the seed paper's protocol). Its result
is the archive (every unique cell queried, in order) with the metrics of
:mod:`pymoo_arnas.experiments.metrics` after each query, and the evaluation at which each
cell was first asked (``n_evals``), so best-so-far per evaluation can be read off too.

Each finished run is written to ``<out>/runs/<problem>/<algorithm>/seed<k>.parquet`` the
moment it finishes (atomically, by the process that drives the sweep), with the settings it
was made with; a sweep skips runs whose file exists, so an interrupted sweep loses nothing
finished and a re-run only does what is missing, and it refuses a folder that holds runs
made with other settings (budget, mode, algorithm parameters) rather than reuse them.
Runs are deterministic (same seed, same result) and independent, so they can run in
processes on this machine or on a Dask cluster (:mod:`pymoo_arnas.parallel`) with
identical results; local worker processes exit when the sweep's process dies.

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

import json
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


def _check_algorithm(name: str, n_obj: int | None = None):
    """The registry record of ``name`` (checked against ``n_obj`` objectives when given)."""
    from pymoo_arnas.algorithms import check_algorithm, get_record

    return get_record(name) if n_obj is None else check_algorithm(name, n_obj)


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


def _params_text(params) -> str:
    """The algorithm parameters of a run as stable text (objects such as an LLM client by
    their type name), stored with the run so a sweep can tell runs of other settings."""
    def plain(v):
        try:
            json.dumps(v)
            return v
        except (TypeError, ValueError):
            return f"<{type(v).__name__}>"

    return json.dumps({str(k): plain(v) for k, v in dict(params or {}).items()}, sort_keys=True)


def _write(df: pd.DataFrame, path: Path, params=None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    out = df.copy()
    for k in ("problem", "algorithm", "mode"):
        out[k] = df.attrs[k]
    out["seed"] = df.attrs["seed"]
    out["budget"] = df.attrs["budget"]
    out["seconds"] = df.attrs["seconds"]
    out["params"] = _params_text(params)
    out.to_parquet(tmp, index=False)
    os.replace(tmp, path)


def _stored_settings(path: Path) -> dict | None:
    """Budget, mode and parameters a stored run was made with (None if unreadable)."""
    import pyarrow.parquet as pq

    try:
        names = pq.read_schema(path).names
        cols = [c for c in ("budget", "mode", "params") if c in names]
        first = pq.read_table(path, columns=cols).slice(0, 1).to_pylist()
    except Exception as exc:  # noqa: BLE001 - a damaged file is redone, not trusted
        log.warning("stored run %s is unreadable (%s); it will be run again", path, exc)
        return None
    return first[0] if first else None


def _check_stored(specs, out) -> list:
    """The runs of ``specs`` to do: those without a file under ``out``.

    Raises
    ------
    ValueError
        When ``out`` holds a run of this sweep made with other settings (budget, mode or
        algorithm parameters): such runs are never reused silently.
    """
    todo, clash = [], []
    for spec in specs:
        path = spec.path(out)
        if not path.exists():
            todo.append(spec)
            continue
        got = _stored_settings(path)
        if got is None:
            todo.append(spec)
            continue
        want = {"budget": spec.budget, "mode": spec.mode, "params": _params_text(spec.params)}
        diff = {k: (got[k], want[k]) for k in got if got[k] != want[k]}
        if diff:
            clash.append((path, diff))
    if clash:
        path, diff = clash[0]
        said = ", ".join(f"{k} {a!r} (this sweep: {b!r})" for k, (a, b) in diff.items())
        raise ValueError(
            f"{out} holds {len(clash)} run{'s' * (len(clash) > 1)} made with other settings, "
            f"e.g. {path.relative_to(out)} has {said}; use another --out / out=, or delete "
            "those runs to run them again"
        )
    return todo


def _remove_stale_tmp(out) -> None:
    """Delete half-written run files left by a sweep process that died (``*.tmp<pid>``)."""
    for tmp in Path(out).glob("runs/*/*/seed*.tmp*"):
        try:
            pid = int(tmp.suffix[len(".tmp"):])
            os.kill(pid, 0)  # raises if no such process
        except ProcessLookupError:
            tmp.unlink(missing_ok=True)
        except (ValueError, PermissionError, OSError):
            continue


def _n_obj(problem: str) -> int:
    """Objectives of a problem name, checked against its table where the table is here (a
    driver without the data may still send runs to a cluster that has it)."""
    from pymoo_arnas.experiments.problems import parse_problem

    try:
        return make_problem(problem).n_obj
    except ValueError as exc:
        if isinstance(exc.__cause__, FileNotFoundError):
            return len(parse_problem(problem)[1])
        raise


def plan(problems, algorithms, seeds, budget, mode="unique", params=None) -> list:
    """The :class:`RunSpec` of every run of a sweep (validated).

    ``seeds``: an int ``n`` (seeds ``0..n-1``) or a list of seeds. ``params`` go to every
    algorithm, except ``pop_size`` to those that take none (their registry record says so);
    an algorithm that needs an LLM client needs ``params={"llm": client}``.
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
    records = {a: _check_algorithm(a) for a in algorithms}
    for a, record in records.items():
        if record.needs_llm and "llm" not in (params or {}):
            raise ValueError(f"algorithm {a!r} needs an LLM client: params={{'llm': client}}")
    seeds = list(range(int(seeds))) if np.isscalar(seeds) else [int(s) for s in seeds]
    if not seeds:
        raise ValueError("no seeds given")
    specs = []
    for p in problems:
        n_obj = _n_obj(p)
        for a in algorithms:
            _check_algorithm(a, n_obj)
            own = {k: v for k, v in (params or {}).items()
                   if k != "pop_size" or records[a].takes_pop_size}
            for s in seeds:
                specs.append(RunSpec(p, a, s, budget, mode, tuple(sorted(own.items()))))
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
    mode : {"unique", "evals"}
        What the budget counts.
    params : dict, optional
        Algorithm parameters of every run (stored with each run).
    workers : int
        Local worker processes (1: run in this process); they exit when this process dies.
    scheduler : str, optional
        Address of a running Dask scheduler (``"tcp://host:8786"``): runs go to that cluster
        (``dask.distributed``); ``"local"`` starts a ``LocalCluster`` of ``workers`` processes.
    progress : bool
        Show a tqdm progress bar.

    Returns
    -------
    DataFrame
        :func:`load_runs` of ``out`` restricted to this sweep's runs.

    Raises
    ------
    ValueError
        For bad arguments, or when ``out`` holds runs of this sweep made with another
        budget, mode or algorithm parameters.
    """
    from tqdm.auto import tqdm

    from pymoo_arnas.parallel import Executor

    specs = plan(problems, algorithms, seeds, budget, mode, params)
    _remove_stale_tmp(out)
    todo = _check_stored(specs, out)
    log.info("%d runs planned, %d already done, %d to run",
             len(specs), len(specs) - len(todo), len(todo))
    executor = Executor(workers, scheduler)
    if executor.mode != "serial":
        from pymoo_arnas.experiments.blas import limit_blas_threads

        limit_blas_threads(1)  # inherited by local workers through the environment
    bar = tqdm(total=len(specs), initial=len(specs) - len(todo), disable=not progress,
               desc="runs", unit="run")
    with bar, executor:
        for i, df in executor.map(_run_spec, todo):
            _write(df, todo[i].path(out), dict(todo[i].params))
            bar.update(1)
    return load_runs(out, specs)


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
