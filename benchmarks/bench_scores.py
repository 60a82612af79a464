"""Zero-cost scores on CPU and GPU: seconds per cell, whether a GPU reproduces the shipped
table, and how the shipped (small network) scores rank cells against NAS-Bench-201's own size.

Scores a seeded uniform sample of isomorphism classes (their representatives, as the
shipped table does) with :func:`pymoo_arnas.live.scores.score_classes`, one CSV store per
device in ``--out-dir`` (resumable: rerun and only missing cells are scored), and prints

- seconds per cell (mean, median) per device;
- per score, the Spearman correlation with the shipped table on the same cells and the
  median relative difference (with the shipped settings a GPU should change only rounding);
- with the CIFAR-10 table at hand (not ``--no-table``), each score's Spearman correlation
  with clean and robust accuracy, beside that of the shipped scores of the same cells.

    python benchmarks/bench_scores.py --device all --n-cells 64 --out-dir small
    python benchmarks/bench_scores.py --device cuda --C 16 --N 5 --pgd-steps 10 \\
        --n-cells 300 --out-dir full --no-table           # on a GPU machine without the data
    python benchmarks/bench_scores.py --from-csv full/cuda.csv   # where the tables are

Measured 2026-11-30 on the lent GPU machine (one H200, torch 2.11 + CUDA 13; its CPU one
thread), sample seed 0, then ``--from-csv`` here where the tables are:

- Shipped settings (C=8, N=1, 3 PGD steps), 24 cells: CPU 0.39 s/cell median (0.67 mean),
  GPU 0.11-0.12 median. That machine's CPU reproduces the shipped table (made on another
  CPU) to a median relative difference of 2e-6, at most 6e-5 on the clean batch and 2e-2
  after PGD, whose sign steps amplify rounding. The GPU with cuDNN's default TF32
  convolutions was 1e-3 off on the NTK scores (at most 2e-2) and 3-4e-2 after PGD (at most
  0.2; Spearman 0.990-0.999 with the shipped values).
  :func:`~pymoo_arnas.live.scores.cell_scores` now turns TF32 off on a GPU, which is then as
  close as another CPU: 2e-6 (at most 4e-4) on the clean batch, 3e-5 (at most 2e-2) after
  PGD, Spearman 1.0, at no measured cost in time.
- NAS-Bench-201's own size (C=16, N=5, 10 PGD steps): GPU 0.45 s/cell median (432 cells
  in 205 s, TF32 on; 0.44 with it off, 60 cells), CPU 3.5 s median (8 cells), about 8x.
  The whole table would take about 50 minutes of that GPU. On those 432 cells the full
  size ranks cells unlike the shipped small network for the NTK's smallest eigenvalue
  (Spearman 0.51 clean, 0.45 after PGD) and much like it for NASWOT and synflow (0.98,
  0.99). Spearman with CIFAR-10 accuracy, full size against shipped on the same cells:

  ==============  ==============  ==============  ==============
  score           clean           FGSM 8/255      PGD 1/255
  ==============  ==============  ==============  ==============
  ntk_min         0.44 / -0.04    0.64 / 0.21     0.34 / 0.50
  ntk_adv_min     0.39 / -0.14    0.61 / 0.11     0.36 / 0.49
  ntk_cond        -0.74 / -0.70   -0.73 / -0.70   -0.19 / -0.12
  naswot          0.76 / 0.73     0.73 / 0.70     0.13 / 0.09
  log_synflow     0.80 / 0.80     0.79 / 0.79     0.24 / 0.26
  ==============  ==============  ==============  ==============

  So the full network's NTK speaks for clean and FGSM accuracy where the shipped one
  does not, and the shipped one more for PGD at 1/255 (the ``pgd`` objective of the
  search problems), which is what ``nsga2-cat-zc`` uses it for.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from pymoo_arnas.data.scores import load_scores
from pymoo_arnas.space import representative_codes

SCORES = ("ntk_min", "ntk_cond", "ntk_adv_min", "ntk_adv_cond", "naswot", "log_synflow")
TABLE_METRICS = ("clean", "fgsm@Linf:8.0", "pgd@Linf:1.0", "pgd@Linf:8.0")


def sample_codes(n: int, seed: int) -> np.ndarray:
    """``n`` distinct class representatives' genome codes, uniform over the classes."""
    reps = representative_codes()
    if not 1 <= n <= len(reps):
        raise ValueError(f"--n-cells must be in 1..{len(reps)}; got {n}")
    return np.sort(np.random.default_rng(seed).choice(reps, size=n, replace=False))


def spearman(a, b) -> float:
    """Spearman's rho over the pairs where both are finite (NaN for a constant one)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    ok = np.isfinite(a) & np.isfinite(b)
    if ok.sum() < 3:
        return float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", stats.ConstantInputWarning)
        return float(stats.spearmanr(a[ok], b[ok]).statistic)


def compare_shipped(df: pd.DataFrame) -> pd.DataFrame:
    """Per score: Spearman with the shipped table on the same cells and the median
    relative difference."""
    shipped = load_scores().set_index("code")
    ref = shipped.loc[df["code"].to_numpy()]
    rows = []
    for s in SCORES:
        a, b = df[s].to_numpy(float), ref[s].to_numpy(float)
        ok = np.isfinite(a) & np.isfinite(b)
        rel = np.abs(a[ok] - b[ok]) / np.maximum(np.abs(b[ok]), 1e-12)
        rows.append({"score": s, "spearman vs shipped": round(spearman(a, b), 4),
                     "median rel diff": float(f"{np.median(rel):.2g}") if ok.any() else np.nan})
    return pd.DataFrame(rows).set_index("score")


def compare_table(df: pd.DataFrame) -> pd.DataFrame:
    """Each score's Spearman with the CIFAR-10 accuracies, these scores and the shipped ones
    of the same cells."""
    from pymoo_arnas.data import load_robustness

    table = load_robustness("cifar10")
    rows = table.code_to_row[df["code"].to_numpy(np.int64)]
    shipped = load_scores().set_index("code").loc[df["code"].to_numpy()]
    out = {}
    for s in SCORES:
        out[s] = {m: round(spearman(df[s], table.column(m)[rows]), 3) for m in TABLE_METRICS}
        out[f"{s} (shipped)"] = {m: round(spearman(shipped[s], table.column(m)[rows]), 3)
                                 for m in TABLE_METRICS}
    return pd.DataFrame(out).T


def report(df: pd.DataFrame, table: bool) -> None:
    for (dev, C, N, steps), part in df.groupby(["device", "C", "N", "pgd_steps"]):
        sec = part["seconds"]
        print(f"\n{dev}, C={C} N={N} PGD steps={steps}: {len(part)} cells, "
              f"{sec.mean():.3f} s/cell mean, {sec.median():.3f} median, {sec.sum():.0f} s")
        print(compare_shipped(part).to_string())
        if table:
            print("\nSpearman with CIFAR-10 accuracy:")
            print(compare_table(part).to_string())


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n-cells", type=int, default=64)
    ap.add_argument("--sample-seed", type=int, default=0)
    ap.add_argument("--C", type=int, default=None, help="default: the shipped table's")
    ap.add_argument("--N", type=int, default=None, help="default: the shipped table's")
    ap.add_argument("--pgd-steps", type=int, default=None, help="default: the shipped table's")
    ap.add_argument("--device", default="cpu",
                    help="cpu, cuda, or 'all' (CPU, then CUDA when present; default cpu)")
    ap.add_argument("--out-dir", default="bench_scores", help="one CSV store per device")
    ap.add_argument("--from-csv", nargs="+", default=None,
                    help="skip scoring: report these stores")
    ap.add_argument("--no-table", action="store_true", help="skip the CIFAR-10 correlation")
    args = ap.parse_args(argv)
    try:
        if args.from_csv:
            frames = [pd.read_csv(p).assign(device=Path(p).stem) for p in args.from_csv]
        else:
            import torch

            from pymoo_arnas.live.scores import ScoreSettings, score_classes

            ship = load_scores().attrs["settings"]
            settings = ScoreSettings(**{**ship, **{k: v for k, v in (
                ("C", args.C), ("N", args.N), ("pgd_steps", args.pgd_steps)) if v is not None}})
            codes = sample_codes(args.n_cells, args.sample_seed)
            devices = ["cpu"] if args.device == "all" else [args.device]
            if args.device == "all" and torch.cuda.is_available():
                devices.append("cuda")
            out = Path(args.out_dir)
            out.mkdir(parents=True, exist_ok=True)
            frames = []
            for dev in devices:
                torch.set_num_threads(1)
                t0 = time.perf_counter()
                df = score_classes(out / f"{dev}.csv", settings, codes=codes, progress=False,
                                   device=dev)
                print(f"{dev}: {time.perf_counter() - t0:.0f} s wall for {len(codes)} cells "
                      f"({torch.cuda.get_device_name() if dev != 'cpu' else 'one thread'})")
                frames.append(df.assign(device=dev))
    except (ValueError, FileNotFoundError, RuntimeError) as e:
        print(f"bench_scores: {e}", file=sys.stderr)
        return 2
    report(pd.concat(frames, ignore_index=True), table=not args.no_table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
