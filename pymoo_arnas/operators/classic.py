"""Classic operators for categorical NAS-Bench-201 genomes (6 edges, 5 operations each)."""

from __future__ import annotations

import numpy as np
from pymoo.core.duplicate import DuplicateElimination
from pymoo.core.mutation import Mutation
from pymoo.core.sampling import Sampling

from pymoo_arnas.space import (
    N_CELLS,
    N_EDGES,
    N_OPS,
    all_genomes,
    class_of_code,
    encode,
    isomorphism_class,
    validate,
)


def problem_units(problem, X) -> np.ndarray:
    """The unit each genome ``(n, 6)`` counts as for ``problem`` ``(n,)``: what the problem
    says (:meth:`CellProblem.units <pymoo_arnas.problems.base.CellProblem.units>`: the
    isomorphism class, or the genome itself with a cost objective), else (a problem without
    ``units``, e.g. a plain pymoo problem) the isomorphism class."""
    units = getattr(problem, "units", None)
    return np.asarray(units(X)) if callable(units) else isomorphism_class(X)


class CellSampling(Sampling):
    """Uniformly random genomes ``(n_samples, 6)``, optionally distinct units of the problem.

    Parameters
    ----------
    unique : bool
        Draw genomes of distinct units (default), as a NAS method that never trains the same
        network twice would: distinct isomorphism classes, or distinct genomes when the
        problem counts genomes (a cost objective, see :func:`problem_units`).

    Notes
    -----
    pymoo hands a sampling the problem and the algorithm at the start of every run, and a
    duplicate elimination neither; so the sampling also binds the algorithm's
    :class:`CellDuplicateElimination` (``by="auto"``) to the problem
    (:func:`bind_eliminations`), before the first population's duplicates are dropped.

    Examples
    --------
    >>> from pymoo_arnas.operators import CellSampling
    >>> from pymoo_arnas.problems import ARNAS
    >>> X = CellSampling().do(ARNAS("cifar10"), 8, random_state=np.random.default_rng(0)).get("X")
    >>> X.shape, int(X.min()) >= 0, int(X.max()) <= 4
    ((8, 6), True, True)
    """

    def __init__(self, unique: bool = True) -> None:
        super().__init__()
        self.unique = unique

    def _design(self, n_samples, rng) -> np.ndarray:
        """Genomes ``(k, 6)`` taken first, before uniform draws fill the rest (none here;
        a subclass gives its design)."""
        return np.empty((0, N_EDGES), dtype=np.int64)

    def _do(self, problem, n_samples, *args, random_state=None, **kwargs):
        bind_eliminations(kwargs.get("algorithm"), problem)
        rng = random_state if random_state is not None else np.random.default_rng()
        X = self._design(n_samples, rng)
        if not self.unique:
            rest = rng.integers(0, N_OPS, size=(max(n_samples - len(X), 0), N_EDGES))
            return np.concatenate([X, rest])[:n_samples]
        out, seen = [], set()
        while True:
            for x, c in zip(X, problem_units(problem, X)):
                if c not in seen and len(out) < n_samples:
                    seen.add(c)
                    out.append(x)
            if len(out) >= n_samples:
                return np.array(out, dtype=np.int64).reshape(-1, N_EDGES)
            X = rng.integers(0, N_OPS, size=(max(2 * (n_samples - len(out)), 8), N_EDGES))


def orthogonal_array(rng) -> np.ndarray:
    """A randomised orthogonal array of strength 2 over the cell: 25 genomes ``(25, 6)`` in
    which every pair of edges takes each of the 25 pairs of operations exactly once.

    Bose's construction (rows ``(a, b)`` of Z_5^2; edge ``k < 5`` takes ``a + k b mod 5``,
    edge 5 takes ``b``), randomised as Owen (1992) does: the operations of each edge and
    the order of the edges and of the rows are permuted at random.

    Examples
    --------
    >>> A = orthogonal_array(np.random.default_rng(0))
    >>> A.shape, {len(set(zip(A[:, i], A[:, j]))) for i in range(6) for j in range(i)}
    ((25, 6), {25})
    """
    a, b = np.divmod(np.arange(N_OPS * N_OPS), N_OPS)
    A = np.stack([(a + k * b) % N_OPS for k in range(N_OPS)] + [b], axis=1)  # (25, 6)
    A = A[:, rng.permutation(N_EDGES)]
    for j in range(N_EDGES):
        A[:, j] = rng.permutation(N_OPS)[A[:, j]]
    return A[rng.permutation(len(A))].astype(np.int64)


class OrthogonalArraySampling(CellSampling):
    """Genomes ``(n_samples, 6)`` from randomised orthogonal arrays of strength 2
    (:func:`orthogonal_array`): the first 25 cover every pair of operations on every pair of
    edges once, so a surrogate fitted on them has seen each operation on each edge 5 times
    and each pair of them together. More than 25 are stacked arrays, each randomised anew;
    a cell of a unit already drawn is skipped (``unique``) and uniform draws fill the rest.

    Parameters
    ----------
    unique : bool
        Distinct units of the problem (default), as :class:`CellSampling`.

    Notes
    -----
    ``nsga2-cat``'s first population (25 cells). Measured on the tuning seeds (100-199, the
    8 bi-objective problems, 800 runs each side; see
    :class:`~pymoo_arnas.algorithms.hybrid.NSGA2LocalSearch`), against 20 uniform cells.
    The array is written here rather than taken from ``scipy.stats.qmc.LatinHypercube(
    strength=2)``, which holds the same construction, so that a seed gives the same cells
    whatever the SciPy version (recorded runs replay).

    Examples
    --------
    >>> from pymoo_arnas.operators import OrthogonalArraySampling
    >>> from pymoo_arnas.problems import ARNAS
    >>> sampling = OrthogonalArraySampling()
    >>> X = sampling.do(ARNAS("cifar10"), 25, random_state=np.random.default_rng(0)).get("X")
    >>> X.shape, np.bincount(X[:, 0], minlength=5).tolist()  # each op 5 times on an edge
    ((25, 6), [5, 5, 5, 5, 5])
    """

    def _design(self, n_samples, rng) -> np.ndarray:
        n = -(-int(n_samples) // (N_OPS * N_OPS))
        return np.concatenate([orthogonal_array(rng) for _ in range(max(n, 1))])


def bind_eliminations(algorithm, problem) -> None:
    """Bind every :class:`CellDuplicateElimination` of a pymoo ``algorithm`` (its
    ``eliminate_duplicates``, and those of its ``initialization`` and ``mating``: one shared
    object in pymoo's genetic algorithms) to ``problem``; nothing for an algorithm without
    one, or ``None``."""
    if algorithm is None or problem is None:
        return
    holders = (algorithm, getattr(algorithm, "initialization", None),
               getattr(algorithm, "mating", None))
    for holder in holders:
        elim = getattr(holder, "eliminate_duplicates", None)
        if isinstance(elim, CellDuplicateElimination):
            elim.bind(problem)


class RandomResetMutation(Mutation):
    """Random-reset mutation: each edge is set to another operation with ``prob_var``.

    Parameters
    ----------
    prob : float
        Probability that an individual is mutated at all.
    prob_var : float, optional
        Per-edge probability; default ``1 / 6``.
    at_least_one : bool
        Change at least one edge of every mutated genome (default), so a mutation never
        returns its parent unchanged.

    Notes
    -----
    Like :class:`CellSampling`, it binds the algorithm's :class:`CellDuplicateElimination`
    to the problem pymoo hands it (:func:`bind_eliminations`), so the offspring are
    compared by the problem's units also when the first population came from elsewhere
    (e.g. fixed genomes).

    Examples
    --------
    >>> from pymoo_arnas.operators import RandomResetMutation
    >>> X = np.zeros((4, 6), dtype=int)
    >>> Y = RandomResetMutation()._do(None, X, random_state=np.random.default_rng(0))
    >>> bool(((Y != X).sum(axis=1) >= 1).all())
    True
    """

    def __init__(self, prob: float = 1.0, prob_var: float | None = None, at_least_one: bool = True):
        super().__init__(prob=prob, prob_var=prob_var)
        self.at_least_one = at_least_one

    def _do(self, problem, X, *args, random_state=None, **kwargs):
        bind_eliminations(kwargs.get("algorithm"), problem)  # as CellSampling does
        rng = random_state if random_state is not None else np.random.default_rng()
        X = validate(X)
        n = len(X)
        prob_var = (
            np.full(n, 1.0 / N_EDGES) if self.prob_var is None else
            np.broadcast_to(np.asarray(self.get_prob_var(problem, size=n), float), (n,))
        )  # fmt: skip
        mask = rng.random((n, N_EDGES)) < prob_var[:, None]
        if self.at_least_one:
            none = ~mask.any(axis=1)
            mask[np.flatnonzero(none), rng.integers(0, N_EDGES, size=none.sum())] = True
        # a different op: shift by 1..4 modulo 5
        shift = rng.integers(1, N_OPS, size=X.shape)
        return np.where(mask, (X + shift) % N_OPS, X)


class CellDuplicateElimination(DuplicateElimination):
    """Duplicate elimination by the unit a problem counts: two genomes of one unit are
    duplicates.

    The unit is the isomorphism class for accuracies (isomorphic genomes are one network),
    and the genome itself when the problem has a cost objective (``"params"``, ``"flops"``:
    two genomes of one class can differ in cost, see :class:`~pymoo_arnas.problems.ARNAS`).
    Dropping by class on such a problem would keep the search from ever asking for a second
    genome of a class it has seen, e.g. the cheaper one.

    pymoo calls a duplicate elimination with populations only, never with the problem, so
    the unit is fixed here: by the setting ``by``, or by :meth:`bind` ing a problem.

    Parameters
    ----------
    by : {"auto", "class", "genome"} or CellProblem
        ``"auto"`` (default): the units of the problem given to :meth:`bind`, the
        isomorphism class until then. :class:`CellSampling` and
        :class:`RandomResetMutation` bind the algorithm's elimination to the problem pymoo
        hands them (:func:`bind_eliminations`); with other operators, bind it yourself;
        ``"class"``, ``"genome"``: always that; a problem (anything with ``units(X)``, a
        :class:`~pymoo_arnas.problems.base.CellProblem`): ``"auto"`` bound to it.

    Examples
    --------
    >>> from pymoo.core.population import Population
    >>> from pymoo_arnas.operators import CellDuplicateElimination
    >>> from pymoo_arnas.problems import ARNAS
    >>> pop = Population.new(X=np.array([[0, 0, 0, 0, 3, 0], [0, 0, 0, 0, 0, 0]]))  # isomorphic
    >>> len(CellDuplicateElimination().do(pop))
    1
    >>> problem = ARNAS("cifar10", objectives=("clean", "params"))  # the genome is the unit
    >>> len(CellDuplicateElimination(problem).do(pop)), len(CellDuplicateElimination("genome").do(pop))
    (2, 2)
    """

    def __init__(self, by="auto") -> None:
        super().__init__()
        self._unit_of_code = None  # (N_CELLS,) unit of each genome code; None: the class
        self._bound_to = None  # id() of the problem bound last
        if isinstance(by, str) and by in ("auto", "class", "genome"):
            self.by = by
            if by == "genome":
                self._unit_of_code = np.arange(N_CELLS)
        elif callable(getattr(by, "units", None)):
            self.by = "auto"
            self.bind(by)
        else:
            raise ValueError(
                f"by must be 'auto', 'class', 'genome' or a problem with units(X) (a "
                f"CellProblem); got {by!r}"
            )

    def bind(self, problem) -> "CellDuplicateElimination":
        """Drop duplicates by the units of ``problem`` from now on (with ``by="auto"``; a
        fixed ``"class"`` or ``"genome"`` is kept). Returns ``self``.

        Reads the unit of each of the 15,625 genomes once per problem
        (:func:`problem_units`), so the elimination keeps no reference to the problem and
        copies cheaply."""
        if self.by == "auto" and self._bound_to != id(problem):
            self._unit_of_code = problem_units(problem, all_genomes()).astype(np.int64)
            self._bound_to = id(problem)
        return self

    def units(self, X) -> np.ndarray:
        """Genomes ``(n, 6)`` -> the unit each one is compared by ``(n,)`` int64."""
        codes = encode(X)
        return (class_of_code() if self._unit_of_code is None else self._unit_of_code)[codes]

    def __repr__(self) -> str:
        bound = self.by == "auto" and self._unit_of_code is not None
        return f"{type(self).__name__}(by={self.by!r}{', bound to a problem' if bound else ''})"

    def _do(self, pop, other, is_duplicate):
        a = self.units(pop.get("X"))
        if other is None:
            _, first = np.unique(a, return_index=True)
            dup = np.ones(len(a), dtype=bool)
            dup[first] = False
            is_duplicate[dup] = True
        else:
            is_duplicate[np.isin(a, self.units(other.get("X")))] = True
        return is_duplicate


__all__ = [
    "CellDuplicateElimination",
    "CellSampling",
    "OrthogonalArraySampling",
    "RandomResetMutation",
    "bind_eliminations",
    "orthogonal_array",
    "problem_units",
]
