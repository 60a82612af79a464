"""The one printer of a search result: the found front beside the exact front.

Used by ``arnas search`` (table problems, whose exact front is known) and ``arnas live``
(no exact front: the found front alone). With one objective there is no front: the best
cell found is printed beside the optimum, with the regret and whether it was found.
Given the ``problem``, objectives are read in its sense (``problem.errors``): accuracies in
%, costs (``params``) and scores (``synflow``) as they are; without it, all are accuracies.

Examples
--------
>>> import numpy as np
>>> from pymoo_arnas.cli.fronts import front_table
>>> print(front_table(np.array([[0.5, 0.2], [0.9, 0.1]]), ["clean", "pgd"]).to_string())
   clean %  pgd %
0     90.0   10.0
1     50.0   20.0
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

from pymoo_arnas.space import GENOME_COLUMNS, to_arch_str


def _accuracy_errors(values: np.ndarray) -> np.ndarray:
    return 1.0 - np.asarray(values, dtype=float)


def _senses(problem, n: int):
    """``(errors, percent)``: the problem's values -> minimised objectives, and which of its
    ``n`` objectives are accuracies (shown in %); all accuracies without a problem."""
    if problem is None:
        return _accuracy_errors, np.ones(n, dtype=bool)
    percent = ~np.asarray(problem.is_cost, dtype=bool)
    percent &= ~np.asarray(getattr(problem, "is_maximized", np.zeros(n, bool)), dtype=bool)
    return problem.errors, percent


def front_table(acc: np.ndarray, columns, archs=None, percent=None, errors=None) -> pd.DataFrame:
    """Values ``(n, m)`` as a table, best first in the first objective: accuracies (in [0, 1])
    in %, the columns where ``percent`` (``(m,)`` bool, default all) is False as they are.

    ``archs`` (``n`` strings) adds an ``arch`` column; ``errors`` (values -> minimised
    objectives, default ``1 - value``) orders the rows.
    """
    acc = np.asarray(acc, dtype=float).reshape(len(acc), len(columns))
    percent = np.ones(len(columns), bool) if percent is None else np.asarray(percent, bool)
    shown = np.where(percent, np.round(100 * acc, 1), acc)
    df = pd.DataFrame(shown, columns=[f"{c} %" if pc else c for c, pc in zip(columns, percent)])
    if archs is not None:
        df["arch"] = list(archs)
    key = (_accuracy_errors if errors is None else errors)(acc)[:, 0] if len(acc) else []
    order = np.argsort(key, kind="stable")
    return df.iloc[order].reset_index(drop=True)


def found_front(query_log: pd.DataFrame, columns, errors=None) -> pd.DataFrame:
    """The non-dominated rows of a query log, in log order; ``errors`` turns the values into
    minimised objectives (default ``1 - value``: accuracies maximised)."""
    from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

    if len(query_log) == 0:
        return query_log
    F = (_accuracy_errors if errors is None else errors)(
        query_log[list(columns)].to_numpy(dtype=float))
    rows = NonDominatedSorting().do(F, only_non_dominated_front=True)
    return query_log.iloc[np.sort(rows)]


def _archs(log: pd.DataFrame) -> list:
    return [to_arch_str(g) for g in log[list(GENOME_COLUMNS)].to_numpy()]


def print_fronts(query_log: pd.DataFrame, columns, exact: pd.DataFrame | None = None,
                 file=None, problem=None) -> None:
    """Print the found front of ``query_log`` and, when given, the ``exact`` front beside it.

    Parameters
    ----------
    query_log : DataFrame
        Every unique cell queried: ``x0..x5`` and one accuracy column per objective.
    columns : list of str
        The accuracy columns (the objectives, maximised).
    exact : DataFrame, optional
        The exact front (rows with the same accuracy columns). With two or more objectives
        the share of its points found is printed; with one objective, the optimum, the
        regret of the best cell found and whether the optimum was found.
    file : file, optional
        Default ``sys.stdout``.
    problem : CellProblem, optional
        Reads the objectives in its sense (``errors``, ``is_cost``, ``is_maximized``);
        without it every column is an accuracy.
    """
    file = sys.stdout if file is None else file
    columns = list(columns)
    pd.set_option("display.width", 200)
    pd.set_option("display.max_colwidth", 100)
    errors, percent = _senses(problem, len(columns))
    if len(columns) == 1:
        _print_single(query_log, columns[0], exact, file, errors, bool(percent[0]))
        return
    found = found_front(query_log, columns, errors)
    print(f"Found front ({len(found)} cells, accuracy in %):", file=file)
    print(front_table(found[columns].to_numpy(), columns, _archs(found), percent, errors)
          .to_string(), file=file)
    if exact is None:
        return
    exact = exact.drop_duplicates(subset=columns)
    print(f"\nExact front of the table ({len(exact)} points):", file=file)
    print(front_table(exact[columns].to_numpy(), columns, None, percent, errors).to_string(),
          file=file)
    from pymoo_arnas.experiments.metrics import FrontReference

    ref = FrontReference(errors(exact[columns].to_numpy(dtype=float)))
    F = errors(query_log[columns].to_numpy(dtype=float))
    n_hit, n_exact = ref.found(F), len(ref.front)
    print(
        f"\nexact-front points found: {n_hit} of {n_exact} ({100 * n_hit / n_exact:.0f}%), "
        f"normalised hypervolume {ref.nhv(F):.3f}",
        file=file,
    )


def _print_single(query_log, column, exact, file, errors=_accuracy_errors,
                  percent: bool = True) -> None:
    if len(query_log) == 0:
        print("No cell was queried.", file=file)
        return
    f = errors(query_log[[column]].to_numpy(dtype=float))[:, 0]
    best_row = query_log.iloc[[int(np.argmin(f))]]
    best = float(best_row[column].iloc[0])
    print(f"Best cell found ({column}{', accuracy in %' if percent else ''}):", file=file)
    print(front_table(best_row[[column]].to_numpy(), [column], _archs(best_row), [percent],
                      errors).to_string(), file=file)
    if exact is None or len(exact) == 0:
        return
    fx = errors(exact[[column]].to_numpy(dtype=float))[:, 0]
    optimum = float(exact[column].iloc[int(np.argmin(fx))])
    n_opt = int((np.round(fx, 9) <= np.round(fx.min(), 9)).sum())
    hit = round(float(f.min()), 9) <= round(float(fx.min()), 9)
    regret = float(f.min() - fx.min())  # >= 0, in the objective's own units
    if percent:
        shown = (f"{100 * optimum:.2f}%", f"{100 * best:.2f}%", f"{100 * regret:.2f} points")
    else:
        shown = (f"{optimum:.6g}", f"{best:.6g}", f"{regret:.6g}")
    print(f"\nOptimum of the table: {shown[0]} ({n_opt} cell{'s' * (n_opt != 1)})", file=file)
    print(f"\nbest found {shown[1]} vs optimum {shown[0]}: regret {shown[2]}, "
          f"optimum found: {'yes' if hit else 'no'}", file=file)


__all__ = ["found_front", "front_table", "print_fronts"]
