"""``arnas bench``: sweep problems x algorithms x seeds; convergence to parquet; summary.

The sweep is resumable: finished runs under ``--out`` are skipped. A run is known by its
problem, algorithm and seed; runs stored with other settings (budget, population size,
LLM model) are refused rather than reused, so use another ``--out`` for other settings.

The LLM algorithms get their model from ``--base-url``/``--model`` (an OpenAI-compatible
server, or OpenAI's API), optionally recorded to a tape with ``--record``, or from a
recorded tape with ``--replay`` (strict: the sweep stops at the first request the tape
does not hold).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from pymoo_arnas.cli.errors import CLIError
from pymoo_arnas.cli.options import csv_list, positive_int, positive_ints, seeds


def add_sweep_options(p: argparse.ArgumentParser, pop_size: int | None = None) -> None:
    """Options shared by ``bench`` and ``paper``: how runs are run, and the population size
    (``pop_size``: its default; None: each algorithm's own)."""
    p.add_argument("--workers", type=positive_int, default=1,
                   help="local worker processes (default 1: run in this process)")
    p.add_argument("--scheduler", metavar="ADDRESS", default=None,
                   help="run on an existing Dask cluster (tcp://host:8786), or 'local' for a "
                        "LocalCluster of --workers processes")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    own = "each algorithm's own" if pop_size is None else pop_size
    p.add_argument("--pop-size", type=positive_int, default=pop_size,
                   help=f"population size passed to every algorithm that takes one "
                        f"(default {own})")


def add_llm_options(p: argparse.ArgumentParser, rows: str) -> None:
    """Options shared by ``bench`` and ``paper``: the model of the LLM algorithms (``rows``:
    which runs use it, said in the help)."""
    g = p.add_argument_group(
        "LLM", f"the model of {rows}: a live OpenAI-compatible server (--base-url, --model; "
               "key from OPENAI_API_KEY where one is needed), optionally recorded (--record), "
               "or a recorded tape (--replay)")
    g.add_argument("--replay", metavar="TAPE", type=Path, default=None,
                   help="answer every LLM request from this tape (written by --record); "
                        "strict: the sweep stops at the first request not on it")
    g.add_argument("--no-strict", action="store_true",
                   help="with --replay: a request not on the tape is answered by the "
                        "algorithm's fallback (counted as a failed LLM call) instead of "
                        "stopping the sweep")
    g.add_argument("--base-url", metavar="URL", default=None,
                   help="an OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1 "
                        "(default: OpenAI's API when --model is given)")
    g.add_argument("--model", default=None,
                   help="the model's name (default gpt-4o-mini; a llama.cpp server takes any)")
    g.add_argument("--record", metavar="TAPE", type=Path, default=None,
                   help="append every exchange with the live model to this JSONL tape, "
                        "replayable with --replay")


def llm_client(args):
    """The LLM client the options of :func:`add_llm_options` ask for, or None.

    A missing or damaged ``--replay`` tape fails here, before any run starts.
    """
    live = args.base_url is not None or args.model is not None
    if args.replay is not None:
        if live or args.record is not None:
            raise CLIError("--replay answers from a recorded tape; it takes no --base-url, "
                           "--model or --record")
        from pymoo_arnas.llm import ReplayClient

        return ReplayClient(args.replay, strict=not args.no_strict)
    if args.no_strict:
        raise CLIError("--no-strict is an option of --replay")
    if not live:
        if args.record is not None:
            raise CLIError("--record needs a live model: --base-url URL (an OpenAI-compatible "
                           "server) and/or --model NAME")
        return None
    from pymoo_arnas.llm import OpenAIClient

    kwargs = {} if args.model is None else {"model": args.model}
    return OpenAIClient(base_url=args.base_url, record=args.record, **kwargs)


def add_parser(subparsers) -> None:
    from pymoo_arnas.algorithms import NEEDS_LLM, list_algorithms
    from pymoo_arnas.experiments.problems import SUITES

    b = subparsers.add_parser(
        "bench",
        help="sweep problems x algorithms x seeds; convergence to parquet; summary table",
        description="Run every missing run (resumable: finished runs under --out are skipped; a "
                    "run is known by problem, algorithm and seed, and runs stored with other "
                    "settings are refused, so use another --out for other settings), print the "
                    "mean nHV and share of the exact front found (or best accuracy) at each "
                    f"checkpoint, and draw convergence plots. The LLM algorithms "
                    f"({', '.join(sorted(NEEDS_LLM))}) ask the model of the LLM options "
                    "below; the summary then says which share of their queried cells came "
                    "from it.",
    )
    b.add_argument("--problems", type=csv_list, default=["bi"],
                   help=f"problem names or suites ({', '.join(SUITES)}), comma-separated, e.g. "
                        "cifar10/clean+pgd,cifar100/square (default: bi)")
    b.add_argument("--algorithms", type=csv_list, default=["random", "nsga2", "nsga2-cat"],
                   help=f"comma-separated, of: {', '.join(list_algorithms())} "
                        "(default: random,nsga2,nsga2-cat)")
    b.add_argument("--seeds", type=seeds, default=10,
                   help="a count (seeds 0..n-1) or a list (default 10)")
    b.add_argument("--budget", type=positive_int, default=300,
                   help="unique queries per run (default 300)")
    b.add_argument("--checkpoints", type=positive_ints, default=[100, 300, 1000],
                   help="budgets reported in the summary (default 100,300,1000)")
    b.add_argument("--out", type=Path, default=Path("results"),
                   help="sweep folder (default results)")
    b.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    add_sweep_options(b)
    add_llm_options(b, "the LLM algorithms in --algorithms")
    b.set_defaults(func=run, kept=kept)


def kept(args) -> str:
    """What an interrupted sweep leaves: every finished run's file."""
    n = len(list(Path(args.out).glob("runs/*/*/seed*.parquet")))
    return (f"{n} finished run{'s' * (n != 1)} kept under {Path(args.out) / 'runs'}; rerun the "
            "same command to run only what is missing")


def run_sweep(args, problems, algorithms, n_seeds, budget, mode, client=None):
    """Run the sweep of a sub-command and load its runs.

    ``--pop-size`` goes to the algorithms whose registry record takes a population size,
    ``client`` (see :func:`llm_client`) to those that need an LLM; such an algorithm without
    a client, or a client without such an algorithm, is a usage error.
    """
    from pymoo_arnas.algorithms import get_record
    from pymoo_arnas.experiments.runner import sweep

    llm = [a for a in algorithms if get_record(a).needs_llm]
    if llm and client is None:
        raise CLIError(f"algorithm{'s' * (len(llm) > 1)} {', '.join(llm)} need an LLM client: "
                       "give --base-url URL and/or --model NAME (a live model), or --replay "
                       "TAPE (a recorded one)")
    if client is not None and not llm:
        from pymoo_arnas.algorithms import NEEDS_LLM

        raise CLIError(f"--replay, --base-url and --model give a model to the LLM algorithms "
                       f"({', '.join(sorted(NEEDS_LLM))}), but --algorithms lists none")
    params = {} if args.pop_size is None else {"pop_size": args.pop_size}
    if client is not None:
        params["llm"] = client
    return sweep(problems, algorithms, n_seeds, budget, args.out, mode, params, args.workers,
                 args.scheduler, not args.no_progress)


def run(args) -> int:
    from pymoo_arnas.experiments.runner import format_summary, summarize

    runs = run_sweep(args, args.problems, args.algorithms, args.seeds, args.budget, "unique",
                     llm_client(args))
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
