"""Collection rules for the whole suite (``testpaths = ["tests", "pymoo_arnas"]``).

The doctests of the live modules that import torch (or scikit-learn) are skipped when the
``live`` extra is not installed, instead of failing at import.
"""

import importlib.util

collect_ignore = []
if importlib.util.find_spec("torch") is None:
    collect_ignore += [f"pymoo_arnas/live/{m}.py" for m in ("model", "attacks", "datasets", "train", "scores")]
elif importlib.util.find_spec("sklearn") is None:
    collect_ignore += [f"pymoo_arnas/live/{m}.py" for m in ("datasets", "train")]
