"""One objective-name grammar for tables and live runs (pymoo_arnas.objectives)."""

import numpy as np
import pytest

from pymoo_arnas.live.config import metric_name, parse_metric
from pymoo_arnas.objectives import (
    canonical_name,
    format_epsilon,
    match_epsilon,
    objective_name,
    parse_objective,
)
from pymoo_arnas.problems import ARNAS, resolve_objective


@pytest.mark.parametrize("eps, text", [(1, "1.0"), (8.0, "8.0"), (0.5, "0.5"), (0.03, "0.03"),
                                       (8 / 255, "0.0313725"), (255, "255.0"), (0.1 + 0.2, "0.3")])
def test_one_epsilon_format(eps, text):
    assert format_epsilon(eps) == text


@pytest.mark.parametrize("name, eps", [("pgd", 0.1), ("fgsm@Linf", 0.03), ("pgd@Linf", 1.0)])
def test_tables_and_live_runs_name_an_attack_the_same_way(name, eps):
    live = metric_name(name, eps)
    assert live == objective_name(name, eps) == canonical_name(live)
    # a table holding that metric resolves the same name to that very column
    table_name = resolve_objective(_table_with(live), name, eps)
    assert table_name == live


def _table_with(column):
    from pymoo_arnas.data.table import BenchmarkTable
    from pymoo_arnas.space import CellIndex

    index = CellIndex.from_graph()
    uids = index.uids.astype(np.int64)
    attack, eps = parse_objective(column)
    return BenchmarkTable("toy", "toy", ("clean", column), np.zeros((len(uids), 2)), uids,
                          BenchmarkTable.rows_from_uids(index, uids), index, {attack: (eps,)})


@pytest.mark.parametrize("short, full", [("fgsm", "fgsm@Linf"), ("pgd", "pgd@Linf"),
                                         ("apgd", "aa_apgd-ce@Linf"), ("square", "aa_square@Linf")])
def test_short_names_are_shared(synthetic_table, short, full):
    assert parse_objective(f"{short}:8") == (full, 8.0)
    if full in synthetic_table.epsilons:
        assert resolve_objective(synthetic_table, short, 8.0) == f"{full}:8.0"
    if full in ("fgsm@Linf", "pgd@Linf"):  # the attacks live runs have
        assert parse_metric(short, 0.1) == (full, 0.1)


def test_non_attack_names_keep_their_argument(synthetic_table):
    assert parse_objective("fog:3") == ("fog:3", None)
    assert parse_objective("clean", epsilon=1.0) == ("clean", None)
    assert resolve_objective(synthetic_table, "fog:3", 1.0) == "fog:3"


def test_epsilon_matches_only_within_float_noise():
    assert match_epsilon(1.0 + 1e-9, (0.5, 1.0)) == 1.0
    assert match_epsilon(1.04, (0.5, 1.0)) is None


def test_requested_epsilon_is_not_snapped_to_a_near_table_epsilon(synthetic_table):
    """Issue 13: epsilon 1.04 was silently read as 1.0."""
    with pytest.raises(ValueError, match=r"epsilon 1.04 is not evaluated for pgd@Linf.*0.5, 1.0, 8.0"):
        ARNAS(table=synthetic_table, objectives=("pgd",), epsilon=1.04)
    with pytest.raises(ValueError, match=r"epsilon '1.04' is not evaluated for fgsm@Linf"):
        ARNAS(table=synthetic_table, objectives=("fgsm@Linf:1.04",))
    p = ARNAS(table=synthetic_table, objectives=("pgd",), epsilon=1.0 + 1e-9)
    assert p.columns == ("pgd@Linf:1.0",)


@pytest.mark.parametrize("name, epsilon, match", [
    (3, None, "must be strings"),
    ("pgd", None, "needs an epsilon"),
    ("pgd:x", None, "epsilon 'x' of objective 'pgd:x' is not a number"),
    ("pgd", float("nan"), "finite number >= 0"),
    ("pgd:-1", None, "finite number >= 0"),
])
def test_bad_names_are_refused_the_same_way_everywhere(synthetic_table, name, epsilon, match):
    with pytest.raises(ValueError, match=match):
        parse_objective(name, epsilon)
    with pytest.raises(ValueError, match=match):
        resolve_objective(synthetic_table, name, epsilon)
    with pytest.raises(ValueError, match=match):
        parse_metric(name, epsilon)
