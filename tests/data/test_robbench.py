"""NAS-RobBench-201 loader on a small file of the release's shape, written by the test."""

import json

import numpy as np
import pytest

from pymoo_arnas import space
from pymoo_arnas.data import load_nas_robbench
from pymoo_arnas.problems import ARNAS

METRICS = ("val_acc", "val_fgsm_3.0_acc", "val_fgsm_8.0_acc", "val_pgd_3.0_acc", "val_pgd_8.0_acc", "autoattack")


def write_release(path, index, drop=0, seeds=("777", "888", "999")):
    """One entry per unique cell (its representative's arch string), numbers in percent."""
    rng = np.random.default_rng(0)
    truth = {}
    raw = {}
    for uid in index.uids[drop:]:
        arch = space.to_arch_str(index.uid_to_genome([uid])[0])
        entry = {}
        for j, m in enumerate(METRICS):
            per_seed = rng.uniform(10, 90, size=len(seeds)).round(2)
            entry[m] = {s: float(v) for s, v in zip(seeds, per_seed)}
            entry[m]["threeseed"] = float(per_seed.mean())
        raw[arch] = entry
        truth[int(uid)] = {m: entry[m]["threeseed"] / 100 for m in METRICS}
    path.write_text(json.dumps(raw))
    return truth


def test_loader_reads_threeseed_means_as_fractions(tmp_path, table10):
    truth = write_release(tmp_path / "robbench.json", table10.index)
    table = load_nas_robbench(tmp_path / "robbench.json")
    assert table.columns == METRICS and table.n_rows == space.N_UNIQUE
    for r in np.random.default_rng(1).integers(0, table.n_rows, size=50):
        uid = int(table.uids[r])
        for m in METRICS:
            assert table.column(m)[r] == pytest.approx(truth[uid][m])
    # aliases let the robustness-dataset names work
    assert table.column_index("clean") == 0
    assert table.column_index("pgd@Linf:8.0") == METRICS.index("val_pgd_8.0_acc")


@pytest.mark.slow  # over a second: the full suite runs it
def test_arnas_runs_on_it_and_isomorphic_genomes_agree(tmp_path, table10):
    truth = write_release(tmp_path / "robbench.json", table10.index)
    problem = ARNAS(table=load_nas_robbench(tmp_path / "robbench.json"),
                    objectives=("clean", "pgd@Linf", "autoattack"), epsilon=8.0)
    assert problem.columns == ("val_acc", "val_pgd_8.0_acc", "autoattack")
    F = problem.evaluate(np.array([[2, 0, 1, 3, 4, 1], [2, 2, 0, 3, 4, 1]]))
    assert np.array_equal(F[0], F[1])
    uid = int(table10.index.genome_to_uid([2, 0, 1, 3, 4, 1])[0])
    assert F[0, 2] == pytest.approx(1 - truth[uid]["autoattack"])
    with pytest.raises(ValueError, match=r"epsilon 1.0 is not evaluated .* 3.0, 8.0"):
        ARNAS(table=problem.table, objectives=("pgd@Linf",), epsilon=1.0)


def test_per_seed_lists_and_missing_cells(tmp_path, table10):
    arch = space.to_arch_str(table10.index.uid_to_genome(table10.index.uids[:1])[0])
    (tmp_path / "one.json").write_text(json.dumps({arch: {"val_acc": [0.5, 0.7]}}))
    with pytest.raises(ValueError, match=r"covers 1 of the 6466 unique cells; 6465 are missing"):
        load_nas_robbench(tmp_path / "one.json")
    (tmp_path / "bad.json").write_text(json.dumps({"|conv~0|": {"val_acc": 1}}))
    with pytest.raises(ValueError, match="not a NAS-Bench-201 arch string"):
        load_nas_robbench(tmp_path / "bad.json")
