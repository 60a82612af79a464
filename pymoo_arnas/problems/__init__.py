"""pymoo problems on NAS-Bench-201 cells: ARNAS on the benchmark tables, ARNASLive by training.

Both are :class:`~pymoo_arnas.problems.base.CellProblem` subclasses, which own validation,
counters, the unique-query budget and the query log; a new source of cell numbers subclasses
it and implements only the lookup of a batch.
"""

from pymoo_arnas.problems.arnas import ARNAS
from pymoo_arnas.problems.base import CellProblem
from pymoo_arnas.problems.live import ARNASLive  # torch is imported only when training
from pymoo_arnas.problems.objectives import COSTS, SCORES, SHORT_NAMES, resolve_objective

__all__ = ["ARNAS", "ARNASLive", "COSTS", "CellProblem", "SCORES", "SHORT_NAMES",
           "resolve_objective"]
