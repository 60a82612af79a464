"""NSGA-II with vs without the LLM operators on ARNAS: search quality against unique queries,
and what the LLM cost.

Backends:

- default: the local Gemma 3 270M (``local`` extra), started and stopped by the script;
- ``--base-url URL --model NAME``: any OpenAI-compatible server (vLLM, llama.cpp, Ollama, ...);
- ``--backend openai`` (``OPENAI_API_KEY``) or ``--backend gemini`` (``GEMINI_API_KEY``).

Every LLM row reports ``llm_share``: the share of the cells wanted from the LLM that came
from it (the rest came from the fallback operators), and ``llm_failed``: failed calls.

Quality is the normalised hypervolume of the archive of unique queries (exact front's ideal
-> 0, nadir -> 1, reference point 1.1, divided by the exact front's HV) and the share of the
exact front's points found, from :mod:`pymoo_arnas.experiments.metrics`. Both variants
are also compared at the same number of unique queries (the smaller of the two).

Examples::

    python benchmarks/bench_llm_operators.py --pop-size 10 --n-gen 5 --seeds 1
    python benchmarks/bench_llm_operators.py --base-url http://127.0.0.1:8080/v1 --model gemma
    python benchmarks/bench_llm_operators.py --backend openai --model gpt-4o-mini --seeds 1 2 3
"""

from __future__ import annotations

import argparse
import logging
import sys
import time

import numpy as np
import pandas as pd


def quality(problem, budget=None, log=None) -> dict:
    """``n_unique``, ``nhv`` and ``share`` of the archive ``log`` (default the problem's query
    log) after ``budget`` unique queries (default all)."""
    log = problem.query_log if log is None else log
    try:
        from pymoo_arnas.experiments.metrics import at_budget, convergence

        trace = convergence(problem, log)
        row = at_budget(trace, budget or len(trace))
        return {"n_unique": int(row["n_unique"]), "nhv": float(row["nhv"]),
                "share": float(row["share"])}
    except ImportError:  # a plain re-implementation, if the metrics module is absent
        from pymoo.indicators.hv import HV

        F = 1.0 - log[list(problem.columns)].to_numpy()
        F = F[: budget or len(F)]
        front = problem.pareto_front()
        ideal, nadir = front.min(0), front.max(0)
        scale = np.where(nadir > ideal, nadir - ideal, 1.0)
        hv = HV(ref_point=np.full(problem.n_obj, 1.1))
        exact = {tuple(f) for f in np.round(front, 9)}
        found = len(exact & {tuple(f) for f in np.round(F, 9)})
        return {"n_unique": len(F), "nhv": hv((F - ideal) / scale) / hv((front - ideal) / scale),
                "share": found / len(exact)}


def run_one(problem, llm, pop_size, n_gen, seed, share):
    from pymoo.algorithms.moo.nsga2 import NSGA2
    from pymoo.operators.crossover.ux import UX
    from pymoo.optimize import minimize

    from pymoo_arnas.operators import (
        CellDuplicateElimination,
        CellSampling,
        LLMMutation,
        LLMSampling,
        RandomResetMutation,
    )

    problem.reset()
    if llm is None:
        sampling, mutation = CellSampling(), RandomResetMutation()
    else:
        sampling, mutation = LLMSampling(llm), LLMMutation(llm, share=share)
    algorithm = NSGA2(pop_size=pop_size, sampling=sampling, crossover=UX(), mutation=mutation,
                      eliminate_duplicates=CellDuplicateElimination())
    t0 = time.perf_counter()
    minimize(problem, algorithm, ("n_gen", n_gen), seed=seed)
    return sampling, mutation, time.perf_counter() - t0


def make_client(args):
    from pymoo_arnas.llm import GeminiClient, OpenAIClient

    common = dict(timeout=args.timeout, max_retries=args.retries, max_tokens=args.max_tokens,
                  temperature=args.temperature, cache=args.cache or None)
    if args.backend == "gemini":
        return GeminiClient(model=args.model or "gemini-2.0-flash", **common), None
    if args.backend == "openai" or args.base_url:
        return OpenAIClient(model=args.model or "gpt-4o-mini", base_url=args.base_url, **common), None
    from pymoo_arnas.llm.local import start_local_server

    server = start_local_server()
    return OpenAIClient(model=server.model, base_url=server.base_url, **common), server


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backend", choices=["local", "openai", "gemini"], default="local")
    ap.add_argument("--base-url", default=None, help="an OpenAI-compatible server's /v1 URL")
    ap.add_argument("--model", default=None)
    ap.add_argument("--dataset", default="cifar10")
    ap.add_argument("--objectives", nargs="+", default=["clean", "pgd@Linf"])
    ap.add_argument("--epsilon", type=float, default=1.0)
    ap.add_argument("--pop-size", type=int, default=10)
    ap.add_argument("--n-gen", type=int, default=5)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1])
    ap.add_argument("--baseline-seeds", type=int, default=20,
                    help="extra seeds for the cheap baseline, to show its spread (default 20)")
    ap.add_argument("--share", type=float, default=1.0, help="share of offspring the LLM proposes")
    ap.add_argument("--timeout", type=float, default=300.0)
    ap.add_argument("--retries", type=int, default=0)
    ap.add_argument("--max-tokens", type=int, default=400)
    ap.add_argument("--temperature", type=float, default=0.8)
    ap.add_argument("--cache", action="store_true", help="cache answers on disk (re-runs are free)")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "httpx2", "openai"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    from pymoo_arnas.problems import ARNAS

    problem = ARNAS(args.dataset, objectives=tuple(args.objectives), epsilon=args.epsilon)
    print(f"{problem!r}: NSGA-II pop {args.pop_size}, {args.n_gen} generations, UX crossover, "
          f"isomorphism-aware duplicate elimination")

    rows = []
    llm, server = make_client(args)
    print(f"LLM backend: {llm!r}")
    try:
        for seed in args.seeds:
            _, _, sec = run_one(problem, None, args.pop_size, args.n_gen, seed, args.share)
            base = quality(problem)
            base_log = problem.query_log.copy()
            calls0, p0, c0 = llm.usage.calls, llm.usage.prompt_tokens, llm.usage.completion_tokens
            s, m, sec_llm = run_one(problem, llm, args.pop_size, args.n_gen, seed, args.share)
            q = quality(problem)
            budget = min(base["n_unique"], q["n_unique"])
            q_eq = quality(problem, budget)
            base_eq = quality(problem, budget, base_log)
            rows.append({"variant": "NSGA-II", "seed": seed, **base, "nhv@eq": base_eq["nhv"],
                         "share@eq": base_eq["share"], "eq_budget": budget, "seconds": round(sec, 1)})
            rows.append({"variant": "NSGA-II + LLM", "seed": seed, **q, "nhv@eq": q_eq["nhv"],
                         "share@eq": q_eq["share"], "eq_budget": budget,
                         "seconds": round(sec_llm, 1), "llm_calls": llm.usage.calls - calls0,
                         "prompt_tok": llm.usage.prompt_tokens - p0,
                         "completion_tok": llm.usage.completion_tokens - c0,
                         "llm_used": s.stats.used + m.stats.used,
                         "llm_wanted": s.stats.wanted + m.stats.wanted,
                         "llm_share": round((s.stats.used + m.stats.used)
                                            / max(s.stats.wanted + m.stats.wanted, 1), 3),
                         "llm_failed": s.stats.llm_failures + m.stats.llm_failures})
            print(f"seed {seed}: sampling {s.stats}\n        mutation {m.stats}", flush=True)
    finally:
        if server is not None:
            server.stop()

    extra = []
    for seed in range(1000, 1000 + args.baseline_seeds):
        run_one(problem, None, args.pop_size, args.n_gen, seed, args.share)
        extra.append(quality(problem))
    df = pd.DataFrame(rows)
    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", 30)
    print("\nPer run (nhv, share: whole archive; @eq: after the same number of unique queries):")
    print(df.round(4).to_string(index=False))
    if extra:
        e = pd.DataFrame(extra)
        print(f"\nBaseline spread over {len(e)} more seeds: unique {e.n_unique.mean():.1f}, "
              f"nHV {e.nhv.mean():.4f} +- {e.nhv.std():.4f}, share {e.share.mean():.4f} "
              f"+- {e.share.std():.4f}")
    print(f"\nLLM usage: {llm.usage}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
