"""``arnas analyze`` and ``arnas scores`` from the command line: output, files, one-line errors."""

import pytest

from pymoo_arnas.cli import main


@pytest.mark.slow
def test_analyze_prints_every_table_and_writes_figures(tmp_path, capsys):
    assert main(["analyze", "--metric", "pgd:1", "--top", "0.1", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    for title in ("distribution of every metric", "share of each operation among the best 10%",
                  "rank consistency between datasets", "rank consistency of clean accuracy",
                  "Spearman correlation of scores and cost"):
        assert title in out
    assert "pgd@Linf:1.0" in out and "naswot" in out and "params" in out
    pngs = {p.name for p in tmp_path.glob("*.png")}
    assert {"distributions.png", "score_correlation.png",
            "top_share_cifar10_pgd@Linf:1.0.png"} <= pngs
    assert (tmp_path / "score_correlation.csv").is_file()


def _main(argv):
    try:
        return main(argv)
    except SystemExit as exc:  # argparse's own usage errors
        return exc.code


@pytest.mark.parametrize("argv,message", [
    (["--top", "5"], "--top: expected a fraction"),
    (["--scores", "/nonexistent/s.csv"], "no such file"),
    pytest.param(["--metric", "nope"], "--metric: unknown objective 'nope'",
                 marks=pytest.mark.slow),
    pytest.param(["--datasets", "mnist"], "mnist", marks=pytest.mark.slow),
])
def test_analyze_mistakes_are_one_line(argv, message, capsys, tmp_path):
    code = _main(["analyze", "--no-plots", "--out", str(tmp_path), *argv])
    err = capsys.readouterr().err
    assert code != 0 and message in err
    assert err.count("\n") == 1 and "Traceback" not in err
