"""The seed paper's protocol (Zhong et al., 2024, LLMO) and its published numbers.

Protocol: 10 single-objective problems (clean accuracy and each of four attacks at
epsilon 1.0, CIFAR-10 and CIFAR-100), 3,000 fitness evaluations, population 30, 30 runs;
reported as the mean best accuracy (Table III). Our runs count evaluations the same way
(duplicates included, ``mode="evals"``); for algorithms that never repeat a cell
(``nsga2-cat``, ``random``, ``llmo``) evaluations and unique queries are the same.

Examples
--------
>>> TABLE3["cifar10/pgd"]["LLMO"]
58.6
>>> best_table3("cifar100/square")
('PSO', 39.66)
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from pymoo_arnas.experiments.problems import LLMO_FILES, SUITES, parse_problem

TABLE3_ALGORITHMS = ("GA", "PSO", "DE", "CMA-ES", "JADE", "SHADE", "LLMO")

_T3 = {
    "cifar10/clean": (94.14, 94.34, 94.26, 94.33, 94.42, 94.33, 94.44),
    "cifar10/fgsm": (66.70, 68.07, 67.88, 67.62, 68.00, 67.76, 68.35),
    "cifar10/pgd": (57.01, 58.37, 58.04, 58.32, 58.42, 58.46, 58.60),
    "cifar10/apgd": (52.91, 53.43, 52.86, 53.25, 53.50, 53.49, 53.47),
    "cifar10/square": (70.78, 72.56, 71.65, 71.37, 72.24, 72.00, 72.17),
    "cifar100/clean": (72.42, 73.23, 72.73, 73.13, 73.17, 73.33, 73.33),
    "cifar100/fgsm": (27.99, 28.68, 28.11, 28.42, 28.48, 28.50, 28.78),
    "cifar100/pgd": (28.39, 28.76, 28.73, 28.63, 28.80, 28.80, 28.67),
    "cifar100/apgd": (25.80, 25.98, 25.92, 25.93, 25.90, 26.02, 25.94),
    "cifar100/square": (37.21, 39.66, 37.20, 38.64, 38.74, 38.88, 38.66),
}

TABLE3 = {p: dict(zip(TABLE3_ALGORITHMS, v)) for p, v in _T3.items()}
"""Problem -> algorithm -> mean best accuracy in % after 3,000 evaluations (paper's Table III)."""

TABLE3_REGISTRY = {"GA": "ga", "PSO": "pso", "DE": "de", "CMA-ES": "cmaes", "JADE": "jade",
                   "SHADE": "shade", "LLMO": "llmo"}
"""Table III row -> the registered algorithm with the paper's settings (``llmo`` needs an
LLM client)."""

PAPER_ALGORITHMS = ("ga", "pso", "de", "cmaes", "jade", "shade", "random", "nsga2-cat")
"""What ``arnas paper`` runs by default: every Table III row without an LLM, and ours."""

OPTIMA = {
    "cifar10/clean": 94.6, "cifar10/fgsm": 69.2, "cifar10/pgd": 58.8, "cifar10/apgd": 54.0,
    "cifar10/square": 73.6, "cifar100/clean": 73.6, "cifar100/fgsm": 29.4, "cifar100/pgd": 29.8,
    "cifar100/apgd": 26.3, "cifar100/square": 40.4,
}
"""The tables' optima in % (the paper's Table I, epsilon 1.0)."""

PAPER_PROBLEMS = SUITES["paper"]
PAPER_EVALS = 3000
PAPER_POP = 30
PAPER_RUNS = 30


def best_table3(problem: str) -> tuple:
    """The best Table III entry of a problem: ``(algorithm, accuracy in %)``."""
    row = TABLE3[problem]
    name = max(row, key=row.get)
    return name, row[name]


def llmo_dir(path=None) -> Path:
    """The folder of the LLMO paper's per-run curves (``llmo-results``).

    Looked for at ``path``, ``$ARNAS_LLMO_RESULTS``, then beside the robustness dataset
    (``shared/data/llmo-results``).

    Raises
    ------
    FileNotFoundError
        If none holds it.
    """
    tried = []
    for cand in (path, os.environ.get("ARNAS_LLMO_RESULTS")):
        if cand:
            tried.append(Path(cand))
    try:
        from pymoo_arnas.data import find_data_dir

        tried.append(find_data_dir().parent / "llmo-results")
    except Exception:  # noqa: BLE001 - the data may be elsewhere
        pass
    for start in (Path.cwd(), *Path.cwd().parents):
        tried.append(start / "shared" / "data" / "llmo-results")
    for p in tried:
        if p.is_dir():
            return p
    raise FileNotFoundError(
        "the LLMO results (llmo-results/) were not found; looked at: "
        + ", ".join(str(p) for p in tried[:4])
        + "; set ARNAS_LLMO_RESULTS to the folder"
    )


def llmo_curves(problem: str, path=None) -> np.ndarray:
    """The paper's LLMO best-so-far curves of a problem, ``(10 runs, 2999 evaluations)``,
    in accuracy fractions."""
    dataset, objectives = parse_problem(problem)
    if len(objectives) != 1 or objectives[0] not in LLMO_FILES:
        raise ValueError(
            f"the paper has curves for {', '.join(PAPER_PROBLEMS)}; not for {problem!r}"
        )
    f = llmo_dir(path) / f"{dataset}_{LLMO_FILES[objectives[0]]}.csv"
    return np.loadtxt(f, delimiter=",", ndmin=2)


def best_by_eval(runs: pd.DataFrame, evals: int) -> pd.DataFrame:
    """Best accuracy after each evaluation ``1..evals`` per run: rows ``(problem,
    algorithm, seed)``, columns ``1..evals``; computed from the runs' archives (``n_evals``
    is when each cell was first evaluated; repeats cannot raise the best)."""
    out = {}
    grid = np.arange(1, evals + 1)
    for key, r in runs.groupby(["problem", "algorithm", "seed"], sort=False):
        pos = r["n_evals"].to_numpy()
        best = np.maximum.accumulate(r["best"].to_numpy())
        idx = np.searchsorted(pos, grid, side="right") - 1
        out[key] = np.where(idx >= 0, best[np.maximum(idx, 0)], np.nan)
    df = pd.DataFrame.from_dict(out, orient="index", columns=grid)
    df.index = pd.MultiIndex.from_tuples(df.index, names=["problem", "algorithm", "seed"])
    return df


def compare_table3(runs: pd.DataFrame, evals=(300, 3000)) -> pd.DataFrame:
    """Our mean best accuracy (%) per problem and algorithm at each of ``evals`` beside
    Table III and the optimum.

    Returns one row per problem: ``<algorithm>@<evals>`` columns, the paper's columns
    (``paper <name>``), ``paper best``, ``optimum``.
    """
    evals = sorted({int(e) for e in evals})
    curves = best_by_eval(runs, max(evals))
    rows = []
    for problem in dict.fromkeys(runs["problem"]):
        row = {"problem": problem}
        sub = curves.xs(problem, level="problem")
        for algo in dict.fromkeys(sub.index.get_level_values("algorithm")):
            c = sub.xs(algo, level="algorithm")
            for e in evals:
                row[f"{algo}@{e}"] = 100 * np.nanmean(c[e].to_numpy())
        for name, v in TABLE3.get(problem, {}).items():
            row[f"paper {name}"] = v
        if problem in TABLE3:
            row["paper best"] = best_table3(problem)[1]
            row["optimum"] = OPTIMA[problem]
        rows.append(row)
    return pd.DataFrame(rows).set_index("problem")


def format_llm(runs: pd.DataFrame) -> str:
    """How the runs that asked an LLM used it, one line per algorithm (empty if none did).

    Each line gives the mean share of a run's evaluated cells that came from the LLM (the
    rest came from the algorithm's fallback), and the failed LLM calls and fallback cells per
    run, over the runs of every problem (:func:`~pymoo_arnas.experiments.runner.llm_stats`).
    """
    from pymoo_arnas.experiments.runner import llm_stats

    stats = llm_stats(runs)
    lines = []
    for algo, s in stats.groupby("algorithm", sort=False):
        lines.append(f"{algo}: {100 * s['llm_share'].mean():.0f}% of the evaluated cells came "
                     f"from the LLM (mean of {len(s)} run{'s' * (len(s) != 1)}); per run "
                     f"{s['llm_calls'].mean():.1f} LLM calls, {s['llm_failed_calls'].mean():.1f} "
                     f"failed, {s['llm_fallback'].mean():.1f} cells from the fallback")
    return "\n".join(lines)


def format_comparison(table: pd.DataFrame) -> str:
    """A readable rendering of :func:`compare_table3` (accuracies in %)."""
    with pd.option_context("display.width", 250, "display.max_columns", 40,
                           "display.float_format", "{:.2f}".format):
        return table.to_string()


__all__ = ["OPTIMA", "PAPER_EVALS", "PAPER_POP", "PAPER_PROBLEMS", "PAPER_RUNS", "TABLE3",
           "best_by_eval", "best_table3", "compare_table3", "format_comparison", "format_llm",
           "llmo_curves", "llmo_dir"]
