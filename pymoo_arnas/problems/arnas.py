"""ARNAS: adversarial-robustness NAS on NAS-Bench-201 as a pymoo integer problem."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

from pymoo_arnas import cost
from pymoo_arnas.data.lookup import lookup
from pymoo_arnas.data.robustness import load_robustness
from pymoo_arnas.data.scores import align_to_table, load_scores
from pymoo_arnas.data.table import BenchmarkTable
from pymoo_arnas.problems.base import BUDGET_PENALTY, CellProblem, check_columns, check_settings
from pymoo_arnas.problems.objectives import COSTS, SCORES, resolve_objective
from pymoo_arnas.space import GENOME_COLUMNS, N_CELLS, decode

__all__ = ["ARNAS", "BUDGET_PENALTY", "COSTS", "NETWORKS", "SCORES", "check_columns",
           "check_settings", "cost_of_genomes", "score_of_rows"]

NETWORKS = {
    "cifar10": dict(n_classes=10, input_size=32),
    "cifar100": dict(n_classes=100, input_size=32),
    "ImageNet16-120": dict(n_classes=120, input_size=16),
}
"""Dataset -> the classifier head and input size of its network (NAS-Bench-201's C=16, N=5)."""


def cost_of_genomes(name: str, dataset: str, X) -> np.ndarray:
    """Cost ``name`` (``"params"`` or ``"flops"``) of genomes ``(n, 6)`` -> ``(n,)`` int64, for
    the NAS-Bench-201 network (C=16, N=5) with the head and input size of ``dataset``.

    >>> cost_of_genomes("params", "cifar100", [[3, 3, 3, 3, 3, 3]]).tolist()
    [1537396]
    """
    if dataset not in NETWORKS:
        raise ValueError(
            f"cost objective {name!r} needs the network of the dataset; {dataset!r} is not one "
            f"of {', '.join(NETWORKS)}"
        )
    net = NETWORKS[dataset]
    if name == "params":
        return cost.params(X, C=16, N=5, n_classes=net["n_classes"])
    if name == "flops":
        return cost.flops(X, C=16, N=5, n_classes=net["n_classes"], input_size=net["input_size"])
    raise ValueError(f"unknown cost objective {name!r}; expected one of {', '.join(COSTS)}")


def score_of_rows(names, table: BenchmarkTable) -> np.ndarray:
    """Shipped training-free scores :data:`SCORES` ``names`` of every row (isomorphism class)
    of ``table`` -> ``(table.n_rows, len(names))`` float64, as objectives read them.

    A cell whose output ignores its input has ``naswot = -inf`` and ``ntk_cond = inf`` in the
    shipped table; here it gets the worst finite value of the score, so that objective values
    stay finite (pymoo's crowding distance and the hypervolume need finite values).

    >>> from pymoo_arnas.data import load_robustness
    >>> v = score_of_rows(["naswot", "ntk_cond"], load_robustness("cifar10"))
    >>> v.shape, bool(np.isfinite(v).all())
    ((6466, 2), True)
    """
    unknown = [n for n in names if n not in SCORES]
    if unknown:
        raise ValueError(f"unknown scores {unknown}; expected some of {', '.join(SCORES)}")
    aligned = align_to_table(load_scores(), table)
    out = aligned[list(names)].to_numpy(np.float64, copy=True)
    if np.isnan(out).any():
        raise ValueError(f"the shipped scores miss classes of the {table.source} table on "
                         f"{table.dataset}")
    for j, name in enumerate(names):
        col = out[:, j]
        finite = np.isfinite(col)
        worst = col[finite].min() if SCORES[name] == "max" else col[finite].max()
        col[~finite] = worst
    return out


class ARNAS(CellProblem):
    """Search NAS-Bench-201 cells for clean and robust accuracy, looked up in real tables.

    The genome is the operation on each of the 6 edges (``0 none, 1 skip_connect,
    2 nor_conv_1x1, 3 nor_conv_3x3, 4 avg_pool_3x3``); an accuracy objective is minimised
    as ``error = 1 - accuracy``, a cost objective (``"params"``, ``"flops"``) as it is, a
    training-free score as ``-score`` where higher is better and as it is where lower is
    better (:data:`~pymoo_arnas.objectives.SCORES` gives the sense of each).

    Parameters
    ----------
    dataset : str
        ``"cifar10"``, ``"cifar100"`` (``"ImageNet16-120"`` where present).
    objectives : str or sequence of str
        One objective per name: ``"clean"``; an attack (``"fgsm@Linf"``, ``"pgd@Linf"``,
        ``"aa_apgd-ce@Linf"``, ``"aa_square@Linf"``, or short ``"fgsm"``, ``"pgd"``,
        ``"apgd"``, ``"square"``) at ``epsilon``, or at its own epsilon as ``"pgd@Linf:8.0"``;
        a corruption (``"fog"``: mean over severities, ``"fog:3"``: severity 3); a cost
        (:data:`COSTS`): ``"params"``, the parameter count, or ``"flops"``, the multiply-adds
        of one forward pass, of the NAS-Bench-201 network (C=16, N=5, the dataset's head and
        input size, see :mod:`pymoo_arnas.cost`) the genome builds; a training-free score
        of the untrained network of the cell's class (:data:`SCORES`): ``"naswot"``,
        ``"synflow"``, ``"log_synflow"``, ``"ntk_min"``, ``"ntk_cond"``... from the table
        shipped with the package (:func:`pymoo_arnas.data.scores.load_scores`; the same for
        every dataset), each in its own sense (:data:`pymoo_arnas.objectives.SCORES`).
    epsilon : float
        Attack strength in units of 1/255 for attack objectives without their own.
    data_dir : path, optional
        Root of the robustness dataset (else ``ARNAS_DATA``, ``../shared/data``, user cache).
    budget : int, optional
        Most unique cells to evaluate. When it is spent the running pymoo algorithm is told
        to stop after the current generation; cells asked for beyond it are not evaluated
        and get the worst value of every objective (error 1.0, the largest cost).
    table : BenchmarkTable, optional
        Use this table instead of loading one (e.g. :func:`pymoo_arnas.data.load_nas_robbench`).

    Attributes
    ----------
    n_evals : int
        Genomes evaluated (every row of every call).
    n_unique : int
        Distinct unique cells evaluated (each would be one trained network in real NAS).
    per_genome : bool
        Whether the genome, not the isomorphism class, is the unit (a cost objective is
        asked for; see below).
    query_log : pandas.DataFrame
        The unique queries in the order first asked: ``x0..x5``, ``index``, ``uid``, one
        accuracy column per objective and ``n_evals``, the evaluation that first asked for
        the cell (see :attr:`CellProblem.query_log <pymoo_arnas.problems.base.CellProblem.query_log>`).

    The counters, budget, :meth:`is_queried`, :meth:`reset` and :attr:`query_log` are those
    of :class:`~pymoo_arnas.problems.base.CellProblem`.

    **The unit: a class, or a genome with a cost objective.** Accuracies and scores belong
    to the isomorphism class (a row of the table): isomorphic genomes are one unique cell, for the
    budget, :meth:`is_queried`, :attr:`query_log` and the exact front. Cost belongs to the
    genome: a convolution on an edge no path uses changes nothing the network computes but
    still has weights, so two genomes of one class can differ in ``params``. With a cost
    objective the genome is the unit of all of these (:attr:`per_genome`): each distinct
    genome is a unique query, and :meth:`pareto_front` / :meth:`exact_front` range over all
    15,625 genomes.

    Examples
    --------
    >>> from pymoo.algorithms.moo.nsga2 import NSGA2
    >>> from pymoo.operators.crossover.ux import UX
    >>> from pymoo.optimize import minimize
    >>> from pymoo_arnas.operators import CellSampling, RandomResetMutation
    >>> from pymoo_arnas.problems import ARNAS
    >>> problem = ARNAS("cifar10", objectives=("clean", "pgd@Linf"), epsilon=1.0)
    >>> problem.n_var, problem.n_obj
    (6, 2)
    >>> problem.evaluate([[3, 3, 3, 3, 3, 3]]).round(3).tolist()
    [[0.063, 0.518]]
    >>> problem.is_queried([[3, 3, 3, 3, 3, 3], [1, 1, 1, 1, 1, 1]]).tolist()
    [True, False]
    >>> algorithm = NSGA2(pop_size=20, sampling=CellSampling(), crossover=UX(),
    ...                   mutation=RandomResetMutation())
    >>> res = minimize(problem, algorithm, ("n_gen", 3), seed=1)
    >>> problem.n_evals, problem.n_unique <= problem.n_evals
    (61, True)

    A score is maximised by minimising its negation; :attr:`query_log` holds the score:

    >>> p = ARNAS("cifar10", objectives=("clean", "synflow"))
    >>> F = p.evaluate([[3, 3, 3, 3, 3, 3]])
    >>> bool(F[0, 1] == -p.query_log["synflow"][0]), p.is_maximized.tolist()
    (True, [False, True])

    pymoo's real-valued operators (SBX and PM, PSO, DE) need a rounding repair, since
    non-integral genomes are refused::

        from pymoo.operators.repair.rounding import RoundingRepair
        NSGA2(pop_size=50, sampling=IntegerRandomSampling(),
              crossover=SBX(vtype=float, repair=RoundingRepair()),
              mutation=PM(vtype=float, repair=RoundingRepair()))
        PSO(pop_size=30, repair=RoundingRepair())
        DE(pop_size=30, variant="DE/rand/1/bin", repair=RoundingRepair())
    """

    def __init__(
        self,
        dataset: str = "cifar10",
        objectives=("clean", "pgd@Linf"),
        epsilon: float | None = 1.0,
        data_dir=None,
        budget: int | None = None,
        table: BenchmarkTable | None = None,
        **kwargs,
    ):
        if table is None:
            table = load_robustness(dataset, data_dir=data_dir)
        objectives = check_settings(objectives, budget)
        columns = tuple(
            name.strip() if isinstance(name, str) and name.strip() in (*COSTS, *SCORES)
            else resolve_objective(table, name, epsilon)
            for name in objectives
        )
        if len(set(columns)) != len(columns):
            raise ValueError(f"objectives {objectives!r} name the same table column twice: {columns}")

        self.table = table
        self.dataset = table.dataset
        self.epsilon = epsilon
        scores = [c for c in columns if c in SCORES]
        maximized = [c for c in scores if SCORES[c] == "max"]
        as_they_are = [c for c in columns if c in COSTS or (c in SCORES and c not in maximized)]
        self.per_genome = any(c in COSTS for c in columns)
        # per table row (isomorphism class): accuracies and scores
        row_values = np.zeros((table.n_rows, len(columns)))
        if scores:
            row_values[:, [columns.index(c) for c in scores]] = score_of_rows(scores, table)
        for j, c in enumerate(columns):
            if c not in COSTS and c not in SCORES:
                row_values[:, j] = table.values[:, table.column_index(c)]
        if self.per_genome:  # one unit per genome code
            codes = np.arange(N_CELLS)
            G = decode(codes)
            self._code_to_unit = codes.astype(np.int32)
            self._unit_values = row_values[table.code_to_row]
            for j, c in enumerate(columns):
                if c in COSTS:
                    self._unit_values[:, j] = cost_of_genomes(c, table.dataset, G)
        else:  # one unit per table row (isomorphism class)
            self._code_to_unit = table.code_to_row
            self._unit_values = row_values
        self._no_values = np.empty((len(self._unit_values), 0))
        # the worst value of each objective: error 1, the largest cost, the worst score
        penalty = [self._unit_values[:, j].max() if c in as_they_are
                   else -self._unit_values[:, j].min() if c in maximized
                   else BUDGET_PENALTY for j, c in enumerate(columns)]
        super().__init__(objectives, columns, budget=budget, cell_index=table.index,
                         n_keys=len(self._unit_values), costs=as_they_are, maximized=maximized,
                         penalty=penalty, **kwargs)

    # ------------------------------------------------------------------ lookup

    def _keys(self, X):
        """The unit of each genome: its table row, or its genome code with a cost objective."""
        units, _ = lookup(X, self._code_to_unit, self._no_values)
        return units

    def _values(self, X, keys):
        return np.take(self._unit_values, keys, axis=0)

    def _unit_genomes(self, units) -> np.ndarray:
        """Genomes ``(n, 6)`` of units: the genome itself, or the class representative."""
        if self.per_genome:
            return decode(units)
        return decode(self.table.index.index_to_code[self.table.uids[units]])

    # ------------------------------------------------------------------ exact front

    def _front_units(self) -> np.ndarray:
        """Units (table rows, or genome codes with a cost objective) on the exact Pareto front
        (ties included), in lexicographic order of the objectives."""
        F = self.errors(self._unit_values)
        if self.n_obj == 1:
            units = np.flatnonzero(F[:, 0] == F[:, 0].min())
        else:
            units = NonDominatedSorting().do(F, only_non_dominated_front=True)
        return units[np.lexsort(F[units].T[::-1])]

    def _calc_pareto_front(self, *args, **kwargs):
        return np.unique(self.errors(self._unit_values[self._front_units()]), axis=0)

    def _calc_pareto_set(self, *args, **kwargs):
        units = self._front_units()
        _, first = np.unique(self.errors(self._unit_values[units]), axis=0, return_index=True)
        return self._unit_genomes(units[np.sort(first)])

    def exact_front(self) -> pd.DataFrame:
        """Every unique cell on the exact front (every genome with a cost objective):
        ``x0..x5``, ``index``, ``uid`` and one value column per objective."""
        units = self._front_units()
        G = self._unit_genomes(units)
        df = pd.DataFrame(G, columns=list(GENOME_COLUMNS))
        df["index"] = self.table.index.genome_to_index(G) if len(G) else np.empty(0, np.int64)
        df["uid"] = self.table.index.genome_to_uid(G) if len(G) else np.empty(0, np.int64)
        for j, col in enumerate(self.columns):
            df[col] = self._unit_values[units, j]
        return df

    def _repr_fields(self) -> list:
        return [f"dataset={self.dataset!r}", f"objectives={self.columns!r}"]
