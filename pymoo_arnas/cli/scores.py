"""``arnas scores``: training-free scores (NTK, NASWOT, synflow) of every isomorphism class.

Needs the ``live`` extra (torch). Each class representative's scores are appended to the
CSV as they finish; rerunning the same command resumes.
"""

from __future__ import annotations

from pathlib import Path

from pymoo_arnas.cli.errors import CLIError
from pymoo_arnas.cli.options import add_data_dir, add_parallel, check_device, positive_int


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "scores",
        help="NTK / NASWOT / synflow scores of untrained cells (live extra), resumable",
        description="Score one genome per isomorphism class on the untrained NAS-Bench-201 "
                    "network (CIFAR input shape) and append each to --out as it finishes.",
    )
    p.add_argument("--out", type=Path, default=Path("results/scores.csv"),
                   help="score CSV; cells already in it are skipped (default results/scores.csv)")
    p.add_argument("--C", type=positive_int, default=16, help="channels of stage 1 (default 16)")
    p.add_argument("--N", type=positive_int, default=5, help="cells per stage (default 5)")
    p.add_argument("--batch-size", type=positive_int, default=16,
                   help="size of the seeded Gaussian batch (default 16)")
    p.add_argument("--seed", type=int, default=0, help="weights, batch and PGD seed (default 0)")
    p.add_argument("--pgd-eps", type=float, default=8.0,
                   help="PGD radius in units of 1/255 for the adversarial NTK (default 8)")
    p.add_argument("--pgd-steps", type=positive_int, default=10, help="PGD steps (default 10)")
    p.add_argument("--num-classes", type=positive_int, default=10,
                   help="classifier outputs (default 10)")
    p.add_argument("--inputs", type=Path, default=None,
                   help="a .npz with x (B, 3, 32, 32) in [0, 1] and labels y (B,), instead of "
                        "the Gaussian batch")
    p.add_argument("--limit", type=positive_int, default=None,
                   help="score only the first LIMIT classes (by representative code)")
    add_parallel(p, "cells, one torch thread each")
    p.add_argument("--device", default="cpu", help="torch device, e.g. cuda (default cpu)")
    add_data_dir(p, "; it gives the benchmark's uids, without it uids are representative "
                    "codes")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run, kept=kept)


def kept(args) -> str:
    return f"every finished cell is in {args.out}; rerun the same command to resume"


def _inputs(path: Path):
    import numpy as np
    import torch

    if not path.is_file():
        raise CLIError(f"--inputs {path}: no such file")
    with np.load(path) as f:
        if "x" not in f or "y" not in f:
            raise CLIError(f"--inputs {path}: expected arrays 'x' and 'y'; got {list(f)}")
        x, y = torch.as_tensor(f["x"], dtype=torch.float32), torch.as_tensor(f["y"]).long()
    if x.ndim != 4 or x.shape[1:] != (3, 32, 32) or y.shape != (x.shape[0],):
        raise CLIError(f"--inputs {path}: x must be (B, 3, 32, 32) and y (B,); got "
                       f"{tuple(x.shape)} and {tuple(y.shape)}")
    return x, y


def run(args) -> int:
    from pymoo_arnas.space import CellIndex, representative_codes

    try:
        from pymoo_arnas.live.scores import ScoreSettings, score_classes
    except ImportError as exc:
        raise CLIError(f"arnas scores needs the live extra (pip install pymoo-arnas[live]): "
                       f"{exc}", 1) from exc
    check_device(args.device)
    x = y = None
    label = "gaussian"
    if args.inputs is not None:
        x, y = _inputs(args.inputs)
        label = f"user:{args.inputs.name}"
    settings = ScoreSettings(C=args.C, N=args.N, num_classes=args.num_classes,
                             batch_size=args.batch_size if x is None else int(x.shape[0]),
                             seed=args.seed, pgd_eps=args.pgd_eps, pgd_steps=args.pgd_steps,
                             inputs=label)
    codes = representative_codes()
    if args.limit is not None:
        codes = codes[: args.limit]
    try:
        from pymoo_arnas.data import load_robustness

        index = load_robustness("cifar10", data_dir=args.data_dir).index
        where = "benchmark uids"
    except FileNotFoundError:
        if args.data_dir is not None:
            raise
        index, where = CellIndex.from_graph(), "no benchmark found: uids are representative codes"
    df = score_classes(args.out, settings, codes=codes, uids=index.code_to_uid[codes], x=x, y=y,
                       workers=args.workers, scheduler=args.scheduler,
                       progress=not args.quiet,
                       device=args.device)
    done = df[df["code"].isin(codes.tolist())]
    print(f"{len(done)} of {len(codes)} classes scored in {args.out} ({where}); inputs: {label}; "
          f"median {done['seconds'].median():.2f} s per cell")
    return 0
