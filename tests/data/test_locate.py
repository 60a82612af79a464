"""Where the data is looked for, in order, and what a user is told when it is nowhere."""

import logging

import pytest

from pymoo_arnas.data import DataNotFoundError, find_data_dir
from pymoo_arnas.data import locate
from pymoo_arnas.data.locate import default_download_dir


def make_root(path):
    (path / "cifar10").mkdir(parents=True)
    (path / "meta.json").write_text("{}")
    return path


def make_shared(base):
    """``base/shared/data/robustness-dataset`` with the layout of ../shared (meta under data/)."""
    shared = base / "shared" / "data" / "robustness-dataset"
    (shared / "data").mkdir(parents=True)
    (shared / "data" / "meta.json").write_text("{}")
    return shared


@pytest.fixture
def elsewhere(tmp_path, monkeypatch):
    """No ARNAS_DATA, an empty user cache, and no checkout of the package to look beside."""
    monkeypatch.delenv("ARNAS_DATA", raising=False)
    monkeypatch.setenv("ARNAS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(locate, "_checkout", lambda: None)
    return tmp_path


def test_argument_beats_env_beats_shared(tmp_path, monkeypatch):
    a = make_root(tmp_path / "a")
    b = make_root(tmp_path / "b")
    monkeypatch.setenv("ARNAS_DATA", str(b))
    assert find_data_dir(a) == a.resolve()
    assert find_data_dir() == b.resolve()


def test_shared_beside_the_working_dir(elsewhere, monkeypatch):
    shared = make_shared(elsewhere)
    project = elsewhere / "project"
    project.mkdir()
    monkeypatch.chdir(project)  # ../shared/data/robustness-dataset from a checkout
    assert find_data_dir() == shared.resolve()
    monkeypatch.chdir(elsewhere)  # ./shared/data/robustness-dataset
    assert find_data_dir() == shared.resolve()


def test_shared_beside_the_package_checkout(elsewhere, monkeypatch):
    shared = make_shared(elsewhere)
    (elsewhere / "checkout" / "notebooks").mkdir(parents=True)
    monkeypatch.setattr(locate, "_checkout", lambda: elsewhere / "checkout")
    monkeypatch.chdir(elsewhere / "checkout" / "notebooks")  # two levels below shared/
    assert find_data_dir() == shared.resolve()


def test_shared_far_above_is_not_picked_up(elsewhere, monkeypatch):
    """It used to walk every parent of the working directory."""
    make_shared(elsewhere)
    deep = elsewhere / "a" / "b" / "c"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    with pytest.raises(DataNotFoundError) as err:
        find_data_dir()
    msg = str(err.value)
    assert str(deep / "shared" / "data" / "robustness-dataset") in msg
    assert str(deep.parent / "shared" / "data" / "robustness-dataset") in msg
    assert str(elsewhere / "shared") not in msg


def test_the_copy_used_is_logged(elsewhere, monkeypatch, caplog):
    shared = make_shared(elsewhere / "x")
    monkeypatch.chdir(elsewhere / "x")
    monkeypatch.setattr(locate, "_logged", set())
    with caplog.at_level(logging.INFO, logger="pymoo_arnas.data.locate"):
        find_data_dir()
        find_data_dir()
    used = [r.getMessage() for r in caplog.records if "using" in r.getMessage()]
    assert used == [
        f"robustness dataset: using {shared.resolve()} (shared/ in the working directory)"]


def test_explicit_location_without_data_is_an_error_not_a_fallback(tmp_path, monkeypatch):
    with pytest.raises(DataNotFoundError, match="data_dir argument .* does not hold"):
        find_data_dir(tmp_path)
    monkeypatch.setenv("ARNAS_DATA", str(tmp_path / "nope"))
    with pytest.raises(DataNotFoundError, match=r"\$ARNAS_DATA .* does not hold"):
        find_data_dir()


def test_nowhere_says_where_it_looked_and_how_to_get_it(elsewhere, monkeypatch):
    monkeypatch.chdir(elsewhere)
    with pytest.raises(DataNotFoundError) as err:
        find_data_dir()
    msg = str(err.value)
    assert str(default_download_dir()) in msg
    assert "arnas download" in msg and "download=True" in msg and "ARNAS_DATA" in msg
    # the user cache is the last place looked at: a download there is found
    make_root(default_download_dir())
    assert find_data_dir() == default_download_dir().resolve()
