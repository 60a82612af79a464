"""``arnas search``: one search on the benchmark table, its result beside the exact front.

With two or more objectives the found front is printed beside the table's exact front
(share of its points found, normalised hypervolume); with one objective the best cell
found beside the optimum (regret, whether the optimum was found).

When the tables are not found, ``arnas search`` offers to download them (on a terminal it
asks; ``--download`` fetches them without asking; otherwise the error says to run
``arnas download``).
"""

from __future__ import annotations

import os
import sys

from pymoo_arnas.cli.errors import FAILURE, USAGE, CLIError
from pymoo_arnas.cli.options import add_data_dir, objective_help, positive_int


def add_parser(subparsers) -> None:
    from pymoo_arnas.algorithms import list_algorithms
    from pymoo_arnas.data import DATASETS

    p = subparsers.add_parser(
        "search",
        help="run one search on the table and print the found front beside the exact front",
        description="Run one search on the robustness tables and print the found front beside "
                    "the exact front (one objective: the best cell beside the optimum).",
    )
    p.add_argument("--dataset", default="cifar10", choices=DATASETS,
                   help="benchmark dataset (default cifar10)")
    p.add_argument("--objectives", nargs="+", default=["clean", "pgd@Linf"],
                   help=f"objective names (default: clean pgd@Linf); {objective_help()}, "
                        "or a corruption such as fog or fog:3")
    p.add_argument("--epsilon", type=float, default=1.0,
                   help="attack epsilon in 1/255 (default 1.0)")
    p.add_argument("--algorithm", default="nsga2-cat", metavar="NAME",
                   help=f"algorithm (default nsga2-cat), one of: {', '.join(list_algorithms())}")
    p.add_argument("--pop-size", type=positive_int, default=None,
                   help="population size (default: the algorithm's own, e.g. 25 for nsga2-cat)")
    p.add_argument("--budget", type=positive_int, default=300, help="unique queries (default 300)")
    p.add_argument("--seed", type=int, default=1, help="search seed (default 1)")
    p.add_argument("--prior", metavar="DATASET", default=None, choices=DATASETS,
                   help="transfer prior for nsga2-cat: another dataset's table of the same "
                        "objectives (e.g. --dataset cifar100 --prior cifar10) seeds the first "
                        "population and the surrogate, with its clean and attack values as "
                        "features")
    add_data_dir(p)
    p.add_argument("--download", action="store_true",
                   help="download the tables into the user cache if they are not found")
    p.set_defaults(func=run)


PRIOR_ALGORITHMS = ("nsga2-cat", "nsga2-cat-zc")
"""The algorithms ``--prior`` works with (they take ``prior=``)."""


def _check_prior(args) -> None:
    if args.prior is None:
        return
    if args.algorithm not in PRIOR_ALGORITHMS:
        raise CLIError(f"--prior works with {', '.join(PRIOR_ALGORITHMS)}; got --algorithm "
                       f"{args.algorithm!r}", USAGE)
    if args.prior == args.dataset:
        raise CLIError(f"--prior {args.prior} is the searched dataset itself: a prior from the "
                       "same table would hand the search the answer; give another dataset",
                       USAGE)


def _algorithm_params(name: str, n_obj: int, pop_size: int | None) -> dict:
    """The parameters to build algorithm ``name`` with, or a CLIError if the command line
    cannot run it."""
    from pymoo_arnas.cli.options import algorithm_record

    record = algorithm_record(name, n_obj)
    if record.needs_llm:
        raise CLIError(f"algorithm {name!r} needs an LLM client; use the Python API "
                       f"(get_algorithm({name!r}, llm=client))")
    return {"pop_size": pop_size} if record.takes_pop_size and pop_size is not None else {}


def _load_table(args, dataset=None):
    """The benchmark table of ``dataset`` (default ``--dataset``), offering a download when
    it is not found."""
    from pymoo_arnas.data import load_robustness
    from pymoo_arnas.data.locate import ENV_DATA, DataNotFoundError

    dataset = dataset or args.dataset
    try:
        return load_robustness(dataset, data_dir=args.data_dir)
    except DataNotFoundError as exc:
        if args.data_dir is not None or os.environ.get(ENV_DATA):
            # the folder given does not hold the tables: its own message says so
            raise CLIError(str(exc), USAGE if args.data_dir is not None else FAILURE) from exc
        if not (args.download or _ask_download()):
            raise CLIError(
                "the benchmark tables were not found (not in $ARNAS_DATA, in shared/data near "
                "the working directory or the package, nor in the user cache); get them with "
                "`arnas download` (or rerun with --download), or point --data-dir / ARNAS_DATA "
                "at a copy", FAILURE) from exc
    from pymoo_arnas.data import download

    root = download([dataset], progress=True)
    print(f"robustness dataset ready in {root}", file=sys.stderr)
    return load_robustness(dataset)


def _ask_download() -> bool:
    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        return False
    print("The benchmark tables (robustness dataset, Jung et al., ICLR 2023) were not found.",
          file=sys.stderr)
    print("Download them into the user cache now? [y/N] ", end="", file=sys.stderr, flush=True)
    answer = sys.stdin.readline()  # the question goes to stderr: stdout may be a pipe
    return answer.strip().lower() in ("y", "yes")


def run(args) -> int:
    from pymoo.optimize import minimize

    from pymoo_arnas.cli.fronts import print_fronts
    from pymoo_arnas.problems import ARNAS

    objectives = tuple(args.objectives)
    _check_prior(args)
    params = _algorithm_params(args.algorithm, len(objectives), args.pop_size)  # before loading
    table = _load_table(args)
    problem = ARNAS(args.dataset, objectives=objectives, epsilon=args.epsilon,
                    budget=args.budget, table=table)
    if args.prior is not None:
        from pymoo_arnas.algorithms.prior import TransferPrior
        from pymoo_arnas.experiments.problems import ATTACKS

        # the prior table's clean and every attack's values as the surrogate's features, as
        # measured in benchmarks/bench_transfer.py
        params["prior"] = TransferPrior(_load_table(args, args.prior), epsilon=args.epsilon,
                                        features=("clean",) + ATTACKS)
    from pymoo_arnas.algorithms import get_algorithm

    minimize(problem, get_algorithm(args.algorithm, **params), seed=args.seed, verbose=False)

    using = f", prior {args.prior}" if args.prior else ""
    print(f"{problem!r}, algorithm {args.algorithm}{using}, seed {args.seed}")
    print(f"evaluations {problem.n_evals}, unique queries {problem.n_unique}\n")
    print_fronts(problem.query_log, problem.columns, problem.exact_front(), problem=problem)
    return 0
