"""``arnas search``: one multi-objective search, its front printed beside the exact one."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pymoo_arnas.space import to_arch_str


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "search",
        help="run one search on the table and print the found front beside the exact front",
    )
    p.add_argument("--dataset", default="cifar10", help="cifar10 or cifar100 (default cifar10)")
    p.add_argument("--objectives", nargs="+", default=["clean", "pgd@Linf"],
                   help="objective names (default: clean pgd@Linf)")
    p.add_argument("--epsilon", type=float, default=1.0, help="attack epsilon in 1/255 (default 1.0)")
    p.add_argument("--algorithm", default="nsga2-cat", help="algorithm name (see `arnas bench --help`)")
    p.add_argument("--pop-size", type=int, default=20, help="population size (default 20)")
    p.add_argument("--budget", type=int, default=300, help="unique queries (default 300)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--data-dir", default=None, help="robustness dataset root (default: found)")
    p.set_defaults(func=run)


def _front_table(F_acc: np.ndarray, columns, archs=None) -> pd.DataFrame:
    df = pd.DataFrame(np.round(100 * F_acc, 1), columns=[f"{c} %" for c in columns])
    if archs is not None:
        df["arch"] = archs
    return df.sort_values(df.columns[0], ascending=False).reset_index(drop=True)


def _summary(problem):
    """Non-dominated rows of the query log, exact-front points found, normalised HV."""
    from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

    from pymoo_arnas.experiments.metrics import FrontReference, archive_F

    F = archive_F(problem)
    ref = FrontReference(problem.pareto_front())
    found_rows = NonDominatedSorting().do(F, only_non_dominated_front=True)
    return found_rows, ref.found(F), len(ref.front), ref.nhv(F)


def run(args) -> int:
    from pymoo.optimize import minimize

    from pymoo_arnas.algorithms import get_algorithm
    from pymoo_arnas.problems import ARNAS

    problem = ARNAS(args.dataset, objectives=tuple(args.objectives), epsilon=args.epsilon,
                    data_dir=args.data_dir, budget=args.budget)
    algorithm = get_algorithm(args.algorithm, pop_size=args.pop_size)
    minimize(problem, algorithm, seed=args.seed, verbose=False)

    found_rows, n_hit, n_exact, nhv = _summary(problem)
    found = problem.query_log.iloc[found_rows]
    archs = [to_arch_str(g) for g in found[[f"x{i}" for i in range(6)]].to_numpy()]
    exact = problem.exact_front().drop_duplicates(subset=list(problem.columns))

    pd.set_option("display.width", 200)
    pd.set_option("display.max_colwidth", 100)
    print(f"{problem!r}, algorithm {args.algorithm}, seed {args.seed}")
    print(f"evaluations {problem.n_evals}, unique queries {problem.n_unique}\n")
    print(f"Found front ({len(found)} cells, accuracy in %):")
    print(_front_table(found[list(problem.columns)].to_numpy(), problem.columns, archs).to_string())
    print(f"\nExact front of the table ({len(exact)} points):")
    print(_front_table(exact[list(problem.columns)].to_numpy(), problem.columns).to_string())
    print(
        f"\nexact-front points found: {n_hit} of {n_exact} ({100 * n_hit / n_exact:.0f}%), "
        f"normalised hypervolume {nhv:.3f}"
    )
    return 0
