"""The ``arnas`` command line: sub-commands, outputs, help, the shared front printer."""

import ast
import dataclasses
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import pymoo_arnas
from pymoo_arnas.cli import COMMANDS, build_parser, main
from pymoo_arnas.experiments.paper import OPTIMA
from pymoo_arnas.experiments.runner import llm_stats, load_runs

PACKAGE = Path(pymoo_arnas.__file__).parent


def test_every_sub_command_is_a_module_of_the_cli_package():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert set(sub.choices) == {name.replace("_", "-") for name in COMMANDS}
    for name in COMMANDS:
        assert (PACKAGE / "cli" / f"{name}.py").is_file()


def test_no_lower_package_imports_the_cli():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if "cli" in path.relative_to(PACKAGE).parts[:1] or path.name == "__main__.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.startswith("pymoo_arnas.cli")]
    assert offenders == []


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"arnas (pymoo-arnas) {pymoo_arnas.__version__}"
    with pytest.raises(SystemExit) as exc:  # through argparse too
        build_parser().parse_args(["--version"])
    assert exc.value.code == 0


@pytest.mark.parametrize("command", [c.replace("_", "-") for c in COMMANDS])
def test_help_shows_every_default(command):
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command").choices[command]
    formatter = sub._get_formatter()
    for action in sub._actions:
        if action.nargs == 0 or action.default is None:  # flags, and options off by default
            continue
        assert "default" in formatter._get_help_string(action), (command, action.dest)
    sub.format_help()  # every help string formats


def test_help_lists_the_choices(capsys):
    with pytest.raises(SystemExit):
        main(["live", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for choice in ("--optimizer {sgd,adam}", "--adv {none,fgsm,pgd}", "--dataset {digits,"):
        assert choice in text
    with pytest.raises(SystemExit):
        main(["search", "--help"])
    assert "--dataset {cifar10,cifar100" in " ".join(capsys.readouterr().out.split())


def test_live_defaults_are_train_config_defaults():
    from pymoo_arnas.live.config import TrainConfig

    args = build_parser().parse_args(["live"])
    option = {"seed": "train_seed"}
    for f in dataclasses.fields(TrainConfig):
        dest = option.get(f.name, f.name)
        if hasattr(args, dest):
            assert getattr(args, dest) == f.default, f.name


def test_search_prints_the_found_front_beside_the_exact_front(capsys):
    assert main(["search", "--budget", "60", "--pop-size", "10", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "unique queries 60" in out and "Found front" in out and "Exact front" in out
    hit, n = (int(v) for v in out.split("exact-front points found: ")[1].split()[0:3:2])
    nhv = float(out.rsplit("normalised hypervolume ", 1)[1])
    assert 0 <= hit <= n and 0 < nhv <= 1


def test_search_pop_size_defaults_to_each_algorithms_own():
    from pymoo_arnas.cli.search import _algorithm_params

    # no --pop-size: nothing passed, so nsga2-cat keeps its 25 (20 with a prior)
    assert build_parser().parse_args(["search"]).pop_size is None
    assert _algorithm_params("nsga2-cat", 2, None) == {}
    assert _algorithm_params("nsga2-cat", 2, 10) == {"pop_size": 10}
    assert _algorithm_params("random", 2, 10) == {}  # takes no population size


def test_search_with_a_transfer_prior_starts_from_the_other_tables_front(capsys):
    import numpy as np

    from pymoo_arnas.experiments.metrics import FrontReference
    from pymoo_arnas.problems import ARNAS

    argv = ["search", "--dataset", "cifar100", "--budget", "20", "--pop-size", "20"]
    assert main(argv + ["--prior", "cifar10"]) == 0
    out = capsys.readouterr().out
    assert "algorithm nsga2-cat, prior cifar10, seed 1" in out
    # the first population alone (20 cells) is CIFAR-10's best: far better than 20 random cells
    nhv = float(out.rsplit("normalised hypervolume ", 1)[1])
    target = ARNAS("cifar100", ("clean", "pgd@Linf"))
    ref = FrontReference.of(target)
    rng = np.random.default_rng(0)
    random_nhv = np.mean([ref.nhv(target.evaluate(rng.integers(0, 5, (20, 6))))
                          for _ in range(20)])
    assert nhv > random_nhv + 0.2


def test_search_with_one_objective_reports_regret_not_a_hypervolume(capsys):
    from pymoo_arnas.problems import ARNAS

    assert main(["search", "--objectives", "clean", "--algorithm", "de", "--budget", "60"]) == 0
    out = capsys.readouterr().out
    assert "hypervolume" not in out
    optimum = 100 * (1 - ARNAS("cifar10", ("clean",)).pareto_front().min())
    assert f"optimum {optimum:.2f}%" in out
    best = float(out.split("best found ")[1].split("%")[0])
    regret = float(out.split("regret ")[1].split()[0])
    assert regret == pytest.approx(optimum - best, abs=0.011) and regret >= 0
    assert out.rstrip().endswith("optimum found: " + ("yes" if regret == 0 else "no"))


def test_front_printer_with_one_objective_found(capsys):
    from pymoo_arnas.cli.fronts import print_fronts

    log = pd.DataFrame([[3, 3, 3, 3, 3, 3, 0.9], [1, 1, 1, 1, 1, 1, 0.5]],
                       columns=[*(f"x{i}" for i in range(6)), "clean"])
    buf = io.StringIO()
    print_fronts(log, ["clean"], exact=log.iloc[:1], file=buf)
    assert buf.getvalue().rstrip().endswith("regret 0.00 points, optimum found: yes")


def test_front_printer_without_exact_front_prints_the_found_one():
    from pymoo_arnas.cli.fronts import print_fronts

    log = pd.DataFrame([[3, 3, 3, 3, 3, 3, 0.9, 0.1], [1, 1, 1, 1, 1, 1, 0.5, 0.5],
                        [0, 0, 0, 0, 0, 0, 0.4, 0.4]],
                       columns=[*(f"x{i}" for i in range(6)), "clean", "pgd"])
    buf = io.StringIO()
    print_fronts(log, ["clean", "pgd"], file=buf)
    text = buf.getvalue()
    assert "Found front (2 cells" in text and "Exact" not in text
    assert np.isin(["90.0", "50.0"], text.split()).all() and "40.0" not in text


def test_bench_cli_prints_a_summary_and_draws_plots(tmp_path, capsys):
    out = tmp_path / "bench"
    rc = main(["bench", "--problems", "cifar10/clean+fgsm", "--algorithms", "random,nsga2-cat",
               "--seeds", "2", "--budget", "30", "--checkpoints", "10,30", "--out", str(out),
               "--no-progress"])
    text = capsys.readouterr().out
    assert rc == 0
    assert "cifar10/clean+fgsm" in text and "nsga2-cat" in text and "after 30" in text
    assert (out / "summary.csv").exists()
    for metric in ("nhv", "share"):
        png = out / f"convergence_{metric}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(load_runs(out)) == 2 * 2 * 30


def test_bench_cli_refuses_an_out_of_other_settings(tmp_path, capsys):
    argv = ["bench", "--problems", "cifar10/clean+pgd", "--algorithms", "random", "--seeds", "1",
            "--out", str(tmp_path), "--no-progress", "--no-plots"]
    assert main(argv + ["--budget", "20"]) == 0
    capsys.readouterr()
    assert main(argv + ["--budget", "25"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "other settings" in err and "budget 20" in err
    assert main(argv + ["--budget", "20"]) == 0  # the same settings resume


def test_bench_cli_rejects_bad_values(capsys):
    with pytest.raises(SystemExit):
        main(["bench", "--budget", "-3"])
    capsys.readouterr()
    assert main(["bench", "--algorithms", "sa", "--out", "/nonexistent/never-written"]) == 2
    err = capsys.readouterr().err
    assert "unknown algorithm 'sa'" in err and "nsga2-cat" in err
    assert main(["bench", "--algorithms", "nsga2-llm", "--problems", "cifar10/clean+pgd",
                 "--out", "/nonexistent/never-written"]) == 2
    assert "need an LLM client" in capsys.readouterr().err


def test_paper_cli_prints_beside_table3(tmp_path, capsys):
    out = tmp_path / "paper"
    rc = main(["paper", "--problems", "cifar10/pgd", "--algorithms", "ga,nsga2-cat", "--runs", "2",
               "--evals", "60", "--report-at", "30", "--out", str(out), "--no-progress"])
    text = capsys.readouterr().out
    assert rc == 0
    assert "paper LLMO" in text and "58.60" in text and "nsga2-cat@60" in text
    table = pd.read_csv(out / "table3_comparison.csv", index_col=0)
    assert table.loc["cifar10/pgd", "optimum"] == OPTIMA["cifar10/pgd"]
    assert (out / "paper_convergence.png").exists()
    assert set(load_runs(out)["params"]) == {'{"pop_size": 30}'}  # the paper's population


# ---------------------------------------------------------------------- LLM options


@pytest.fixture
def llm_server():
    pytest.importorskip("openai")
    from llm_fakeserver import FakeLLMServer  # tests/llm is on pytest's pythonpath

    server = FakeLLMServer()
    yield server
    server.close()


PAPER_LLM = ["paper", "--problems", "cifar10/pgd", "--algorithms", "random", "--evals", "20",
             "--report-at", "10", "--no-progress", "--no-plots"]


@pytest.mark.slow  # over a second: the full suite runs it
def test_paper_cli_records_the_llmo_rows_and_replays_them(tmp_path, capsys, llm_server):
    tape = tmp_path / "llmo.jsonl"
    url = f"http://127.0.0.1:{llm_server.port}/v1"
    rc = main(PAPER_LLM + ["--runs", "1", "--out", str(tmp_path / "rec"), "--base-url", url,
                           "--model", "fake", "--record", str(tape)])
    text = capsys.readouterr().out
    assert rc == 0
    assert "llmo@20" in text and "random@20" in text  # llmo is added for the model
    assert "llmo: " in text and "of the evaluated cells came from the LLM" in text
    assert len(tape.read_text().splitlines()) == len(llm_server.requests) == 19

    rc = main(PAPER_LLM + ["--runs", "1", "--out", str(tmp_path / "rep"), "--replay", str(tape)])
    assert rc == 0 and "llmo@20" in capsys.readouterr().out
    rec, rep = load_runs(tmp_path / "rec"), load_runs(tmp_path / "rep")
    for df in (rec, rep):
        assert set(df["algorithm"]) == {"random", "llmo"}
    cols = ["algorithm", "uid", "n_evals", "from_llm"]
    pd.testing.assert_frame_equal(rec[cols], rep[cols])
    assert set(rep.loc[rep["algorithm"] == "llmo", "params"]) == {
        '{"llm": "<ReplayClient model=fake>"}'}
    assert len(llm_server.requests) == 19  # the replay asked no model

    # strict: a run the tape does not hold stops the sweep, in one line; seed 0 is kept
    rc = main(PAPER_LLM + ["--runs", "2", "--out", str(tmp_path / "rep"), "--replay", str(tape)])
    err = capsys.readouterr().err
    assert rc == 1 and err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("arnas paper: error: ReplayMismatch:") and "not on tape llmo.jsonl" in err
    assert {p.name for p in (tmp_path / "rep").glob("runs/*/llmo/*.parquet")} == {"seed0.parquet"}

    # lenient: such requests are answered by LLMO's random fallback, and the output says so
    rc = main(PAPER_LLM + ["--runs", "2", "--out", str(tmp_path / "rep"), "--replay", str(tape),
                           "--no-strict"])
    text = capsys.readouterr().out
    stats = llm_stats(load_runs(tmp_path / "rep")).set_index("seed")
    assert stats.loc[1, "llm_share"] == 0 and stats.loc[1, "llm_failed_calls"] == 19
    assert stats.loc[0, "llm_share"] > 0 and stats.loc[0, "llm_failed_calls"] == 0
    share = 100 * stats["llm_share"].mean()
    assert rc == 0 and f"llmo: {share:.0f}% of the evaluated cells came from the LLM (mean of 2 "\
        "runs); per run 19.0 LLM calls, 9.5 failed" in text


@pytest.mark.parametrize("content, code, said", [
    (None, 1, "no LLM tape at"),
    ("{not json\n", 2, "llmo.jsonl:1: not a JSON line"),
    ('{"prompt": "p", "response": 3}\n', 2, "llmo.jsonl:1: 'response' must be a string"),
])
def test_paper_cli_with_a_missing_or_damaged_tape_says_so_in_one_line(tmp_path, capsys, content,
                                                                      code, said):
    tape = tmp_path / "llmo.jsonl"
    if content is not None:
        tape.write_text(content)
    rc = main(PAPER_LLM + ["--runs", "1", "--out", str(tmp_path / "out"), "--replay", str(tape)])
    err = capsys.readouterr().err
    assert rc == code and err.count("\n") == 1 and said in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()  # refused before any run


@pytest.mark.parametrize("argv, said", [
    (["--replay", "t.jsonl", "--base-url", "http://127.0.0.1:9/v1"], "takes no --base-url"),
    (["--record", "t.jsonl"], "--record needs a live model"),
    (["--no-strict"], "--no-strict is an option of --replay"),
])
def test_paper_cli_refuses_llm_options_that_do_not_go_together(tmp_path, capsys, argv, said):
    rc = main(PAPER_LLM + ["--out", str(tmp_path / "out")] + argv)
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and said in err


def test_bench_cli_runs_llm_algorithms_with_a_model_and_reports_its_share(tmp_path, capsys,
                                                                          llm_server):
    url = f"http://127.0.0.1:{llm_server.port}/v1"
    argv = ["bench", "--problems", "cifar10/clean+pgd", "--seeds", "1", "--budget", "30",
            "--checkpoints", "30", "--out", str(tmp_path), "--no-progress", "--no-plots",
            "--base-url", url]
    assert main(argv + ["--algorithms", "random"]) == 2
    assert "--algorithms lists none" in capsys.readouterr().err
    assert main(argv + ["--algorithms", "random,nsga2-llm"]) == 0
    text = capsys.readouterr().out
    assert "from the LLM (share of the queried cells / failed LLM calls per run)" in text
    assert len(llm_server.requests) > 0


def test_bench_cli_stops_in_one_line_when_the_model_cannot_be_reached(tmp_path, capsys,
                                                                       llm_server):
    from llm_fakeserver import status

    llm_server.default = status(404)  # a wrong route: no request is ever answered
    rc = main(["bench", "--problems", "cifar10/clean+pgd", "--algorithms", "random,nsga2-llm",
               "--seeds", "1", "--budget", "20", "--out", str(tmp_path), "--no-progress",
               "--no-plots", "--base-url", f"http://127.0.0.1:{llm_server.port}/v1"])
    err = capsys.readouterr().err
    assert rc == 1 and err.count("\n") == 1
    assert err.startswith("arnas bench: error: LLMUnreachable:") and "cannot be reached" in err
    assert [p.parent.name for p in tmp_path.glob("runs/*/*/*.parquet")] == ["random"]


def test_front_printer_reads_costs_and_scores_in_their_sense():
    """Given the problem, params are minimised and shown as they are, synflow maximised."""
    from pymoo_arnas.cli.fronts import print_fronts
    from pymoo_arnas.problems import ARNAS

    problem = ARNAS("cifar10", ("clean", "params"))
    G = np.array([[3, 3, 3, 3, 3, 3], [2, 2, 2, 2, 2, 2], [0, 0, 0, 0, 0, 0], [3, 3, 3, 3, 3, 2]])
    problem.evaluate(G)
    buf = io.StringIO()
    print_fronts(problem.query_log, problem.columns, problem=problem, file=buf)
    F = problem.evaluate(G)
    nd = ~((F[:, None] <= F[None]).all(axis=2) & (F[:, None] < F[None]).any(axis=2)).any(axis=0)
    assert f"Found front ({nd.sum()} cells" in buf.getvalue() and "params %" not in buf.getvalue()
    assert str(float(F[nd, 1].min())) in buf.getvalue().split()  # the smallest network is on it
    one = ARNAS("cifar10", ("synflow",))
    one.evaluate(G)
    buf = io.StringIO()
    print_fronts(one.query_log, one.columns, exact=one.exact_front(), problem=one, file=buf)
    best = one.query_log["synflow"].max()
    assert f"best found {best:.6g} vs optimum" in buf.getvalue()
