"""Rank consistency: does a metric rank cells alike across datasets, and across metrics?

Spearman's rho and Kendall's tau (``scipy.stats``) over the cells two columns share (one
row per isomorphism class, NaN dropped), on all cells and on the best ``top`` fraction of
the *first* column of each pair (the reference: "do the cells that are best on CIFAR-10,
or best clean, keep their order?").

Examples
--------
>>> from pymoo_arnas.analysis import metric_consistency
>>> from pymoo_arnas.data import synthetic_table
>>> df = metric_consistency(synthetic_table(), "clean", top=0.1)
>>> df[["b", "subset", "n"]].head(2).values.tolist()
[['fgsm@Linf:0.5', 'all', 6466], ['fgsm@Linf:0.5', 'top 10%', 647]]
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd
from scipy import stats

from pymoo_arnas.analysis.distribution import as_tables, main_metrics
from pymoo_arnas.data.table import BenchmarkTable


def _pair(a: np.ndarray, b: np.ndarray, top) -> list:
    keep = ~(np.isnan(a) | np.isnan(b))
    a, b = a[keep], b[keep]
    out = []
    subsets = [("all", np.ones(len(a), bool))]
    if top is not None:
        if not (isinstance(top, (int, float)) and 0 < top <= 1):
            raise ValueError(f"top must be a fraction in (0, 1] or None; got {top!r}")
        subsets.append((f"top {top:.0%}", a >= np.quantile(a, 1 - top)))
    for name, m in subsets:
        with warnings.catch_warnings():  # a constant column (e.g. 0% under PGD at 8/255): NaN
            warnings.simplefilter("ignore", stats.ConstantInputWarning)
            rho = stats.spearmanr(a[m], b[m]).statistic if m.sum() > 2 else np.nan
            tau = stats.kendalltau(a[m], b[m]).statistic if m.sum() > 2 else np.nan
        out.append((name, int(m.sum()), float(rho), float(tau)))
    return out


def dataset_consistency(tables, metric: str = "clean", top: float | None = 0.1) -> pd.DataFrame:
    """Rank agreement of ``metric`` between every pair of datasets.

    Cells are matched by genome code of their uid, so tables with different uid schemes
    still pair up; a pair uses the classes both tables hold.

    Parameters
    ----------
    tables : iterable of BenchmarkTable
        At least two (e.g. CIFAR-10, CIFAR-100, ImageNet16-120).
    metric : str
        A column every table has.
    top : float or None
        Also report the best ``top`` fraction of the first table of each pair.

    Returns
    -------
    DataFrame
        Columns ``a, b, metric, subset, n, spearman, kendall``; one row per pair and subset.
    """
    tables = as_tables(tables)
    if len(tables) < 2:
        raise ValueError(f"dataset_consistency needs at least two tables; got {len(tables)}")
    rows = []
    for ta, tb in itertools.combinations(tables, 2):
        # align by class: the row of tb holding each row of ta's class
        codes = ta.index.index_to_code[ta.uids]
        a, b = ta.column(metric), tb.column(metric)[tb.code_to_row[codes]]
        for subset, n, rho, tau in _pair(a, b, top):
            rows.append((ta.dataset, tb.dataset, metric, subset, n, rho, tau))
    return pd.DataFrame(rows, columns=["a", "b", "metric", "subset", "n", "spearman", "kendall"])


def metric_consistency(table: BenchmarkTable, reference: str = "clean", metrics=None,
                       top: float | None = 0.1) -> pd.DataFrame:
    """Rank agreement of ``reference`` with every other metric of one table.

    Parameters
    ----------
    table : BenchmarkTable
    reference : str
        The column ranked against the others (default clean accuracy).
    metrics : list of str, optional
        Default: every attack at every epsilon and each corruption's mean.
    top : float or None
        Also report the best ``top`` fraction by ``reference``.

    Returns
    -------
    DataFrame
        Columns ``dataset, a, b, subset, n, spearman, kendall``.
    """
    metrics = [m for m in (main_metrics(table) if metrics is None else metrics) if m != reference]
    ref = table.column(reference)
    rows = []
    for m in metrics:
        for subset, n, rho, tau in _pair(ref, table.column(m), top):
            rows.append((table.dataset, reference, m, subset, n, rho, tau))
    return pd.DataFrame(rows, columns=["dataset", "a", "b", "subset", "n", "spearman", "kendall"])


def rank_matrix(table: BenchmarkTable, metrics=None, method: str = "spearman") -> pd.DataFrame:
    """Pairwise rank correlation (``"spearman"`` or ``"kendall"``) between metrics of one table."""
    if method not in ("spearman", "kendall"):
        raise ValueError(f"method must be 'spearman' or 'kendall'; got {method!r}")
    metrics = main_metrics(table) if metrics is None else list(metrics)
    df = pd.DataFrame({m: table.column(m) for m in metrics})
    return df.corr(method=method)


def plot_rank_matrix(matrix: pd.DataFrame, title: str = "", ax=None):
    """Heatmap of a :func:`rank_matrix`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure

    if ax is None:
        n = len(matrix)
        fig = Figure(figsize=(3 + 0.3 * n, 2.5 + 0.3 * n), layout="constrained")
        ax = fig.subplots()
    else:
        fig = ax.figure
    im = ax.imshow(matrix.values, vmin=-1, vmax=1, cmap="RdBu_r")
    ax.set_xticks(range(matrix.shape[1]), matrix.columns, rotation=80, fontsize=6)
    ax.set_yticks(range(matrix.shape[0]), matrix.index, fontsize=6)
    ax.set_title(title, fontsize=9)
    fig.colorbar(im, ax=ax, label="rank correlation")
    return fig


def plot_consistency(df: pd.DataFrame, title: str = ""):
    """Bar chart of a :func:`metric_consistency` table (Spearman per metric and subset).

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure

    piv = df.pivot_table(index="b", columns="subset", values="spearman", sort=False)
    fig = Figure(figsize=(max(6, 0.3 * len(piv) + 2), 3.6), layout="constrained")
    ax = fig.subplots()
    width = 0.8 / piv.shape[1]
    x = np.arange(len(piv))
    for k, col in enumerate(piv.columns):
        ax.bar(x + k * width, piv[col].values, width, label=col)
    ax.set_xticks(x + 0.4 - width / 2, piv.index, rotation=70, fontsize=7)
    ax.set_ylabel(f"Spearman vs {df['a'].iloc[0]}")
    ax.axhline(0, color="black", lw=0.5)
    ax.legend(fontsize=8)
    ax.set_title(title, fontsize=9)
    return fig


__all__ = ["dataset_consistency", "metric_consistency", "rank_matrix", "plot_rank_matrix",
           "plot_consistency"]
