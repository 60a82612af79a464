"""A scripted fake OpenAI / Gemini HTTP server on 127.0.0.1 for the LLM tests.

The real ``openai``, ``google-genai`` and ``google-generativeai`` clients talk real HTTP to
it. Each request consumes the next action of ``script`` (then ``default``); an action is a
callable ``action(request) -> Reply``. The server answers in the dialect of the route:
``POST /v1/chat/completions`` (OpenAI) or ``POST .../models/M:generateContent`` (Gemini).
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np


@dataclass
class Reply:
    status: int = 200
    text: str | None = None  # the model's answer (wrapped in the dialect)
    raw: str | None = None  # or a raw body
    delay: float = 0.0
    prompt_tokens: int = 11
    completion_tokens: int = 7
    headers: dict = field(default_factory=dict)


@dataclass
class Request:
    path: str
    headers: dict
    body: dict
    dialect: str
    prompt: str = ""
    system: str = ""

    @property
    def n_asked(self) -> int:
        m = re.search(r"exactly (\d+) new cells", self.prompt)
        return int(m.group(1)) if m else 1


def _cells_text(cells) -> str:
    return json.dumps([list(map(int, c)) for c in cells])


# ---------------------------------------------------------------------- actions


def good(seed=300):
    """Answer with as many distinct random cells as asked."""
    rng = np.random.default_rng(seed)

    def act(req):
        return Reply(text=_cells_text(rng.integers(0, 5, size=(req.n_asked, 6))))

    return act


def fixed(cells, **kw):
    """Always the same cells."""
    return lambda req: Reply(text=_cells_text(cells), **kw)


def text(t, **kw):
    return lambda req: Reply(text=t, **kw)


def garbage():
    return text("I am a language model and I like turtles. {not json ][")


def fewer(k=2, seed=100):
    rng = np.random.default_rng(seed)
    return lambda req: Reply(text=_cells_text(rng.integers(0, 5, size=(min(k, req.n_asked), 6))))


def more(extra=5, seed=200):
    rng = np.random.default_rng(seed)
    return lambda req: Reply(text=_cells_text(rng.integers(0, 5, size=(req.n_asked + extra, 6))))


def status(code, delay=0.0, headers=None, message=None):
    return lambda req: Reply(status=code, raw=json.dumps(
        {"error": {"code": code, "message": message or f"scripted {code}",
                   "status": "UNAVAILABLE"}}), delay=delay, headers=dict(headers or {}))


def slow(seconds, then=None):
    then = then or good()

    def act(req):
        r = then(req)
        r.delay = seconds
        return r

    return act


def reject_response_format(then=None):
    """400 when the request asks for a response_format (a server without structured output)."""
    then = then or good()

    def act(req):
        if "response_format" in req.body:
            return Reply(status=400, raw=json.dumps(
                {"error": {"message": "response_format is not supported", "type": "invalid_request"}}))
        return then(req)

    return act


# ---------------------------------------------------------------------- server


@dataclass
class FakeLLMServer:
    script: list = field(default_factory=list)
    default: object = None
    requests: list = field(default_factory=list)

    def __post_init__(self):
        self.default = self.default or good()
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # else each reply waits ~40 ms for a delayed ACK

            def log_message(self, *args):
                pass

            def do_GET(self):
                if self.path.rstrip("/").endswith("/models"):
                    self._send(200, json.dumps({"object": "list", "data": [{"id": "fake"}]}))
                else:
                    self._send(404, "{}")

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = {}
                req = server._parse(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                with server._lock:
                    server.requests.append(req)
                    action = server.script.pop(0) if server.script else server.default
                reply = action(req)
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.raw is not None:
                    payload = reply.raw
                elif req.dialect == "openai":
                    payload = json.dumps({
                        "id": "chatcmpl-fake", "object": "chat.completion", "created": 0,
                        "model": body.get("model", "fake"),
                        "choices": [{"index": 0, "finish_reason": "stop", "message": {
                            "role": "assistant", "content": reply.text}}],
                        "usage": {"prompt_tokens": reply.prompt_tokens,
                                  "completion_tokens": reply.completion_tokens,
                                  "total_tokens": reply.prompt_tokens + reply.completion_tokens}})
                else:
                    payload = json.dumps({
                        "candidates": [{"content": {"role": "model", "parts": [{"text": reply.text}]},
                                        "finishReason": "STOP", "index": 0}],
                        "usageMetadata": {"promptTokenCount": reply.prompt_tokens,
                                          "candidatesTokenCount": reply.completion_tokens,
                                          "totalTokenCount": reply.prompt_tokens + reply.completion_tokens}})
                try:
                    self._send(reply.status, payload, reply.headers)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def _send(self, code, payload, headers=None):
                data = payload.encode()
                self.send_response(code)
                for k, v in (headers or {}).items():
                    self.send_header(k, str(v))
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        # a short poll: shutdown() waits up to one poll interval (0.5 s by default) per server
        self._thread = threading.Thread(target=self.httpd.serve_forever,
                                        kwargs={"poll_interval": 0.01}, daemon=True)
        self._thread.start()

    @staticmethod
    def _parse(path, headers, body):
        if path.split("?")[0].endswith("/chat/completions"):
            msgs = body.get("messages", [])
            prompt = "\n".join(m.get("content", "") for m in msgs if m.get("role") == "user")
            system = "\n".join(m.get("content", "") for m in msgs if m.get("role") == "system")
            return Request(path, headers, body, "openai", prompt, system)
        parts = [p.get("text", "") for c in body.get("contents", []) for p in c.get("parts", [])]
        si = body.get("systemInstruction") or body.get("system_instruction") or {}
        system = "\n".join(p.get("text", "") for p in si.get("parts", []))
        return Request(path, headers, body, "gemini", "\n".join(parts), system)

    @property
    def openai_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def gemini_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
