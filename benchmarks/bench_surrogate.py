"""Surrogates for cells, compared: the Hamming-kernel GP between isomorphism classes
``nsga2-cat`` screens its candidates with (on rank-warped objectives), beside the alternatives
issue 12 asked about (the Hamming kernel between genomes, path encodings, class
representatives, the Weisfeiler-Lehman kernel, an ensemble, ridge regression, no warping).

Three measurements on the 8 bi-objective problems (clean vs each attack at epsilon 1.0,
CIFAR-10 and CIFAR-100), each model used the way ``nsga2-cat`` uses its GP: candidates are
ranked by the non-domination rank of the optimistic prediction ``mean - std`` against the
cells already known, every model on the rank-warped objectives
(:func:`~pymoo_arnas.algorithms.surrogate.rank_warp`) but ``hamming-raw``.

1. *Screening* (always): each model is fitted on ``--train`` random cells (a random member
   of each of that many random classes, as a search sees them) and ranks every other class.
   Printed: the share of the exact front's cells (among the classes not in the training set)
   that it ranks in its first ``--top``, and the Spearman correlation of its mean with the
   true values (mean over objectives), averaged over ``--repeats`` draws and the problems.
2. *Predictability* (always): the exact front's cells held out, ``nsga2-cat``'s GP (the class
   kernel) fitted on half of all the other classes ranks the held-out half; printed per
   problem: how many front cells it ranks in its first ``--top``. Front cells a GP does not
   rank highly even from half the space are found by search only by exploring near them, not
   by the model.
3. *Search* (``--search``): ``nsga2-cat`` screening with each model (its
   ``NSGA2LocalSearch._surrogate`` overridden; ``warp=False`` for ``hamming-raw``), mean nHV
   and share of the exact front at 100 / 200 / 300 unique queries and the worst problem's
   nHV at 300, on the same seeds (``--seeds`` from ``--first-seed``; tuning used 100-149,
   report 0-9).

The alternative kernels live in this file: they are what was measured, not what the package
offers (``nsga2-cat`` screens with ``class``, the package's
:class:`~pymoo_arnas.algorithms.surrogate.ClassHammingGP`, since 0.3.0; see its class notes).

    python benchmarks/bench_surrogate.py
    python benchmarks/bench_surrogate.py --search --seeds 10
    python benchmarks/bench_surrogate.py --train 100,300 --repeats 5 --models hamming,path
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from pymoo.optimize import minimize  # noqa: E402
from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting  # noqa: E402
from scipy.spatial.distance import cdist  # noqa: E402
from scipy.stats import spearmanr  # noqa: E402

from pymoo_arnas.algorithms.hybrid import NSGA2LocalSearch  # noqa: E402
from pymoo_arnas.algorithms.surrogate import (  # noqa: E402
    ClassHammingGP,
    HammingGP,
    RidgeSurrogate,
    rank_warp,
)
from pymoo_arnas.experiments.metrics import convergence  # noqa: E402
from pymoo_arnas.experiments.problems import SUITES, make_problem  # noqa: E402
from pymoo_arnas.space import (  # noqa: E402
    EDGES,
    N_EDGES,
    N_OPS,
    all_genomes,
    class_of_code,
    decode,
    representative,
    representative_codes,
)

_NDS = NonDominatedSorting()

# the four input -> output routes of the cell, as edge positions (EDGES: (0,1) (0,2) (1,2)
# (0,3) (1,3) (2,3)); a route is alive when none of its edges is "none" (op 0)
ROUTES = ((3,), (0, 4), (1, 5), (0, 2, 5))
assert all(EDGES[r[0]][0] == 0 and EDGES[r[-1]][1] == 3 for r in ROUTES)


def path_encoding(X) -> np.ndarray:
    """Path encoding ``(n, 84)`` of genomes ``(n, 6)`` (White et al., BANANAS, 2021): how many
    live input-to-output routes carry each sequence of operations (4 of length 1, 16 of
    length 2, 64 of length 3; routes through a "none" edge carry nothing)."""
    X = np.asarray(X, dtype=np.int64)
    live_ops = N_OPS - 1
    offset = {1: 0, 2: live_ops, 3: live_ops + live_ops ** 2}
    P = np.zeros((len(X), live_ops + live_ops ** 2 + live_ops ** 3))
    for route in ROUTES:
        ops = X[:, route]
        alive = np.flatnonzero((ops != 0).all(axis=1))
        idx = np.zeros(len(alive), dtype=np.int64)
        for j in range(len(route)):
            idx = idx * live_ops + ops[alive, j] - 1
        np.add.at(P, (alive, offset[len(route)] + idx), 1.0)
    return P


class RepresentativeGP(HammingGP):
    """Hamming kernel between the class representatives (isomorphic cells are one point)."""

    def kernel(self, A, B):
        return super().kernel(representative(A), representative(B))


class PathGP(HammingGP):
    """RBF kernel on the path encoding (squared length scale 1)."""

    def kernel(self, A, B):
        return np.exp(-cdist(path_encoding(A), path_encoding(B), "sqeuclidean") / 2.0)


class PathHammingGP(HammingGP):
    """The mean of the Hamming kernel and an RBF kernel on the path encoding (scale 3)."""

    def kernel(self, A, B):
        path = np.exp(-cdist(path_encoding(A), path_encoding(B), "sqeuclidean") / 6.0)
        return 0.5 * super().kernel(A, B) + 0.5 * path


class RidgeModel(RidgeSurrogate):
    """Ridge regression on one-hot cell features (no uncertainty: ``std`` is 0)."""

    def predict(self, X, return_std=False):
        mean = super().predict(X)
        return (mean, np.zeros_like(mean)) if return_std else mean


class EnsembleModel:
    """The mean of the Hamming GP's and ridge regression's predictions, the GP's ``std``."""

    def fit(self, X, F):
        self.gp = HammingGP().fit(X, F)
        self.ridge = RidgeSurrogate().fit(X, F)
        return self

    def predict(self, X, return_std=False):
        mean, std = self.gp.predict(X, return_std=True)
        mean = 0.5 * (mean + self.ridge.predict(X))
        return (mean, std) if return_std else mean


def _class_wl(weight):
    return lambda: ClassHammingGP(wl_weight=weight)


MODELS = {
    "class": (ClassHammingGP, True),
    "class+wl": (_class_wl(0.5), True),
    "wl": (_class_wl(1.0), True),
    "hamming": (HammingGP, True),
    "hamming-raw": (HammingGP, False),
    "representative": (RepresentativeGP, True),
    "path": (PathGP, True),
    "path+hamming": (PathHammingGP, True),
    "ridge": (RidgeModel, True),
    "ensemble": (EnsembleModel, True),
}
"""Model name -> (class, fitted on rank-warped objectives); ``class`` is ``nsga2-cat``'s kernel,
``class+wl`` its kernel with several objectives (the squared Weisfeiler-Lehman kernel mixed in
with weight 0.5, :mod:`pymoo_arnas.algorithms.wl_kernel`), ``wl`` that kernel alone (both
without the convolutions alike, which ``nsga2-cat`` adds by phase)."""


def screening_order(model, X_known, F_known, X_cand, rng, warp: bool = True) -> tuple:
    """Indices of ``X_cand`` best first, by ``nsga2-cat``'s rule: the non-domination rank of
    ``mean - std`` against the known cells (on their rank-warped values with ``warp``), ties
    at random; and the predicted mean ``(n, m)``."""
    if warp:
        F_known = rank_warp(F_known)
    mean, std = model.fit(X_known, F_known).predict(X_cand, return_std=True)
    P = mean - std
    merged = np.vstack([F_known, P])
    rank = np.empty(len(P), dtype=np.int64)
    for r, front in enumerate(_NDS.do(merged)):
        front = front[front >= len(F_known)] - len(F_known)
        rank[front] = r
    return np.lexsort((rng.random(len(P)), rank)), mean


class _Classes:
    """Every class of a problem: representative genomes, objective values, exact front."""

    def __init__(self, name: str) -> None:
        problem = make_problem(name)
        self.R = decode(representative_codes())
        self.F = np.asarray(problem.evaluate(self.R), dtype=float)
        self.front = np.asarray(_NDS.do(self.F, only_non_dominated_front=True))
        cls = class_of_code()
        self._members = np.split(np.argsort(cls, kind="stable"),
                                 np.cumsum(np.bincount(cls))[:-1])

    def random_members(self, classes, rng) -> np.ndarray:
        """A random member genome of each class ``(n, 6)`` (what a search would have asked)."""
        G = all_genomes()
        return np.array([G[rng.choice(self._members[c])] for c in classes]).reshape(-1, N_EDGES)


def screening(classes: dict, models, n_train: int, repeats: int, top: int) -> dict:
    """{model: (recall of the front in the first ``top``, Spearman)} averaged over problems
    and ``repeats`` draws of ``n_train`` cells."""
    out = {m: [] for m in models}
    for c in classes.values():
        for rep in range(repeats):
            rng = np.random.default_rng([rep, n_train])
            train = rng.choice(len(c.R), n_train, replace=False)
            X_train = c.random_members(train, rng)
            cand = np.setdiff1d(np.arange(len(c.R)), train)
            held = np.intersect1d(c.front, cand)
            for m in models:
                cls, warp = MODELS[m]
                order, mean = screening_order(cls(), X_train, c.F[train], c.R[cand],
                                              np.random.default_rng(rep), warp)
                recall = np.isin(held, cand[order[:top]]).mean() if len(held) else np.nan
                rho = np.mean([spearmanr(mean[:, j], c.F[cand, j])[0]
                               for j in range(c.F.shape[1])])
                out[m].append((recall, rho))
    return {m: np.nanmean(np.array(v), axis=0) for m, v in out.items()}


def predictability(c: _Classes, top: int) -> tuple:
    """(front cells ``nsga2-cat``'s GP (:class:`ClassHammingGP`) fitted on half the other
    classes, rank-warped, ranks in its first ``top``, front size); each half of the front held
    out in turn."""
    rng = np.random.default_rng(0)
    others = np.setdiff1d(np.arange(len(c.R)), c.front)
    ranked = 0
    for half in (0, 1):
        held_front = c.front[half::2]
        known = rng.choice(others, len(others) // 2, replace=False)
        cand = np.setdiff1d(np.arange(len(c.R)), np.concatenate([known, c.front[1 - half::2]]))
        order, _ = screening_order(ClassHammingGP(), c.R[known], c.F[known], c.R[cand], rng)
        ranked += int(np.isin(held_front, cand[order[:top]]).sum())
    return ranked, len(c.front)


def _search_run(args) -> dict:
    name, model, seed, budget = args

    cls, warp = MODELS[model]

    class Screened(NSGA2LocalSearch):
        def _surrogate(self):
            return cls()

    problem = make_problem(name, budget=budget)
    t0 = time.perf_counter()
    minimize(problem, Screened(pop_size=20, warp=warp), seed=seed, verbose=False)
    trace = convergence(problem)
    row = {"problem": name, "model": model, "seed": seed,
           "seconds": time.perf_counter() - t0}
    for b in (100, 200, 300):
        if b <= len(trace):
            row[f"nhv{b}"] = float(trace["nhv"].iloc[b - 1])
            row[f"share{b}"] = float(trace["share"].iloc[b - 1])
    return row


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default=",".join(MODELS),
                    help=f"comma-separated, of {', '.join(MODELS)}")
    ap.add_argument("--train", default="100,200",
                    help="training sizes of the screening measurement (comma-separated)")
    ap.add_argument("--repeats", type=int, default=3, help="random training sets per size")
    ap.add_argument("--top", type=int, default=100, help="screened cells that count")
    ap.add_argument("--search", action="store_true", help="also run nsga2-cat with each model")
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--budget", type=int, default=300)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args(argv)
    models = [m for m in args.models.split(",") if m]
    unknown = [m for m in models if m not in MODELS]
    try:
        train_sizes = [int(t) for t in args.train.split(",") if t]
    except ValueError:
        train_sizes = [-1]
    if unknown or not models:
        print(f"bench_surrogate: unknown model {unknown[0] if unknown else '(none)'!r}; "
              f"expected some of {', '.join(MODELS)}", file=sys.stderr)
        return 2
    if not train_sizes or min(train_sizes) < 8 or max(train_sizes) > 6000 \
            or args.repeats < 1 or args.top < 1 or args.seeds < 1 or args.budget < 20:
        print(f"bench_surrogate: --train sizes must be in 8..6000, --repeats, --top, --seeds "
              f">= 1 and --budget >= 20; got --train {args.train!r}, --repeats "
              f"{args.repeats}, --top {args.top}, --seeds {args.seeds}, --budget "
              f"{args.budget}", file=sys.stderr)
        return 2
    t0 = time.time()
    classes = {name: _Classes(name) for name in SUITES["bi"]}

    print(f"1. screening: share of the exact front (not trained on) in a model's first "
          f"{args.top} of ~6,400 classes / Spearman of its mean ({args.repeats} draws x 8 "
          f"problems)")
    print(f"{'model':16s}" + "".join(f"{f'{n} cells':>20s}" for n in train_sizes))
    results = {n: screening(classes, models, n, args.repeats, args.top) for n in train_sizes}
    for m in models:
        cells = "".join(f"{results[n][m][0]:>12.1%} / {results[n][m][1]:5.2f}"
                        for n in train_sizes)
        print(f"{m:16s}{cells}")

    print(f"\n2. predictability: exact-front cells nsga2-cat's GP (class kernel) fitted on half "
          f"the other classes ranks in its first {args.top}")
    ranked_all = size_all = 0
    for name, c in classes.items():
        ranked, size = predictability(c, args.top)
        ranked_all, size_all = ranked_all + ranked, size_all + size
        print(f"  {name:24s} {ranked:3d} of {size:3d}")
    print(f"  {'all':24s} {ranked_all:3d} of {size_all:3d} ({ranked_all / size_all:.0%})")

    if args.search:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        import pandas as pd

        seeds = range(args.first_seed, args.first_seed + args.seeds)
        jobs = [(p, m, s, args.budget) for m in models for p in SUITES["bi"] for s in seeds]
        with ProcessPoolExecutor(max(1, args.workers), mp_context=mp.get_context("fork")) as ex:
            df = pd.DataFrame(list(ex.map(_search_run, jobs)))
        cols = [c for c in ("nhv100", "nhv200", "nhv300", "share300") if c in df]
        print(f"\n3. search: nsga2-cat screening with each model, mean over 8 problems x "
              f"{args.seeds} seeds ({args.first_seed}..{args.first_seed + args.seeds - 1})")
        per = df.groupby(["model", "problem"])[cols].mean()
        summary = df.groupby("model")[cols + ["seconds"]].mean().loc[models]
        summary["worst nhv300"] = per["nhv300"].groupby("model").min() \
            if "nhv300" in per else np.nan
        print(summary.round(3).to_string())
    print(f"\n({time.time() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
