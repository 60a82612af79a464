"""`download` against a real HTTP server on 127.0.0.1 serving zips built from the shared data."""

import hashlib
import io
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from pymoo_arnas.data import release as download_mod
from pymoo_arnas.data import find_data_dir, load_robustness
from pymoo_arnas.data.release import DownloadError, download
from pymoo_arnas.data.locate import meta_path
from pymoo_arnas.cli import main as cli_main


def zip_bytes(files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, path in files.items():
            z.write(path, name)
    return buf.getvalue()


@pytest.fixture(scope="module")
def release():
    src = find_data_dir()
    files = {
        "meta.zip": zip_bytes({"meta.json": meta_path(src)}),
        "cifar10-accuracies.zip": zip_bytes(
            {f"cifar10/{p.name}": p for p in sorted((src / "cifar10").glob("*_accuracy.json"))}
        ),
    }
    return files


@pytest.fixture
def server(release):
    state = {"files": dict(release), "lie_about_length": False, "requests": []}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            name = self.path.lstrip("/")
            state["requests"].append(name)
            body = state["files"].get(name)
            if body is None:
                self.send_response(404)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/zip")
            extra = 1000 if state["lie_about_length"] else 0
            self.send_header("Content-Length", str(len(body) + extra))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    state["url"] = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield state
    httpd.shutdown()
    httpd.server_close()


def test_download_unpacks_a_loadable_dataset(server, tmp_path, monkeypatch):
    monkeypatch.setenv("ARNAS_CACHE_DIR", str(tmp_path / "cache"))
    root = download(["cifar10"], dest=tmp_path / "data", base_url=server["url"], progress=False)
    assert (root / "meta.json").is_file()
    assert len(list((root / "cifar10").glob("*_accuracy.json"))) == 20
    assert not list(root.glob(".*"))  # no temp files left
    mine, shared = load_robustness("cifar10", data_dir=root), load_robustness("cifar10")
    assert mine.columns == shared.columns and np.array_equal(mine.values, shared.values)
    # a second call finds everything in place and asks the server for nothing
    server["requests"].clear()
    download(["cifar10"], dest=root, base_url=server["url"], progress=False)
    assert server["requests"] == []


def test_default_destination_is_the_user_cache_where_loaders_look(server, tmp_path, monkeypatch):
    monkeypatch.setenv("ARNAS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("ARNAS_DATA_URL", server["url"])
    assert cli_main(["download", "cifar10", "--quiet"]) == 0
    assert (tmp_path / "cache" / "robustness-dataset" / "cifar10" / "clean_accuracy.json").is_file()


def test_short_body_is_refused_and_leaves_nothing(server, tmp_path):
    server["lie_about_length"] = True
    with pytest.raises(DownloadError, match="meta.zip"):
        download(["cifar10"], dest=tmp_path / "data", base_url=server["url"], progress=False)
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == []


def test_corrupt_zip_is_refused_and_leaves_nothing(server, tmp_path):
    body = bytearray(server["files"]["cifar10-accuracies.zip"])
    body[200:400] = bytes(200)  # damage a member's data: its CRC check fails
    server["files"]["cifar10-accuracies.zip"] = bytes(body)
    with pytest.raises(DownloadError, match="cifar10-accuracies.zip"):
        download(["cifar10"], dest=tmp_path / "data", base_url=server["url"], progress=False)
    assert not (tmp_path / "data" / "cifar10").exists()
    assert [p.name for p in (tmp_path / "data").iterdir()] == ["meta.json"]


def test_checksum_mismatch_and_missing_file(server, tmp_path, monkeypatch):
    good = hashlib.sha256(server["files"]["meta.zip"]).hexdigest()
    monkeypatch.setitem(download_mod.CHECKSUMS, "meta.zip", "0" * 64)
    with pytest.raises(DownloadError, match="SHA-256"):
        download(["cifar10"], dest=tmp_path / "a", base_url=server["url"], progress=False)
    monkeypatch.setitem(download_mod.CHECKSUMS, "meta.zip", good)
    del server["files"]["cifar10-accuracies.zip"]
    with pytest.raises(DownloadError, match="HTTP 404"):
        download(["cifar10"], dest=tmp_path / "b", base_url=server["url"], progress=False)
    assert (tmp_path / "b" / "meta.json").is_file()  # what was fetched before stays


def test_unknown_dataset():
    with pytest.raises(ValueError, match="unknown dataset 'mnist'"):
        download(["mnist"], progress=False)
