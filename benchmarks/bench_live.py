"""Live ARNAS: seconds per cell on CPU (and GPU where present), and how a cheap proxy task
ranks cells like the real one.

Trains a random sample of NAS-Bench-201 cells (uniform over the 6,466 isomorphism classes)
on scikit-learn's digits, measures clean / FGSM / PGD accuracy, and prints

- seconds per cell (mean, median) per device;
- the Spearman rank correlation between the live digits accuracies and the table
  accuracies of the same cells on CIFAR-10 (``load_robustness("cifar10")``).

    python benchmarks/bench_live.py [--n-cells 24] [--C 8] [--epochs 5] [--adv pgd]
    python benchmarks/bench_live.py --device cuda --n-cells 100 --out gpu.csv --no-table
    python benchmarks/bench_live.py --from-csv gpu.csv      # correlation of a results file

Results go to a store (``--store``, default a temporary file): rerun with the same store
and only missing cells are trained. ``--out`` writes one row per cell (genome, device,
seconds, accuracies) so a run on a machine without the tables can be correlated elsewhere.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from pymoo_arnas.space import GENOME_COLUMNS, representative_codes
from pymoo_arnas.live.config import TrainConfig
from pymoo_arnas.space import decode, encode, to_arch_str

GENOME = list(GENOME_COLUMNS)


def sample_cells(n: int, seed: int) -> np.ndarray:
    """``n`` distinct class representatives ``(n, 6)``, uniform over the classes."""
    reps = representative_codes()
    return decode(np.random.default_rng(seed).choice(reps, size=n, replace=False))


def spearman(a, b) -> float:
    """Spearman's rho (Pearson correlation of average ranks)."""
    ra, rb = pd.Series(a).rank().to_numpy(), pd.Series(b).rank().to_numpy()
    if ra.std() == 0 or rb.std() == 0:
        return float("nan")
    return float(np.corrcoef(ra, rb)[0, 1])


def run_live(cells, cfg: TrainConfig, metrics, store_path) -> pd.DataFrame:
    import torch
    from tqdm.auto import tqdm

    from pymoo_arnas.live.store import ResultStore
    from pymoo_arnas.live.train import train_cell

    store = ResultStore(store_path)
    got = store.get("digits", cfg, cells, metrics)
    rows = []
    for g, have in tqdm(list(zip(cells, got)), desc=f"cells ({cfg.device})", unit="cell"):
        if have is None:
            r = train_cell(g, "digits", cfg, metrics)
            store.put("digits", cfg, g, r["metrics"], seconds=r["seconds"], device=r["device"],
                      n_params=r["n_params"])
    frame = store.to_frame("digits", cfg)
    frame = frame.set_index(frame[GENOME].apply(tuple, axis=1))
    out = frame.loc[[tuple(g) for g in cells]].reset_index(drop=True)
    out.insert(0, "torch", torch.__version__)
    return out


def report_times(df: pd.DataFrame) -> None:
    for dev, part in df.groupby("device"):
        s = part["seconds"]
        print(f"  {dev}: {len(s)} cells, {s.mean():.2f} s/cell mean, {s.median():.2f} median, "
              f"{s.min():.2f}-{s.max():.2f} range, {s.sum():.0f} s total")


def report_correlation(df: pd.DataFrame, table_metrics) -> pd.DataFrame:
    from pymoo_arnas.data import load_robustness

    table = load_robustness("cifar10")
    rows = table.code_to_row[encode(df[GENOME].to_numpy())]
    live_cols = [c for c in df.columns if c == "clean" or "@" in c]
    out = []
    for lc in live_cols:
        for tc in table_metrics:
            rho = spearman(df[lc].to_numpy(), table.column(tc)[rows])
            out.append({"live (digits)": lc, "table (cifar10)": tc, "spearman": round(rho, 3)})
    res = pd.DataFrame(out)
    print(res.pivot(index="live (digits)", columns="table (cifar10)", values="spearman").to_string())
    return res


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n-cells", type=int, default=24)
    ap.add_argument("--sample-seed", type=int, default=0)
    ap.add_argument("--C", type=int, default=8)
    ap.add_argument("--N", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--lr", type=float, default=0.01)
    ap.add_argument("--optimizer", default="adam")
    ap.add_argument("--adv", default="pgd", help="adversarial training: none, fgsm, pgd (default pgd)")
    ap.add_argument("--adv-steps", type=int, default=2)
    ap.add_argument("--eps", type=float, default=0.1, help="train / eval epsilon, input units")
    ap.add_argument("--eval-pgd-steps", type=int, default=10)
    ap.add_argument("--max-train", type=int, default=None)
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    ap.add_argument("--device", default="cpu",
                    help="cpu, cuda, or 'all' (CPU, then CUDA when present; default cpu)")
    ap.add_argument("--gpu-cells", type=int, default=None,
                    help="with --device all: cells on the GPU (default --n-cells)")
    ap.add_argument("--store", default=None, help="result store (default: a temporary file)")
    ap.add_argument("--out", default=None, help="write the per-cell results to this CSV")
    ap.add_argument("--from-csv", nargs="+", default=None,
                    help="skip training: correlate these results files")
    ap.add_argument("--no-table", action="store_true", help="skip the CIFAR-10 correlation")
    ap.add_argument("--table-metrics", nargs="+",
                    default=["clean", "fgsm@Linf:8.0", "pgd@Linf:1.0", "pgd@Linf:8.0"],
                    help="CIFAR-10 table columns to correlate with")
    args = ap.parse_args(argv)

    if args.from_csv:
        df = pd.concat([pd.read_csv(p) for p in args.from_csv], ignore_index=True)
    else:
        import torch

        torch.set_num_threads(args.threads)
        metrics = ("clean", f"fgsm@Linf:{args.eps:g}", f"pgd@Linf:{args.eps:g}")
        devices = ["cpu"] if args.device == "all" else [args.device]
        if args.device == "all" and torch.cuda.is_available():
            devices.append("cuda")
        store = args.store or str(Path(tempfile.mkdtemp()) / "bench_live.sqlite")
        cells = sample_cells(args.n_cells, args.sample_seed)
        frames = []
        for dev in devices:
            cfg = TrainConfig(C=args.C, N=args.N, epochs=args.epochs, batch_size=args.batch_size,
                              lr=args.lr, optimizer=args.optimizer, adv=args.adv,
                              adv_eps=args.eps, adv_steps=args.adv_steps,
                              eval_pgd_steps=args.eval_pgd_steps, max_train=args.max_train,
                              device=dev, num_threads=args.threads)
            n = args.gpu_cells if (dev != "cpu" and args.gpu_cells) else args.n_cells
            # a separate store per device: CPU and GPU numbers differ in the last bits
            t0 = time.perf_counter()
            frames.append(run_live(cells[:n], cfg, metrics, f"{store}.{dev}"))
            print(f"{dev}: {time.perf_counter() - t0:.0f} s wall for {n} cells")
        df = pd.concat(frames, ignore_index=True)
        df.insert(0, "arch", [to_arch_str(g) for g in df[GENOME].to_numpy()])
        print(f"\nconfig: C={args.C} N={args.N} epochs={args.epochs} adv={args.adv}"
              f"(eps {args.eps:g}, {args.adv_steps} steps) eval PGD-{args.eval_pgd_steps}, "
              f"digits train {args.max_train or 1347} / test 450, torch threads {args.threads}")
        if args.out:
            df.to_csv(args.out, index=False)
    print("\nseconds per cell:")
    report_times(df)
    live_cols = [c for c in df.columns if c == "clean" or "@" in c]
    print("\nlive accuracy on digits (over the sample):")
    print(df[live_cols].describe().loc[["mean", "min", "50%", "max"]].round(3).to_string())
    if not args.no_table:
        for dev, part in df.groupby("device"):
            print(f"\nSpearman rank correlation, {len(part)} cells trained on {dev}, "
                  "live digits vs CIFAR-10 table:")
            report_correlation(part, args.table_metrics)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
