"""Shared fixtures.

- ``synthetic_table``: the made-up :func:`pymoo_arnas.data.synthetic_table` (seed 0) over the
  6,466 isomorphism classes, built in code in milliseconds. Use it for problem, operator,
  algorithm and analysis *mechanics* (counters, budgets, duplicates, seeding, stopping), where
  the numbers themselves are not the subject.
- ``table10`` / ``table100``: the real robustness tables (found as the README says: ``ARNAS_DATA``,
  ``../shared/data``, user cache). Use them for the checks against the published numbers.
"""

import pytest

from pymoo_arnas import data


@pytest.fixture(scope="session")
def synthetic_table():
    """A made-up table for mechanics tests; see :func:`pymoo_arnas.data.synthetic_table`."""
    return data.synthetic_table(seed=0)


@pytest.fixture(scope="session")
def synthetic_table_factory():
    """:func:`pymoo_arnas.data.synthetic_table`, for a test that needs another seed or dataset."""
    return data.synthetic_table


@pytest.fixture(scope="session")
def table10():
    return data.load_robustness("cifar10")


@pytest.fixture(scope="session")
def table100():
    return data.load_robustness("cifar100")
