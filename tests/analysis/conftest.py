"""The analysis tests' table: the made-up :func:`pymoo_arnas.data.synthetic_table`, labelled
``"toy"`` so a second one (another label or seed) pairs with it."""

import pytest

from pymoo_arnas.data import synthetic_table


@pytest.fixture(scope="session")
def toy():
    return synthetic_table(dataset="toy")
