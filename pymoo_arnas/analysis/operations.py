"""Operation impact: how each operation on each edge relates to a metric.

**Unit: genomes.** Every one of the 15,625 genomes counts once, with the metric of its
isomorphism class (``table.code_to_row``). This is the search space a NAS algorithm
samples, and it is the only unit in which "the operation on edge *e*" is well defined: a
class has many genomes, which differ in the operations on edges that no path uses, and
the class representative (the smallest genome code) would put ``none`` on each of those
edges and bias every statistic towards ``none``. ``unit="class"`` counts each class once
with its representative's operations, for comparison.

Examples
--------
>>> from pymoo_arnas.analysis import operation_impact, top_share
>>> from pymoo_arnas.data import synthetic_table
>>> t = synthetic_table()
>>> df = operation_impact(t, "clean")
>>> int(df.loc[("0->1", "nor_conv_3x3"), "count"])
3125
>>> share = top_share(t, "clean", top=0.05)
>>> share.shape, bool(abs(share.sum(axis=1) - 1).max() < 1e-12)
((6, 5), True)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pymoo_arnas.data.table import BenchmarkTable
from pymoo_arnas.space import EDGES, OPS, all_genomes

EDGE_NAMES = tuple(f"{s}->{d}" for s, d in EDGES)
"""Edge labels in genome order: ``"0->1", "0->2", "1->2", "0->3", "1->3", "2->3"``."""


def _check_top(top) -> float:
    if not (isinstance(top, (int, float)) and 0 < top <= 1):
        raise ValueError(f"top must be a fraction in (0, 1] (0.05 = the best 5%); got {top!r}")
    return float(top)


def cells(table: BenchmarkTable, metric: str, unit: str = "genome"):
    """Genomes ``(n, 6)`` and their metric values ``(n,)`` for the chosen unit (NaN dropped).

    ``unit="genome"``: all 15,625 genomes, each with its class's value; ``unit="class"``: one
    row per table row with the representative genome.
    """
    col = table.column(metric)
    if unit == "genome":
        X, y = all_genomes(), col[table.code_to_row]
    elif unit == "class":
        X, y = table.genomes(), col
    else:
        raise ValueError(f"unit must be 'genome' or 'class'; got {unit!r}")
    keep = ~np.isnan(y)
    return X[keep], y[keep]


def operation_impact(table: BenchmarkTable, metric: str = "clean",
                     unit: str = "genome") -> pd.DataFrame:
    """Distribution of ``metric`` over the cells carrying each operation on each edge.

    Returns
    -------
    DataFrame
        Index ``(edge, op)`` (30 rows); columns ``count, mean, std, min, 25%, 50%, 75%, max``.
    """
    X, y = cells(table, metric, unit)
    rows = []
    for e, edge in enumerate(EDGE_NAMES):
        for o, op in enumerate(OPS):
            v = y[X[:, e] == o]
            q = np.percentile(v, [0, 25, 50, 75, 100]) if len(v) else [np.nan] * 5
            rows.append((edge, op, len(v), v.mean() if len(v) else np.nan,
                         v.std(ddof=1) if len(v) > 1 else np.nan, *q))
    df = pd.DataFrame(rows, columns=["edge", "op", "count", "mean", "std", "min", "25%", "50%",
                                     "75%", "max"])
    return df.set_index(["edge", "op"])


def top_share(table: BenchmarkTable, metric: str = "clean", top: float = 0.05,
              unit: str = "genome") -> pd.DataFrame:
    """Share of each operation on each edge among the best ``top`` fraction of cells.

    The best cells are those with ``metric`` at or above its ``1 - top`` quantile. Under
    uniform sampling every share would be 0.2 (genome unit).

    Returns
    -------
    DataFrame
        Edges (rows) x operations (columns); each row sums to 1.
    """
    top = _check_top(top)
    X, y = cells(table, metric, unit)
    best = X[y >= np.quantile(y, 1 - top)]
    counts = np.stack([np.bincount(best[:, e], minlength=len(OPS)) for e in range(len(EDGES))])
    df = pd.DataFrame(counts / len(best), index=pd.Index(EDGE_NAMES, name="edge"),
                      columns=pd.Index(OPS, name="op"))
    df.attrs.update(metric=metric, top=top, unit=unit, n_cells=len(best))
    return df


def plot_operation_impact(table: BenchmarkTable, metric: str = "clean", unit: str = "genome"):
    """Boxplots of ``metric`` per operation, one panel per edge.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure

    X, y = cells(table, metric, unit)
    fig = Figure(figsize=(13, 3.4), layout="constrained")
    axes = fig.subplots(1, len(EDGES), sharey=True)
    for e, ax in enumerate(axes):
        ax.boxplot([y[X[:, e] == o] for o in range(len(OPS))], showfliers=False)
        ax.set_xticks(range(1, len(OPS) + 1), [op.replace("nor_", "") for op in OPS],
                      rotation=60, fontsize=7)
        ax.set_title(f"edge {EDGE_NAMES[e]}")
        ax.grid(axis="y", alpha=0.3)
    axes[0].set_ylabel(metric)
    fig.suptitle(f"{table.dataset}: {metric} by operation on each edge ({unit}s)")
    return fig


def plot_top_share(share: pd.DataFrame, ax=None):
    """Heatmap of a :func:`top_share` table (edges x operations).

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure

    if ax is None:
        fig = Figure(figsize=(5.2, 3.4), layout="constrained")
        ax = fig.subplots()
    else:
        fig = ax.figure
    im = ax.imshow(share.values, vmin=0, vmax=1, cmap="viridis")
    ax.set_xticks(range(share.shape[1]), [c.replace("nor_", "") for c in share.columns],
                  rotation=30)
    ax.set_yticks(range(share.shape[0]), share.index)
    for (i, j), v in np.ndenumerate(share.values):
        ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=7,
                color="black" if v > 0.5 else "white")
    a = share.attrs
    if a:
        ax.set_title(f"top {a['top']:.0%} by {a['metric']} ({a['n_cells']} {a['unit']}s)",
                     fontsize=9)
    fig.colorbar(im, ax=ax, label="share")
    return fig


__all__ = ["EDGE_NAMES", "cells", "operation_impact", "top_share", "plot_operation_impact",
           "plot_top_share"]
