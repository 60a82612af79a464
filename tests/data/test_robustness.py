"""The tables hold exactly the raw JSON numbers; the cache is fast, fresh and atomic."""

import json
import shutil
import time

import numpy as np
import pytest

from pymoo_arnas import space
from pymoo_arnas.data import find_data_dir, load_robustness
from pymoo_arnas.data import robustness
from pymoo_arnas.data.locate import meta_path


@pytest.fixture(scope="module")
def raw():
    root = find_data_dir()
    with open(meta_path(root)) as f:
        meta = json.load(f)

    def read(dataset, key):
        with open(root / dataset / f"{key}_accuracy.json") as f:
            return json.load(f)[dataset][key]["accuracy"]

    return meta, read


@pytest.mark.parametrize("dataset", ["cifar10", "cifar100"])
def test_spot_checks_against_raw_json(raw, dataset):
    meta, read = raw
    table = load_robustness(dataset)
    clean, pgd, fog = read(dataset, "clean"), read(dataset, "pgd@Linf"), read(dataset, "fog")
    eps = meta["epsilons"]["pgd@Linf"]
    rng = np.random.default_rng(7)
    genomes = rng.integers(0, 5, size=(200, 6))
    # isomorphic pairs: every genome whose output node is cut off, and skip/conv rewrites
    genomes = np.vstack([genomes, [[1, 2, 3, 0, 0, 0], [4, 4, 4, 0, 0, 0], [2, 0, 1, 3, 4, 1], [2, 2, 0, 3, 4, 1]]])
    rows = table.code_to_row[space.encode(genomes)]
    for g, r in zip(genomes, rows):
        uid = table.uids[r]
        assert table.index.genome_to_uid(g)[0] == uid
        assert table.column("clean")[r] == clean[str(uid)]
        for j, e in enumerate(eps):
            assert table.column(f"pgd@Linf:{e:.1f}")[r] == pgd[str(uid)][j]
        assert table.column("fog:3")[r] == fog[str(uid)][2]
        assert table.column("fog")[r] == pytest.approx(np.mean(fog[str(uid)]))


def test_genome_to_accuracy_through_meta_strings(raw, table10):
    # the path a user would take by hand: genome -> arch string -> index -> isomorph -> value
    meta, read = raw
    clean = read("cifar10", "clean")
    str_to_id = {v["nb201-string"]: k for k, v in meta["ids"].items()}
    for g in np.random.default_rng(11).integers(0, 5, size=(100, 6)):
        uid = meta["ids"][str_to_id[space.to_arch_str(g)]]["isomorph"]
        assert table10.values[table10.code_to_row[space.encode(g)][0], 0] == clean[uid]


def test_table_shape_and_columns(table10):
    assert table10.n_rows == space.N_UNIQUE
    assert table10.code_to_row.min() == 0 and table10.code_to_row.max() == space.N_UNIQUE - 1
    assert "clean" in table10.columns and "aa_square@Linf:8.0" in table10.columns
    assert len([c for c in table10.columns if c.startswith("fgsm@Linf:")]) == 11
    assert not np.isnan(table10.values).any()
    df = table10.to_frame()
    assert df.shape == (space.N_UNIQUE, 6 + len(table10.columns))


def copy_dataset(tmp_path):
    src = find_data_dir()
    dst = tmp_path / "robustness-dataset"
    (dst / "cifar10").mkdir(parents=True)
    shutil.copy(meta_path(src), dst / "meta.json")
    for key in ("clean", "pgd@Linf", "fgsm@Linf"):
        shutil.copy(src / "cifar10" / f"{key}_accuracy.json", dst / "cifar10")
    return dst


def test_cache_is_built_once_then_read_fast_and_rebuilt_on_change(tmp_path, monkeypatch):
    monkeypatch.setenv("ARNAS_CACHE_DIR", str(tmp_path / "cache"))
    root = copy_dataset(tmp_path)
    first = load_robustness("cifar10", data_dir=root)
    cached = list((tmp_path / "cache" / "tables").glob("*.npz"))
    assert len(cached) == 1
    t0 = time.perf_counter()
    again = load_robustness("cifar10", data_dir=root)
    assert time.perf_counter() - t0 < 0.5
    assert np.array_equal(first.values, again.values) and first.columns == again.columns
    # change the source: the cache must be rebuilt with the new number
    path = root / "cifar10" / "clean_accuracy.json"
    data = json.loads(path.read_text())
    uid = str(first.uids[0])
    data["cifar10"]["clean"]["accuracy"][uid] = 0.123
    path.write_text(json.dumps(data))
    changed = load_robustness("cifar10", data_dir=root)
    assert changed.column("clean")[0] == 0.123


def test_broken_cache_is_rebuilt_not_trusted(tmp_path, monkeypatch):
    monkeypatch.setenv("ARNAS_CACHE_DIR", str(tmp_path / "cache"))
    root = copy_dataset(tmp_path)
    good = load_robustness("cifar10", data_dir=root)
    (cache,) = (tmp_path / "cache" / "tables").glob("*.npz")
    cache.write_bytes(cache.read_bytes()[:1000])  # a torn write
    again = load_robustness("cifar10", data_dir=root)
    assert np.array_equal(good.values, again.values)


def test_interrupted_cache_write_leaves_no_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("ARNAS_CACHE_DIR", str(tmp_path / "cache"))
    root = copy_dataset(tmp_path)

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(robustness.np, "savez", boom)
    with pytest.raises(KeyboardInterrupt):
        load_robustness("cifar10", data_dir=root)
    assert list((tmp_path / "cache" / "tables").iterdir()) == []


def test_unknown_dataset_lists_choices(tmp_path, monkeypatch):
    monkeypatch.setenv("ARNAS_CACHE_DIR", str(tmp_path / "cache"))
    with pytest.raises(ValueError, match=r"unknown dataset 'mnist'.*cifar10, cifar100"):
        load_robustness("mnist")
