"""Seconds per run: ``nsga2-cat`` beside Optuna's GP sampler (``optuna-gp``), side by side.

The 8 bi-objective problems (clean vs each attack at epsilon 1.0, CIFAR-10 and CIFAR-100;
``--problems`` for fewer), ``--budget`` unique queries. One problem after the other, in this
process with one BLAS thread (after a short untimed run of each, which pays the one-time
costs: imports, tables), ``optuna-gp`` runs ``--gp-seeds`` seeds (it takes minutes per
run) and then ``nsga2-cat`` ``--seeds`` seeds, so both are timed under the same load. Prints
per problem the mean seconds per run of each and their ratio, and the mean nHV at 100 / 200
/ 300 queries of each; then the issue 12 target: ``nsga2-cat`` at least 100x faster per run
than ``optuna-gp`` on every problem.

Runs are stored under ``--out`` (resumable, so re-running only prints). A stored run keeps
the seconds it took when it ran: for ratios measured side by side, give a fresh ``--out``
and leave the machine otherwise as it was for the whole benchmark.

    python benchmarks/bench_speed.py --budget 300
    python benchmarks/bench_speed.py --problems cifar10/clean+square --gp-seeds 2
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

from pymoo_arnas.experiments.problems import expand_problems
from pymoo_arnas.experiments.runner import run_one, summarize, sweep

TARGET = 100.0
"""How many times faster per run than ``optuna-gp`` ``nsga2-cat`` should be (issue 12)."""


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--problems", default="bi",
                    help="problem names or suites, comma-separated (default: bi)")
    ap.add_argument("--budget", type=int, default=300, help="unique queries per run")
    ap.add_argument("--seeds", type=int, default=5, help="nsga2-cat seeds (0..n-1)")
    ap.add_argument("--gp-seeds", type=int, default=1, help="optuna-gp seeds (0..n-1)")
    ap.add_argument("--out", type=Path, default=Path("results/bench_speed"))
    args = ap.parse_args(argv)
    if args.seeds < 1 or args.gp_seeds < 1:
        ap.error(f"--seeds and --gp-seeds must be >= 1; got {args.seeds} and {args.gp_seeds}")
    problems = expand_problems([p for p in args.problems.split(",") if p])

    t0 = time.perf_counter()
    for algorithm in ("optuna-gp", "nsga2-cat"):  # one-time costs (imports, tables) first
        run_one(problems[0], algorithm, seed=0, budget=min(30, args.budget))
    runs = []
    for problem in problems:  # each problem's runs back to back: the same load for both
        runs.append(sweep([problem], ["optuna-gp"], args.gp_seeds, args.budget, args.out,
                          progress=False))
        runs.append(sweep([problem], ["nsga2-cat"], args.seeds, args.budget, args.out,
                          progress=False))
    runs = pd.concat(runs, ignore_index=True)
    seconds = (runs.groupby(["problem", "algorithm", "seed"])["seconds"].first()
               .groupby(["problem", "algorithm"]).mean().unstack())
    checkpoints = sorted({c for c in (100, 200, 300) if c <= args.budget} | {args.budget})
    nhv = summarize(runs, checkpoints).pivot_table(index="problem",
                                                   columns=["algorithm", "checkpoint"],
                                                   values="nhv")
    print(f"\n== seconds per run, {args.budget} unique queries; nsga2-cat {args.seeds} "
          f"seed(s), optuna-gp {args.gp_seeds} (one BLAS thread, one problem after the other) ==")
    head = " / ".join(str(c) for c in checkpoints)
    print(f"{'problem':24s} {'nsga2-cat s':>11s} {'optuna-gp s':>11s} {'ratio':>7s}   "
          f"nHV at {head}: nsga2-cat | optuna-gp")
    ratio = seconds["optuna-gp"] / seconds["nsga2-cat"]

    def at(problem, algorithm):
        return " / ".join(f"{nhv.loc[problem, (algorithm, c)]:.3f}" for c in checkpoints)

    for problem in problems:
        print(f"{problem:24s} {seconds.loc[problem, 'nsga2-cat']:11.2f} "
              f"{seconds.loc[problem, 'optuna-gp']:11.1f} {ratio[problem]:6.0f}x   "
              f"{at(problem, 'nsga2-cat')} | {at(problem, 'optuna-gp')}")
    worst = ratio.idxmin()
    met = bool((ratio >= TARGET).all())
    print(f"issue 12 target: nsga2-cat >= {TARGET:.0f}x faster per run than optuna-gp on every "
          f"problem: least {ratio.min():.0f}x ({worst}), mean over problems "
          f"{seconds['optuna-gp'].mean():.1f} s against {seconds['nsga2-cat'].mean():.2f} s  "
          f"{'MET' if met else 'not met'}")
    print(f"total {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except ValueError as exc:  # e.g. --out holds runs made with other settings
        print(f"bench_speed: error: {exc}", file=sys.stderr)
        raise SystemExit(2)
