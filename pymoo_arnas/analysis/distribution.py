"""Distribution of every metric of benchmark tables: summary statistics and boxplots.

Each table row is one isomorphism class (the benchmark's unit); statistics are over rows.

Examples
--------
>>> from pymoo_arnas.analysis import metric_summary
>>> from pymoo_arnas.data import synthetic_table
>>> df = metric_summary([synthetic_table()], metrics=["clean"])
>>> list(df.columns)[:4]
['count', 'mean', 'std', 'min']
>>> df.index.tolist()
[('synthetic', 'clean')]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pymoo_arnas.data.table import BenchmarkTable


def as_tables(tables) -> list:
    """One table or an iterable of tables -> a list of :class:`BenchmarkTable`."""
    if isinstance(tables, BenchmarkTable):
        return [tables]
    tables = list(tables)
    for t in tables:
        if not isinstance(t, BenchmarkTable):
            raise TypeError(f"expected BenchmarkTable objects; got {type(t).__name__}")
    if not tables:
        raise ValueError("no tables given")
    return tables


def main_metrics(table: BenchmarkTable) -> list:
    """The headline columns: clean, every attack at every epsilon, and each corruption's
    mean over severities (per-severity columns ``name:k`` of corruptions left out)."""
    return [c for c in table.columns if ":" not in c or c.split(":")[0] in table.epsilons]


def _resolve(table: BenchmarkTable, metrics) -> list:
    if metrics is None:
        return main_metrics(table)
    if isinstance(metrics, str):
        metrics = [metrics]
    for m in metrics:
        table.column_index(m)  # KeyError listing the columns
    return list(metrics)


def metric_summary(tables, metrics=None, percentiles=(0.25, 0.5, 0.75)) -> pd.DataFrame:
    """Count, mean, std, min, percentiles and max of each metric over the table's cells.

    Parameters
    ----------
    tables : BenchmarkTable or iterable of them
    metrics : list of str, optional
        Columns (default :func:`main_metrics` of each table); a table lacking one raises
        KeyError listing its columns.
    percentiles : tuple of float

    Returns
    -------
    DataFrame
        Index ``(dataset, metric)``; columns ``count, mean, std, min, <percentiles>, max``.
    """
    frames = []
    for t in as_tables(tables):
        cols = _resolve(t, metrics)
        df = pd.DataFrame(t.values[:, [t.column_index(c) for c in cols]], columns=cols)
        s = df.describe(percentiles=list(percentiles)).T
        s.index = pd.MultiIndex.from_product([[t.dataset], cols], names=["dataset", "metric"])
        frames.append(s)
    return pd.concat(frames)


def plot_distributions(tables, metrics=None, ncols: int = 1, figsize=None):
    """Boxplots of each metric, one panel per dataset.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure

    tables = as_tables(tables)
    n = len(tables)
    nrows = int(np.ceil(n / ncols))
    cols0 = _resolve(tables[0], metrics)
    fig = Figure(figsize=figsize or (max(6, 0.35 * len(cols0) + 2) * ncols, 3.6 * nrows),
                 layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, t in zip(axes, tables):
        cols = _resolve(t, metrics)
        data = [v[~np.isnan(v)] for v in (t.column(c) for c in cols)]
        ax.boxplot(data, showfliers=False)
        ax.set_xticks(range(1, len(cols) + 1), cols, rotation=70, fontsize=7)
        ax.set_ylabel("accuracy")
        ax.set_ylim(0, 1)
        ax.set_title(f"{t.dataset} ({t.source}, {t.n_rows} cells)")
        ax.grid(axis="y", alpha=0.3)
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig


__all__ = ["metric_summary", "plot_distributions", "main_metrics", "as_tables"]
