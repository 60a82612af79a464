"""The synthetic table fixture has the real tables' shape and works with ``ARNAS``."""

import numpy as np
import pytest

from pymoo_arnas import space
from pymoo_arnas.problems import ARNAS


def test_one_row_per_isomorphism_class(synthetic_table):
    t = synthetic_table
    assert t.n_rows == space.N_UNIQUE
    assert t.values.shape == (space.N_UNIQUE, len(t.columns))
    assert np.isfinite(t.values).all() and (t.values >= 0).all() and (t.values <= 1).all()
    # isomorphic genomes share a row, and every row is some class's representative
    G = space.all_genomes()
    rows = t.code_to_row[space.encode(G)]
    assert np.array_equal(rows, t.code_to_row[space.encode(space.representative(G))])
    assert len(np.unique(rows)) == space.N_UNIQUE


def test_attacks_weaken_with_epsilon_and_pgd_is_stronger(synthetic_table):
    t = synthetic_table
    for eps_lo, eps_hi in [(0.5, 1.0), (1.0, 8.0)]:
        assert (t.column(f"pgd@Linf:{eps_hi}") <= t.column(f"pgd@Linf:{eps_lo}")).all()
    assert (t.column("pgd@Linf:1.0") <= t.column("fgsm@Linf:1.0")).all()
    assert (t.column("fgsm@Linf:1.0") <= t.column("clean")).all()
    fog = np.column_stack([t.column(f"fog:{s}") for s in range(1, 6)])
    assert np.allclose(t.column("fog"), fog.mean(axis=1))


def test_same_seed_same_table(synthetic_table, synthetic_table_factory):
    assert np.array_equal(synthetic_table_factory(seed=0).values, synthetic_table.values)
    assert not np.array_equal(synthetic_table_factory(seed=1).values, synthetic_table.values)


def test_arnas_on_it(synthetic_table):
    p = ARNAS(table=synthetic_table, objectives=("clean", "pgd", "fog:3"), epsilon=1.0)
    g = np.array([[3, 3, 3, 3, 3, 3], [0, 0, 0, 0, 3, 0]])
    rows = synthetic_table.code_to_row[space.encode(g)]
    expected = 1 - synthetic_table.values[rows][:, [0, 5, 10]]
    assert synthetic_table.columns[5] == "pgd@Linf:1.0" and synthetic_table.columns[10] == "fog:3"
    assert np.allclose(p.evaluate(g), expected)
    front = ARNAS(table=synthetic_table, objectives=("clean", "pgd"), epsilon=1.0).pareto_front()
    assert len(front) > 3  # a real trade-off, not a single best cell
    with pytest.raises(ValueError, match="epsilon"):
        ARNAS(table=synthetic_table, objectives=("pgd",), epsilon=2.0)
