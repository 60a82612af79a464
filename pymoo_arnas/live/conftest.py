"""Doctest collection: skip the modules that import torch when it is not installed."""

import importlib.util

collect_ignore = []
if importlib.util.find_spec("torch") is None:
    collect_ignore = ["model.py", "attacks.py", "datasets.py", "train.py"]
elif importlib.util.find_spec("sklearn") is None:
    collect_ignore = ["datasets.py", "train.py"]
