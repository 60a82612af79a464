"""The seed paper's check: rank correlation of training-free scores with accuracies.

Spearman's rho of every feature (the shipped scores of :func:`load_scores` and the cost
``params`` / ``flops`` of the network) with every metric (clean, each attack at each
epsilon, each corruption), per dataset, one row per isomorphism class.

Cost of a class is the cost of its representative genome (the smallest code of the
class: ``none`` on every edge no path uses, the cheapest network computing the function),
with the dataset's classifier (10 / 100 / 120 outputs) and input size.

Examples
--------
>>> from pymoo_arnas.analysis import score_correlation
>>> from pymoo_arnas.data import synthetic_table
>>> df = score_correlation(synthetic_table(), metrics=["clean"])
>>> bool(df.loc[("synthetic", "params"), "clean"] > 0.5)
True
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from pymoo_arnas.analysis.distribution import as_tables, main_metrics
from pymoo_arnas.analysis.scores import align_to_table, load_scores
from pymoo_arnas.cost import flops, params
from pymoo_arnas.data.table import BenchmarkTable
from pymoo_arnas.space import representative

N_CLASSES = {"cifar10": 10, "cifar100": 100, "ImageNet16-120": 120}
INPUT_SIZE = {"ImageNet16-120": 16}


def cost_features(table: BenchmarkTable, C: int = 16, N: int = 5) -> pd.DataFrame:
    """``params`` and ``flops`` of each row's class representative, indexed by uid."""
    X = representative(table.genomes())
    n_classes = N_CLASSES.get(table.dataset, 10)
    size = INPUT_SIZE.get(table.dataset, 32)
    return pd.DataFrame({"params": params(X, C, N, n_classes),
                         "flops": flops(X, C, N, n_classes, size)},
                        index=pd.Index(table.uids, name="uid"))


def features(table: BenchmarkTable, scores: pd.DataFrame | None = None,
             cost: bool = True) -> pd.DataFrame:
    """Scores (default :func:`load_scores`) and cost of each row of ``table``, by uid."""
    scores = load_scores() if scores is None else scores
    out = align_to_table(scores, table)
    if cost:
        out = out.join(cost_features(table))
    return out


def score_correlation(tables, scores: pd.DataFrame | None = None, metrics=None,
                      cost: bool = True) -> pd.DataFrame:
    """Spearman correlation of every feature with every metric, per dataset.

    Parameters
    ----------
    tables : BenchmarkTable or iterable of them
    scores : DataFrame, optional
        Features with a ``code`` column (default the shipped :func:`load_scores`).
    metrics : list of str, optional
        Default :func:`main_metrics` of each table.
    cost : bool
        Add ``params`` and ``flops``.

    Returns
    -------
    DataFrame
        Index ``(dataset, feature)``; one column per metric (union over tables, NaN where a
        table lacks one).
    """
    frames = []
    for t in as_tables(tables):
        F = features(t, scores, cost)
        cols = main_metrics(t) if metrics is None else list(metrics)
        M = np.column_stack([t.column(c) for c in cols])
        rho = np.full((F.shape[1], len(cols)), np.nan)
        for i, f in enumerate(F.columns):
            x = F[f].to_numpy(float)
            for j in range(len(cols)):
                y = M[:, j]
                ok = ~(np.isnan(x) | np.isnan(y))
                if ok.sum() > 2:
                    with warnings.catch_warnings():  # a constant column: NaN
                        warnings.simplefilter("ignore", stats.ConstantInputWarning)
                        rho[i, j] = stats.spearmanr(x[ok], y[ok]).statistic
        idx = pd.MultiIndex.from_product([[t.dataset], F.columns], names=["dataset", "feature"])
        frames.append(pd.DataFrame(rho, index=idx, columns=cols))
    return pd.concat(frames)


def plot_score_correlation(corr: pd.DataFrame):
    """Heatmaps of a :func:`score_correlation` table, one panel per dataset.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure

    datasets = corr.index.get_level_values(0).unique()
    n_feat = len(corr.loc[datasets[0]])
    fig = Figure(figsize=(max(7, 0.28 * corr.shape[1] + 3), (0.3 * n_feat + 1.6) * len(datasets)),
                 layout="constrained")
    axes = np.atleast_1d(fig.subplots(len(datasets), 1))
    for ax, d in zip(axes, datasets):
        sub = corr.loc[d].dropna(axis=1, how="all")
        im = ax.imshow(sub.values, vmin=-1, vmax=1, cmap="RdBu_r", aspect="auto")
        ax.set_xticks(range(sub.shape[1]), sub.columns, rotation=80, fontsize=6)
        ax.set_yticks(range(sub.shape[0]), sub.index, fontsize=7)
        ax.set_title(f"{d}: Spearman rho of feature vs metric", fontsize=9)
        fig.colorbar(im, ax=ax)
    return fig


__all__ = ["cost_features", "features", "score_correlation", "plot_score_correlation",
           "N_CLASSES"]
