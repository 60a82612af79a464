"""The one printer of a search result: the found front beside the exact front.

Used by ``arnas search`` (table problems, whose exact front is known) and ``arnas live``
(no exact front: the found front alone). With one objective there is no front: the best
cell found is printed beside the optimum, with the regret and whether it was found.

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

from pymoo_arnas.space import to_arch_str


def front_table(acc: np.ndarray, columns, archs=None) -> pd.DataFrame:
    """Accuracies ``(n, m)`` in [0, 1] as a table in %, best first in the first objective.

    ``archs`` (``n`` strings) adds an ``arch`` column.
    """
    df = pd.DataFrame(np.round(100 * np.asarray(acc, dtype=float), 1),
                      columns=[f"{c} %" for c in columns])
    if archs is not None:
        df["arch"] = list(archs)
    return df.sort_values(df.columns[0], ascending=False, kind="stable").reset_index(drop=True)


def found_front(query_log: pd.DataFrame, columns) -> pd.DataFrame:
    """The non-dominated rows (accuracies maximised) of a query log, in log order."""
    from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

    if len(query_log) == 0:
        return query_log
    F = 1.0 - query_log[list(columns)].to_numpy(dtype=float)
    rows = NonDominatedSorting().do(F, only_non_dominated_front=True)
    return query_log.iloc[np.sort(rows)]


def _archs(log: pd.DataFrame) -> list:
    return [to_arch_str(g) for g in log[[f"x{i}" for i in range(6)]].to_numpy()]


def print_fronts(query_log: pd.DataFrame, columns, exact: pd.DataFrame | None = None,
                 file=None) -> None:
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
    """
    file = sys.stdout if file is None else file
    columns = list(columns)
    pd.set_option("display.width", 200)
    pd.set_option("display.max_colwidth", 100)
    if len(columns) == 1:
        _print_single(query_log, columns[0], exact, file)
        return
    found = found_front(query_log, columns)
    print(f"Found front ({len(found)} cells, accuracy in %):", file=file)
    print(front_table(found[columns].to_numpy(), columns, _archs(found)).to_string(), file=file)
    if exact is None:
        return
    exact = exact.drop_duplicates(subset=columns)
    print(f"\nExact front of the table ({len(exact)} points):", file=file)
    print(front_table(exact[columns].to_numpy(), columns).to_string(), file=file)
    from pymoo_arnas.experiments.metrics import FrontReference

    ref = FrontReference(1.0 - exact[columns].to_numpy(dtype=float))
    F = 1.0 - query_log[columns].to_numpy(dtype=float)
    n_hit, n_exact = ref.found(F), len(ref.front)
    print(
        f"\nexact-front points found: {n_hit} of {n_exact} ({100 * n_hit / n_exact:.0f}%), "
        f"normalised hypervolume {ref.nhv(F):.3f}",
        file=file,
    )


def _print_single(query_log, column, exact, file) -> None:
    if len(query_log) == 0:
        print("No cell was queried.", file=file)
        return
    best_row = query_log.iloc[[int(np.argmax(query_log[column].to_numpy()))]]
    best = float(best_row[column].iloc[0])
    print(f"Best cell found ({column}, accuracy in %):", file=file)
    print(front_table(best_row[[column]].to_numpy(), [column], _archs(best_row)).to_string(),
          file=file)
    if exact is None or len(exact) == 0:
        return
    optimum = float(exact[column].max())
    n_opt = len(exact[np.round(exact[column], 9) >= np.round(optimum, 9)])
    hit = round(best, 9) >= round(optimum, 9)
    print(f"\nOptimum of the table: {100 * optimum:.2f}% ({n_opt} cell{'s' * (n_opt != 1)})",
          file=file)
    print(f"\nbest found {100 * best:.2f}% vs optimum {100 * optimum:.2f}%: regret "
          f"{100 * (optimum - best):.2f} points, optimum found: {'yes' if hit else 'no'}",
          file=file)


__all__ = ["found_front", "front_table", "print_fronts"]
