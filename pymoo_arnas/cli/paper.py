"""``arnas paper``: the seed paper's single-objective protocol beside its Table III.

The LLMO rows run with a model of the LLM options: ``--replay TAPE`` answers them from a
recorded tape (strict: the sweep stops at the first request not on it), ``--base-url`` /
``--model`` ask a live OpenAI-compatible model, recorded with ``--record TAPE``.
"""

from __future__ import annotations

from pathlib import Path

from pymoo_arnas.cli.bench import add_llm_options, add_sweep_options, kept, llm_client, run_sweep
from pymoo_arnas.cli.options import csv_list, positive_int, positive_ints, seeds


def add_parser(subparsers) -> None:
    from pymoo_arnas.algorithms import list_algorithms
    from pymoo_arnas.experiments.paper import PAPER_ALGORITHMS

    p = subparsers.add_parser(
        "paper",
        help="the seed paper's protocol (10 single-objective problems) beside its Table III",
        description="GA, PSO, DE, CMA-ES, JADE, SHADE (Table II settings) and our algorithms "
                    "on the paper's 10 single-objective problems, 3,000 evaluations, "
                    "population 30, 30 runs (shrink with --runs/--evals); mean best accuracy "
                    "printed beside Table III, and convergence plots beside the paper's LLMO "
                    "curves. With a model (--replay TAPE, or --base-url/--model) the LLMO rows "
                    "run too.",
    )
    p.add_argument("--problems", type=csv_list, default=["paper"],
                   help="default: paper, the 10 problems of the paper")
    p.add_argument("--algorithms", type=csv_list, default=list(PAPER_ALGORITHMS),
                   help=f"comma-separated, of: {', '.join(list_algorithms())} (default: "
                        f"{','.join(PAPER_ALGORITHMS)}, and llmo when a model is given)")
    p.add_argument("--runs", type=seeds, default=30, help="runs per problem (default 30)")
    p.add_argument("--evals", type=positive_int, default=3000,
                   help="evaluations per run (default 3000)")
    p.add_argument("--report-at", type=positive_ints, default=[300],
                   help="also report the mean best at these evaluations (default 300)")
    p.add_argument("--out", type=Path, default=Path("results/paper"),
                   help="sweep folder (default results/paper)")
    p.add_argument("--llmo-results", default=None,
                   help="folder of the paper's LLMO curves (default: found beside the data)")
    p.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    add_sweep_options(p, pop_size=30)
    add_llm_options(p, "the LLMO rows (llmo is added to --algorithms when it lists no LLM "
                       "algorithm)")
    p.set_defaults(func=run, kept=kept)


def run(args) -> int:
    from pymoo_arnas.algorithms import get_record
    from pymoo_arnas.experiments.paper import compare_table3, format_comparison, format_llm

    client = llm_client(args)  # a missing or damaged tape fails before any run
    algorithms = list(args.algorithms)
    if client is not None and not any(get_record(a).needs_llm for a in algorithms):
        algorithms.append("llmo")
    runs = run_sweep(args, args.problems, algorithms, args.runs, args.evals, "evals", client)
    table = compare_table3(runs, evals=sorted(set(args.report_at) | {args.evals}))
    args.out.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out / "table3_comparison.csv")
    n = runs.groupby(["problem", "algorithm"])["seed"].nunique().min()
    print(f"mean best accuracy (%) over {n} runs, at the given evaluations, beside the paper's "
          f"Table III (after 3,000):")
    print(format_comparison(table))
    ours = [c for c in table.columns if "@" in c]
    if "paper best" in table:
        print()
        for c in ours:
            ok = (table[c] >= table["paper best"] - 1e-9).sum()
            print(f"{c:>18s}: at or above the best Table III entry on {ok} of {len(table)} "
                  "problems")
    llm = format_llm(runs)
    if llm:
        print()
        print(llm)
    print(f"runs: {args.out / 'runs'}; table: {args.out / 'table3_comparison.csv'}")
    if not args.no_plots:
        from pymoo_arnas.experiments.plots import plot_paper

        path = plot_paper(runs, args.out / "paper_convergence.png", args.evals, args.llmo_results)
        print(f"plot: {path}")
    return 0
