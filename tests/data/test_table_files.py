"""Damaged or malformed table files are refused with the file, the key and the value named;
the table cache follows the files' contents, not their size and time stamps."""

import json
import os

import numpy as np
import pytest

from pymoo_arnas import space
from pymoo_arnas.data import load_nas_robbench, load_robustness
from pymoo_arnas.data.checks import TableFileError

CLEAN = "cifar10/clean_accuracy.json"
PGD = "cifar10/pgd@Linf_accuracy.json"


def first_uid(root):
    return next(iter(json.loads((root / CLEAN).read_text())["cifar10"]["clean"]["accuracy"]))


def test_synthetic_dataset_loads(synthetic_root):
    table = load_robustness("cifar10", data_dir=synthetic_root)
    assert table.n_rows == space.N_UNIQUE and "pgd@Linf:8.0" in table.columns
    assert np.isfinite(table.values).all()


def test_missing_cell_is_refused_naming_file_and_uid(synthetic_root, edit_json):
    uid = first_uid(synthetic_root)
    edit_json(synthetic_root / CLEAN, lambda d: d["cifar10"]["clean"]["accuracy"].pop(uid))
    with pytest.raises(TableFileError, match=rf"clean_accuracy.json: has no entry for uid '{uid}'"
                                             r".* covers 6465 of the 6466") as err:
        load_robustness("cifar10", data_dir=synthetic_root)
    assert err.value.key == f"cifar10/clean/accuracy/{uid}"


def test_null_is_refused_not_loaded_as_nan(synthetic_root, edit_json):
    uid = first_uid(synthetic_root)
    edit_json(synthetic_root / CLEAN,
              lambda d: d["cifar10"]["clean"]["accuracy"].update({uid: None}))
    with pytest.raises(TableFileError,
                       match=rf"clean_accuracy.json: accuracy of uid '{uid}' is null"):
        load_robustness("cifar10", data_dir=synthetic_root)


def test_null_inside_an_epsilon_list_is_refused(synthetic_root, edit_json):
    uid = first_uid(synthetic_root)
    edit_json(synthetic_root / PGD,
              lambda d: d["cifar10"]["pgd@Linf"]["accuracy"][uid].__setitem__(2, None))
    with pytest.raises(TableFileError, match=rf"pgd@Linf_accuracy.json: accuracy of uid '{uid}' "
                                             r"holds null"):
        load_robustness("cifar10", data_dir=synthetic_root)


@pytest.mark.parametrize("bad", [94.3, -0.1, "0.5", True])
def test_value_outside_unit_interval_or_not_a_number_is_refused(synthetic_root, edit_json, bad):
    uid = first_uid(synthetic_root)
    edit_json(synthetic_root / CLEAN,
              lambda d: d["cifar10"]["clean"]["accuracy"].update({uid: bad}))
    with pytest.raises(TableFileError, match=rf"uid '{uid}' is {bad!r}") as err:
        load_robustness("cifar10", data_dir=synthetic_root)
    assert err.value.value == bad and str(synthetic_root / CLEAN) in str(err.value)


def test_percent_file_is_refused_with_a_hint(synthetic_root, edit_json):
    edit_json(synthetic_root / CLEAN, lambda d: d["cifar10"]["clean"].update(
        accuracy={u: v * 100 for u, v in d["cifar10"]["clean"]["accuracy"].items()}))
    with pytest.raises(TableFileError, match=r"outside \[0, 1\] .*percent"):
        load_robustness("cifar10", data_dir=synthetic_root)


def test_epsilon_list_of_the_wrong_length_is_refused(synthetic_root, edit_json):
    uid = first_uid(synthetic_root)
    edit_json(synthetic_root / PGD, lambda d: d["cifar10"]["pgd@Linf"]["accuracy"][uid].pop())
    with pytest.raises(TableFileError, match=rf"uid '{uid}' is a list of 6 values; expected 7"):
        load_robustness("cifar10", data_dir=synthetic_root)
    # the meta.json epsilon list is the other side of the same contract
    edit_json(synthetic_root / "meta.json", lambda d: d["epsilons"]["pgd@Linf"].pop())
    with pytest.raises(TableFileError, match=r"is a list of 7 values; expected 6"):
        load_robustness("cifar10", data_dir=synthetic_root)


def test_wrong_nesting_names_the_missing_key(synthetic_root, edit_json):
    edit_json(synthetic_root / CLEAN,
              lambda d: d["cifar10"].update(clean=d["cifar10"].pop("clean")["accuracy"]))
    with pytest.raises(TableFileError,
                       match=r"clean_accuracy.json: has no key 'accuracy' under cifar10/clean"):
        load_robustness("cifar10", data_dir=synthetic_root)


@pytest.mark.parametrize("name", [CLEAN, "meta.json"])
def test_truncated_json_names_the_file(synthetic_root, name):
    path = synthetic_root / name
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(TableFileError, match=rf"{name}: is not valid JSON .* truncated or damaged"):
        load_robustness("cifar10", data_dir=synthetic_root)


def test_binary_garbage_names_the_file(synthetic_root):
    (synthetic_root / PGD).write_bytes(bytes(range(256)) * 10)
    with pytest.raises(TableFileError, match=r"pgd@Linf_accuracy.json: is not"):
        load_robustness("cifar10", data_dir=synthetic_root)


@pytest.mark.parametrize("change, match", [
    (lambda m: m["ids"].pop("7"), r"lists 15624 architectures"),
    (lambda m: m["ids"].update({"-1": m["ids"].pop("15624")}), r"key '-1' is not an index"),
    (lambda m: m["ids"]["9"].update({"nb201-string": "|conv~0|"}), r"ids/9/nb201-string"),
    (lambda m: m["ids"]["9"].pop("isomorph"), r"ids/9 is .* expected"),
    (lambda m: m["ids"]["9"].update(isomorph=None), r"ids/9/isomorph is None"),
    (lambda m: m.update(epsilons={"pgd@Linf": [1, None]}), r"epsilons/pgd@Linf is \[1, None\]"),
])
def test_damaged_meta_names_the_entry(synthetic_root, edit_json, change, match):
    edit_json(synthetic_root / "meta.json", change)
    with pytest.raises(TableFileError, match=r"meta.json: .*" + match):
        load_robustness("cifar10", data_dir=synthetic_root)


def test_isomorph_that_is_not_a_class_uid_is_refused(synthetic_root, edit_json):
    meta = json.loads((synthetic_root / "meta.json").read_text())
    # a cell that is not its own class's uid, made the isomorph of another cell
    not_uid = next(k for k, v in meta["ids"].items() if v["isomorph"] != k)
    edit_json(synthetic_root / "meta.json", lambda m: m["ids"]["0"].update(isomorph=not_uid))
    with pytest.raises(TableFileError, match=rf"ids/0/isomorph is {not_uid}, whose own isomorph"):
        load_robustness("cifar10", data_dir=synthetic_root)


def test_edit_keeping_size_and_mtime_is_not_served_stale(synthetic_root):
    """The cache used to be trusted when size and mtime matched; it follows the content now."""
    first = load_robustness("cifar10", data_dir=synthetic_root)
    path = synthetic_root / CLEAN
    st = path.stat()
    data = path.read_bytes()
    old = f"{first.column('clean')[0]:.4f}".rstrip("0")
    uid = str(first.uids[0])
    needle = f'"{uid}": {old}'.encode()
    assert data.count(needle) == 1
    new = f'"{uid}": {"0.9" if old != "0.9" else "0.8"}'.encode().ljust(len(needle), b"0")
    path.write_bytes(data.replace(needle, new))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # as `cp -p`, `touch -r` or a restore do
    assert path.stat().st_size == st.st_size and path.stat().st_mtime_ns == st.st_mtime_ns
    again = load_robustness("cifar10", data_dir=synthetic_root)
    assert again.column("clean")[0] == float(new.split(b": ")[1])


def test_cache_records_the_content_hash(synthetic_root, tmp_path):
    load_robustness("cifar10", data_dir=synthetic_root)
    (cache,) = (tmp_path / "cache" / "tables").glob("*.npz")
    with np.load(cache) as z:
        assert len(str(z["content_hash"])) == 64  # SHA-256 of the source files


# ---------------------------------------------------------------- NAS-RobBench-201


def robbench_release(index, value=lambda uid, m: 0.5):
    """The release's layout: {dataset: {uid: {metric: {"1": accuracy}}}}."""
    metrics = ("val_acc", "val_pgd_8.0_acc")
    return {"cifar10": {str(u): {m: {"1": value(u, m)} for m in metrics} for u in index.uids}}


def test_robbench_release_layout_is_read(tmp_path):
    index = space.CellIndex.from_graph()
    raw = robbench_release(index, lambda u, m: (u % 97) / 100)
    (tmp_path / "rb.json").write_text(json.dumps(raw))
    table = load_nas_robbench(tmp_path / "rb.json", index=index)
    assert table.columns == ("val_acc", "val_pgd_8.0_acc")
    assert np.allclose(table.column("clean"), (table.uids % 97) / 100)


@pytest.mark.parametrize("bad, match", [
    (None, r"cifar10/\d+/val_acc/1 is None, not an accuracy"),
    ("x", r"is 'x', not an accuracy"),
    (150.0, r"outside \[0, 100\]"),
])
def test_robbench_bad_value_is_refused(tmp_path, bad, match):
    index = space.CellIndex.from_graph()
    raw = robbench_release(index)
    first = next(iter(raw["cifar10"]))
    raw["cifar10"][first]["val_acc"]["1"] = bad
    (tmp_path / "rb.json").write_text(json.dumps(raw))
    with pytest.raises(TableFileError, match=r"rb.json: .*" + match):
        load_nas_robbench(tmp_path / "rb.json", index=index)


def test_robbench_missing_metric_is_refused_not_nan(tmp_path):
    index = space.CellIndex.from_graph()
    raw = robbench_release(index)
    first = next(iter(raw["cifar10"]))
    del raw["cifar10"][first]["val_pgd_8.0_acc"]
    (tmp_path / "rb.json").write_text(json.dumps(raw))
    with pytest.raises(TableFileError, match=rf"cifar10/{first} has no 'val_pgd_8.0_acc'"):
        load_nas_robbench(tmp_path / "rb.json", index=index)


def test_robbench_truncated_file_names_it(tmp_path):
    text = json.dumps(robbench_release(space.CellIndex.from_graph()))
    (tmp_path / "rb.json").write_text(text[:5000])
    with pytest.raises(TableFileError, match=r"rb.json: is not valid JSON"):
        load_nas_robbench(tmp_path / "rb.json", index=space.CellIndex.from_graph())


def test_robbench_missing_file_says_where_it_comes_from(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nope.json.*NAS-RobBench-201_all.json .*"
                                                r"github.com/TT2408/nasrobbench201"):
        load_nas_robbench(tmp_path / "nope.json")


def test_string_inside_an_epsilon_list_is_refused(synthetic_root, edit_json):
    uid = first_uid(synthetic_root)
    edit_json(synthetic_root / PGD,
              lambda d: d["cifar10"]["pgd@Linf"]["accuracy"][uid].__setitem__(0, "0.5"))
    with pytest.raises(TableFileError, match=rf"uid '{uid}' is '0.5', not an accuracy"):
        load_robustness("cifar10", data_dir=synthetic_root)


def test_touched_file_with_the_same_contents_is_not_rebuilt(synthetic_root, monkeypatch):
    from pymoo_arnas.data import robustness

    first = load_robustness("cifar10", data_dir=synthetic_root)
    builds = []
    real = robustness._build
    monkeypatch.setattr(robustness, "_build", lambda *a: builds.append(a) or real(*a))
    path = synthetic_root / CLEAN
    path.write_bytes(path.read_bytes())  # new ctime and mtime, same bytes
    again = load_robustness("cifar10", data_dir=synthetic_root)
    assert builds == [] and np.array_equal(first.values, again.values)
