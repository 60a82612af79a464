"""``nsga2-cat-llm`` beside ``nsga2-cat`` at equal unique queries, with the real local model.

For each problem and seed, runs ``nsga2-cat`` and ``nsga2-cat-llm`` (``nsga2-cat`` whose local
candidate pool also holds the model's proposals, screened by the GP like every other
candidate) through :func:`~pymoo_arnas.experiments.runner.run_one` up to ``--budget`` unique
queries, both with ``nsga2-cat``'s defaults, and prints per run and on average: nHV and share
of the exact front found at the budget (:mod:`pymoo_arnas.experiments.metrics`, as
``bench_search.py``), seconds per run, and for the LLM runs the share of the queried cells
that came from the model, its calls and failed calls
(:func:`~pymoo_arnas.experiments.runner.llm_stats`).

Each LLM run's requests and answers are recorded as a JSONL tape under ``--tapes``
(one file per run). ``--replay DIR`` answers from those tapes instead (strict
:class:`~pymoo_arnas.llm.ReplayClient`: a request not on the tape stops the run), offline,
and reproduces the same figures (the seconds aside).

    python benchmarks/bench_cat_llm.py                          # local Gemma, records tapes
    python benchmarks/bench_cat_llm.py --replay benchmarks/tapes/cat_llm
    python benchmarks/bench_cat_llm.py --control --seeds 0 1 2 3 4 5 6 7 8 9

Needs the ``local`` extra to record (the server is started and stopped here), or
``--base-url`` of any OpenAI-compatible server. ``--control`` needs no model: it runs
``nsga2-cat-llm`` with stand-in models on the 8 bi-objective problems, each run paired with
``nsga2-cat`` on its seed: one that proposes nothing, uniform random cells, the problem's
worst unqueried cells (an adversary) and its best (an oracle that knows the table).

Measured 2026-12-01 (0.10.0: the robust accuracy modelled as its ratio to the clean one and a
global generation every second generation after the global phase; Gemma 3 270M Q4_K_M under
llama.cpp, 1 thread, temperature 0.8, 2 busy cores; budget 300, the tapes under
``benchmarks/tapes/cat_llm``; ``--replay`` reproduces every figure but the seconds):

=====================  ====  ===============  ===============  ======================
problem                seed  nsga2-cat        nsga2-cat-llm    LLM cells / calls
=====================  ====  ===============  ===============  ======================
cifar10/clean+pgd      0     0.870, 70 %      0.876, 80 %      1 (0.3 %) / 20
cifar10/clean+pgd      1     0.959, 80 %      0.959, 80 %      0 (0.0 %) / 20
cifar100/clean+apgd    0     0.899, 39 %      0.896, 39 %      0 (0.0 %) / 20
cifar100/clean+apgd    1     0.911, 33 %      0.912, 44 %      0 (0.0 %) / 20
mean                         0.910, 56 %      0.911, 61 %      1/1200 (0.1 %) / 80
=====================  ====  ===============  ===============  ======================

(nHV, share of the exact front found.) No call failed; an LLM run took about 160-190 s (the
model asked for 4 cells in each of the 20 local generations after the global phase; the 20
global generations ask none) against 1-4 s for nsga2-cat. The GP picked 1 of the small
model's proposals in all; the runs differ from nsga2-cat's by the path that pick and the
larger pool give (-0.003..+0.006 nHV; the random stand-in below moves single runs further,
at no cost on average).

``--control --seeds 0 1 2 3 4 5 6 7 8 9`` (80 runs each; mean nHV at 100 / 200 / 300,
share at 300, paired difference at 300 with its range, share of queried cells that were the
model's):

=============  =======================  =====  ========================  ======
model          nHV                      share  against nsga2-cat         cells
=============  =======================  =====  ========================  ======
(nsga2-cat)    0.833 / 0.919 / 0.953    71.6%
empty          0.833 / 0.919 / 0.953    71.6%  +0.000; 80 of 80 equal    0.0 %
random         0.833 / 0.913 / 0.952    70.1%  -0.001 (-0.081..+0.068)   0.4 %
worst          0.833 / 0.911 / 0.952    70.9%  -0.001 (-0.123..+0.089)   1.9 %
oracle         0.833 / 0.926 / 0.958    75.2%  +0.005 (-0.041..+0.107)   2.0 %
=============  =======================  =====  ========================  ======

A model with nothing new leaves every run exactly as ``nsga2-cat``'s; a random or adversarial
one changes single runs (the path) but hardly the mean (-0.001); a model that knows the best
cells lifts the mean nHV by 0.005 and the share found from 72 % to 75 %, though the GP admits
only a few of its proposals (the 100 queries of the global phase and the global generations
after it ask no model, so the first column is the same for all). With 0.9.0, whose plain run
found less (0.931, 66 %), the oracle added 0.028 and 12 points.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import logging  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

PROBLEMS = ["cifar10/clean+pgd", "cifar100/clean+apgd"]
TAPES = Path(__file__).parent / "tapes" / "cat_llm"


def tape_name(problem: str, seed: int) -> str:
    """The tape file of one LLM run, e.g. ``cifar10-clean+pgd-seed0.jsonl``."""
    return f"{problem.replace('/', '-')}-seed{seed}.jsonl"


def one_run(problem, algorithm, seed, budget, llm=None) -> dict:
    """The figures of one run (a row of the printed table)."""
    from pymoo_arnas.experiments.runner import run_one

    t0 = time.perf_counter()
    params = {"llm": llm} if llm is not None else {}  # both with nsga2-cat's defaults
    df = run_one(problem, algorithm, seed, budget, params=params)
    last = df.iloc[-1]
    row = dict(problem=problem, algorithm=algorithm, seed=seed, n_unique=int(last["n_unique"]),
               nhv=float(last["nhv"]), share=float(last["share"]),
               seconds=time.perf_counter() - t0)
    row.update(df.attrs.get("llm", {}))
    return row


# ---------------------------------------------------------------- controls (no model)

CONTROLS = ("empty", "random", "worst", "oracle")
"""Stand-in models of ``--control``: one that proposes nothing (``[]``), uniform random
cells, the problem's worst unqueried cells (the last fronts of its own table) and its best
ones (the exact front first)."""


class _Control:
    """A stand-in model for one run: answers from the run's own problem."""

    def __init__(self, kind, name, problem, seed):
        import numpy as np

        from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

        from pymoo_arnas.experiments.problems import make_problem
        from pymoo_arnas.space import all_genomes

        self.kind, self.problem = kind, problem  # the run's problem, ``name``
        self.rng = np.random.default_rng(seed)
        if kind in ("worst", "oracle"):
            G = all_genomes()
            _, first = np.unique(problem.units(G), return_index=True)
            G = G[np.sort(first)]  # one genome per unit
            twin = make_problem(name)  # a copy whose queries do not count
            F = twin.evaluate(G)
            rank = np.empty(len(G), dtype=np.int64)
            for r, front in enumerate(NonDominatedSorting().do(F)):
                rank[front] = r
            order = np.lexsort((self.rng.random(len(G)), rank))
            self.ranked = G[order if kind == "oracle" else order[::-1]]

    def client(self):
        from pymoo_arnas.llm.base import LLMClient

        control = self

        class Control(LLMClient):
            def _call(self, prompt, system, schema):
                return control.answer(schema["maxItems"]), 1, 1

        return Control(model=f"control-{self.kind}", max_retries=0)

    def answer(self, k) -> str:
        if self.kind == "empty":
            return "[]"
        if self.kind == "random":
            return str(self.rng.integers(0, 5, size=(k, 6)).tolist())
        new = self.ranked[~self.problem.is_queried(self.ranked)][:k]
        return str(new.tolist())


def control_run(problem, kind, seed, budget) -> dict:
    """nHV and share at 100, 200 and ``budget`` queries of ``nsga2-cat`` (``kind=None``) or of
    ``nsga2-cat-llm`` with a stand-in model, as :func:`~pymoo_arnas.experiments.runner.run_one`
    runs it."""
    from pymoo.optimize import minimize
    from pymoo.termination.max_eval import MaximumFunctionCallTermination

    from pymoo_arnas.algorithms import get_algorithm
    from pymoo_arnas.experiments.blas import limit_blas_threads
    from pymoo_arnas.experiments.metrics import convergence
    from pymoo_arnas.experiments.problems import make_problem

    limit_blas_threads(1)
    prob = make_problem(problem, budget=budget)
    if kind is None:
        algo, ctl = get_algorithm("nsga2-cat"), None
    else:
        ctl = _Control(kind, problem, prob, seed)
        algo = get_algorithm("nsga2-cat-llm", llm=ctl.client())
    minimize(prob, algo, MaximumFunctionCallTermination(50 * budget), seed=int(seed),
             copy_algorithm=False)
    conv = convergence(prob, prob.query_log.iloc[:budget].reset_index(drop=True))
    row = dict(problem=problem, model=kind or "(nsga2-cat)", seed=seed,
               genomes=prob.query_log[["x0", "x1", "x2", "x3", "x4", "x5"]].to_numpy())
    for q in (100, 200, budget):
        r = conv.iloc[min(q, len(conv)) - 1]
        row[f"nhv{q}"], row[f"share{q}"] = float(r["nhv"]), float(r["share"])
    if ctl is not None:
        row["llm_picked"] = algo.n_llm_picked / max(algo.n_picked, 1)
    return row


def controls(args) -> int:
    """``--control``: nsga2-cat-llm with each stand-in model beside nsga2-cat, paired by
    seed."""
    import numpy as np
    import pandas as pd

    from pymoo_arnas.experiments.problems import SUITES

    problems = args.problems if args.problems != PROBLEMS else SUITES["bi"]
    rows = []
    for problem in problems:
        for seed in args.seeds:
            for kind in (None, *CONTROLS):
                rows.append(control_run(problem, kind, seed, args.budget))
    df = pd.DataFrame(rows)
    base = df[df["model"] == "(nsga2-cat)"].set_index(["problem", "seed"])
    qs = sorted({100, 200, args.budget})
    print(f"nsga2-cat-llm with stand-in models against nsga2-cat: {len(problems)} problems, "
          f"seeds {args.seeds[0]}..{args.seeds[-1]}, budget {args.budget}")
    print("mean nHV at " + " / ".join(map(str, qs)) + " queries, share at the budget, "
          "paired nHV difference at the budget (mean, min, max), share of the queried cells "
          "that were the model's")
    for model, g in df.groupby("model", sort=False):
        g = g.set_index(["problem", "seed"])
        d = g[f"nhv{args.budget}"] - base.loc[g.index, f"nhv{args.budget}"]
        same = sum(np.array_equal(a, b) for a, b in zip(g["genomes"], base.loc[g.index, "genomes"]))
        s = (f"{model:12s} " + " / ".join(f"{g[f'nhv{q}'].mean():.3f}" for q in qs)
             + f"  share {g[f'share{args.budget}'].mean():.1%}")
        if model != "(nsga2-cat)":
            s += (f"  diff {d.mean():+.3f} ({d.min():+.3f}..{d.max():+.3f})"
                  f"  model's cells {g['llm_picked'].mean():.1%}"
                  f"  runs identical to nsga2-cat {same}/{len(g)}")
        print(s)
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--problems", nargs="+", default=PROBLEMS)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    ap.add_argument("--budget", type=int, default=300, help="unique queries per run")
    ap.add_argument("--replay", type=Path, default=None,
                    help="a folder of tapes to answer from (offline, strict)")
    ap.add_argument("--tapes", type=Path, default=TAPES,
                    help="where to record the tapes (not with --replay)")
    ap.add_argument("--base-url", default=None,
                    help="an OpenAI-compatible /v1 URL (default: start the local Gemma)")
    ap.add_argument("--model", default="gemma-3-270m")
    ap.add_argument("--max-tokens", type=int, default=600)
    ap.add_argument("--timeout", type=float, default=300.0)
    ap.add_argument("--no-baseline", action="store_true", help="only the LLM runs")
    ap.add_argument("--control", action="store_true",
                    help="no model: stand-in models (empty, random, worst, oracle) on the 8 "
                         "bi-objective problems, each paired with nsga2-cat")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.budget < 1:
        print(f"error: --budget must be >= 1; got {args.budget}", file=sys.stderr)
        return 2
    if args.replay is not None and not args.replay.is_dir():
        print(f"error: --replay {args.replay}: no such folder", file=sys.stderr)
        return 2

    if args.control:
        return controls(args)

    from pymoo_arnas.llm import OpenAIClient, ReplayClient

    server = None
    if args.replay is None and args.base_url is None:
        from pymoo_arnas.llm.local import start_local_server

        server = start_local_server()
        args.base_url, args.model = server.base_url, server.model
    rows = []
    try:
        for problem in args.problems:
            for seed in args.seeds:
                if not args.no_baseline:
                    rows.append(one_run(problem, "nsga2-cat", seed, args.budget))
                    _print_row(rows[-1])
                if args.replay is not None:
                    tape = args.replay / tape_name(problem, seed)
                    if not tape.is_file():
                        print(f"error: no tape {tape}", file=sys.stderr)
                        return 2
                    llm = ReplayClient(tape, strict=True)
                else:
                    tape = args.tapes / tape_name(problem, seed)
                    tape.unlink(missing_ok=True)  # the client appends
                    llm = OpenAIClient(model=args.model, base_url=args.base_url,
                                       timeout=args.timeout, max_retries=0,
                                       max_tokens=args.max_tokens, temperature=0.8,
                                       record=tape)
                rows.append(one_run(problem, "nsga2-cat-llm", seed, args.budget, llm))
                _print_row(rows[-1])
    finally:
        if server is not None:
            server.stop()
    _print_means(rows)
    return 0


def _print_row(r) -> None:
    s = (f"{r['problem']:22s} {r['algorithm']:14s} seed {r['seed']}  n={r['n_unique']}  "
         f"nHV {r['nhv']:.3f}  share {r['share']:.0%}  {r['seconds']:.1f} s")
    if "llm_calls" in r:
        s += (f"  | LLM cells {r['llm_cells']}/{r['n_unique']} = {r['llm_share']:.1%}, "
              f"calls {r['llm_calls']}, failed {r['llm_failed_calls']}, "
              f"fallback cells {r['llm_fallback']}")
    print(s, flush=True)


def _print_means(rows) -> None:
    import pandas as pd

    df = pd.DataFrame(rows)
    agg = {"nhv": "mean", "share": "mean", "seconds": "mean"}
    for c in ("llm_cells", "n_unique", "llm_calls", "llm_failed_calls", "llm_fallback"):
        if c in df:
            agg[c] = "sum"
    print("\nmean over problems and seeds (LLM counts: totals)")
    for algo, g in df.groupby("algorithm", sort=False):
        m = g.agg(agg)
        s = (f"{algo:14s} runs {len(g)}  nHV {m['nhv']:.3f}  share {m['share']:.0%}  "
             f"{m['seconds']:.1f} s/run")
        if "llm_calls" in g and g["llm_calls"].notna().any():
            s += (f"  | LLM cells {int(m['llm_cells'])}/{int(m['n_unique'])} = "
                  f"{m['llm_cells'] / m['n_unique']:.1%}, calls {int(m['llm_calls'])}, "
                  f"failed {int(m['llm_failed_calls'])}, fallback cells "
                  f"{int(m['llm_fallback'])}")
        print(s)


if __name__ == "__main__":
    sys.exit(main())
