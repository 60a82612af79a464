"""Build the shipped score table ``pymoo_arnas/analysis/data/scores.csv.gz`` from score stores.

The stores are written by ``arnas scores`` / :func:`pymoo_arnas.live.scores.score_classes`
(one or several runs over disjoint classes, same settings). This script checks that every
one of the 6,466 classes is there exactly once with one set of settings, maps each scored
genome to the robustness dataset's uid, and writes the compressed CSV and its settings
file ``scores.run.json`` (settings, seconds per cell, how it was made).

Run (the shipped table: C=8, N=1, batch 16, PGD 8/255 with 3 steps, seed 0)::

    arnas scores --C 8 --N 1 --batch-size 16 --pgd-steps 3 --workers 2 --out scores.csv
    python benchmarks/build_scores.py scores.csv
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

from pymoo_arnas.data import load_robustness
from pymoo_arnas.live.scores import SCORE_NAMES, ScoreSettings
from pymoo_arnas.space import N_UNIQUE, class_of_code, representative_codes

OUT = Path(__file__).resolve().parents[1] / "pymoo_arnas" / "analysis" / "data"
SETTING_NAMES = list(ScoreSettings.__dataclass_fields__)


def build(stores, out: Path = OUT, note: str = "") -> pd.DataFrame:
    df = pd.concat([pd.read_csv(p, on_bad_lines="skip") for p in stores])
    df = df.dropna(subset=["code", *SETTING_NAMES]).drop_duplicates("code", keep="last")
    df["code"] = df["code"].astype(np.int64)
    settings = df[SETTING_NAMES].drop_duplicates()
    if len(settings) != 1:
        raise SystemExit(f"the stores mix {len(settings)} settings:\n{settings}")
    missing = np.setdiff1d(representative_codes(), df["code"])
    if len(missing) or len(df) != N_UNIQUE:
        raise SystemExit(f"{len(missing)} classes not scored yet (e.g. codes {missing[:5]})")
    assert sorted(class_of_code()[df["code"]]) == list(range(N_UNIQUE))
    index = load_robustness("cifar10").index
    df["uid"] = index.code_to_uid[df["code"].to_numpy()]
    table = df.set_index("uid").sort_index()[["code", *SCORE_NAMES]]
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "scores.csv.gz", float_format="%.8g",
                 compression={"method": "gzip", "mtime": 0})
    s = settings.iloc[0].to_dict()
    info = {
        "settings": {k: (v.item() if hasattr(v, "item") else v) for k, v in s.items()},
        "cells": int(len(df)),
        "seconds_per_cell": {"median": round(float(df["seconds"].median()), 3),
                             "mean": round(float(df["seconds"].mean()), 3),
                             "total_hours": round(float(df["seconds"].sum()) / 3600, 2)},
        "made_by": "pymoo_arnas.live.scores.score_classes (arnas scores); "
                   "benchmarks/build_scores.py",
        "note": note,
    }
    (out / "scores.run.json").write_text(json.dumps(info, indent=1) + "\n")
    return table


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("stores", nargs="+", type=Path)
    p.add_argument("--out", type=Path, default=OUT)
    p.add_argument("--note", default="")
    a = p.parse_args()
    t = build(a.stores, a.out, a.note)
    print(f"{len(t)} classes -> {a.out / 'scores.csv.gz'} "
          f"({(a.out / 'scores.csv.gz').stat().st_size / 1024:.0f} KiB)")
