"""Shared fixtures: the real benchmark tables from ../shared/data (see README)."""

import pytest

from pymoo_arnas.data import load_robustness


@pytest.fixture(scope="session")
def table10():
    return load_robustness("cifar10")


@pytest.fixture(scope="session")
def table100():
    return load_robustness("cifar100")
