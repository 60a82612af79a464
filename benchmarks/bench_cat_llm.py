"""``nsga2-cat-llm`` beside ``nsga2-cat`` at equal unique queries, with the real local model.

For each problem and seed, runs ``nsga2-cat`` and ``nsga2-cat-llm`` (the LLM's mutation
proposals join the candidate pool and are screened by the GP like every other candidate)
through :func:`~pymoo_arnas.experiments.runner.run_one` up to ``--budget`` unique queries,
and prints per run and on average: nHV and share of the exact front found at the budget
(:mod:`pymoo_arnas.experiments.metrics`, as ``bench_search.py``), seconds per run, and for
the LLM runs the share of the queried cells that came from the model, its calls, failed
calls and fallback cells (:func:`~pymoo_arnas.experiments.runner.llm_stats`).

Each LLM run's requests and answers are recorded as a JSONL tape under ``--tapes``
(one file per run). ``--replay DIR`` answers from those tapes instead (strict
:class:`~pymoo_arnas.llm.ReplayClient`: a request not on the tape stops the run), offline,
and reproduces the same figures (the seconds aside).

    python benchmarks/bench_cat_llm.py                          # local Gemma, records tapes
    python benchmarks/bench_cat_llm.py --replay benchmarks/tapes/cat_llm

Needs the ``local`` extra to record (the server is started and stopped here), or
``--base-url`` of any OpenAI-compatible server.

Measured 2026-11-30 with nsga2-cat's rank-warped GP (0.2.0; Gemma 3 270M Q4_K_M under
llama.cpp, 1 thread, temperature 0.8, 2 busy cores; budget 300, the tapes under
``benchmarks/tapes/cat_llm``; ``--replay`` reproduces every figure but the seconds):

=====================  ====  ===============  ===============  ==========================
problem                seed  nsga2-cat        nsga2-cat-llm    LLM cells / calls / fallb.
=====================  ====  ===============  ===============  ==========================
cifar10/clean+pgd      0     0.843, 50 %      0.840, 60 %      9 (3.0 %) / 14 / 120
cifar10/clean+pgd      1     0.851, 50 %      0.752, 50 %      6 (2.0 %) / 14 / 128
cifar100/clean+apgd    0     0.902, 44 %      0.879, 33 %      6 (2.0 %) / 14 / 122
cifar100/clean+apgd    1     0.904, 44 %      0.883, 33 %      6 (2.0 %) / 14 / 119
mean                         0.875, 47 %      0.838, 44 %      27/1200 (2.2 %) / 56 / 489
=====================  ====  ===============  ===============  ==========================

(nHV, share of the exact front found; ``nsga2-cat`` here with nsga2-cat-llm's own settings,
``global_pool=0, n_offsprings=20``, so that the two differ only by the model.) No call
failed; an LLM run took about 290-415 s against 0.1-2 s for nsga2-cat. The GP picked few of
the model's proposals (2.2 % of the queried cells); the rest of the 25 % LLM share of the
offspring was random-reset fallback after duplicate or repeated answers. The LLM runs were
lower on all four, by 0.037 nHV on average (0.10 on one): within the spread the run's random
path alone gives (nsga2-cat-llm with a client whose every answer is empty, all fallback,
against nsga2-cat on the same two problems, seeds 0-5: per-run differences -0.10..+0.05,
mean -0.020), so four runs cannot tell a weak model's effect from noise. (Before the
warped GP: 0.892 against 0.874.)
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
    # both as nsga2-cat-llm runs by default (local pool from the start, 20 cells a
    # generation): like with like
    params = {"global_pool": 0, "n_offsprings": 20, **({"llm": llm} if llm is not None else {})}
    df = run_one(problem, algorithm, seed, budget, params=params)
    last = df.iloc[-1]
    row = dict(problem=problem, algorithm=algorithm, seed=seed, n_unique=int(last["n_unique"]),
               nhv=float(last["nhv"]), share=float(last["share"]),
               seconds=time.perf_counter() - t0)
    row.update(df.attrs.get("llm", {}))
    return row


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
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.budget < 1:
        print(f"error: --budget must be >= 1; got {args.budget}", file=sys.stderr)
        return 2
    if args.replay is not None and not args.replay.is_dir():
        print(f"error: --replay {args.replay}: no such folder", file=sys.stderr)
        return 2

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
