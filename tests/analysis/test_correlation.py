"""Score / cost correlation with accuracies, and the shipped score table."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from pymoo_arnas.analysis import (
    align_to_table,
    cost_features,
    load_scores,
    plot_score_correlation,
    score_correlation,
)
from pymoo_arnas.data import synthetic_table
from pymoo_arnas.cost import params
from pymoo_arnas.space import class_of_code, representative, representative_codes


@pytest.fixture(scope="module")
def fake_scores():
    """Scores keyed by representative code, in shuffled order, one class missing."""
    codes = np.random.default_rng(0).permutation(representative_codes())[:-1]
    return pd.DataFrame({"code": codes, "score": np.cos(codes), "neg": -codes.astype(float)})


def test_align_matches_rows_by_class(toy, fake_scores):
    aligned = align_to_table(fake_scores, toy)
    assert aligned.index.tolist() == toy.uids.tolist()
    assert aligned["score"].isna().sum() == 1
    row_codes = toy.index.index_to_code[toy.uids]
    pos = {int(class_of_code()[c]): i for i, c in enumerate(fake_scores["code"])}
    for r in (0, 100, 5000):
        i = pos.get(int(class_of_code()[row_codes[r]]))
        if i is not None:
            assert aligned["score"].iloc[r] == fake_scores["score"].iloc[i]
    with pytest.raises(ValueError, match="code"):
        align_to_table(fake_scores.drop(columns="code"), toy)


def test_score_correlation_matches_scipy(toy, fake_scores):
    corr = score_correlation(toy, fake_scores, metrics=["clean", "fog"])
    assert corr.index.tolist() == [("toy", f) for f in ("score", "neg", "params", "flops")]
    x = align_to_table(fake_scores, toy)["score"].to_numpy()
    ok = ~np.isnan(x)
    expected = stats.spearmanr(x[ok], toy.column("fog")[ok]).statistic
    assert corr.loc[("toy", "score"), "fog"] == pytest.approx(expected)
    # params rewards convolutions, and so does the synthetic clean accuracy
    assert corr.loc[("toy", "params"), "clean"] > 0.5


def test_cost_features_use_the_class_representative(toy):
    c = cost_features(toy)
    assert c["params"].tolist() == params(representative(toy.genomes())).tolist()
    assert (c["flops"] > 0).all()


def test_plot_score_correlation(toy, fake_scores):
    tables = [toy, synthetic_table(dataset="b")]
    fig = plot_score_correlation(score_correlation(tables, fake_scores))
    assert len([a for a in fig.axes if a.get_title()]) == 2


def test_shipped_scores_cover_every_class():
    s = load_scores()
    assert len(s) == 6466 and s.index.is_unique
    assert sorted(class_of_code()[s["code"].to_numpy()]) == list(range(6466))
    for name in ("naswot", "synflow", "ntk"):
        assert any(name in c for c in s.columns)
    assert {"C", "N", "batch_size", "seed", "inputs"} <= set(s.attrs["settings"])


@pytest.mark.slow
def test_shipped_scores_use_the_benchmark_uids(table10, table100):
    s = load_scores()
    assert s.index.equals(pd.Index(table10.uids, name="uid").sort_values()) or set(
        s.index) == set(table10.uids.tolist())
    # each uid's scored genome is in that uid's class
    assert (table10.index.code_to_uid[s["code"].to_numpy()] == s.index.to_numpy()).all()
    corr = score_correlation([table10, table100])
    assert corr.loc[("cifar10", "params"), "clean"] > 0.5
    assert np.isfinite(corr.loc["cifar10"].to_numpy()).all()
