"""Matplotlib figures (PNG, Agg backend) of sweeps and fronts.

- :func:`plot_convergence`: a metric (``nhv``, ``share``, ``igd_plus``, ``best``) vs unique
  queries, one panel per problem, one line per algorithm (mean over seeds, shaded
  +- one standard deviation);
- :func:`plot_front`: the exact front of a problem and the non-dominated cells one run found;
- :func:`plot_paper`: best accuracy vs evaluations beside the LLMO paper's published curves.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

_LABELS = {"nhv": "normalised hypervolume", "share": "share of exact front found",
           "igd_plus": "IGD+", "best": "best accuracy", "gap": "gap to optimum"}


def _grid(n: int):
    cols = min(4, max(n, 1))
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3.2 * rows), squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, axes.flat


def _save(fig, path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def convergence_stats(runs: pd.DataFrame, metric: str, x: str = "n_unique") -> pd.DataFrame:
    """Mean and standard deviation over seeds of ``metric`` at every ``x`` (runs padded
    with their last value), per problem and algorithm."""
    out = []
    for (problem, algo), g in runs.groupby(["problem", "algorithm"], sort=False):
        n = int(g[x].max())
        grid = np.arange(1, n + 1)
        curves = []
        for _, r in g.groupby("seed"):
            pos = r[x].to_numpy()
            idx = np.searchsorted(pos, grid, side="right") - 1
            vals = r[metric].to_numpy(dtype=float)
            curves.append(np.where(idx >= 0, vals[np.maximum(idx, 0)], np.nan))
        C = np.array(curves)
        out.append(pd.DataFrame({"problem": problem, "algorithm": algo, x: grid,
                                 "mean": np.nanmean(C, axis=0), "std": np.nanstd(C, axis=0),
                                 "n_seeds": len(C)}))
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame()


def plot_convergence(runs: pd.DataFrame, metric: str = "nhv", path="convergence.png",
                     x: str = "n_unique") -> Path:
    """One panel per problem: ``metric`` vs unique queries, mean +- std over seeds."""
    if metric not in runs:
        raise ValueError(f"metric {metric!r} is not in the runs; choose one of "
                         f"{', '.join(m for m in _LABELS if m in runs)}")
    stats = convergence_stats(runs.dropna(subset=[metric]), metric, x)
    problems = list(dict.fromkeys(stats["problem"]))
    fig, axes = _grid(len(problems))
    for ax, problem in zip(axes, problems):
        for algo, g in stats[stats["problem"] == problem].groupby("algorithm", sort=False):
            line, = ax.plot(g[x], g["mean"], label=f"{algo} ({g['n_seeds'].iloc[0]})")
            lo, hi = g["mean"] - g["std"], g["mean"] + g["std"]
            if metric in ("nhv", "share"):
                lo, hi = lo.clip(0, 1), hi.clip(0, 1)
            ax.fill_between(g[x], lo, hi, color=line.get_color(), alpha=0.2, lw=0)
        ax.set_title(problem, fontsize=10)
        ax.set_xlabel("unique queries" if x == "n_unique" else "evaluations")
        ax.set_ylabel(_LABELS.get(metric, metric))
        ax.grid(alpha=0.3)
    if problems:
        next(iter(fig.axes)).legend(fontsize=7)
    return _save(fig, path)


def axis_label(problem, j: int) -> str:
    """What objective ``j`` of ``problem`` is, for an axis: ``"clean accuracy"``,
    ``"params (minimised)"``, ``"synflow (maximised)"``.

    >>> from pymoo_arnas.problems import ARNAS
    >>> p = ARNAS("cifar10", ("clean", "params"))
    >>> axis_label(p, 0), axis_label(p, 1)
    ('clean accuracy', 'params (minimised)')
    """
    col = problem.columns[j]
    if problem.is_cost[j]:  # costs, and scores minimised as they are
        return f"{col} (minimised)"
    if problem.is_maximized[j]:
        return f"{col} (maximised)"
    return f"{col} accuracy"


def plot_front(problem, archive: pd.DataFrame | None = None, path="front.png",
               label: str = "found") -> Path:
    """The exact front of a two-objective ARNAS problem and the non-dominated cells of
    ``archive`` (default ``problem.query_log``), in the problem's own values: accuracies, and
    costs (``params``, ``flops``) or training-free scores as they are.

    The axes say what each value is (:func:`axis_label`); the view is cut just past the
    exact front on each objective's worse side."""
    from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

    if problem.n_obj != 2:
        raise ValueError(f"plot_front draws two objectives; the problem has {problem.n_obj}")
    cols = list(problem.columns)
    exact = problem.exact_front()
    archive = problem.query_log if archive is None else archive
    fig, ax = plt.subplots(figsize=(5, 4))
    A = archive[cols].to_numpy(dtype=float)
    ax.scatter(A[:, 0], A[:, 1], s=6, c="0.75", label=f"queried ({len(A)})")
    if len(A):
        nd = NonDominatedSorting().do(problem.errors(A), only_non_dominated_front=True)
        ax.scatter(A[nd, 0], A[nd, 1], s=30, marker="s", facecolors="none",
                   edgecolors="tab:blue", label=f"{label} front ({len(nd)})")
    ax.scatter(exact[cols[0]], exact[cols[1]], s=14, c="tab:red",
               label=f"exact front ({len(exact)})")
    E = exact[cols].to_numpy(dtype=float)
    lims = []
    for j in range(2):  # cut the view a little past the front's worst value of each objective
        lo, hi = E[:, j].min(), E[:, j].max()
        accuracy = bool(problem.is_accuracy[j])
        margin = 0.03 if accuracy else 0.1 * ((hi - lo) or abs(hi) or 1.0)
        worse_is_low = problem.is_maximized[j] or accuracy
        lims.append({"left" if j == 0 else "bottom": lo - margin} if worse_is_low
                    else {"right" if j == 0 else "top": hi + margin})
    ax.set_xlim(**lims[0])
    ax.set_ylim(**lims[1])
    ax.set_xlabel(axis_label(problem, 0))
    ax.set_ylabel(axis_label(problem, 1))
    ax.set_title(repr(problem), fontsize=8)
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    return _save(fig, path)


def plot_paper(runs: pd.DataFrame, path="paper.png", evals: int = 3000, llmo_path=None) -> Path:
    """Best accuracy (%) vs evaluations per problem: our algorithms (mean +- std over runs)
    and the LLMO paper's published curves (mean +- std of its 10 runs, dashed)."""
    from pymoo_arnas.experiments.paper import OPTIMA, best_by_eval, llmo_curves

    curves = best_by_eval(runs, evals)
    problems = list(dict.fromkeys(runs["problem"]))
    fig, axes = _grid(len(problems))
    grid = np.arange(1, evals + 1)
    for ax, problem in zip(axes, problems):
        sub = curves.xs(problem, level="problem")
        for algo in dict.fromkeys(sub.index.get_level_values("algorithm")):
            C = 100 * sub.xs(algo, level="algorithm").to_numpy()
            m, s = np.nanmean(C, axis=0), np.nanstd(C, axis=0)
            line, = ax.plot(grid, m, label=f"{algo} ({len(C)})")
            ax.fill_between(grid, m - s, m + s, color=line.get_color(), alpha=0.15, lw=0)
        try:
            L = 100 * llmo_curves(problem, llmo_path)
            g = np.arange(1, L.shape[1] + 1)
            m, s = L.mean(axis=0), L.std(axis=0)
            ax.plot(g, m, "k--", label=f"LLMO paper ({len(L)})")
            ax.fill_between(g, m - s, m + s, color="k", alpha=0.08, lw=0)
        except (FileNotFoundError, ValueError):
            pass
        if problem in OPTIMA:
            ax.axhline(OPTIMA[problem], color="tab:red", lw=0.8, ls=":", label="optimum")
        ax.set_xscale("log")
        ax.set_title(problem, fontsize=10)
        ax.set_xlabel("evaluations")
        ax.set_ylabel("best accuracy %")
        ax.grid(alpha=0.3)
    if problems:
        next(iter(fig.axes)).legend(fontsize=7)
    return _save(fig, path)


__all__ = ["axis_label", "convergence_stats", "plot_convergence", "plot_front", "plot_paper"]
