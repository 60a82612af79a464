"""Record a short NSGA-II run with the LLM operators on the real local Gemma model as a tape.

Writes ``notebooks/data/gemma3-270m-nsga2-tape.jsonl`` (every exchange with the model) and
``...-tape.run.json`` (the run's settings and result), then replays the tape offline with
:class:`~pymoo_arnas.llm.ReplayClient` and checks the result is identical. A notebook (or
``tests/llm/test_tape.py``) can replay it without any model::

    python benchmarks/record_tape.py                      # starts the local server itself
    python benchmarks/record_tape.py --base-url http://127.0.0.1:8080/v1 --model gemma-3-270m
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

import numpy as np

from pymoo_arnas.space import GENOME_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_TAPE = ROOT / "notebooks" / "data" / "gemma3-270m-nsga2-tape.jsonl"

SETTINGS = {"dataset": "cifar10", "objectives": ["clean", "pgd@Linf"], "epsilon": 1.0,
            "pop_size": 20, "n_gen": 5, "seed": 1, "share": 0.5}


def search(llm, dataset="cifar10", objectives=("clean", "pgd@Linf"), epsilon=1.0, pop_size=20,
           n_gen=5, seed=1, share=1.0):
    """NSGA-II with LLMSampling + UX + LLMMutation on ARNAS; returns (problem, res, s, m).

    ``share``: the fraction of each batch the LLM proposes (the rest: uniform sampling,
    random-reset mutation); 0.5 halves the time per call of a slow local model."""
    from pymoo.algorithms.moo.nsga2 import NSGA2
    from pymoo.operators.crossover.ux import UX
    from pymoo.optimize import minimize

    from pymoo_arnas.operators import CellDuplicateElimination, LLMMutation, LLMSampling
    from pymoo_arnas.problems import ARNAS

    problem = ARNAS(dataset, objectives=tuple(objectives), epsilon=epsilon)
    s, m = LLMSampling(llm, share=share), LLMMutation(llm, share=share)
    algorithm = NSGA2(pop_size=pop_size, sampling=s, crossover=UX(), mutation=m,
                      eliminate_duplicates=CellDuplicateElimination())
    res = minimize(problem, algorithm, ("n_gen", n_gen), seed=seed)
    return problem, res, s, m


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_TAPE)
    ap.add_argument("--base-url", default=None, help="an OpenAI-compatible server (default: start Gemma)")
    ap.add_argument("--model", default="gemma-3-270m")
    ap.add_argument("--timeout", type=float, default=400.0)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "httpx2", "openai"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    from pymoo_arnas.llm import OpenAIClient, ReplayClient

    server = None
    if args.base_url is None:
        from pymoo_arnas.llm.local import start_local_server

        server = start_local_server()
        args.base_url, args.model = server.base_url, server.model
    try:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        if args.out.exists():
            args.out.unlink()
        llm = OpenAIClient(model=args.model, base_url=args.base_url, timeout=args.timeout,
                           max_retries=0, max_tokens=400, temperature=0.8, record=args.out)
        t0 = time.perf_counter()
        problem, res, s, m = search(llm, **SETTINGS)
        seconds = time.perf_counter() - t0
    finally:
        if server is not None:
            server.stop()
    log = problem.query_log
    genomes = log[list(GENOME_COLUMNS)].to_numpy().tolist()
    meta = {
        "settings": SETTINGS,
        "model": "Gemma 3 270M Q4_K_M (base model) under llama-cpp-python server, "
                 "json_object + schema constrained decoding",
        "client": {"temperature": 0.8, "max_tokens": 400, "structured": llm.structured},
        "result": {"n_evals": problem.n_evals, "n_unique": problem.n_unique,
                   "query_log_genomes": genomes, "final_F": np.round(res.F, 6).tolist()},
        "stats": {"sampling": s.stats.as_dict(), "mutation": m.stats.as_dict()},
        "usage": llm.usage.as_dict(),
        "seconds": round(seconds, 1),
    }
    meta_path = args.out.with_suffix(".run.json")
    meta_path.write_text(json.dumps(meta, indent=1))
    print(f"sampling: {s.stats}\nmutation: {m.stats}\nusage: {llm.usage}")
    print(f"tape {args.out} ({args.out.stat().st_size / 1024:.1f} kB), meta {meta_path}")

    # replay offline: the same result with no server
    problem2, res2, s2, m2 = search(ReplayClient(args.out), **SETTINGS)
    same = problem2.query_log.equals(log) and np.array_equal(res.F, res2.F)
    print("replay gives the identical result:", same)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
