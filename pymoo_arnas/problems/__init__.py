"""pymoo problems: ARNAS on the benchmark tables."""

from pymoo_arnas.problems.arnas import ARNAS
from pymoo_arnas.problems.objectives import SHORT_NAMES, resolve_objective

__all__ = ["ARNAS", "SHORT_NAMES", "resolve_objective"]
