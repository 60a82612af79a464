"""``arnas live``: a search that trains and attacks real networks (the ``live`` extra).

Example (a couple of minutes on a laptop CPU)::

    arnas live --dataset digits --C 8 --epochs 3 --pop-size 10 --n-gen 3 --workers 2
    arnas live --scheduler tcp://scheduler:8786 --dataset cifar10 --C 16 --N 5 --epochs 50
"""

from __future__ import annotations


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "live",
        help="search by training and attacking real NAS-Bench-201 networks (needs torch)",
        description="Each unique cell is trained and attacked; results go to a store "
                    "(rerun the same command to resume). Epsilons are in input units ([0, 1]).",
    )
    p.add_argument("--dataset", default="digits", help="digits, cifar10 or cifar100 (default digits)")
    p.add_argument("--objectives", nargs="+", default=["clean", "pgd@Linf"],
                   help="clean, pgd@Linf, fgsm@Linf or with epsilon pgd@Linf:0.1 (default: clean pgd@Linf)")
    p.add_argument("--epsilon", type=float, default=0.1, help="attack epsilon in input units (default 0.1)")
    p.add_argument("--algorithm", default="nsga2", help="algorithm name (see `arnas bench --help`)")
    p.add_argument("--pop-size", type=int, default=10)
    p.add_argument("--n-gen", type=int, default=3, help="generations (default 3)")
    p.add_argument("--budget", type=int, default=None, help="most unique cells (default: no limit)")
    p.add_argument("--seed", type=int, default=1, help="search seed (default 1)")
    t = p.add_argument_group("training (TrainConfig)")
    t.add_argument("--C", type=int, default=8, help="channels of the first stage (default 8)")
    t.add_argument("--N", type=int, default=1, help="cells per stage (default 1)")
    t.add_argument("--epochs", type=int, default=3)
    t.add_argument("--batch-size", type=int, default=64)
    t.add_argument("--lr", type=float, default=0.01)
    t.add_argument("--optimizer", default="adam", help="sgd or adam (default adam)")
    t.add_argument("--adv", default="none", help="adversarial training: none, fgsm, pgd")
    t.add_argument("--adv-eps", type=float, default=0.1)
    t.add_argument("--adv-steps", type=int, default=3)
    t.add_argument("--eval-pgd-steps", type=int, default=10)
    t.add_argument("--max-train", type=int, default=None)
    t.add_argument("--max-test", type=int, default=None)
    t.add_argument("--train-seed", type=int, default=0, help="base seed of cell training")
    t.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:<i> (default auto)")
    r = p.add_argument_group("where")
    r.add_argument("--store", default=None, help="result store file (default: in the user cache)")
    r.add_argument("--scheduler", default=None,
                   help="Dask scheduler address (tcp://host:8786), or 'local' for a LocalCluster")
    r.add_argument("--workers", type=int, default=1, help="local worker processes (default 1)")
    r.add_argument("--log", default=None, help="write the query log to this CSV file")
    r.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.set_defaults(func=run)


def run(args) -> int:
    import numpy as np
    import pandas as pd
    from pymoo.optimize import minimize
    from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

    from pymoo_arnas.algorithms import get_algorithm
    from pymoo_arnas.live.config import TrainConfig
    from pymoo_arnas.problems import ARNASLive
    from pymoo_arnas.space import to_arch_str

    cfg = TrainConfig(C=args.C, N=args.N, epochs=args.epochs, batch_size=args.batch_size,
                      lr=args.lr, optimizer=args.optimizer, adv=args.adv, adv_eps=args.adv_eps,
                      adv_steps=args.adv_steps, eval_pgd_steps=args.eval_pgd_steps,
                      max_train=args.max_train, max_test=args.max_test, seed=args.train_seed,
                      device=args.device)
    problem = ARNASLive(args.dataset, tuple(args.objectives), epsilon=args.epsilon, train=cfg,
                        store=args.store, scheduler=args.scheduler, n_workers=args.workers,
                        budget=args.budget, progress=not args.no_progress)
    try:
        algorithm = get_algorithm(args.algorithm, pop_size=args.pop_size)
        minimize(problem, algorithm, ("n_gen", args.n_gen), seed=args.seed, verbose=False)
    finally:
        problem.close()
    log = problem.query_log
    if args.log:
        log.to_csv(args.log, index=False)
    F = 1.0 - log[list(problem.columns)].to_numpy()
    front = log.iloc[NonDominatedSorting().do(F, only_non_dominated_front=True)] if len(F) else log
    table = pd.DataFrame(np.round(100 * front[list(problem.columns)].to_numpy(), 1),
                         columns=[f"{c} %" for c in problem.columns])
    table["arch"] = [to_arch_str(g) for g in front[[f"x{i}" for i in range(6)]].to_numpy()]
    pd.set_option("display.width", 200)
    pd.set_option("display.max_colwidth", 100)
    print(f"{problem!r}, algorithm {args.algorithm}, seed {args.seed}, store {problem.store.path}")
    print(f"evaluations {problem.n_evals}, unique cells {problem.n_unique}, "
          f"trained now {problem.n_trained}\n")
    print(f"Found front ({len(front)} cells, accuracy in %):")
    print(table.sort_values(table.columns[0], ascending=False).to_string(index=False))
    return 0
