"""``arnas live``: a search that trains and attacks real networks (the ``live`` extra).

The training defaults are :class:`~pymoo_arnas.live.config.TrainConfig`'s. Before anything
runs, the command checks what it needs (torch; scikit-learn for digits; torchvision and the
CIFAR archive for cifar10/cifar100; a CUDA build for ``--device cuda``) and says in one line
what is missing.

Example (a couple of minutes on a laptop CPU)::

    arnas live --dataset digits --C 8 --epochs 3 --pop-size 10 --n-gen 3 --workers 2
    arnas live --scheduler tcp://scheduler:8786 --dataset cifar10 --C 16 --N 5 --epochs 50

A cheaper run's cells (fewer epochs, a smaller network) can be the prior of a costlier one:
``--algorithm nsga2-cat --prior-config KEY`` with the config key the cheap run printed (its
cells in the same store, or in ``--prior-store``); see
:meth:`~pymoo_arnas.algorithms.prior.TransferPrior.from_store`.
"""

from __future__ import annotations

import dataclasses

from pymoo_arnas.cli.errors import FAILURE, CLIError
from pymoo_arnas.cli.options import add_parallel, check_device, objective_help, positive_int

LIVE_EXTRA = "pip install 'pymoo-arnas[live]'"


def add_parser(subparsers) -> None:
    from pymoo_arnas.live.config import ADV_TRAINING, ATTACKS, DATASETS, OPTIMIZERS, TrainConfig

    d = {f.name: f.default for f in dataclasses.fields(TrainConfig)}
    p = subparsers.add_parser(
        "live",
        help="search by training and attacking real NAS-Bench-201 networks (needs torch)",
        description="Each unique cell is trained and attacked; results go to a store "
                    "(rerun the same command to resume). Epsilons are in input units ([0, 1]). "
                    "Training defaults are those of TrainConfig.",
    )
    p.add_argument("--dataset", default="digits", choices=DATASETS,
                   help="digits (scikit-learn), cifar10 or cifar100 (torchvision) "
                        "(default digits)")
    p.add_argument("--objectives", nargs="+", default=["clean", "pgd@Linf"],
                   help=f"objective names (default: clean pgd@Linf); "
                        f"{objective_help(ATTACKS)}")
    p.add_argument("--epsilon", type=float, default=0.1,
                   help="attack epsilon in input units (default 0.1)")
    p.add_argument("--algorithm", default="nsga2", metavar="NAME",
                   help="algorithm name (default nsga2; see `arnas bench --help`)")
    p.add_argument("--pop-size", type=positive_int, default=10, help="population size (default 10)")
    p.add_argument("--n-gen", type=positive_int, default=3, help="generations (default 3)")
    p.add_argument("--budget", type=positive_int, default=None,
                   help="most unique cells (default: no limit)")
    p.add_argument("--seed", type=int, default=1, help="search seed (default 1)")
    t = p.add_argument_group("training (TrainConfig; defaults are its own)")
    t.add_argument("--C", type=positive_int, default=d["C"],
                   help="channels of the first stage")
    t.add_argument("--N", type=positive_int, default=d["N"], help="cells per stage")
    t.add_argument("--epochs", type=positive_int, default=d["epochs"], help="training epochs")
    t.add_argument("--batch-size", type=positive_int, default=d["batch_size"],
                   help="mini-batch size")
    t.add_argument("--lr", type=float, default=d["lr"],
                   help="initial learning rate (cosine-annealed)")
    t.add_argument("--weight-decay", type=float, default=d["weight_decay"], help="L2 penalty")
    t.add_argument("--optimizer", default=d["optimizer"], choices=OPTIMIZERS, help="optimizer")
    t.add_argument("--adv", default=d["adv"], choices=ADV_TRAINING,
                   help="adversarial training")
    t.add_argument("--adv-eps", type=float, default=d["adv_eps"],
                   help="training attack epsilon (input units)")
    t.add_argument("--adv-steps", type=positive_int, default=d["adv_steps"],
                   help="PGD steps in adversarial training")
    t.add_argument("--eval-pgd-steps", type=positive_int, default=d["eval_pgd_steps"],
                   help="PGD steps in evaluation")
    t.add_argument("--max-train", type=positive_int, default=d["max_train"],
                   help="use at most this many training samples (default: all)")
    t.add_argument("--max-test", type=positive_int, default=d["max_test"],
                   help="use at most this many test samples (default: all)")
    t.add_argument("--train-seed", type=int, default=d["seed"], help="base seed of cell training")
    t.add_argument("--device", default=d["device"],
                   help=f"auto, cpu, cuda, cuda:<i> or mps (default {d['device']})")
    r = p.add_argument_group("where")
    r.add_argument("--store", default=None, help="result store file (default: in the user cache)")
    add_parallel(r, "cells")
    r.add_argument("--log", default=None, help="write the query log to this CSV file")
    r.add_argument("--no-progress", action="store_true", help="no progress bars")
    pr = p.add_argument_group("transfer prior (nsga2-cat)")
    pr.add_argument("--prior-config", metavar="KEY", default=None,
                    help="the cells of another training config (e.g. a cheaper proxy run: fewer "
                         "epochs) as nsga2-cat's transfer prior: its config key, as a run prints "
                         "it (a unique prefix will do)")
    pr.add_argument("--prior-store", metavar="PATH", default=None,
                    help="store holding the prior's cells (default: --store)")
    pr.add_argument("--prior-dataset", default=None, choices=DATASETS,
                    help="dataset of the prior's cells (default: --dataset)")
    p.set_defaults(func=run, kept=kept)


def kept(args) -> str:
    from pymoo_arnas.problems.live import default_store_path

    store = args.store or default_store_path()
    return (f"every cell trained so far is kept in the store {store}; rerun the same command to "
            "resume without training them again")


def _require(module: str, what: str):
    """Import ``module`` or stop with one line saying what is needed."""
    import importlib

    try:
        return importlib.import_module(module)
    except Exception as exc:  # ImportError, or a broken install failing at import
        raise CLIError(f"{what} ({type(exc).__name__}: {exc})", FAILURE) from None


def check_requirements(dataset: str, device: str, scheduler: str | None = None) -> None:
    """Stop with one line when this machine lacks what ``arnas live`` needs.

    torch (the ``live`` extra); scikit-learn for digits; torchvision for CIFAR; a CUDA
    build and device for ``device="cuda[:i]"``; MPS for ``"mps"``. With a Dask
    ``scheduler`` the training happens on the workers, so only torch is checked here.
    """
    torch = _require("torch", f"arnas live needs torch: {LIVE_EXTRA}")
    if scheduler:
        return
    if dataset == "digits":
        _require("sklearn", f"--dataset digits needs scikit-learn: {LIVE_EXTRA}")
    else:
        _require("torchvision", f"--dataset {dataset} needs torchvision (pip install "
                                f"torchvision matching torch {torch.__version__}), and the "
                                f"{dataset} archive (downloaded on first use, or put there "
                                f"by hand)")
    check_device(device)


def _load_data(dataset: str) -> None:
    """Load (and for CIFAR download) the data now, so a failure is one line before any run."""
    from pymoo_arnas.live.datasets import load_dataset

    try:
        load_dataset(dataset)
    except Exception as exc:  # offline, proxy, corrupt archive
        raise CLIError(f"--dataset {dataset}: {exc}", FAILURE) from None


def _check_prior_args(args) -> None:
    """One line for a prior option this run cannot use (before anything is trained)."""
    from pymoo_arnas.cli.search import PRIOR_ALGORITHMS

    if args.prior_config is None:
        if args.prior_store or args.prior_dataset:
            raise CLIError("--prior-store and --prior-dataset need --prior-config KEY")
        return
    if args.algorithm not in PRIOR_ALGORITHMS:
        raise CLIError(f"--prior-config works with {', '.join(PRIOR_ALGORITHMS)}; got "
                       f"--algorithm {args.algorithm}")


def _prior(args, cfg, problem):
    """The transfer prior of ``--prior-config``: that config's cells of the prior store."""
    from pathlib import Path

    from pymoo_arnas.algorithms.prior import MIN_MEASURED, TransferPrior
    from pymoo_arnas.live.store import ResultStore, StoreError

    path = args.prior_store or problem.store.path
    if args.prior_store and not Path(path).is_file():
        raise CLIError(f"--prior-store {path}: no such file")
    dataset = args.prior_dataset or args.dataset
    try:
        store = problem.store if not args.prior_store else ResultStore(path)
        known = store.configs()
    except StoreError as exc:
        raise CLIError(str(exc), FAILURE) from None
    known = known[known["dataset"] == dataset]
    held = ", ".join(f"{c} ({n} cells)" for c, n in zip(known["config"], known["n_cells"]))
    match = known[known["config"].str.startswith(args.prior_config)]
    if len(match) != 1:
        why = "matches no" if len(match) == 0 else "matches more than one"
        raise CLIError(f"--prior-config {args.prior_config} {why} config of {dataset} in "
                       f"{path}; it holds: {held or 'none'}")
    key, n_cells = match["config"].iloc[0], int(match["n_cells"].iloc[0])
    if key == cfg.key() and dataset == args.dataset:
        raise CLIError(f"--prior-config {args.prior_config} is this run's own config: a prior "
                       "must come from other settings (e.g. fewer epochs)")
    if n_cells < MIN_MEASURED:
        raise CLIError(f"--prior-config {key} has {n_cells} cells of {dataset}; a prior needs "
                       f"at least {MIN_MEASURED}")
    try:  # the store says which of this run's metrics the prior's cells lack
        table = store.to_table(dataset, key, metrics=problem.columns, missing="nan")
    except ValueError as exc:
        raise CLIError(f"--prior-config {key}: {exc}") from None
    return TransferPrior(table, objectives=problem.columns)


def run(args) -> int:
    from pymoo.optimize import minimize

    from pymoo_arnas.algorithms import get_algorithm
    from pymoo_arnas.cli.fronts import print_fronts
    from pymoo_arnas.cli.options import algorithm_record
    from pymoo_arnas.live.config import TrainConfig

    record = algorithm_record(args.algorithm, len(args.objectives))
    if record.needs_llm:
        raise CLIError(f"algorithm {args.algorithm!r} needs an LLM client; use the Python API")
    _check_prior_args(args)
    cfg = TrainConfig(C=args.C, N=args.N, epochs=args.epochs, batch_size=args.batch_size,
                      lr=args.lr, weight_decay=args.weight_decay, optimizer=args.optimizer,
                      adv=args.adv, adv_eps=args.adv_eps, adv_steps=args.adv_steps,
                      eval_pgd_steps=args.eval_pgd_steps, max_train=args.max_train,
                      max_test=args.max_test, seed=args.train_seed, device=args.device)
    check_requirements(args.dataset, args.device, args.scheduler)
    if not args.scheduler:
        _load_data(args.dataset)

    from pymoo_arnas.problems import ARNASLive

    problem = ARNASLive(args.dataset, tuple(args.objectives), epsilon=args.epsilon, train=cfg,
                        store=args.store, scheduler=args.scheduler, n_workers=args.workers,
                        budget=args.budget, progress=not args.no_progress)
    try:
        params = {"pop_size": args.pop_size} if record.takes_pop_size else {}
        if args.prior_config is not None:
            params["prior"] = _prior(args, cfg, problem)
        algorithm = get_algorithm(args.algorithm, **params)
        minimize(problem, algorithm, ("n_gen", args.n_gen), seed=args.seed, verbose=False)
    finally:
        problem.close()
    log = problem.query_log
    if args.log:
        log.to_csv(args.log, index=False)
    prior = f", prior {args.prior_config}" if args.prior_config else ""
    print(f"{problem!r}, algorithm {args.algorithm}, seed {args.seed}{prior}, store "
          f"{problem.store.path}, config {cfg.key()}")
    print(f"evaluations {problem.n_evals}, unique cells {problem.n_unique}, "
          f"trained now {problem.n_trained}\n")
    print_fronts(log, problem.columns, problem=problem)
    return 0
