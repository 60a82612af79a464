"""Sweeps: problems x algorithms x seeds, one convergence table per run, resumable.

A run is one algorithm on one problem with one seed, stopped by a budget of unique
queries (``mode="unique"``, the NAS cost: every unique cell is one trained network) or of
evaluations, duplicates included (``mode="evals"``, the seed paper's protocol). Its result
is the archive (every unique cell queried, in order) with the metrics of
:mod:`pymoo_arnas.experiments.metrics` after each query, and the evaluation at which each
cell was first asked (``n_evals``), so best-so-far per evaluation can be read off too. A
run of an algorithm that asks an LLM also says which cells came from the model
(``from_llm``) and how its calls went (:func:`llm_stats`); a model that answers none of a
run's requests stops the sweep (:class:`~pymoo_arnas.llm.LLMUnreachable`) rather than leave
a run that quietly ran on its fallback.

Each finished run is written to ``<out>/runs/<problem>/<algorithm>/seed<k>.parquet`` the
moment it finishes (atomically, by the process that drives the sweep), with the settings it
was made with; a sweep skips runs whose file exists, so an interrupted sweep loses nothing
finished and a re-run only does what is missing, and it refuses a folder that holds runs
made with other settings (budget, mode, algorithm parameters, or another version of this
package, whose algorithms may differ) rather than reuse them.
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

from pymoo.core.callback import Callback

from pymoo_arnas import __version__
from pymoo_arnas.experiments.metrics import convergence
from pymoo_arnas.experiments.problems import expand_problems, make_problem
from pymoo_arnas.llm.base import LLMClient
from pymoo_arnas.space import GENOME_COLUMNS

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
        the run's description and wall time. For an algorithm that needs an LLM (its
        registry record says so) also a bool column ``from_llm`` (the cell was the model's
        proposal, not the fallback's or the algorithm's own) and ``attrs["llm"]``, the
        run's figures of :func:`llm_stats`.

    Raises
    ------
    LLMUnreachable
        When the algorithm's LLM client answered none of the run's requests (every one
        failed for good) and the client was not built with ``on_unreachable="fallback"``:
        such a run is no LLM run, so it is not returned (and a sweep stops).
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
    record = _check_algorithm(algorithm, prob.n_obj)
    params = dict(params or {})
    llm = params.get("llm") if record.needs_llm else None
    if isinstance(llm, LLMClient):
        params["llm"] = _RunClient(llm, f"{problem}/{algorithm}/seed{int(seed)}")
    algo = get_algorithm(algorithm, **params)
    trace = _LLMTrace(llm) if llm is not None else None
    # "unique": the problem's budget stops the run; the cap on evaluations is a safety net
    n_max = 50 * budget if mode == "unique" else budget
    t0 = time.perf_counter()
    minimize(prob, algo, MaximumFunctionCallTermination(n_max), seed=int(seed), verbose=False,
             copy_algorithm=False, **({"callback": trace} if trace is not None else {}))
    seconds = time.perf_counter() - t0
    logdf = prob.query_log  # its n_evals: the evaluation that first asked for each cell
    keep = (np.flatnonzero(logdf["n_evals"].to_numpy() <= budget) if mode == "evals"
            else np.arange(min(budget, len(logdf))))
    from_llm = trace.from_llm(prob, logdf)[keep] if trace is not None else None
    logdf = logdf.iloc[keep].reset_index(drop=True)
    pos = logdf.pop("n_evals")
    conv = convergence(prob, logdf)
    df = pd.concat([conv[["n_unique"]], pos, logdf, conv.drop(columns=["n_unique"])], axis=1)
    df.attrs.update(problem=problem, algorithm=algorithm, seed=int(seed), budget=budget,
                    mode=mode, seconds=seconds, n_evals=int(prob.n_evals))
    if trace is not None:
        trace.check_answered(f"run {algorithm} on {problem} (seed {seed})")
        df["from_llm"] = from_llm
        df.attrs["llm"] = trace.stats(algo, from_llm)
    return df


class _RunClient(LLMClient):
    """An LLM client as one run of a sweep sees it: every request goes to ``inner`` (its
    settings, counters, tape and cache) with the run's name before its tag.

    Requests of different runs may be identical (e.g. the first prompt of every seed of a
    problem); named by their run, each run's recorded answers are its own, so a tape
    recorded by a sweep replays the same in any order, any subset of runs, and on any
    worker, and the cache never serves one run's answer to another.
    """

    def __init__(self, inner: LLMClient, run: str) -> None:  # noqa: D107 - no settings of its own
        self.inner = inner
        self.run = run

    backend = property(lambda self: self.inner.backend)
    base_url = property(lambda self: self.inner.base_url)

    def _call(self, prompt, system, schema):  # pragma: no cover - complete() is delegated
        raise NotImplementedError

    def complete(self, prompt, *, system=None, schema=None, tag=None):
        return self.inner.complete(prompt, system=system, schema=schema,
                                   tag=f"{self.run}/{tag}")

    def __getattr__(self, name):  # model, usage, on_unreachable, ...: the inner client's
        if name in ("inner", "run"):
            raise AttributeError(name)
        return getattr(self.inner, name)

    def __repr__(self) -> str:
        return repr(self.inner)


class _LLMTrace(Callback):
    """Which unique queries of a run came from its LLM, and what the run's calls did.

    A pymoo callback, called after every generation: the cells the run's LLM operators
    handed out in that generation (:func:`~pymoo_arnas.operators.llm.llm_operators`), or
    LLMO's proposal when it was kept (not replaced by its random fallback), mark the cells
    first queried in it; the client's ``usage`` is read before and after the run.
    """

    def __init__(self, llm) -> None:
        super().__init__()
        self.llm = llm
        self.usage0 = llm.usage.as_dict() if isinstance(llm, LLMClient) else None
        self.marks: list = []  # (n_unique after a generation, its LLM units; True: all)
        self._handed: dict = {}  # id(operator) -> the handed_out array last seen
        self._llmo = (0, 0)  # LLMO's (n_calls, n_fallbacks) after the last generation

    def notify(self, algorithm) -> None:
        from pymoo_arnas.algorithms.llmo import LLMO
        from pymoo_arnas.operators.llm import llm_operators

        problem = algorithm.problem
        mark = []
        for op in llm_operators(algorithm):
            h = op.handed_out  # a new array whenever the operator hands out proposals
            if self._handed.get(id(op)) is not h and len(h):
                mark.append(problem.units(h))
            self._handed[id(op)] = h
        if isinstance(algorithm, LLMO):
            now = (algorithm.n_calls, algorithm.n_fallbacks)
            if now[0] > self._llmo[0] and now[1] == self._llmo[1]:
                mark = True  # the generation's one cell is the model's proposal
            self._llmo = now
        self.marks.append((int(problem.n_unique), mark))

    def from_llm(self, problem, log: pd.DataFrame) -> np.ndarray:
        """``(len(log),)`` bool: whether each unique query of the log came from the LLM."""
        out = np.zeros(len(log), dtype=bool)
        if not len(log):
            return out
        units = problem.units(log[list(GENOME_COLUMNS)].to_numpy(np.int64))
        start = 0
        for n, mark in self.marks:
            if mark is True:
                out[start:n] = True
            elif len(mark):
                out[start:n] = np.isin(units[start:n], np.concatenate(mark))
            start = max(start, n)
        return out

    def _usage_delta(self) -> dict:
        if self.usage0 is None:
            return {}
        now = self.llm.usage.as_dict()
        return {k: now[k] - self.usage0[k] for k in now}

    def stats(self, algorithm, from_llm) -> dict:
        """The run's LLM figures (see :func:`llm_stats`)."""
        from pymoo_arnas.algorithms.llmo import LLMO
        from pymoo_arnas.operators.llm import llm_operators

        d = self._usage_delta()
        fallback = sum(op.stats.fallback for op in llm_operators(algorithm))
        if isinstance(algorithm, LLMO):
            fallback += algorithm.n_fallbacks
        return {
            "llm_share": float(from_llm.mean()) if len(from_llm) else float("nan"),
            "llm_cells": int(from_llm.sum()),
            "llm_calls": int(d.get("calls", 0) + d.get("cache_hits", 0)
                             + d.get("failed_calls", 0) + d.get("refused", 0)),
            "llm_failed_calls": int(d.get("failed_calls", 0) + d.get("refused", 0)),
            "llm_fallback": int(fallback),
        }

    def check_answered(self, what: str) -> None:
        """Raise :class:`~pymoo_arnas.llm.LLMUnreachable` when the client answered none of
        the run's requests and some failed, unless the client falls back on an unreachable
        model by request. (The client stops a run at its first failure by itself only while
        it has never been answered; a client shared by the runs of a serial sweep may have
        been, so a model that died between two runs is caught here.)"""
        from pymoo_arnas.llm import LLMUnreachable

        d = self._usage_delta()
        if not d or getattr(self.llm, "on_unreachable", "raise") != "raise":
            return
        answered = d["calls"] + d["cache_hits"]
        failed = d["failed_calls"] + d["refused"]
        if answered == 0 and failed > 0:
            cap = (f", {d['refused']} refused by its max_calls={self.llm.max_calls}"
                   if d["refused"] else "")
            raise LLMUnreachable(
                f"{what}: {self.llm!r} answered none of its {failed} LLM requests "
                f"({d['failed_calls']} failed{cap}), so it would be a run of the fallback "
                f"alone; it is not recorded and the sweep stops. Check the model server (or "
                f"build the client with on_unreachable='fallback' to record such runs)")


def llm_stats(runs: pd.DataFrame) -> pd.DataFrame:
    """The LLM figures of every run that asked an LLM, one row per run.

    Parameters
    ----------
    runs : DataFrame
        :func:`load_runs` (or :func:`sweep`) output.

    Returns
    -------
    DataFrame
        ``problem``, ``algorithm``, ``seed`` and: ``llm_share``, the share of the run's
        unique queried cells that came from the LLM (its proposals, not the fallback's or
        the algorithm's own); ``llm_cells``, their number; ``llm_calls``, the requests the
        run made (answered, served from the cache, failed, or refused by the client's call
        cap); ``llm_failed_calls``, those that failed for good or were refused (each one
        answered by the fallback); ``llm_fallback``, the cells the fallback made where an
        LLM proposal was wanted (after an empty, invalid or repeated answer, or a failed
        call). No rows when no run used an LLM.
    """
    keys = ["problem", "algorithm", "seed"]
    cols = ["llm_share", "llm_cells", "llm_calls", "llm_failed_calls", "llm_fallback"]
    if runs.empty or "from_llm" not in runs or "llm_calls" not in runs:
        return pd.DataFrame(columns=keys + cols)
    rows = []
    for key, r in runs[runs["llm_calls"].notna()].groupby(keys, sort=False):
        mine = r["from_llm"].astype(bool)
        rows.append(dict(zip(keys, key), llm_share=float(mine.mean()), llm_cells=int(mine.sum()),
                         **{c: int(r[c].iloc[0]) for c in cols[2:]}))
    return pd.DataFrame(rows, columns=keys + cols)


def _run_spec(spec: RunSpec) -> pd.DataFrame:
    return run_one(spec.problem, spec.algorithm, spec.seed, spec.budget, spec.mode,
                   dict(spec.params))


def _params_text(params) -> str:
    """The algorithm parameters of a run as stable text (an LLM client by its type and model,
    an object with a short repr of its own, e.g. a transfer prior, by it, others by their type
    name), stored with the run so a sweep can tell runs of other settings."""
    def plain(v):
        if isinstance(v, LLMClient):  # runs of another model are runs of other settings
            return f"<{type(v).__name__} model={v.model}>"
        try:
            json.dumps(v)
            return v
        except (TypeError, ValueError):
            if type(v).__repr__ is not object.__repr__ and len(repr(v)) <= 500:
                return repr(v)
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
    out["version"] = __version__
    for k, v in df.attrs.get("llm", {}).items():
        if k not in ("llm_share", "llm_cells"):  # those are read off from_llm
            out[k] = v
    out.to_parquet(tmp, index=False)
    os.replace(tmp, path)


def _stored_settings(path: Path) -> dict | None:
    """Budget, mode, parameters and package version a stored run was made with (None if
    unreadable; the version None for a run stored before versions were recorded)."""
    import pyarrow.parquet as pq

    try:
        names = pq.read_schema(path).names
        cols = [c for c in ("budget", "mode", "params", "version") if c in names]
        first = pq.read_table(path, columns=cols).slice(0, 1).to_pylist()
    except Exception as exc:  # noqa: BLE001 - a damaged file is redone, not trusted
        log.warning("stored run %s is unreadable (%s); it will be run again", path, exc)
        return None
    if not first:
        return None
    return {"version": None, **first[0]}


def _check_stored(specs, out) -> list:
    """The runs of ``specs`` to do: those without a file under ``out``.

    Raises
    ------
    ValueError
        When ``out`` holds a run of this sweep made with other settings (budget, mode,
        algorithm parameters or package version): such runs are never reused silently.
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
        want = {"budget": spec.budget, "mode": spec.mode, "params": _params_text(spec.params),
                "version": __version__}
        diff = {k: (got[k], want[k]) for k in got if got[k] != want[k]}
        if diff:
            clash.append((path, diff))
    if clash:
        path, diff = clash[0]
        said = ", ".join(f"{k} {'not recorded' if a is None else repr(a)} (this sweep: {b!r})"
                         for k, (a, b) in diff.items())
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
    algorithm, except ``pop_size`` to those that take none and ``llm`` to those that need
    none (their registry records say so); an algorithm that needs an LLM client needs
    ``params={"llm": client}``.
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
                   if (k != "pop_size" or records[a].takes_pop_size)
                   and (k != "llm" or records[a].needs_llm)}
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
    ``gap``, ``hit_rate``. In ``"evals"`` mode the checkpoints count evaluations. Where the
    runs asked an LLM (see :func:`llm_stats`) also ``llm_share``, the mean share of the
    cells queried up to the checkpoint that came from the LLM, and, per run over the whole
    run, the means ``llm_failed_calls`` and ``llm_fallback`` (NaN for the other algorithms).
    """
    if runs.empty:
        return pd.DataFrame()
    rows = []
    for (problem, algorithm), g in runs.groupby(["problem", "algorithm"], sort=False):
        budget = int(g["budget"].max())
        mode = g["mode"].iloc[0]
        used_llm = "from_llm" in g and g["from_llm"].notna().all()
        for cp in sorted({c for c in checkpoints if c <= budget} | {budget}):
            per_seed, llm = [], []
            for _, r in g.groupby("seed"):
                axis = r["n_evals"] if mode == "evals" else r["n_unique"]
                sel = r[axis <= cp]
                per_seed.append(sel.iloc[-1] if len(sel) else r.iloc[0] * np.nan)
                if used_llm:
                    llm.append(sel["from_llm"].astype(float).mean() if len(sel) else np.nan)
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
            if used_llm:
                row.update(llm_share=float(np.nanmean(llm)) if np.isfinite(llm).any()
                           else np.nan,
                           llm_failed_calls=s["llm_failed_calls"].astype(float).mean()
                           if "llm_failed_calls" in s else np.nan,
                           llm_fallback=s["llm_fallback"].astype(float).mean()
                           if "llm_fallback" in s else np.nan)
            rows.append(row)
    out = pd.DataFrame(rows)
    out.attrs["mode"] = str(runs["mode"].iloc[0]) if "mode" in runs else "unique"
    return out


_W = 16  # width of an algorithm's column in format_summary


def _is_multi(rows: pd.DataFrame) -> bool:
    return "nhv" in rows and bool(rows["nhv"].notna().any())


def format_summary(summary: pd.DataFrame) -> str:
    """The summary as a readable table per checkpoint: one line per problem, one column per
    algorithm, and a ``mean`` line over the problems.

    Problems with several objectives show ``nHV / share of the exact front``, problems with
    one the mean best accuracy in %; a summary holding both kinds gets a table (and a mean)
    for each, so no mean mixes a hypervolume with an accuracy. An algorithm that did not
    run every problem of a table has no mean there (``-``). Where runs asked an LLM, each
    table is followed by the share of the queried cells that came from the LLM and the
    LLM calls that failed (mean per run).

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame([
    ...     dict(problem="cifar10/clean+pgd", algorithm="random", checkpoint=100, nhv=0.9,
    ...          share=0.25),
    ...     dict(problem="cifar10/pgd", algorithm="random", checkpoint=100, best=0.58)])
    >>> print(format_summary(s))  # doctest: +NORMALIZE_WHITESPACE
    after 100 queries, several objectives (nHV / share of front):
    problem                          random
    cifar10/clean+pgd         0.900 /   25%
    mean                      0.900 /   25%
    <BLANKLINE>
    after 100 queries, one objective (mean best accuracy %):
    problem                          random
    cifar10/pgd                       58.00
    mean                              58.00
    <BLANKLINE>
    """
    if summary.empty:
        return "(no finished runs)"
    lines = []
    algos = list(dict.fromkeys(summary["algorithm"]))
    axis = "evaluations" if summary.attrs.get("mode") == "evals" else "queries"
    multi_of = {p: _is_multi(g) for p, g in summary.groupby("problem", sort=False)}
    kinds = [k for k in (True, False) if k in multi_of.values()]
    head = f"{'problem':22s} " + " ".join(f"{a:>{_W}s}" for a in algos)
    for cp, g in summary.groupby("checkpoint"):
        for multi in kinds:
            block = g[g["problem"].map(multi_of) == multi]
            if block.empty:
                continue
            unit = "nHV / share of front" if multi else "mean best accuracy %"
            kind = ("" if len(kinds) == 1
                    else ", several objectives" if multi else ", one objective")
            lines.append(f"after {cp} {axis}{kind} ({unit}):")
            lines.append(head)
            lines += _block_lines(block, algos, multi)
            lines.append("")
    return "\n".join(lines)


def _block_lines(block: pd.DataFrame, algos, multi: bool) -> list:
    """The lines of one table of :func:`format_summary` (problems of one kind, one
    checkpoint), its mean, and the LLM lines where runs asked an LLM."""
    problems = list(dict.fromkeys(block["problem"]))

    def value(r):
        if multi:
            return f"{r['nhv']:7.3f} / {100 * r['share']:4.0f}%  "
        return f"{100 * r['best']:{_W}.2f}"

    def llm(r):
        return f"{100 * r['llm_share']:.0f}% / {r['llm_failed_calls']:.1f}".rjust(_W)

    def table(cell, mean_cell, used):
        out, means = [], {a: [] for a in algos}
        for problem in problems:
            cells = []
            for a in algos:
                r = block[(block["problem"] == problem) & (block["algorithm"] == a)]
                ok = not r.empty and used(r.iloc[0])
                cells.append(cell(r.iloc[0]) if ok else f"{'-':>{_W}s}")
                if ok:
                    means[a].append(r.iloc[0])
            out.append(f"{problem:22s} " + " ".join(cells))
        cells = [mean_cell(pd.DataFrame(means[a]).mean(numeric_only=True))
                 if len(means[a]) == len(problems) else f"{'-':>{_W}s}" for a in algos]
        out.append(f"{'mean':22s} " + " ".join(cells))
        return out

    lines = table(value, value, lambda r: pd.notna(r.get("nhv" if multi else "best")))
    if "llm_share" in block and block["llm_share"].notna().any():
        lines.append("from the LLM (share of the queried cells / failed LLM calls per run):")
        lines += table(llm, llm, lambda r: pd.notna(r.get("llm_share")))
    return lines


__all__ = ["MODES", "RunSpec", "format_summary", "llm_stats", "load_runs", "plan", "run_one",
           "summarize", "sweep"]
