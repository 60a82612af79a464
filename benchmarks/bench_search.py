"""The headline benchmark: sample efficiency of the search algorithms on the real tables.

Part 1 (bi-objective): the 8 problems clean vs each attack at epsilon 1.0 on CIFAR-10 and
CIFAR-100; every algorithm with ``--seeds`` seeds up to ``--budget`` unique queries; the
mean normalised hypervolume and share of the exact front found (on the archive) after
100 / 300 / 1000 unique queries. Targets for ``nsga2-cat`` (issue 12, no priors): mean nHV
>= 0.95 and mean share >= 70 % over the 8 problems at 300, no problem below 0.90, ahead of
every peer run beside it on every problem.

Part 2 (single objective, the seed paper's protocol shrunk to 300 evaluations): the 10
problems, population 30; mean best accuracy after 300 evaluations beside the best Table III
entry (after 3,000), and how many runs of each algorithm reached the table's optimum. Targets
for ``nsga2-cat``: at or above the Table III entry on all 10; the optimum in every run
(issue 12).

Part 3 (many objectives, ``--many``): the suites ``three`` (clean, PGD, params) and
``five`` (clean and the four attacks), CIFAR-10 and CIFAR-100, the many-objective
algorithms beside ``nsga2-cat`` and random search; mean nHV and share found after 100 / 300
unique queries.

Runs are stored under ``--out`` (resumable: finished runs are skipped), so re-running only
prints. Keep ``OPENBLAS_NUM_THREADS=1`` (set here) on a shared machine. Report seeds are 0-9
(the default); tune on others, e.g. ``--first-seed 100 --seeds 50`` (seeds 100-149, which the
class notes of ``nsga2-cat`` quote).

    python benchmarks/bench_search.py                         # 10 seeds, budget 1000
    python benchmarks/bench_search.py --seeds 3 --budget 300  # quicker
    python benchmarks/bench_search.py --workers 2             # two processes
    python benchmarks/bench_search.py --seeds 3 --budget 300 --many --skip-bi --skip-single
    python benchmarks/bench_search.py --first-seed 100 --seeds 50 --budget 300 --skip-single
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from pymoo_arnas.experiments.paper import (  # noqa: E402
    OPTIMA,
    best_by_eval,
    compare_table3,
    format_comparison,
)
from pymoo_arnas.experiments.problems import SUITES  # noqa: E402
from pymoo_arnas.experiments.runner import format_summary, summarize, sweep  # noqa: E402

BI_ALGORITHMS = ["random", "nsga2", "nsga2-ux", "nsga2-cat", "nsga2-cat-zc"]
SO_ALGORITHMS = ["ga", "pso", "de", "cmaes", "jade", "shade", "random", "nsga2-cat"]
MANY_ALGORITHMS = ["random", "nsga2-cat", "nsga3", "moead", "sms-emoa", "age-moea"]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=10, help="number of seeds")
    ap.add_argument("--first-seed", type=int, default=0,
                    help="seeds first..first+n-1 (tune on others than the report seeds 0-9)")
    ap.add_argument("--budget", type=int, default=1000, help="unique queries (part 1)")
    ap.add_argument("--so-evals", type=int, default=300, help="evaluations (part 2)")
    ap.add_argument("--out", type=Path, default=Path("results/bench_search"))
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--scheduler", default=None, help="Dask scheduler address")
    ap.add_argument("--algorithms", default=",".join(BI_ALGORITHMS))
    ap.add_argument("--skip-single", action="store_true", help="skip part 2")
    ap.add_argument("--skip-bi", action="store_true", help="skip part 1")
    ap.add_argument("--many", action="store_true", help="part 3 (many objectives)")
    ap.add_argument("--many-suites", default="three,five")
    args = ap.parse_args(argv)
    if args.seeds < 1 or args.first_seed < 0:
        ap.error(f"--seeds must be >= 1 and --first-seed >= 0; got {args.seeds} and "
                 f"{args.first_seed}")
    args.seed_list = list(range(args.first_seed, args.first_seed + args.seeds))
    algos = [a for a in args.algorithms.split(",") if a]

    t0 = time.perf_counter()
    if not args.skip_bi:
        _bi(args, algos)
    if args.many:
        _many(args)
    if not args.skip_single:
        _paper(args)
    print(f"\n({time.perf_counter() - t0:.0f} s; runs under {args.out})")
    return 0


def _seeds(args) -> str:
    """The seeds of this run, in words: ``10 seeds (0-9)``."""
    last = args.first_seed + args.seeds - 1
    return f"{args.seeds} seed{'s' if args.seeds > 1 else ''} ({args.first_seed}-{last})"


def _bi(args, algos) -> None:
    """Part 1: the 8 bi-objective problems."""
    runs = sweep(SUITES["bi"], algos, args.seed_list, args.budget, args.out / "bi",
                 workers=args.workers, scheduler=args.scheduler)
    checkpoints = [c for c in (100, 200, 300, 1000) if c <= args.budget]
    summary = summarize(runs, checkpoints)
    summary.to_csv(args.out / "bi_summary.csv", index=False)
    print(f"\n== Part 1: 8 bi-objective problems, {_seeds(args)}, mean over seeds "
          f"(nHV / share of the exact front found) ==")
    print(format_summary(summary))

    if "nsga2-cat" in algos and 300 <= args.budget:
        at = summary[summary["checkpoint"] == 300].pivot(index="problem", columns="algorithm")
        nhv, share = at["nhv"], at["share"]
        ours = nhv["nsga2-cat"]
        print("issue 12 targets at 300 unique queries for nsga2-cat (without priors):")
        print(f"  mean nHV   {ours.mean():.3f}  (target >= 0.95)  "
              f"{'MET' if ours.mean() >= 0.95 else 'not met'}")
        print(f"  mean share {100 * share['nsga2-cat'].mean():.1f}%  (target >= 70%)  "
              f"{'MET' if share['nsga2-cat'].mean() >= 0.70 else 'not met'}")
        print(f"  worst problem nHV {ours.min():.3f} (target >= 0.90), share "
              f"{100 * share['nsga2-cat'].min():.0f}%")
        for peer in (a for a in nhv.columns if a != "nsga2-cat"):
            ahead = (ours > nhv[peer]).sum()
            print(f"  ahead of {peer} (nHV) on {ahead} of {len(ours)} problems "
                  f"(min margin {np.min(ours - nhv[peer]):+.3f})")
        for early in (100, 200):  # early queries matter most when each is a trained network
            at = summary[summary["checkpoint"] == early].pivot(index="problem", columns="algorithm")
            means = at["nhv"].mean()
            peers = ", ".join(f"{a} {means[a]:.3f}" for a in means.index if a != "nsga2-cat")
            print(f"  at {early} queries: mean nHV nsga2-cat {means['nsga2-cat']:.3f}; {peers}")

    from pymoo_arnas.experiments.plots import plot_convergence

    for metric in ("nhv", "share"):
        print(f"plot: {plot_convergence(runs, metric, args.out / f'bi_{metric}.png')}")


def _many(args) -> None:
    """Part 3: three and five objectives."""
    from pymoo_arnas.experiments.problems import expand_problems

    problems = expand_problems(args.many_suites)
    runs = sweep(problems, MANY_ALGORITHMS, args.seed_list, args.budget, args.out / "many",
                 workers=args.workers, scheduler=args.scheduler)
    summary = summarize(runs, [c for c in (100, 300, 1000) if c <= args.budget])
    summary.to_csv(args.out / "many_summary.csv", index=False)
    print(f"\n== Part 3: many objectives ({args.many_suites}), {_seeds(args)}, mean over "
          f"seeds (nHV / share of the exact front found) ==")
    print(format_summary(summary))


def _paper(args) -> None:
    """Part 2: the paper's 10 single-objective problems."""
    from pymoo_arnas.experiments.plots import plot_paper

    so = _single(args)
    table = compare_table3(so, evals=(100, args.so_evals))
    table.to_csv(args.out / "paper_comparison.csv")
    cols = [c for c in table.columns if c.endswith(f"@{args.so_evals}")]
    show = table[cols + ["paper best", "optimum"]]
    print(f"\n== Part 2: the paper's 10 problems, {_seeds(args)}, mean best accuracy (%) "
          f"after {args.so_evals} evaluations vs the best Table III entry (after 3,000) ==")
    print(format_comparison(show))
    for c in cols:
        ok = (table[c] >= table["paper best"] - 1e-9).sum()
        print(f"{c:>18s}: at or above the best Table III entry on {ok} of 10")
    # the runs whose best after so_evals evaluations is the table's optimum
    best = 100 * best_by_eval(so, args.so_evals)[args.so_evals]  # (problem, algorithm, seed)
    optimum = best.index.get_level_values("problem").map(OPTIMA).to_numpy(dtype=float)
    hits = (best >= optimum - 1e-6).groupby(level=["algorithm", "problem"], sort=False) \
        .agg(["sum", "size"])
    for algo, h in hits.groupby(level="algorithm", sort=False):
        short = ", ".join(f"{p} {k} of {n}" for (_, p), (k, n) in h.iterrows() if k < n)
        print(f"{algo:>14s}@{args.so_evals}: the optimum in {h['sum'].sum()} of "
              f"{h['size'].sum()} runs" + (f" (short: {short})" if short else ""))
    ours = hits.xs("nsga2-cat", level="algorithm")
    print(f"issue 12 target with one objective: the optimum in every run of nsga2-cat "
          f"({ours['sum'].sum()} of {ours['size'].sum()})  "
          f"{'MET' if (ours['sum'] == ours['size']).all() else 'not met'}")
    print(f"plot: {plot_paper(so, args.out / 'paper_convergence.png', args.so_evals)}")


def _single(args):
    """Part 2: population 30 for the population-based algorithms; random search as is."""
    import pandas as pd

    out = args.out / "paper"
    pop = sweep(SUITES["paper"], [a for a in SO_ALGORITHMS if a != "random"], args.seed_list,
                args.so_evals, out, mode="evals", params={"pop_size": 30},
                workers=args.workers, scheduler=args.scheduler)
    rnd = sweep(SUITES["paper"], ["random"], args.seed_list, args.so_evals, out, mode="evals",
                workers=args.workers, scheduler=args.scheduler)
    return pd.concat([pop, rnd], ignore_index=True)


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except ValueError as exc:  # e.g. --out holds runs made with other settings
        print(f"bench_search: error: {exc}", file=sys.stderr)
        raise SystemExit(2)
