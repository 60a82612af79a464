"""The ``arnas bench`` and ``arnas paper`` sub-commands (sweeps, summaries, plots)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _csv(text: str) -> list:
    return [t.strip() for t in str(text).split(",") if t.strip()]


def _seeds(text: str):
    """``"10"`` -> 10 seeds (0..9); ``"3,5,7"`` -> those seeds."""
    items = _csv(text)
    if len(items) == 1 and items[0].isdigit():
        n = int(items[0])
        if n < 1:
            raise argparse.ArgumentTypeError(f"--seeds must be >= 1; got {text!r}")
        return n
    try:
        return [int(s) for s in items]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--seeds takes a count ('10') or a list ('0,3,7'); got {text!r}"
        ) from None


def _positive(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        v = 0
    if v < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer; got {text!r}")
    return v


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--workers", type=_positive, default=1,
                   help="local worker processes (default 1: run in this process)")
    p.add_argument("--scheduler", metavar="ADDRESS", default=None,
                   help="run on an existing Dask cluster (tcp://host:8786), or 'local' for a "
                        "LocalCluster of --workers processes")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--pop-size", type=_positive, default=None,
                   help="population size passed to every algorithm that takes one")


def add_parser(subparsers) -> None:
    from pymoo_arnas.algorithms import list_algorithms
    from pymoo_arnas.experiments.problems import SUITES

    b = subparsers.add_parser(
        "bench",
        help="sweep problems x algorithms x seeds; convergence to parquet; summary table",
        description="Run every missing run (resumable: finished runs under --out are skipped; a "
                    "run is known by problem, algorithm and seed, so use another --out for other "
                    "settings), print the mean nHV and share of the exact front found (or best "
                    "accuracy) at each checkpoint, and draw convergence plots. The LLM "
                    "algorithms (nsga2-llm, llmo) need a client object: use the Python API "
                    "(pymoo_arnas.experiments.runner.sweep(..., params={'llm': client})).",
    )
    b.add_argument("--problems", type=_csv, default=["bi"],
                   help=f"problem names or suites ({', '.join(SUITES)}), comma-separated, e.g. "
                        "cifar10/clean+pgd,cifar100/square (default: bi)")
    b.add_argument("--algorithms", type=_csv, default=["random", "nsga2", "nsga2-cat"],
                   help=f"comma-separated, of: {', '.join(list_algorithms())}")
    b.add_argument("--seeds", type=_seeds, default=10, help="a count (seeds 0..n-1) or a list")
    b.add_argument("--budget", type=_positive, default=300, help="unique queries per run")
    b.add_argument("--checkpoints", type=lambda t: [_positive(x) for x in _csv(t)],
                   default=[100, 300, 1000], help="budgets reported in the summary")
    b.add_argument("--out", type=Path, default=Path("results"), help="sweep folder")
    b.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    _common(b)
    b.set_defaults(func=run_bench)

    p = subparsers.add_parser(
        "paper",
        help="the seed paper's protocol (10 single-objective problems) beside its Table III",
        description="GA, PSO, DE, CMA-ES (Table II settings) and our algorithms on the paper's 10 "
                    "single-objective problems, 3,000 evaluations, population 30, 30 runs "
                    "(shrink with --runs/--evals); mean best accuracy printed beside Table III, "
                    "and convergence plots beside the paper's LLMO curves.",
    )
    p.add_argument("--problems", type=_csv, default=["paper"], help="default: the 10 of the paper")
    p.add_argument("--algorithms", type=_csv,
                   default=["ga", "pso", "de", "cmaes", "random", "nsga2-cat"],
                   help=f"comma-separated, of: {', '.join(list_algorithms())}")
    p.add_argument("--runs", type=_seeds, default=30, help="runs per problem (default 30)")
    p.add_argument("--evals", type=_positive, default=3000,
                   help="evaluations per run (default 3000)")
    p.add_argument("--report-at", type=lambda t: [_positive(x) for x in _csv(t)],
                   default=[300], help="also report the mean best at these evaluations")
    p.add_argument("--out", type=Path, default=Path("results/paper"), help="sweep folder")
    p.add_argument("--llmo-results", default=None, help="folder of the paper's LLMO curves")
    p.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    _common(p)
    p.set_defaults(func=run_paper, pop_size=30)


_NO_POP = frozenset({"random", "llmo"})


def _sweep(args, problems, algorithms, seeds, budget, mode):
    """Run the sweep (algorithms without a population get no ``pop_size``) and load it."""
    from pymoo_arnas.experiments.runner import load_runs, plan, sweep

    pop = {} if args.pop_size is None else {"pop_size": args.pop_size}
    plan(problems, algorithms, seeds, budget, mode)  # validate everything before running
    groups = ([a for a in algorithms if a not in _NO_POP], [a for a in algorithms if a in _NO_POP])
    for algos, params in zip(groups, (pop, {})):
        if algos:
            sweep(problems, algos, seeds, budget, args.out, mode, params, args.workers,
                  args.scheduler, not args.no_progress)
    return load_runs(args.out, plan(problems, algorithms, seeds, budget, mode))


def _reporting_errors(name):
    """Print a ValueError (bad problem, algorithm, budget) as a one-line error, exit code 2."""

    def wrap(func):
        def run(args):
            try:
                return func(args)
            except ValueError as exc:
                print(f"arnas {name}: error: {exc}", file=sys.stderr)
                return 2

        run.__doc__ = func.__doc__
        return run

    return wrap


@_reporting_errors("bench")
def run_bench(args) -> int:
    from pymoo_arnas.experiments.runner import format_summary, summarize

    runs = _sweep(args, args.problems, args.algorithms, args.seeds, args.budget, "unique")
    summary = summarize(runs, args.checkpoints)
    args.out.mkdir(parents=True, exist_ok=True)
    summary.to_csv(args.out / "summary.csv", index=False)
    print(format_summary(summary))
    print(f"runs: {args.out / 'runs'}; summary: {args.out / 'summary.csv'}")
    if not args.no_plots:
        from pymoo_arnas.experiments.plots import plot_convergence

        for metric in ("nhv", "share", "best"):
            if metric in runs and runs[metric].notna().any():
                path = plot_convergence(runs.dropna(subset=[metric]), metric,
                                        args.out / f"convergence_{metric}.png")
                print(f"plot: {path}")
    return 0


@_reporting_errors("paper")
def run_paper(args) -> int:
    from pymoo_arnas.experiments.paper import compare_table3, format_comparison

    runs = _sweep(args, args.problems, args.algorithms, args.runs, args.evals, "evals")
    table = compare_table3(runs, evals=sorted(set(args.report_at) | {args.evals}))
    args.out.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out / "table3_comparison.csv")
    n = runs.groupby(["problem", "algorithm"])["seed"].nunique().min()
    print(f"mean best accuracy (%) over {n} runs, at the given evaluations, beside the paper's "
          f"Table III (after 3,000):")
    print(format_comparison(table))
    ours = [c for c in table.columns if "@" in c]
    if "paper best" in table:
        print()
        for c in ours:
            ok = (table[c] >= table["paper best"] - 1e-9).sum()
            print(f"{c:>18s}: at or above the best Table III entry on {ok} of {len(table)} "
                  "problems")
    print(f"runs: {args.out / 'runs'}; table: {args.out / 'table3_comparison.csv'}")
    if not args.no_plots:
        from pymoo_arnas.experiments.plots import plot_paper

        path = plot_paper(runs, args.out / "paper_convergence.png", args.evals, args.llmo_results)
        print(f"plot: {path}")
    return 0
