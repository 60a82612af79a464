"""Transfer prior, measured: ``nsga2-cat`` beside ``nsga2-cat`` with a prior, on the same seeds.

The 8 bi-objective problems (clean vs each attack at epsilon 1.0, CIFAR-10 and CIFAR-100),
``--budget`` unique queries; ``nsga2-cat+prior`` (``get_algorithm("nsga2-cat",
prior=...)``) searches each dataset with the other dataset's table of the same objectives as its prior (CIFAR-100 with CIFAR-10's values,
CIFAR-10 with CIFAR-100's; :class:`~pymoo_arnas.algorithms.prior.TransferPrior`). Prints the
mean normalised hypervolume and share of the exact front found at 100 / 200 / 300 queries
per problem and the issue 12 target with a prior (mean nHV >= 0.98, share >= 85 % at 300).

Runs are stored under ``--out`` (resumable). Tuning used seeds 100-109 (``--first-seed
100``); report seeds 0-9 (the default).

    python benchmarks/bench_transfer.py --seeds 10 --budget 300 --out results/bench_transfer
    python benchmarks/bench_transfer.py --first-seed 100 --params '{"prior_pool": 10}'
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import pandas as pd  # noqa: E402

from pymoo_arnas.experiments.problems import (  # noqa: E402
    ATTACKS,
    DATASETS,
    SUITES,
    parse_problem,
)
from pymoo_arnas.experiments.runner import summarize, sweep  # noqa: E402

PRIOR_OF = {"cifar10": "cifar100", "cifar100": "cifar10"}
"""Target dataset -> the dataset whose table is its prior."""

PRIOR_PARAMS = {"prior_features": ",".join(("clean",) + ATTACKS)}
"""The measured configuration: the source's clean and every attack's values as surrogate
features (each source column says what kind of cell it is)."""

CHECKPOINTS = (100, 200, 300)
WITH_PRIOR = "nsga2-cat+prior"
"""How the runs with a prior are labelled in the tables."""


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=10, help="number of seeds")
    ap.add_argument("--first-seed", type=int, default=0, help="seeds first..first+n-1")
    ap.add_argument("--budget", type=int, default=300, help="unique queries per run")
    ap.add_argument("--out", type=Path, default=Path("results/bench_transfer"))
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--params", default="{}",
                    help="JSON of nsga2-cat parameters over PRIOR_PARAMS for the prior runs (tuning)")
    args = ap.parse_args(argv)
    try:
        extra = json.loads(args.params)
        if not isinstance(extra, dict):
            raise ValueError("not an object")
    except ValueError as exc:
        print(f"bench_transfer: error: --params must be a JSON object ({exc})", file=sys.stderr)
        return 2
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))

    t0 = time.perf_counter()
    frames = [sweep(SUITES["bi"], ["nsga2-cat"], seeds, args.budget, args.out / "plain",
                    workers=args.workers)]
    for dataset in DATASETS:
        problems = [p for p in SUITES["bi"] if parse_problem(p)[0] == dataset]
        prior = sweep(problems, ["nsga2-cat"], seeds, args.budget, args.out / "prior",
                      params={"prior": PRIOR_OF[dataset], **PRIOR_PARAMS, **extra},
                      workers=args.workers)
        frames.append(prior.assign(algorithm=WITH_PRIOR))
    runs = pd.concat(frames, ignore_index=True)
    summary = summarize(runs, [c for c in CHECKPOINTS if c <= args.budget])
    summary.to_csv(args.out / "summary.csv", index=False)

    print(f"\n== transfer prior: 8 bi-objective problems, seeds {seeds[0]}-{seeds[-1]}, mean "
          f"over seeds (nHV / share of the exact front found) ==")
    print(format_side_by_side(summary))
    at = summary[summary["checkpoint"] == min(300, args.budget)]
    ours = at[at["algorithm"] == WITH_PRIOR]
    print(f"issue 12 targets at {min(300, args.budget)} unique queries with a transfer prior:")
    print(f"  mean nHV   {ours['nhv'].mean():.3f}  (target >= 0.98)  "
          f"{'MET' if ours['nhv'].mean() >= 0.98 else 'not met'}")
    print(f"  mean share {100 * ours['share'].mean():.1f}%  (target >= 85%)  "
          f"{'MET' if ours['share'].mean() >= 0.85 else 'not met'}")
    print(f"\n({time.perf_counter() - t0:.0f} s; runs under {args.out})")
    return 0


def format_side_by_side(summary: pd.DataFrame) -> str:
    """One line per problem: nHV / share of each algorithm at each checkpoint, then means."""
    algos = list(dict.fromkeys(summary["algorithm"]))
    cps = sorted(summary["checkpoint"].unique())
    head = f"{'problem':<22s}" + "".join(f"{a + ' @' + str(c):>22s}" for a in algos for c in cps)
    lines = [head, "-" * len(head)]
    table = summary.set_index(["problem", "algorithm", "checkpoint"])
    for problem in dict.fromkeys(summary["problem"]):
        cells = []
        for a in algos:
            for c in cps:
                r = table.loc[(problem, a, c)]
                cells.append(f"{r['nhv']:.3f} / {100 * r['share']:3.0f}%")
        lines.append(f"{problem:<22s}" + "".join(f"{x:>22s}" for x in cells))
    mean = summary.groupby(["algorithm", "checkpoint"])[["nhv", "share"]].mean()
    lines.append("-" * len(head))
    lines.append(f"{'mean':<22s}" + "".join(
        f"{mean.loc[(a, c), 'nhv']:.3f} / {100 * mean.loc[(a, c), 'share']:3.0f}%".rjust(22)
        for a in algos for c in cps))
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
