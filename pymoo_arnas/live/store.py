"""A persistent store of live results (SQLite), and loading it as a benchmark table.

Results are keyed by ``(dataset, config key, cell key)`` (cell key: the isomorphism
class's canonical string), one value per metric. Each cell is written in its own
transaction the moment it is done, so a run that crashes or is stopped loses nothing
already trained, and the next run with the same store picks up where it left off.

Examples
--------
>>> import tempfile, os
>>> from pymoo_arnas.live.config import TrainConfig
>>> from pymoo_arnas.live.store import ResultStore
>>> store = ResultStore(os.path.join(tempfile.mkdtemp(), "live.sqlite"))
>>> cfg = TrainConfig(C=4, epochs=1)
>>> store.put("digits", cfg, [3, 3, 3, 3, 3, 3], {"clean": 0.9, "pgd@Linf:0.1": 0.4},
...           seconds=1.5, device="cpu")
>>> store.get("digits", cfg, [[3, 3, 3, 3, 3, 3]], ["clean"])
[{'clean': 0.9}]
>>> store.get("digits", cfg, [[1, 3, 3, 3, 3, 3]], ["clean"])
[None]
"""

from __future__ import annotations

import datetime as _dt
import os
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd

from pymoo_arnas.live.cells import key_of
from pymoo_arnas.live.config import TrainConfig
from pymoo_arnas.objectives import canonical_name, parse_objective
from pymoo_arnas.space import (
    GENOME_COLUMNS,
    N_EDGES,
    CellIndex,
    decode,
    encode,
    representative_codes,
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS configs (config TEXT PRIMARY KEY, json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS cells (
    dataset TEXT NOT NULL, config TEXT NOT NULL, cell TEXT NOT NULL,
    code INTEGER NOT NULL, seconds REAL, device TEXT, n_params INTEGER, created TEXT,
    PRIMARY KEY (dataset, config, cell));
CREATE TABLE IF NOT EXISTS results (
    dataset TEXT NOT NULL, config TEXT NOT NULL, cell TEXT NOT NULL,
    metric TEXT NOT NULL, value REAL NOT NULL,
    PRIMARY KEY (dataset, config, cell, metric));
"""


class StoreError(RuntimeError):
    """The store's file cannot be used: damaged, not an SQLite database, or not openable."""

    @classmethod
    def of(cls, path, exc: sqlite3.DatabaseError) -> "StoreError":
        if isinstance(exc, sqlite3.OperationalError):  # locked, no permission, a folder...
            return cls(f"cannot open the live-results store {path}: {exc}")
        return cls(
            f"the live-results store {path} is damaged or not an SQLite database ({exc}); "
            f"move it aside (e.g. rename it to {Path(path).name}.bad) or delete it, and run "
            "again to start a new store (the cells it held are trained again)"
        )


def _config_key(config) -> str:
    if isinstance(config, TrainConfig):
        return config.key()
    if isinstance(config, str) and config:
        return config
    raise ValueError(f"config must be a TrainConfig or its key (a string); got {config!r}")


class ResultStore:
    """Live results in one SQLite file (created with its folder when missing).

    Parameters
    ----------
    path : path
        The database file; ``":memory:"`` for a throw-away store.
    """

    def __init__(self, path):
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).expanduser().parent.mkdir(parents=True, exist_ok=True)
        self._conn = None
        conn = self._connect()
        try:
            with conn:
                conn.executescript(_SCHEMA)
            problem = conn.execute("PRAGMA quick_check(1)").fetchone()[0]  # damaged pages
            if problem != "ok":
                raise sqlite3.DatabaseError(problem)
        except sqlite3.DatabaseError as exc:
            self.close()
            raise StoreError.of(self.path, exc) from exc

    def _connect(self) -> sqlite3.Connection:
        """The connection, opened on first use; a file that is not a usable SQLite database
        is a :class:`StoreError` naming it and what to do."""
        if self._conn is None:
            conn = None
            try:
                conn = sqlite3.connect(os.path.expanduser(self.path), timeout=60)
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # reads the header
            except sqlite3.DatabaseError as exc:
                if conn is not None:
                    conn.close()
                raise StoreError.of(self.path, exc) from exc
            self._conn = conn
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __getstate__(self):  # picklable: reconnect on use
        return {"path": self.path, "_conn": None}

    def __repr__(self) -> str:
        return f"ResultStore({self.path!r})"

    # ------------------------------------------------------------------ write / read

    def put(self, dataset: str, config, genome, metrics: dict, seconds: float | None = None,
            device: str | None = None, n_params: int | None = None) -> None:
        """Record one trained cell (all its metrics) in one transaction, committed at once."""
        key = _config_key(config)
        cell = key_of(genome)[0]
        code = int(encode(genome)[0])
        now = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
        conn = self._connect()
        with conn:
            if isinstance(config, TrainConfig):
                conn.execute("INSERT OR IGNORE INTO configs VALUES (?, ?)", (key, config.to_json()))
            conn.execute(
                "INSERT OR REPLACE INTO cells VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (dataset, key, cell, code, seconds, device, n_params, now),
            )
            conn.executemany(
                "INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?, ?)",
                [(dataset, key, cell, m, float(v)) for m, v in metrics.items()],
            )

    def get(self, dataset: str, config, X, metrics) -> list:
        """For each genome ``(n, 6)``: ``{metric: accuracy}`` if every metric is stored, else None.

        Metric names match as :mod:`pymoo_arnas.objectives` writes them, so a name stored in
        another spelling (``"pgd@Linf:1"`` by older versions) still reads as ``"pgd@Linf:1.0"``.
        """
        key = _config_key(config)
        cells = key_of(X)
        metrics = list(metrics)
        wanted_as = {m: canonical_name(m) for m in metrics}
        found: dict = {}
        conn = self._connect()
        wanted = sorted(set(cells))
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            q = (f"SELECT cell, metric, value FROM results WHERE dataset=? AND config=? "
                 f"AND cell IN ({','.join('?' * len(chunk))})")
            for cell, metric, value in conn.execute(q, (dataset, key, *chunk)):
                found.setdefault(cell, {})[canonical_name(metric)] = value
        out = []
        for cell in cells:
            have = found.get(cell, {})
            complete = all(wanted_as[m] in have for m in metrics)
            out.append({m: have[wanted_as[m]] for m in metrics} if complete else None)
        return out

    def configs(self) -> pd.DataFrame:
        """Every ``(dataset, config)`` in the store with its number of cells and the config."""
        q = ("SELECT c.dataset, c.config, COUNT(*) AS n_cells, g.json FROM cells c "
             "LEFT JOIN configs g ON c.config = g.config GROUP BY c.dataset, c.config")
        return pd.read_sql_query(q, self._connect())

    def to_frame(self, dataset: str | None = None, config=None) -> pd.DataFrame:
        """One row per stored cell: ``dataset, config, cell, uid, x0..x5, seconds, device,
        n_params, created`` and one column per metric (NaN where not measured), named as
        :mod:`pymoo_arnas.objectives` writes it."""
        where, args = [], []
        if dataset is not None:
            where.append("dataset=?")
            args.append(dataset)
        if config is not None:
            where.append("config=?")
            args.append(_config_key(config))
        w = (" WHERE " + " AND ".join(where)) if where else ""
        conn = self._connect()
        cells = pd.read_sql_query(f"SELECT * FROM cells{w} ORDER BY created, code", conn, params=args)
        res = pd.read_sql_query(f"SELECT * FROM results{w}", conn, params=args)
        res["metric"] = res["metric"].map(canonical_name)
        G = decode(cells["code"].to_numpy()) if len(cells) else np.empty((0, N_EDGES), np.int64)
        for i in range(N_EDGES):
            cells.insert(3 + i, GENOME_COLUMNS[i], G[:, i])
        uids = CellIndex.from_graph().genome_to_uid(G) if len(G) else np.empty(0, np.int64)
        cells.insert(3, "uid", uids)
        if len(res):
            wide = res.pivot_table(index=["dataset", "config", "cell"], columns="metric",
                                   values="value", aggfunc="first").reset_index()
            wide.columns.name = None
            cells = cells.merge(wide, on=["dataset", "config", "cell"], how="left")
        return cells.drop(columns=["code"])

    # ------------------------------------------------------------------ as a table

    def to_table(self, dataset: str, config, metrics=None, missing: str = "raise",
                 index: CellIndex | None = None):
        """The stored cells of one dataset and config as a :class:`~pymoo_arnas.data.table.BenchmarkTable`,
        so :class:`~pymoo_arnas.problems.ARNAS` can search them at lookup speed.

        Parameters
        ----------
        dataset : str
        config : TrainConfig or str
            The config (or its key) the cells were trained under.
        metrics : sequence of str, optional
            Columns (default: every metric stored for this dataset and config).
        missing : {"raise", "nan"}
            ``ARNAS`` needs a row for all 6,466 classes. ``"raise"``: refuse a store that
            lacks some (a :class:`ValueError` saying how many); ``"nan"``: give those rows
            NaN accuracies (ARNAS then returns NaN errors for cells never trained; to train
            them on demand, search with :class:`~pymoo_arnas.problems.ARNASLive` on this store).
        index : CellIndex, optional
            NAS-Bench-201's index (e.g. ``load_robustness("cifar10").index``) for real
            indices and uids; default :meth:`CellIndex.from_graph() <pymoo_arnas.space.CellIndex.from_graph>`
            (index = genome code, uid = code of the class representative).
        """
        from pymoo_arnas.data.table import BenchmarkTable

        if missing not in ("raise", "nan"):
            raise ValueError(f"missing must be 'raise' or 'nan'; got {missing!r}")
        df = self.to_frame(dataset, config)
        if not len(df):
            known = self.configs()
            raise ValueError(
                f"the store {self.path} has no cells for dataset {dataset!r} and config "
                f"{_config_key(config)!r}; it holds: "
                + (", ".join(f"{d}/{c} ({n} cells)" for d, c, n in
                             known[["dataset", "config", "n_cells"]].itertuples(index=False))
                   or "nothing")
            )
        if metrics is None:
            metrics = [c for c in df.columns if c == "clean" or "@" in c]
            metrics.sort(key=lambda c: (c != "clean", c))
        else:
            metrics = [canonical_name(m) for m in metrics]
            absent = [m for m in metrics if m not in df.columns]
            if absent:
                raise ValueError(f"metric {absent[0]!r} is not in the store for {dataset!r}; "
                                 f"stored: {', '.join(c for c in df.columns if c == 'clean' or '@' in c)}")
        reps = representative_codes()
        values = np.full((len(reps), len(metrics)), np.nan)
        row_of_rep = {int(c): i for i, c in enumerate(reps)}
        G = df[list(GENOME_COLUMNS)].to_numpy()
        rows = np.array([row_of_rep[int(u)] for u in CellIndex.from_graph().genome_to_uid(G)], dtype=np.int64)
        values[rows] = df[metrics].to_numpy(dtype=float)
        n_missing = int(np.isnan(values).any(axis=1).sum())
        if n_missing and missing == "raise":
            raise ValueError(
                f"the store has {len(reps) - n_missing} of {len(reps)} unique cells for "
                f"{dataset!r} with every metric of {metrics}; ARNAS needs all of them. Pass "
                "missing='nan' for a partial table (untrained cells read NaN) or search with "
                "ARNASLive on this store, which trains the rest on demand"
            )
        if index is None:
            index = CellIndex.from_graph()
            uids = reps.copy()
        else:
            uids = index.code_to_uid[reps].astype(np.int64)
        code_to_row = BenchmarkTable.rows_from_uids(index, uids)
        epsilons: dict = {}
        for m in metrics:
            attack, eps = parse_objective(m)
            if eps is not None:
                epsilons.setdefault(attack, []).append(eps)
        epsilons = {a: tuple(sorted(e)) for a, e in epsilons.items()}
        return BenchmarkTable(
            dataset=dataset, source=f"live:{_config_key(config)}", columns=tuple(metrics),
            values=values, uids=uids, code_to_row=code_to_row, index=index,
            epsilons=epsilons,
        )
