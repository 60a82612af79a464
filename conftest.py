"""Collection rules for the whole suite (``testpaths = ["tests", "pymoo_arnas"]``).

The doctests of the live modules that import torch (or scikit-learn) are skipped when the
``live`` extra is not installed, instead of failing at import; doctests that take more than
~3 s are marked ``slow``, so ``pytest -m "not slow"`` stays the quick loop.
"""

import importlib.util

import pytest

NEEDS_TORCH = ("model", "attacks", "datasets", "train", "scores")
NEEDS_SKLEARN = ("datasets", "train")
"""Modules of ``pymoo_arnas/live`` whose doctests import torch / scikit-learn."""

collect_ignore = []
if importlib.util.find_spec("torch") is None:
    collect_ignore += [f"pymoo_arnas/live/{m}.py" for m in NEEDS_TORCH]
elif importlib.util.find_spec("sklearn") is None:
    collect_ignore += [f"pymoo_arnas/live/{m}.py" for m in NEEDS_SKLEARN]

SLOW_DOCTESTS = {"pymoo_arnas.live.scores"}
"""Doctests that take more than ~3 s (they train networks); marked ``slow`` like slow tests."""


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.name in SLOW_DOCTESTS:
            item.add_marker(pytest.mark.slow)
