"""`download` against an HTTP server on 127.0.0.1 serving small synthetic release zips built here:
what it places loads; whatever fails, at any stage, even a killed process, leaves the previous
copy intact."""

import hashlib
import io
import json
import os
import signal
import socket
import shutil
import subprocess
import sys
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from pymoo_arnas.data import DataNotFoundError, find_data_dir, load_robustness
from pymoo_arnas.data import release as release_mod
from pymoo_arnas.data import staging
from pymoo_arnas.data.release import DownloadError, download

QUIET = dict(progress=False, retries=0)


def zip_bytes(members: dict) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def release_zips(files: dict, clean=None) -> dict:
    """``meta.zip`` and ``cifar10-accuracies.zip`` of the synthetic files (``clean``: a value
    given to every cell's clean accuracy, to tell two releases apart)."""
    files = dict(files)
    if clean is not None:
        d = json.loads(files["cifar10/clean_accuracy.json"])
        acc = d["cifar10"]["clean"]["accuracy"]
        d["cifar10"]["clean"]["accuracy"] = {u: clean for u in acc}
        files["cifar10/clean_accuracy.json"] = json.dumps(d).encode()
    return {
        "meta.zip": zip_bytes({"meta.json": files["meta.json"]}),
        "cifar10-accuracies.zip": zip_bytes(
            {k: v for k, v in files.items() if k.startswith("cifar10/")}),
    }


@pytest.fixture(scope="module")
def releases(synthetic_files):
    return {"v1": release_zips(synthetic_files, clean=0.5),
            "v2": release_zips(synthetic_files, clean=0.25)}


@pytest.fixture(scope="module")
def http_server():
    """One server for the module; each test's ``server`` fixture resets what it serves."""
    state = {}

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
    # a short poll: shutdown() waits up to one poll interval (0.5 s by default) per server
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.01},
                              daemon=True)
    thread.start()
    state["url"] = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield state
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def server(http_server, releases):
    http_server.update(files=dict(releases["v1"]), lie_about_length=False, requests=[])
    return http_server


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("ARNAS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("ARNAS_DATA_URL", raising=False)
    monkeypatch.delenv("ARNAS_DATA", raising=False)
    return tmp_path / "cache"


@pytest.fixture(scope="module")
def installed_once(http_server, releases, tmp_path_factory):
    http_server.update(files=dict(releases["v1"]), lie_about_length=False, requests=[])
    return download("cifar10", dest=tmp_path_factory.mktemp("v1") / "data",
                    base_url=http_server["url"], **QUIET)


@pytest.fixture
def installed(server, installed_once, tmp_path, cache):
    """A root holding release v1 (a copy of one download); the server serves v1 too."""
    return Path(shutil.copytree(installed_once, tmp_path / "data"))


def clean_values(root):
    return load_robustness("cifar10", data_dir=root, use_cache=False).column("clean")


def assert_untouched(root, value=0.5):
    """The root holds a loadable release whose clean accuracies are all ``value``, and no
    staging folder."""
    assert find_data_dir(root) == root.resolve()
    assert np.all(clean_values(root) == value)
    assert not list(root.glob(staging.PREFIX + "*"))
    assert sorted(p.name for p in root.iterdir()) == [".download.lock", "cifar10", "meta.json"]


def test_download_unpacks_a_loadable_dataset(server, installed):
    assert_untouched(installed)
    assert len(list((installed / "cifar10").glob("*_accuracy.json"))) == 3
    # a second call finds everything in place and asks the server for nothing
    server["requests"].clear()
    download(["cifar10"], dest=installed, base_url=server["url"], **QUIET)
    assert server["requests"] == []


def test_force_replaces_with_the_new_release(server, releases, installed):
    server["files"] = dict(releases["v2"])
    download(["cifar10"], dest=installed, base_url=server["url"], force=True, **QUIET)
    assert_untouched(installed, value=0.25)


def test_default_destination_is_the_user_cache_where_loaders_look(server, cache, monkeypatch):
    monkeypatch.setenv("ARNAS_DATA_URL", server["url"])
    root = download("cifar10", **QUIET)
    assert root == cache / "robustness-dataset"
    assert (root / "cifar10" / "clean_accuracy.json").is_file()


def test_load_robustness_downloads_when_asked_and_only_then(server, cache, tmp_path, monkeypatch):
    monkeypatch.setenv("ARNAS_DATA_URL", server["url"])
    monkeypatch.setattr(release_mod, "download",
                        lambda *a, **k: download(*a, **{**k, **QUIET}))
    target = tmp_path / "fresh"
    with pytest.raises(DataNotFoundError, match="download=True"):
        load_robustness("cifar10", data_dir=target)
    assert server["requests"] == []
    table = load_robustness("cifar10", data_dir=target, download=True)
    assert table.n_rows == 6466 and np.all(table.column("clean") == 0.5)
    assert server["requests"] == ["meta.zip", "cifar10-accuracies.zip"]


# ----------------------------------------------------------------- refused releases


def damage_crc(body: bytes) -> bytes:
    b = bytearray(body)
    b[200:400] = bytes(200)  # damage a member's data: its CRC check fails
    return bytes(b)


def bad_value(files):
    d = json.loads(files["cifar10/clean_accuracy.json"])
    d["cifar10"]["clean"]["accuracy"]["0"] = None
    return zip_bytes({**{k: v for k, v in files.items() if k.startswith("cifar10/")},
                      "cifar10/clean_accuracy.json": json.dumps(d).encode()})


FAULTS = {
    # stage: fetching
    "HTTP 404": (lambda s, f: s["files"].pop("cifar10-accuracies.zip"), r"answered HTTP 404"),
    "short body": (lambda s, f: s.update(lie_about_length=True), r"could not download .*meta.zip"),
    # stage: checking the zip
    "bad CRC": (lambda s, f: s["files"].update(
        {"cifar10-accuracies.zip": damage_crc(s["files"]["cifar10-accuracies.zip"])}),
        r"cifar10-accuracies.zip is not a sound zip"),
    "not a zip": (lambda s, f: s["files"].update({"meta.zip": b"<html>moved</html>"}),
                  r"meta.zip is not a sound zip"),
    "no clean table": (lambda s, f: s["files"].update({"cifar10-accuracies.zip": zip_bytes(
        {"cifar10/pgd@Linf_accuracy.json": f["cifar10/pgd@Linf_accuracy.json"]})}),
        r"cifar10-accuracies.zip does not have the expected layout: no clean_accuracy.json"),
    "no meta.json": (lambda s, f: s["files"].update({"meta.zip": zip_bytes({"README": b"hi"})}),
                     r"meta.zip does not have the expected layout: no meta.json"),
    "zip slip": (lambda s, f: s["files"].update({"meta.zip": zip_bytes(
        {"meta.json": f["meta.json"], "../../evil.json": b"{}"})}), r"points outside the folder"),
    "drive letter": (lambda s, f: s["files"].update({"meta.zip": zip_bytes(
        {"C:/meta.json": f["meta.json"]})}), r"points outside the folder"),
    # stage: reading the unpacked files with the loaders' checks
    "null in a table": (lambda s, f: s["files"].update({"cifar10-accuracies.zip": bad_value(f)}),
                        r"cifar10-accuracies.zip fails its checks: .*clean_accuracy.json: "
                        r"accuracy of uid '0' is null"),
}


@pytest.mark.parametrize("fault", FAULTS)
def test_failed_forced_download_leaves_the_previous_copy(server, installed, synthetic_files, fault):
    server["files"] = release_zips(synthetic_files, clean=0.25)
    damage, match = FAULTS[fault]
    damage(server, synthetic_files)
    with pytest.raises(DownloadError, match=match):
        download(["cifar10"], dest=installed, base_url=server["url"], force=True, **QUIET)
    assert_untouched(installed)


def test_windows_member_names_are_read(server, installed, synthetic_files):
    server["files"]["cifar10-accuracies.zip"] = zip_bytes(
        {k.replace("/", "\\"): v for k, v in synthetic_files.items() if k.startswith("cifar10/")})
    download(["cifar10"], dest=installed, base_url=server["url"], force=True, **QUIET)
    raw = json.loads(synthetic_files["cifar10/clean_accuracy.json"])["cifar10"]["clean"]["accuracy"]
    table = load_robustness("cifar10", data_dir=installed, use_cache=False)
    assert table.column("clean").tolist() == [raw[str(u)] for u in table.uids]


def test_failure_at_the_swap_puts_everything_back(server, releases, installed, monkeypatch):
    server["files"] = dict(releases["v2"])
    moves = []

    def flaky_move(src, dst):
        moves.append((src, dst))
        if len(moves) == 4:  # meta.json swapped; cifar10/ moved aside, the new one not yet in
            raise OSError("disk full")
        os.replace(src, dst)

    monkeypatch.setattr(staging, "_move", flaky_move)
    with pytest.raises(OSError, match="disk full"):
        download(["cifar10"], dest=installed, base_url=server["url"], force=True, **QUIET)
    monkeypatch.undo()
    assert_untouched(installed)


def test_zip_bomb_is_refused(server, installed, synthetic_files):
    huge = {k: v for k, v in synthetic_files.items() if k.startswith("cifar10/")}
    huge["cifar10/fog_accuracy.json"] = b" " * (8 << 20) + huge["cifar10/fog_accuracy.json"]
    server["files"]["cifar10-accuracies.zip"] = zip_bytes(huge)  # 8 MB of spaces pack to ~8 kB
    assert len(server["files"]["cifar10-accuracies.zip"]) < 1 << 20
    with pytest.raises(DownloadError, match=r"would unpack to \d+ bytes, over the limit .*bomb"):
        download(["cifar10"], dest=installed, base_url=server["url"], force=True,
                 max_unpacked_bytes=4 << 20, **QUIET)
    assert_untouched(installed)


def test_checksum_mismatch_is_refused(server, installed, monkeypatch):
    monkeypatch.setitem(release_mod.CHECKSUMS, "meta.zip", "0" * 64)
    with pytest.raises(DownloadError, match="SHA-256 does not match"):
        download(["cifar10"], dest=installed, base_url=server["url"], force=True, **QUIET)
    assert_untouched(installed)
    good = hashlib.sha256(server["files"]["meta.zip"]).hexdigest()
    monkeypatch.setitem(release_mod.CHECKSUMS, "meta.zip", good)
    download(["cifar10"], dest=installed, base_url=server["url"], force=True, **QUIET)


def test_retries_a_failed_file(server, installed, monkeypatch):
    flaky = {"left": 1}
    real = server["files"]

    class OnceMissing(dict):
        def get(self, name, default=None):
            if name == "meta.zip" and flaky["left"]:
                flaky["left"] -= 1
                return None  # 404 once
            return real.get(name, default)

    server["files"] = OnceMissing()
    waits = []
    monkeypatch.setattr("pooch.core.time.sleep", waits.append)  # pooch's back-off, not waited
    download(["cifar10"], dest=installed, base_url=server["url"], force=True, progress=False,
             retries=1)
    assert waits == [1]
    assert server["requests"].count("meta.zip") == 2  # the 404, then the retry


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_no_network_gives_one_line_with_the_mirror_option_and_manual_route(tmp_path, cache):
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    with pytest.raises(DownloadError) as err:
        download(["cifar10"], dest=tmp_path / "data", base_url=url, **QUIET)
    msg = str(err.value)
    assert "\n" not in msg and f"cannot reach {url}/meta.zip" in msg
    assert "--url" in msg and "ARNAS_DATA_URL" in msg
    assert f"under {tmp_path / 'data'}" in msg and "meta.json" in msg
    assert err.value.__cause__ is None and err.value.__suppress_context__


def test_unknown_dataset():
    with pytest.raises(ValueError, match="unknown dataset 'mnist'"):
        download(["mnist"], progress=False)


# ----------------------------------------------------------------- killed downloads

KILLER = """
import os, signal, sys
import requests
from pymoo_arnas.data import release, staging

stage, url, dest = sys.argv[1:4]

def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

if stage == "download":  # half-way through the first file
    real = requests.models.Response.iter_content
    def iter_content(self, *args, **kwargs):
        for i, chunk in enumerate(real(self, *args, **kwargs)):
            if i == 3:
                die()
            yield chunk
    requests.models.Response.iter_content = iter_content
elif stage == "unpack":
    release._unpack = die
elif stage == "verify":
    release._verify = die
elif stage.startswith("swap"):  # before the n-th rename of the swap
    n, moves = int(stage[4:]), []
    real_move = staging._move
    def move(src, dst):
        moves.append(src)
        if len(moves) == n:
            die()
        real_move(src, dst)
    staging._move = move
elif stage == "cleanup":  # after the swap is committed
    staging._remove = die
release.download(["cifar10"], dest=dest, base_url=url, force=True, progress=False, retries=0)
"""


@pytest.mark.slow  # one Python process per stage (~2 s each)
@pytest.mark.parametrize(
    "stage", ["download", "unpack", "verify", "swap1", "swap2", "swap4", "cleanup"])
def test_killed_download_leaves_the_previous_copy(server, releases, installed, stage):
    server["files"] = dict(releases["v2"])
    proc = subprocess.run([sys.executable, "-c", KILLER, stage, server["url"], str(installed)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    assert list(installed.glob(staging.PREFIX + "*"))  # the killed run left its staging folder
    # the next look at the folder rolls back (or, once committed, only tidies up)
    assert_untouched(installed, value=0.25 if stage == "cleanup" else 0.5)
