"""A damaged live store is refused with its path and what to do, not a bare SQLite error."""

import pytest

from pymoo_arnas.live.config import TrainConfig
from pymoo_arnas.live.store import ResultStore, StoreError

CFG = TrainConfig(C=4, epochs=1)


def filled_store(path, n=30):
    store = ResultStore(path)
    for i in range(n):
        store.put("digits", CFG, [i % 5, (i // 5) % 5, (i // 25) % 5, 3, 3, 3], {"clean": 0.5})
    store.close()
    return path.read_bytes()


def test_file_that_is_not_a_database_names_path_and_remedy(tmp_path):
    path = tmp_path / "live.sqlite"
    path.write_bytes(b"these bytes are not an SQLite database\n" * 50)
    with pytest.raises(StoreError) as err:
        ResultStore(path)
    msg = str(err.value)
    assert str(path) in msg and "not an SQLite database" in msg
    assert "move it aside" in msg and "delete it" in msg


def test_truncated_store_names_path(tmp_path):
    path = tmp_path / "live.sqlite"
    data = filled_store(path)
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(StoreError, match=rf"{path} is damaged .* malformed"):
        ResultStore(path)


def test_damaged_page_is_found_at_open(tmp_path):
    path = tmp_path / "live.sqlite"
    data = bytearray(filled_store(path))
    data[4096:8192] = b"\xff" * 4096  # one page past the header: not a valid b-tree page
    path.write_bytes(bytes(data))
    with pytest.raises(StoreError, match=str(path)):
        ResultStore(path)


def test_a_folder_in_the_way_names_path(tmp_path):
    (tmp_path / "live.sqlite").mkdir()
    with pytest.raises(StoreError, match=r"cannot open the live-results store .*live.sqlite"):
        ResultStore(tmp_path / "live.sqlite")


def test_healthy_store_still_opens(tmp_path):
    filled_store(tmp_path / "live.sqlite", n=3)
    store = ResultStore(tmp_path / "live.sqlite")
    assert store.get("digits", CFG, [[0, 0, 0, 3, 3, 3]], ["clean"]) == [{"clean": 0.5}]
