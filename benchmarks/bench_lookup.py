"""Throughput of the numba lookup kernel and of ARNAS.evaluate vs a plain-Python dict lookup.

The dict lookup is the seed paper's way of querying the benchmark: its JSON dicts plus the
isomorphism map of ``meta.json`` (here with the genome decoded correctly: genome -> arch string
-> NAS-Bench-201 index -> unique id -> accuracy). All three run in one process on the same
random genomes; the kernel is single-threaded (one core).

    python benchmarks/bench_lookup.py [--n 1000000] [--repeat 5]

Targets: kernel >= 100 million genomes/s, and >= 200x the dict lookup.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from pymoo_arnas.data import find_data_dir, load_robustness, lookup_kernel
from pymoo_arnas.data.locate import meta_path
from pymoo_arnas.problems import ARNAS
from pymoo_arnas.space import OPS


def best_of(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def dict_lookup(genomes, str_to_id, ids, clean, pgd, pgd_pos):
    out = []
    for g in genomes:
        o = [OPS[v] for v in g]
        arch = f"|{o[0]}~0|+|{o[1]}~0|{o[2]}~1|+|{o[3]}~0|{o[4]}~1|{o[5]}~2|"
        uid = ids[str_to_id[arch]]["isomorph"]
        out.append((clean[uid], pgd[uid][pgd_pos]))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000, help="genomes per batch")
    ap.add_argument("--repeat", type=int, default=5, help="timed repeats (best is kept)")
    ap.add_argument("--dataset", default="cifar10")
    args = ap.parse_args()

    rng = np.random.default_rng(0)
    X = rng.integers(0, 5, size=(args.n, 6), dtype=np.int64)
    table = load_robustness(args.dataset)
    cols = [table.column_index("clean"), table.column_index("pgd@Linf:1.0")]
    values = np.ascontiguousarray(table.values[:, cols])
    rows = np.empty(args.n, dtype=np.int64)
    out = np.empty((args.n, 2))
    X8 = X.astype(np.int8)  # the same genomes, compact
    lookup_kernel(X[:10], table.code_to_row, values, rows[:10], out[:10])  # compile
    lookup_kernel(X8[:10], table.code_to_row, values, rows[:10], out[:10])
    t_kernel8 = best_of(lambda: lookup_kernel(X8, table.code_to_row, values, rows, out), args.repeat)
    t_kernel = best_of(lambda: lookup_kernel(X, table.code_to_row, values, rows, out), args.repeat)

    problem = ARNAS(args.dataset, objectives=("clean", "pgd@Linf"), epsilon=1.0)
    problem.evaluate(X[:10])

    def evaluate():
        problem.reset()
        return problem.evaluate(X)

    t_eval = best_of(evaluate, args.repeat)
    F = problem.evaluate(X)

    root = find_data_dir()
    with open(meta_path(root)) as f:
        meta = json.load(f)
    ids = meta["ids"]
    str_to_id = {m["nb201-string"]: k for k, m in ids.items()}
    with open(root / args.dataset / "clean_accuracy.json") as f:
        clean = json.load(f)[args.dataset]["clean"]["accuracy"]
    with open(root / args.dataset / "pgd@Linf_accuracy.json") as f:
        pgd = json.load(f)[args.dataset]["pgd@Linf"]["accuracy"]
    pgd_pos = meta["epsilons"]["pgd@Linf"].index(1.0)
    genomes = X.tolist()
    t0 = time.perf_counter()
    ref = dict_lookup(genomes, str_to_id, ids, clean, pgd, pgd_pos)
    t_dict = time.perf_counter() - t0

    same = np.allclose(1.0 - np.array(ref), F) and np.allclose(np.array(ref), out)
    n = args.n
    print(f"{n:,} random genomes, {args.dataset}, objectives clean + pgd@Linf:1.0 (best of {args.repeat})")
    print(f"  numba kernel      {t_kernel * 1e3:9.2f} ms  {n / t_kernel / 1e6:9.1f} M genomes/s  (int64 genomes, as pymoo passes them)")
    print(f"  numba kernel int8 {t_kernel8 * 1e3:9.2f} ms  {n / t_kernel8 / 1e6:9.1f} M genomes/s  (compact int8 genomes)")
    print(f"  ARNAS.evaluate    {t_eval * 1e3:9.2f} ms  {n / t_eval / 1e6:9.1f} M genomes/s")
    print(f"  Python dict       {t_dict * 1e3:9.2f} ms  {n / t_dict / 1e6:9.3f} M genomes/s")
    print(f"  kernel / dict     {t_dict / t_kernel:9.0f}x   int64; {t_dict / t_kernel8:.0f}x int8 "
          "(targets: kernel >= 100 M genomes/s on one core, >= 200x the dict lookup)")
    print(f"  evaluate / dict   {t_dict / t_eval:9.0f}x")
    print(f"  all three agree:  {same}")


if __name__ == "__main__":
    main()
