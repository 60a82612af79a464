"""pymoo problems: ARNAS on the benchmark tables."""

from pymoo_arnas.problems.arnas import ARNAS
from pymoo_arnas.problems.live import ARNASLive  # torch is imported only when training
from pymoo_arnas.problems.objectives import SHORT_NAMES, resolve_objective

__all__ = ["ARNAS", "ARNASLive", "SHORT_NAMES", "resolve_objective"]
