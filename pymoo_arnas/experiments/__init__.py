"""Experiments: runner, metrics, plots; run from the ``arnas`` command line.

- :mod:`~pymoo_arnas.experiments.metrics`: nHV, IGD+ and the share of the exact front found
  (multi-objective), best-so-far, gap and queries-to-optimum (one objective), all on the
  archive of unique queries, after each query;
- :mod:`~pymoo_arnas.experiments.problems`: problem names (``"cifar10/clean+pgd"``) and
  suites (``"bi"``: the 8 bi-objective problems; ``"paper"``: the seed paper's 10);
- :mod:`~pymoo_arnas.experiments.runner`: sweeps of problems x algorithms x seeds with a
  budget of unique queries (or of evaluations), one parquet file per run, resumable, in
  this process, in local processes or on a Dask cluster (identical results);
- :mod:`~pymoo_arnas.experiments.paper`: the paper's Table III, optima and LLMO curves;
- :mod:`~pymoo_arnas.experiments.plots`: convergence, fronts, paper curves (PNG).

``arnas bench`` and ``arnas paper`` (:mod:`pymoo_arnas.cli.bench`, :mod:`pymoo_arnas.cli.paper`)
run them.

Command line (:mod:`pymoo_arnas.cli`)::

    arnas bench --problems bi --algorithms random,nsga2,nsga2-cat --seeds 10 --budget 300
    arnas bench ... --out results/bench                 # resumable sweep folder
    arnas bench ... --workers 2                     # local processes
    arnas bench ... --scheduler tcp://host:8786     # an existing Dask cluster
    arnas paper                                     # 30 runs x 3,000 evaluations x 10 problems
    arnas paper --runs 5 --evals 300                # shrunk
"""
