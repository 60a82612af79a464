"""Result store (resume, as a table), ARNASLive's interface, parallel runs, NSGA-II on digits."""

import numpy as np
import pandas as pd
import pytest
import torch

from pymoo_arnas.live.cells import key_of
from pymoo_arnas.space import CellIndex, representative_codes

uid_of = CellIndex.from_graph().genome_to_uid
from pymoo_arnas.live.store import ResultStore
from pymoo_arnas.live.train import train_cell
from pymoo_arnas.problems import ARNAS, ARNASLive
from pymoo_arnas.space import decode, encode, isomorphism_class

pytestmark = pytest.mark.live  # needs the `live` extra (torch, scikit-learn)

# eight pairwise non-isomorphic cells
CELLS = np.array([
    [3, 3, 3, 3, 3, 3], [2, 2, 2, 2, 2, 2], [4, 4, 4, 4, 4, 4], [1, 3, 1, 2, 3, 4],
    [3, 0, 0, 0, 0, 1], [2, 3, 4, 1, 0, 3], [0, 0, 0, 3, 0, 0], [1, 1, 1, 1, 1, 1],
])


def _counting(calls):
    def trainer(genome, dataset, config, metrics):
        calls.append(tuple(int(v) for v in genome))
        return train_cell(genome, dataset, config, metrics)
    return trainer


def test_cells_are_one_per_isomorphism_class():
    assert len(np.unique(isomorphism_class(CELLS))) == len(CELLS)
    reps = representative_codes()
    assert len(reps) == 6466 and np.array_equal(isomorphism_class(decode(reps)), np.arange(6466))
    g = np.array([[0, 0, 0, 0, 3, 0], [0, 0, 0, 0, 0, 0]])
    assert uid_of(g).tolist() == [0, 0] and key_of(g) == ["#+#+#", "#+#+#"]


def test_interface_and_bad_input(tmp_path, tiny):
    p = ARNASLive("digits", ("clean", "fgsm", "pgd@Linf:0.2"), epsilon=0.1, train=tiny,
                  store=tmp_path / "s.sqlite", progress=False)
    assert (p.n_var, p.n_obj, p.vtype) == (6, 3, int)
    assert p.xl.tolist() == [0] * 6 and p.xu.tolist() == [4] * 6
    assert p.columns == ("clean", "fgsm@Linf:0.1", "pgd@Linf:0.2")
    with pytest.raises(ValueError, match="row 0 has the value 9 at x5"):
        p.evaluate([[0, 0, 0, 0, 0, 9]])
    with pytest.raises(ValueError, match="6 columns"):
        p.evaluate([[0, 0, 0]])
    with pytest.raises(ValueError, match="unknown live attack 'cw'"):
        ARNASLive("digits", ("clean", "cw"), train=tiny, store=tmp_path / "s.sqlite")
    with pytest.raises(ValueError, match="unknown live dataset 'svhn'"):
        ARNASLive("svhn", train=tiny, store=tmp_path / "s.sqlite")
    with pytest.raises(ValueError, match="same metric twice"):
        ARNASLive("digits", ("pgd", "pgd@Linf:0.1"), epsilon=0.1, train=tiny, store=tmp_path / "s.sqlite")
    with pytest.raises(ValueError, match="n_workers"):
        ARNASLive("digits", train=tiny, store=tmp_path / "s.sqlite", n_workers=0)
    with pytest.raises(ValueError, match="budget"):
        ARNASLive("digits", train=tiny, store=tmp_path / "s.sqlite", budget=0)


@pytest.mark.slow
def test_elementwise_live_evaluation_is_refused(tmp_path, tiny):
    with pytest.raises(ValueError, match="ARNASLive evaluates whole batches"):
        ARNASLive("digits", train=tiny, store=tmp_path / "s.sqlite", elementwise=True)


def test_query_log_isomorphs_and_budget(tmp_path, tiny):
    calls = []
    p = ARNASLive("digits", train=tiny, store=tmp_path / "s.sqlite", budget=3,
                  trainer=_counting(calls), progress=False)
    X = np.array([[0, 0, 0, 0, 3, 0], [3, 3, 3, 3, 3, 3], [0, 0, 0, 0, 0, 0],
                  [2, 2, 2, 2, 2, 2], [1, 1, 1, 1, 1, 1], [4, 4, 4, 4, 4, 4]])
    F = p.evaluate(X)
    # rows 0 and 2 are isomorphic: one training, of the class representative (all-none)
    assert calls == [(0,) * 6, (3,) * 6, (2,) * 6]
    assert np.array_equal(F[0], F[2])
    assert (F[4:] == 1.0).all() and p.budget_exhausted  # beyond the budget: not trained
    assert (p.n_evals, p.n_unique, p.n_trained) == (6, 3, 3)
    log = p.query_log
    assert list(log.columns) == [f"x{i}" for i in range(6)] + ["index", "uid", "clean", "pgd@Linf:0.1",
                                                               "n_evals"]
    assert log["n_evals"].tolist() == [1, 2, 4]  # the evaluation that first asked for each cell
    assert log[[f"x{i}" for i in range(6)]].to_numpy().tolist() == X[[0, 1, 3]].tolist()
    assert log["index"].tolist() == encode(X[[0, 1, 3]]).tolist()
    assert log["uid"].tolist() == uid_of(X[[0, 1, 3]]).tolist()
    assert np.allclose(1 - log[["clean", "pgd@Linf:0.1"]].to_numpy(), F[[0, 1, 3]])
    assert p.is_queried(X).tolist() == [True, True, True, True, False, False]
    stored = p.store.to_frame("digits", tiny).set_index("uid")
    assert np.allclose(stored.loc[log["uid"], "clean"].to_numpy(), log["clean"].to_numpy())
    assert (stored["device"] == "cpu").all() and (stored["seconds"] > 0).all()


@pytest.mark.slow
def test_query_log_with_the_benchmark_index(tmp_path, tiny, table10):
    p = ARNASLive("digits", ("clean",), train=tiny, store=tmp_path / "s.sqlite",
                  cell_index=table10.index, progress=False)
    p.evaluate(CELLS[:2])
    log = p.query_log
    assert log["index"].tolist() == table10.index.genome_to_index(CELLS[:2]).tolist()
    assert log["uid"].tolist() == table10.index.genome_to_uid(CELLS[:2]).tolist()


class Interrupted(Exception):
    pass


@pytest.mark.slow
def test_an_interrupted_run_resumes_without_retraining(tmp_path, tiny):
    path = tmp_path / "s.sqlite"
    calls = []

    def stop_after_three(genome, result):
        if len(calls) == 3:
            raise Interrupted

    p = ARNASLive("digits", train=tiny, store=path, trainer=_counting(calls),
                  callback=stop_after_three, progress=False)
    with pytest.raises(Interrupted):
        p.evaluate(CELLS)
    first = list(calls)
    assert len(first) == 3 and len(ResultStore(path).to_frame()) == 3

    calls.clear()
    again = ARNASLive("digits", train=tiny, store=path, trainer=_counting(calls), progress=False)
    F = again.evaluate(CELLS)
    assert len(calls) == len(CELLS) - 3 and not set(calls) & set(first)
    assert again.n_trained == 5 and again.n_unique == 8

    # the resumed results equal an uninterrupted run (per-cell seeds)
    fresh = ARNASLive("digits", train=tiny, store=tmp_path / "fresh.sqlite", progress=False)
    assert np.array_equal(fresh.evaluate(CELLS), F)
    # a third run with the first store trains nothing
    calls.clear()
    third = ARNASLive("digits", train=tiny, store=path, trainer=_counting(calls), progress=False)
    assert np.array_equal(third.evaluate(CELLS), F) and calls == [] and third.n_trained == 0
    # another config is another key: trained again
    other = ARNASLive("digits", train=tiny.replace(seed=7), store=path, progress=False)
    other.evaluate(CELLS[:1])
    assert other.n_trained == 1


@pytest.mark.slow
def test_processes_and_dask_give_the_serial_results(tmp_path, tiny):
    X = CELLS[:4]
    serial = ARNASLive("digits", train=tiny, store=tmp_path / "a.sqlite", progress=False).evaluate(X)
    procs = ARNASLive("digits", train=tiny, store=tmp_path / "b.sqlite", n_workers=2, progress=False)
    try:
        assert np.array_equal(procs.evaluate(X), serial)
        assert procs.n_trained == 4
    finally:
        procs.close()
    pytest.importorskip("distributed")
    dask = ARNASLive("digits", train=tiny, store=tmp_path / "c.sqlite", scheduler="local",
                     n_workers=1, progress=False)
    try:
        assert np.array_equal(dask.evaluate(X), serial)
        assert dask.runner.executor._client is not None and dask.n_trained == 4
    finally:
        dask.close()


@pytest.mark.slow
def test_store_as_a_table_for_arnas(tmp_path, tiny):
    p = ARNASLive("digits", ("clean", "pgd"), epsilon=0.1, train=tiny, store=tmp_path / "s.sqlite",
                  progress=False)
    F = p.evaluate(CELLS[:3])
    with pytest.raises(ValueError, match="3 of 6466 unique cells.*missing='nan'"):
        p.to_table()
    table = p.to_table(missing="nan")
    assert table.columns == ("clean", "pgd@Linf:0.1") and table.n_rows == 6466
    fast = ARNAS(table=table, objectives=("clean", "pgd@Linf"), epsilon=0.1)
    assert np.array_equal(fast.evaluate(CELLS[:3]), F)
    assert np.isnan(fast.evaluate(CELLS[3:4])).all()  # never trained
    with pytest.raises(ValueError, match="no cells for dataset 'cifar10'"):
        p.store.to_table("cifar10", tiny)


def test_a_complete_store_loads_as_a_full_table():
    store = ResultStore(":memory:")
    reps = decode(representative_codes())
    # synthetic accuracies (a function of the genome), to check the plumbing end to end
    acc = (reps == 3).mean(axis=1)
    for g, a in zip(reps, acc):
        store.put("toy", "cfg", g, {"clean": a, "fgsm@Linf:0.03": a / 2})
    table = store.to_table("toy", "cfg")
    problem = ARNAS(table=table, objectives=("clean", "fgsm@Linf:0.03"))
    G = np.random.default_rng(0).integers(0, 5, size=(50, 6))
    expect = (decode(uid_of(G)) == 3).mean(axis=1)
    assert np.allclose(problem.evaluate(G), np.c_[1 - expect, 1 - expect / 2])
    front = problem.exact_front()
    assert front["clean"].max() == 1.0
    log = problem.query_log
    first = log[[f"x{i}" for i in range(6)]].to_numpy()
    assert len(log) == len(np.unique(uid_of(G)))
    assert log["index"].tolist() == encode(first).tolist()  # live index: the genome code
    assert log["uid"].tolist() == uid_of(first).tolist()


def test_stored_metric_names_in_another_spelling_still_read():
    """Results stored under an older spelling of a metric ("pgd@Linf:1" for epsilon 1) are
    found under the one grammar's name, by the store and by ARNAS on its table."""
    store = ResultStore(":memory:")
    reps = decode(representative_codes()[:2])
    for g in reps:
        store.put("toy", "cfg", g, {"clean": 0.9, "pgd@Linf:1": 0.4, "fgsm@Linf:0.03": 0.6})
    assert store.get("toy", "cfg", reps[:1], ["pgd@Linf:1.0", "fgsm@Linf:0.03"]) == [
        {"pgd@Linf:1.0": 0.4, "fgsm@Linf:0.03": 0.6}]
    table = store.to_table("toy", "cfg", missing="nan")
    assert table.columns == ("clean", "fgsm@Linf:0.03", "pgd@Linf:1.0") and table.aliases == {}
    problem = ARNAS(table=table, objectives=("pgd", "fgsm:0.03"), epsilon=1)
    assert problem.columns == ("pgd@Linf:1.0", "fgsm@Linf:0.03")
    assert np.allclose(problem.evaluate(reps[:2]), [[0.6, 0.4], [0.6, 0.4]])


@pytest.mark.slow
def test_nsga2_on_digits(tmp_path, tiny):
    from pymoo.algorithms.moo.nsga2 import NSGA2
    from pymoo.operators.crossover.ux import UX
    from pymoo.optimize import minimize

    from pymoo_arnas.operators import CellSampling, RandomResetMutation

    def run(calls):
        problem = ARNASLive("digits", ("clean", "pgd@Linf"), epsilon=0.1, train=tiny,
                            store=tmp_path / "nsga.sqlite", trainer=_counting(calls), progress=False)
        algorithm = NSGA2(pop_size=8, sampling=CellSampling(), crossover=UX(),
                          mutation=RandomResetMutation())
        res = minimize(problem, algorithm, ("n_gen", 2), seed=1)
        return problem, res

    calls = []
    problem, res = run(calls)
    assert problem.n_evals == 16 and 8 <= problem.n_unique <= 16
    assert len(calls) == problem.n_unique == problem.n_trained
    log = problem.query_log
    assert len(log) == problem.n_unique and log["uid"].is_unique
    # every found solution is in the log with the same errors
    F_log = 1 - log[["clean", "pgd@Linf:0.1"]].to_numpy()
    uid_row = {u: i for i, u in enumerate(log["uid"])}
    for x, f in zip(res.X, res.F):
        assert np.allclose(F_log[uid_row[int(uid_of(x)[0])]], f)
    assert (res.F >= 0).all() and (res.F <= 1).all()
    # the same search again with the same store and seed: identical, nothing trained
    calls2 = []
    problem2, res2 = run(calls2)
    assert calls2 == [] and np.array_equal(res2.F, res.F)
    pd.testing.assert_frame_equal(problem2.query_log, log)


@pytest.mark.slow
def test_cli_live_resumes_from_its_store(tmp_path, capsys):
    from pymoo_arnas.cli import main

    argv = ["live", "--C", "4", "--epochs", "1", "--max-train", "128", "--max-test", "64",
            "--eval-pgd-steps", "2", "--pop-size", "4", "--n-gen", "2", "--device", "cpu",
            "--store", str(tmp_path / "cli.sqlite"), "--log", str(tmp_path / "log.csv"),
            "--no-progress"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    log = pd.read_csv(tmp_path / "log.csv")
    assert f"unique cells {len(log)}, trained now {len(log)}" in out and "Found front" in out
    assert main(argv) == 0
    assert f"unique cells {len(log)}, trained now 0" in capsys.readouterr().out
    with pytest.raises(SystemExit):  # --adv takes the choices of TrainConfig
        main(argv + ["--adv", "trades"])
    assert "invalid choice: 'trades'" in capsys.readouterr().err


@pytest.mark.slow
def test_a_failing_cell_in_a_parallel_batch_loses_none_of_the_others(tmp_path, tiny):
    from concurrent.futures import ThreadPoolExecutor

    calls = []
    train = _counting(calls)

    def flaky(genome, dataset, config, metrics):
        if tuple(genome) == (2, 2, 2, 2, 2, 2):
            raise RuntimeError("worker lost")
        return train(genome, dataset, config, metrics)

    path = tmp_path / "s.sqlite"
    p = ARNASLive("digits", train=tiny, store=path, n_workers=2, trainer=flaky, progress=False)
    p.runner.executor._pool = ThreadPoolExecutor(2)  # the process-pool path, without pickling
    with pytest.raises(RuntimeError, match="worker lost"):
        p.evaluate(CELLS[:4])
    p.close()
    assert len(ResultStore(path).to_frame()) == 3  # every other cell of the batch is stored
    calls.clear()
    again = ARNASLive("digits", train=tiny, store=path, trainer=_counting(calls), progress=False)
    again.evaluate(CELLS[:4])
    assert calls == [(2, 2, 2, 2, 2, 2)]


@pytest.mark.slow
def test_cli_live_with_a_cheaper_runs_cells_as_its_prior(tmp_path, capsys):
    """A cheap proxy run (1 epoch) fills the store; the costlier run (2 epochs) names its
    config with --prior-config and starts from its best cells."""
    import re

    from pymoo_arnas.cli import main
    from pymoo_arnas.space import isomorphism_class

    base = ["live", "--C", "4", "--max-train", "128", "--max-test", "64", "--eval-pgd-steps",
            "2", "--device", "cpu", "--store", str(tmp_path / "s.sqlite"), "--no-progress"]
    assert main(base + ["--epochs", "1", "--algorithm", "random", "--pop-size", "12",
                        "--n-gen", "1", "--log", str(tmp_path / "proxy.csv")]) == 0
    key = re.search(r"config ([0-9a-f]{16})", capsys.readouterr().out).group(1)
    proxy = pd.read_csv(tmp_path / "proxy.csv")
    argv = base + ["--epochs", "2", "--algorithm", "nsga2-cat", "--pop-size", "4", "--n-gen",
                   "2", "--prior-config", key[:6], "--log", str(tmp_path / "log.csv")]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert f"prior {key[:6]}" in out and "Found front" in out
    log = pd.read_csv(tmp_path / "log.csv")
    first = isomorphism_class(log[[f"x{i}" for i in range(6)]].to_numpy()[:4])
    assert set(first) <= set(isomorphism_class(proxy[[f"x{i}" for i in range(6)]].to_numpy()))
    # the costlier run's own config is no prior of itself
    own = re.search(r"config ([0-9a-f]{16})", out).group(1)
    assert main(argv[:-4] + ["--prior-config", own]) == 2
    assert "this run's own config" in capsys.readouterr().err


def test_cli_live_prior_that_lacks_a_metric_is_one_line(tmp_path, capsys):
    """A prior config that never measured this run's PGD accuracy: one line, exit 2, nothing
    trained."""
    from pymoo_arnas.cli import main

    store = ResultStore(tmp_path / "s.sqlite")
    for x in CELLS:  # eight cells: enough for a prior, but only their clean accuracy
        store.put("digits", "cheapkey00000000", x, {"clean": 0.5})
    argv = ["live", "--algorithm", "nsga2-cat", "--prior-config", "cheap", "--store",
            str(tmp_path / "s.sqlite"), "--no-progress", "--device", "cpu"]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "metric 'pgd@Linf:0.1' is not in the store for 'digits'; stored: clean" in err
