"""Transfer prior, measured: ``nsga2-cat`` beside ``nsga2-cat`` with a prior, on the same seeds.

The 8 bi-objective problems (clean vs each attack at epsilon 1.0, CIFAR-10 and CIFAR-100),
``--budget`` unique queries; ``nsga2-cat+prior`` (``get_algorithm("nsga2-cat",
prior=...)``) searches each dataset with the other dataset's table of the same objectives as its prior (CIFAR-100 with CIFAR-10's values,
CIFAR-10 with CIFAR-100's; :class:`~pymoo_arnas.algorithms.prior.TransferPrior`). Prints the
mean normalised hypervolume and share of the exact front found at 100 / 200 / 300 queries
per problem and the issue 12 target with a prior (mean nHV >= 0.98, share >= 85 % at 300).

Where the prior comes from (``--source``):

- ``table`` (default): the other dataset's whole table;
- ``search``: a *partial* source, the cells an earlier search of the other dataset trained:
  ``nsga2-cat`` on its five-objective problem (clean and every attack; seed 10000 + the
  target run's seed, ``--source-cells`` unique queries), written to a live result store
  (``<out>/sources``) and read back by
  :meth:`~pymoo_arnas.algorithms.prior.TransferPrior.from_store` (the other cells predicted
  from those);
- ``store``: a live result store of a cheaper proxy task, e.g. the cells
  ``benchmarks/bench_live.py --store`` trained on digits (``--store PATH --store-dataset
  digits``; its only config unless ``--store-config``); each problem uses the store's metric
  of the same attack (at the store's epsilon) and every stored metric as features, and
  problems whose attack the store lacks are left out.

Runs are stored under ``--out`` (resumable). Tuning used seeds 100-109 (``--first-seed
100``); report seeds 0-9 (the default).

    python benchmarks/bench_transfer.py --seeds 10 --budget 300 --out results/bench_transfer
    python benchmarks/bench_transfer.py --first-seed 100 --params '{"prior_pool": 10}'
    python benchmarks/bench_transfer.py --source search --out results/bench_transfer_search
    python benchmarks/bench_live.py --n-cells 300 --store proxy.sqlite
    python benchmarks/bench_transfer.py --source store --store proxy.sqlite --out results/bench_transfer_digits
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
from pymoo_arnas.space import GENOME_COLUMNS  # noqa: E402

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
    ap.add_argument("--source", choices=("table", "search", "store"), default="table",
                    help="the prior: the other dataset's table, an earlier search's cells of it, "
                         "or a live store (--store)")
    ap.add_argument("--source-cells", type=int, default=300,
                    help="unique queries of the earlier search (--source search)")
    ap.add_argument("--store", type=Path, default=None, help="live result store (--source store)")
    ap.add_argument("--store-dataset", default="digits")
    ap.add_argument("--store-config", default=None,
                    help="config key in the store (default: its only one)")
    args = ap.parse_args(argv)
    try:
        extra = json.loads(args.params)
        if not isinstance(extra, dict):
            raise ValueError("not an object")
    except ValueError as exc:
        print(f"bench_transfer: error: --params must be a JSON object ({exc})", file=sys.stderr)
        return 2
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))

    if args.source == "store" and args.store is None:
        print("bench_transfer: error: --source store needs --store PATH", file=sys.stderr)
        return 2
    if args.source == "store" and not args.store.is_file():
        print(f"bench_transfer: error: no store at {args.store}", file=sys.stderr)
        return 2

    t0 = time.perf_counter()
    problems = SUITES["bi"]
    if args.source == "store":
        priors, problems = store_priors(args.store, args.store_dataset, args.store_config)
        print(f"prior: {len(priors)} problems with the store's {args.store_dataset} cells "
              f"({', '.join(problems)})")
    frames = [sweep(problems, ["nsga2-cat"], seeds, args.budget, args.out / "plain",
                    workers=args.workers)]
    for dataset in DATASETS:
        mine = [p for p in problems if parse_problem(p)[0] == dataset]
        if args.source == "table":
            prior = sweep(mine, ["nsga2-cat"], seeds, args.budget, args.out / "prior",
                          params={"prior": PRIOR_OF[dataset], **PRIOR_PARAMS, **extra},
                          workers=args.workers)
            frames.append(prior.assign(algorithm=WITH_PRIOR))
        elif args.source == "search":
            for seed in seeds:
                prior = search_prior(PRIOR_OF[dataset], seed, args.source_cells,
                                     args.out / "sources")
                frames.append(sweep(mine, ["nsga2-cat"], [seed], args.budget, args.out / "prior",
                                    params={"prior": prior, **extra}, workers=args.workers,
                                    progress=False).assign(algorithm=WITH_PRIOR))
        else:
            for problem in mine:
                frames.append(sweep([problem], ["nsga2-cat"], seeds, args.budget,
                                    args.out / "prior", params={"prior": priors[problem], **extra},
                                    workers=args.workers).assign(algorithm=WITH_PRIOR))
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


def search_prior(dataset: str, seed: int, n_cells: int, folder: Path):
    """The prior of an earlier search of ``dataset``: ``nsga2-cat`` on its five-objective
    problem (seed ``10000 + seed``, ``n_cells`` unique queries), its cells written to a live
    store under ``folder`` (made once, then reused) and read back as a partial source."""
    from pymoo_arnas.algorithms.prior import TransferPrior
    from pymoo_arnas.experiments.runner import run_one
    from pymoo_arnas.live.store import ResultStore

    config = f"nsga2-cat-five-seed{10000 + seed}-{n_cells}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{dataset}-{config}.sqlite"
    if not path.exists():
        problem = f"{dataset}/clean+{'+'.join(ATTACKS)}"
        log = run_one(problem, "nsga2-cat", seed=10000 + seed, budget=n_cells)
        metrics = [c for c in log.columns if c == "clean" or "@" in c]
        tmp = path.with_suffix(".tmp")
        tmp.unlink(missing_ok=True)
        store = ResultStore(tmp)
        for row in log.to_dict("records"):
            store.put(dataset, config, [row[c] for c in GENOME_COLUMNS],
                      {m: row[m] for m in metrics})
        store.close()
        tmp.replace(path)
    return TransferPrior.from_store(path, dataset, config, features=PRIOR_PARAMS["prior_features"]
                                    .split(","))


def store_priors(path: Path, dataset: str, config: str | None):
    """Priors from a proxy task's live store, one per bi-objective problem whose attack it
    measured: ``(priors by problem, problems)``."""
    from pymoo_arnas.algorithms.prior import TransferPrior
    from pymoo_arnas.live.store import ResultStore
    from pymoo_arnas.objectives import split_objective

    store = ResultStore(path)
    known = store.configs()
    known = known[known["dataset"] == dataset]
    if config is None:
        if len(known) != 1:
            raise SystemExit(f"bench_transfer: error: the store holds {len(known)} configs for "
                             f"{dataset!r}; pick one with --store-config "
                             f"({', '.join(known['config'])})")
        config = known["config"].iloc[0]
    table = store.to_table(dataset, config, missing="nan")  # read once, shared by the priors
    metrics = list(table.columns)
    by_attack = {split_objective(m)[0]: m for m in metrics}
    priors = {}
    for problem in SUITES["bi"]:
        attack = split_objective(parse_problem(problem)[1][1])[0]
        if attack in by_attack:
            priors[problem] = TransferPrior(
                table, objectives=("clean", by_attack[attack]),
                features=[m for m in metrics if m not in ("clean", by_attack[attack])])
    return priors, list(priors)


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
    try:
        raise SystemExit(main())
    except ValueError as exc:  # e.g. --out holds runs made with other settings
        print(f"bench_transfer: error: {exc}", file=sys.stderr)
        raise SystemExit(2)
