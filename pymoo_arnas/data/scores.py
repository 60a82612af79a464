"""The shipped table of training-free scores for all 6,466 NAS-Bench-201 classes.

Computed by this package (:func:`pymoo_arnas.live.scores.score_classes`, see
``benchmarks/build_scores.py``) on the untrained network of each class representative
(the smallest genome code of the class). Reading it needs no torch. The file ships as
package data in ``pymoo_arnas/analysis/data/`` (read here by path, without importing
:mod:`pymoo_arnas.analysis`); :func:`pymoo_arnas.analysis.load_scores` is the same function.
:class:`~pymoo_arnas.problems.ARNAS` reads it for score objectives (``"synflow"``...).

Settings of the shipped table (also in ``scores.run.json`` beside it and in
``load_scores().attrs["settings"]``): **C = 8, N = 1**, CIFAR input shape 3 x 32 x 32,
10 classes, seeded Gaussian batch of 16 (``clip(0.5 + 0.25 z, 0, 1)``, seed 0, which also
seeds the weights), PGD with epsilon 8/255 and **3 steps** for the adversarial NTK.
Measured CPU time per cell (one thread, mean over random classes): NAS-Bench-201's own
size (C = 16, N = 5, the default of :mod:`pymoo_arnas.live.scores`) costs 2.7 s with 10
PGD steps and 1.5 s with 3 (4.9 and 2.6 hours for the table); these settings cost 0.23 s
(25 minutes of one core).

Examples
--------
>>> from pymoo_arnas.data.scores import load_scores
>>> s = load_scores()
>>> len(s), s.index.name
(6466, 'uid')
>>> [c for c in s.columns if "naswot" in c or "synflow" in c]
['naswot', 'synflow', 'log_synflow']
>>> s.attrs["settings"]["C"], s.attrs["settings"]["N"]
(8, 1)
"""

from __future__ import annotations

import functools
import json
from importlib import resources

import numpy as np
import pandas as pd

from pymoo_arnas.data.table import BenchmarkTable
from pymoo_arnas.space import class_of_code

SCORES_FILE = "scores.csv.gz"
SETTINGS_FILE = "scores.run.json"
PACKAGE_DIR = ("analysis", "data")
"""Where the files lie inside the ``pymoo_arnas`` package (as package data)."""


@functools.lru_cache(maxsize=1)
def _read():
    base = resources.files("pymoo_arnas").joinpath(*PACKAGE_DIR)
    with resources.as_file(base / SCORES_FILE) as p:
        df = pd.read_csv(p, index_col="uid")
    with resources.as_file(base / SETTINGS_FILE) as p:
        info = json.loads(p.read_text())
    return df, info


def load_scores() -> pd.DataFrame:
    """Scores of every isomorphism class, indexed by the benchmark's uid.

    Returns
    -------
    DataFrame, 6,466 rows
        Index ``uid`` (NAS-Bench-201 index of the class representative in the robustness
        dataset's ``meta.json``); column ``code`` (genome code of the scored genome,
        :func:`pymoo_arnas.space.representative_codes`) and one column per score:
        ``ntk_min, ntk_max, ntk_trace, ntk_cond`` (clean batch), ``ntk_adv_*`` (PGD batch),
        ``naswot``, ``synflow``, ``log_synflow``. ``attrs["settings"]`` holds the settings.
        Cells whose output does not depend on the input have ``ntk_cond = inf`` and
        ``naswot = -inf``.
    """
    df, info = _read()
    out = df.copy()
    out.attrs["settings"] = dict(info["settings"])
    return out


def by_code(features: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``features`` (with a ``code`` column) spread over every genome code by
    isomorphism class: 15,625 rows indexed by ``code``, NaN where a class has no features.

    >>> per = by_code(load_scores())
    >>> per.shape, bool(per.loc[0, "synflow"] == per.loc[15, "synflow"])  # isomorphic genomes
    ((15625, 11), True)
    """
    if "code" not in features.columns:
        raise ValueError("features need a 'code' column (genome code of each scored cell)")
    cls = class_of_code()
    pos = np.full(cls.max() + 1, -1)
    pos[cls[features["code"].to_numpy(np.int64)]] = np.arange(len(features))
    rows = pos[cls]
    values = features.drop(columns="code").to_numpy(float)
    out = np.full((len(cls), values.shape[1]), np.nan)
    out[rows >= 0] = values[rows[rows >= 0]]
    return pd.DataFrame(out, index=pd.RangeIndex(len(cls), name="code"),
                        columns=[c for c in features.columns if c != "code"])


def align_to_table(features: pd.DataFrame, table: BenchmarkTable) -> pd.DataFrame:
    """Rows of ``features`` (with a ``code`` column) matched to ``table``'s rows by
    isomorphism class; index = the table's uids, NaN where a class has no features.

    >>> from pymoo_arnas.data import synthetic_table
    >>> table = synthetic_table(seed=0)
    >>> aligned = align_to_table(load_scores(), table)
    >>> aligned.shape == (table.n_rows, 11), bool(aligned["synflow"].notna().all())
    (True, True)
    """
    per = by_code(features)
    return pd.DataFrame(per.to_numpy()[table.index.index_to_code[table.uids]],
                        index=pd.Index(table.uids, name="uid"), columns=per.columns)


__all__ = ["align_to_table", "by_code", "load_scores"]
