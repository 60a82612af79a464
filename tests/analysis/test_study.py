"""Distribution, operation impact and rank consistency: synthetic tables for the mechanics,
the real robustness tables for the numbers the paper reports."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from pymoo_arnas.analysis import (
    dataset_consistency,
    metric_consistency,
    metric_summary,
    operation_impact,
    plot_consistency,
    plot_distributions,
    plot_operation_impact,
    plot_rank_matrix,
    plot_top_share,
    rank_matrix,
    top_share,
)
from pymoo_arnas.analysis.operations import cells
from pymoo_arnas.data import synthetic_table
from pymoo_arnas.space import N_CELLS


def test_summary_matches_numpy(toy):
    df = metric_summary(toy)
    # per-severity columns (fog:1 .. fog:5) are left out by default, their mean "fog" kept
    assert df.index.tolist() == [("toy", c) for c in toy.columns if not c.startswith("fog:")]
    clean = toy.column("clean")
    row = df.loc[("toy", "clean")]
    assert row["count"] == 6466
    assert row["mean"] == pytest.approx(clean.mean())
    assert row["50%"] == pytest.approx(np.median(clean))


def test_summary_unknown_metric_lists_columns(toy):
    with pytest.raises(KeyError, match="columns: clean"):
        metric_summary(toy, metrics=["nope"])


def test_operation_impact_counts_every_genome(toy):
    df = operation_impact(toy, "clean")
    assert df.shape[0] == 30
    assert (df.groupby(level="edge")["count"].sum() == N_CELLS).all()
    # the synthetic table rewards 3x3 convolutions
    assert df.loc[("0->1", "nor_conv_3x3"), "mean"] > df.loc[("0->1", "none"), "mean"]
    X, y = cells(toy, "clean", "genome")
    assert df.loc[("2->3", "skip_connect"), "mean"] == pytest.approx(y[X[:, 5] == 1].mean())


def test_operation_impact_by_class_uses_one_row_per_class(toy):
    df = operation_impact(toy, "clean", unit="class")
    assert (df.groupby(level="edge")["count"].sum() == toy.n_rows).all()
    with pytest.raises(ValueError, match="unit"):
        operation_impact(toy, "clean", unit="arch")


def test_top_share_rows_sum_to_one_and_favour_good_ops(toy):
    share = top_share(toy, "clean", top=0.05)
    assert np.allclose(share.sum(axis=1), 1)
    assert (share["nor_conv_3x3"] > share["none"]).all()
    assert share.attrs["n_cells"] >= 0.05 * N_CELLS
    with pytest.raises(ValueError, match="top must be a fraction"):
        top_share(toy, "clean", top=5)


def test_metric_consistency_matches_scipy(toy):
    df = metric_consistency(toy, "clean", top=0.1)
    assert set(df["b"]) == {f"{a}@Linf:{e}" for a in ("fgsm", "pgd") for e in (0.5, 1.0, 8.0)} | {
        "fog"}
    row = df[(df["b"] == "fog") & (df["subset"] == "all")].iloc[0]
    assert row["spearman"] == pytest.approx(
        stats.spearmanr(toy.column("clean"), toy.column("fog")).statistic)
    assert row["kendall"] == pytest.approx(
        stats.kendalltau(toy.column("clean"), toy.column("fog")).statistic)
    top = df[(df["b"] == "fog") & (df["subset"] == "top 10%")].iloc[0]
    assert top["n"] == int((toy.column("clean") >= np.quantile(toy.column("clean"), 0.9)).sum())


def test_dataset_consistency_pairs_tables(toy):
    other = synthetic_table(seed=1, dataset="toy2")
    df = dataset_consistency([toy, other], "clean", top=None)
    assert df[["a", "b", "subset"]].values.tolist() == [["toy", "toy2", "all"]]
    assert 0.5 < df["spearman"].iloc[0] < 1
    with pytest.raises(ValueError, match="at least two"):
        dataset_consistency([toy])


def test_rank_matrix_is_symmetric_with_unit_diagonal(toy):
    m = rank_matrix(toy, method="kendall")
    assert np.allclose(m.values, m.values.T) and np.allclose(np.diag(m.values), 1)


def test_plots_return_figures(toy):
    from matplotlib.figure import Figure

    figs = [plot_distributions([toy, synthetic_table(dataset="b")]), plot_operation_impact(toy),
            plot_top_share(top_share(toy)), plot_rank_matrix(rank_matrix(toy)),
            plot_consistency(metric_consistency(toy))]
    assert all(isinstance(f, Figure) and f.axes for f in figs)


# --- the real tables (Jung et al.): what the paper's benchmark section reports


@pytest.mark.slow
def test_real_tables_rank_consistency(table10, table100):
    df = dataset_consistency([table10, table100], "clean")
    allc = df[df["subset"] == "all"].iloc[0]
    # clean accuracy ranks cells alike on CIFAR-10 and CIFAR-100, far less among the best
    assert allc["spearman"] > 0.9
    assert df[df["subset"] == "top 10%"]["spearman"].iloc[0] < allc["spearman"]
    mc = metric_consistency(table10, "clean")
    assert len(mc) == 2 * (len(mc["b"].unique()))
    assert "pgd@Linf:1.0" in set(mc["b"]) and "fog" in set(mc["b"])


@pytest.mark.slow
def test_real_tables_operation_impact(table10):
    share = top_share(table10, "clean", top=0.05)
    # the best CIFAR-10 cells carry a 3x3 convolution on edge 0->1 far above chance
    assert share.loc["0->1", "nor_conv_3x3"] > 0.4
    imp = operation_impact(table10, "clean")
    assert isinstance(imp, pd.DataFrame) and (imp["count"] == 3125).all()
