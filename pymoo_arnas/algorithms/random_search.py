"""Random search without replacement over the unique cells (isomorphism classes)."""

from __future__ import annotations

from pymoo.core.algorithm import Algorithm
from pymoo.core.population import Population
from pymoo.util.display.multi import MultiObjectiveOutput
from pymoo.util.optimum import filter_optimum

from pymoo_arnas.problems.base import budget_room
from pymoo_arnas.space import decode, representative_codes


class RandomSearch(Algorithm):
    """Evaluate unique cells in a random order, ``batch_size`` per iteration, never twice.

    Each draw is a uniformly random isomorphism class (each of the 6,466 unique networks is
    equally likely), represented by one of its genomes. Runs until the termination (or the
    problem's budget) stops it or every unique cell was evaluated.

    Parameters
    ----------
    batch_size : int
        Cells evaluated per iteration.

    Examples
    --------
    >>> from pymoo.optimize import minimize
    >>> from pymoo_arnas.problems import ARNAS
    >>> problem = ARNAS("cifar10", ("clean", "pgd@Linf"), budget=25)
    >>> res = minimize(problem, RandomSearch(batch_size=10), seed=0)
    >>> problem.n_unique, problem.n_evals
    (25, 25)
    """

    def __init__(self, batch_size: int = 10, **kwargs):
        kwargs.setdefault("output", MultiObjectiveOutput())
        super().__init__(**kwargs)
        if int(batch_size) < 1:
            raise ValueError(f"batch_size must be a positive integer; got {batch_size!r}")
        self.batch_size = int(batch_size)

    def _setup(self, problem, **kwargs):
        reps = decode(representative_codes())  # one genome per class
        self._order = reps[self.random_state.permutation(len(reps))]
        self._next = 0

    def _take(self):
        n = budget_room(self.problem, self.batch_size)
        X = self._order[self._next : self._next + n]
        self._next += len(X)
        if len(X) == 0:
            self.termination.force_termination = True
            return None
        return Population.new(X=X)

    def _initialize_infill(self):
        return self._take()

    def _infill(self):
        return self._take()

    def _initialize_advance(self, infills=None, **kwargs):
        self.pop = infills

    def _advance(self, infills=None, **kwargs):
        self.pop = infills
        if self._next >= len(self._order):
            self.termination.force_termination = True

    def _set_optimum(self):
        pop = self.pop if self.opt is None else Population.merge(self.opt, self.pop)
        self.opt = filter_optimum(pop, least_infeasible=True)


__all__ = ["RandomSearch"]
