"""Where the data is looked for, in order, and what a user is told when it is nowhere."""

import pytest

from pymoo_arnas.data import DataNotFoundError, find_data_dir
from pymoo_arnas.data.locate import default_download_dir


def make_root(path):
    (path / "cifar10").mkdir(parents=True)
    (path / "meta.json").write_text("{}")
    return path


def test_argument_beats_env_beats_shared(tmp_path, monkeypatch):
    a = make_root(tmp_path / "a")
    b = make_root(tmp_path / "b")
    monkeypatch.setenv("ARNAS_DATA", str(b))
    assert find_data_dir(a) == a.resolve()
    assert find_data_dir() == b.resolve()


def test_shared_beside_a_parent_of_the_working_dir(tmp_path, monkeypatch):
    monkeypatch.delenv("ARNAS_DATA", raising=False)
    shared = tmp_path / "shared" / "data" / "robustness-dataset"
    shared.mkdir(parents=True)
    (shared / "data").mkdir()
    (shared / "data" / "meta.json").write_text("{}")  # the layout of ../shared
    project = tmp_path / "project" / "notebooks"
    project.mkdir(parents=True)
    monkeypatch.chdir(project)
    assert find_data_dir() == shared.resolve()


def test_explicit_location_without_data_is_an_error_not_a_fallback(tmp_path, monkeypatch):
    with pytest.raises(DataNotFoundError, match="data_dir argument .* does not hold"):
        find_data_dir(tmp_path)
    monkeypatch.setenv("ARNAS_DATA", str(tmp_path / "nope"))
    with pytest.raises(DataNotFoundError, match=r"\$ARNAS_DATA .* does not hold"):
        find_data_dir()


def test_nowhere_says_where_it_looked_and_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.delenv("ARNAS_DATA", raising=False)
    monkeypatch.setenv("ARNAS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    import pymoo_arnas.data.locate as locate

    monkeypatch.setattr(locate, "__file__", str(tmp_path / "pkg" / "locate.py"))
    with pytest.raises(DataNotFoundError) as err:
        find_data_dir()
    msg = str(err.value)
    assert str(default_download_dir()) in msg
    assert "python -m pymoo_arnas download" in msg and "ARNAS_DATA" in msg
    # the user cache is the last place looked at: a download there is found
    make_root(default_download_dir())
    assert find_data_dir() == default_download_dir().resolve()
