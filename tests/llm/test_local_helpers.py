"""The local-server helpers and the CLI sub-command, without starting a model."""

import logging
import socket
import sys
import types

import pytest

from pymoo_arnas.cli import COMMANDS
from pymoo_arnas.llm import local


def test_ensure_gemma_model_assembles_once_into_the_cache(tmp_path, monkeypatch, caplog):
    calls = []

    def assemble(path, overwrite=False):
        calls.append(path)
        path.write_bytes(b"GGUF fake")
        return path

    monkeypatch.setitem(sys.modules, local.GEMMA_PACKAGE, types.SimpleNamespace(assemble=assemble))
    monkeypatch.setenv("ARNAS_CACHE_DIR", str(tmp_path))
    with caplog.at_level(logging.WARNING):
        p = local.ensure_gemma_model()
    assert p == tmp_path / "models" / local.GEMMA_MODEL_NAME and p.read_bytes() == b"GGUF fake"
    assert "assembling the Gemma 3 270M model" in caplog.text
    assert not list(p.parent.glob(".*.part"))  # written to a temporary name, then renamed
    assert local.ensure_gemma_model() == p and len(calls) == 1


def test_free_port_is_bindable():
    port = local.free_port()
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))


@pytest.mark.parametrize("kw, match", [({"n_ctx": 100}, "n_ctx=100"), ({"n_threads": 0}, "n_threads")])
def test_start_local_server_rejects_bad_settings(kw, match, monkeypatch):
    monkeypatch.setattr(local, "local_available", lambda: (True, ""))
    with pytest.raises(ValueError, match=match):
        local.start_local_server(**kw)


def test_start_local_server_says_what_is_missing(monkeypatch):
    monkeypatch.setattr(local, "local_available", lambda: (False, "llama_cpp is not installed"))
    with pytest.raises(local.LocalServerError, match="llama_cpp is not installed"):
        local.start_local_server()


@pytest.mark.slow  # starts a real llama.cpp server process (about 8 s on a busy machine)
def test_server_that_exits_is_reported_with_its_log(tmp_path, monkeypatch):
    monkeypatch.setattr(local, "local_available", lambda: (True, ""))
    model = tmp_path / "not-a-model.gguf"
    model.write_bytes(b"nonsense")
    with pytest.raises(local.LocalServerError, match="exited with code"):
        local.start_local_server(model, startup_timeout=60, log_path=tmp_path / "server.log")


@pytest.mark.parametrize("code, said", [("os.kill(os.getpid(), signal.SIGILL)", "SIGILL"),
                                         ("sys.exit(3)", "exit code 3")])
def test_server_that_dies_at_its_first_token_is_reported(tmp_path, code, said):
    # a llama.cpp build the CPU cannot run answers /v1/models, then dies at the first
    # completion: the start says so (and how to rebuild), not the search half-way
    import subprocess

    proc = subprocess.Popen([sys.executable, "-c", f"import os, signal, sys; {code}"])
    log_path = tmp_path / "server.log"
    log_path.write_text("model loaded\n")
    server = local.LocalServer(proc, local.free_port(), "gemma-3-270m", log_path)
    with pytest.raises(local.LocalServerError, match=f"(?s)died at its first completion.*{said}"
                       ".*model loaded") as err:
        local._first_token(server, timeout=5)
    assert ("GGML_NATIVE=OFF" in str(err.value)) == (said == "SIGILL")


def test_cli_has_llm_server():
    import argparse

    from pymoo_arnas.cli import llm_server as commands

    assert "llm_server" in COMMANDS
    parser = argparse.ArgumentParser()
    commands.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["llm-server", "--port", "8123", "--threads", "1"])
    assert args.command == "llm-server" and args.port == 8123 and args.threads == 1
    assert callable(args.func)
