"""The small interface every LLM backend implements, with usage counters, retries, a call
cap, a JSONL tape and an on-disk cache.

A backend subclasses :class:`LLMClient` and implements :meth:`LLMClient._call` (one HTTP
exchange) and :meth:`LLMClient._retryable` (which exceptions deserve another try). All the
rest (backoff with jitter, timeouts, the cap on calls, counting, recording, caching) lives
here, so every backend behaves the same.

Examples
--------
A backend that always gives the same text (the tests' fake servers speak real HTTP; this
one needs no network):

>>> from pymoo_arnas.llm.base import LLMClient
>>> class Echo(LLMClient):
...     backend = "echo"
...     def _call(self, prompt, system, schema):
...         return '{"cells": [[3, 3, 3, 3, 3, 3]]}', 10, 12
>>> llm = Echo(model="echo-1")
>>> llm.complete("give me one cell").text
'{"cells": [[3, 3, 3, 3, 3, 3]]}'
>>> llm.usage.calls, llm.usage.prompt_tokens, llm.usage.completion_tokens
(1, 10, 12)
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import random
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

log = logging.getLogger(__name__)


class LLMError(RuntimeError):
    """An LLM call failed for good (after its retries), or was refused by the call cap."""


class LLMCallCapReached(LLMError):
    """The client's ``max_calls`` is spent; no request was sent."""


@dataclass
class Usage:
    """What a backend has cost so far.

    Attributes
    ----------
    calls : int
        Requests answered by the model (cache hits not included).
    prompt_tokens, completion_tokens : int
        Tokens as the server reported them (0 where it reports none).
    failures : int
        Requests that failed (every failed attempt, retried or not).
    retries : int
        Attempts repeated after a retryable failure (429, 5xx, network, timeout).
    cache_hits : int
        Answers served from the on-disk cache or a replayed tape, without a request.
    refused : int
        Calls refused because ``max_calls`` was spent.
    seconds : float
        Wall-clock time spent waiting for the model, backoff included.
    """

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    failures: int = 0
    retries: int = 0
    cache_hits: int = 0
    refused: int = 0
    seconds: float = 0.0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def as_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        return (
            f"{self.calls} calls, {self.prompt_tokens} prompt + {self.completion_tokens} "
            f"completion tokens, {self.failures} failures, {self.retries} retries, "
            f"{self.cache_hits} cached, {self.seconds:.1f} s"
        )


@dataclass
class LLMResponse:
    """One answer: its text and what it cost (``cached``: no request was sent)."""

    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    model: str = ""
    seconds: float = 0.0
    cached: bool = False


def _key(*parts) -> str:
    blob = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def _redact(text: str, secrets) -> str:
    for s in secrets:
        if s:
            text = text.replace(s, "***")
    return text


class LLMClient:
    """Base class of the LLM backends (see the module docstring).

    Parameters
    ----------
    model : str
        Model name as the backend knows it.
    temperature : float
        Sampling temperature (>= 0).
    max_tokens : int
        Most completion tokens per answer (>= 1).
    timeout : float
        Seconds one request may take before it is abandoned (> 0).
    max_retries : int
        Extra attempts after a retryable failure (429, 5xx, network error, timeout).
    backoff : float
        First backoff in seconds; doubled each retry, with full jitter, up to ``max_backoff``.
    max_backoff : float
        Longest wait between two attempts.
    max_calls : int, optional
        Most requests this client sends in its life; further calls raise
        :class:`LLMCallCapReached` at once (the operators then fall back).
    record : path, optional
        Append every exchange (prompt, answer, model, parameters, usage, time) to this JSONL
        tape, replayable by :class:`~pymoo_arnas.llm.ReplayClient`.
    cache : bool or path, optional
        ``True``: answers are cached on disk under ``<cache_dir>/llm-cache``; a path: there.
        The key is backend, model, parameters, prompt and request tag, so an identical
        re-run sends no requests.
    seed : int, optional
        Passed to backends that accept a sampling seed.

    Attributes
    ----------
    usage : Usage
        Counters, shared by every deep copy of the client (pymoo's ``minimize`` deep-copies
        the algorithm and with it the operators; the client is deliberately not copied).
    """

    backend = "base"

    def __init__(
        self,
        model: str,
        *,
        temperature: float = 0.7,
        max_tokens: int = 1024,
        timeout: float = 60.0,
        max_retries: int = 3,
        backoff: float = 1.0,
        max_backoff: float = 20.0,
        max_calls: int | None = None,
        record=None,
        cache=None,
        seed: int | None = None,
    ) -> None:
        if not isinstance(model, str) or not model:
            raise ValueError(f"model must be a non-empty string; got {model!r}")
        if temperature < 0:
            raise ValueError(f"temperature must be >= 0; got {temperature!r}")
        if int(max_tokens) < 1:
            raise ValueError(f"max_tokens must be >= 1; got {max_tokens!r}")
        if not timeout or timeout <= 0:
            raise ValueError(f"timeout must be a positive number of seconds; got {timeout!r}")
        if int(max_retries) < 0:
            raise ValueError(f"max_retries must be >= 0; got {max_retries!r}")
        if backoff < 0 or max_backoff < 0:
            raise ValueError(
                f"backoff and max_backoff must be >= 0; got {backoff!r}, {max_backoff!r}")
        if max_calls is not None and int(max_calls) < 0:
            raise ValueError(f"max_calls must be >= 0 or None; got {max_calls!r}")
        self.model = model
        self.temperature = float(temperature)
        self.max_tokens = int(max_tokens)
        self.timeout = float(timeout)
        self.max_retries = int(max_retries)
        self.backoff = float(backoff)
        self.max_backoff = float(max_backoff)
        self.max_calls = None if max_calls is None else int(max_calls)
        self.seed = seed
        self.usage = Usage()
        self.record = None if record is None else Path(record)
        if cache is True:
            from pymoo_arnas.data.locate import cache_dir

            cache = cache_dir() / "llm-cache"
        self.cache = None if cache in (None, False) else Path(cache)
        self._lock = threading.Lock()
        self._pending = 0
        self._jitter = random.Random()  # backoff jitter only; never touches the search's RNG

    # ------------------------------------------------------------------ to override

    def _call(self, prompt: str, system: str | None, schema: dict | None):
        """Send one request; return ``(text, prompt_tokens, completion_tokens)``."""
        raise NotImplementedError

    def _retryable(self, exc: BaseException) -> bool:
        """Whether a failed attempt is worth repeating (429, 5xx, network error, timeout)."""
        return False

    def _secrets(self) -> tuple:
        """Strings that must never appear in logs, tapes, errors or reprs (API keys)."""
        return ()

    def params(self) -> dict:
        """The request parameters that change an answer (part of the cache key and the tape)."""
        return {"temperature": self.temperature, "max_tokens": self.max_tokens, "seed": self.seed}

    # ------------------------------------------------------------------ public

    def complete(
        self, prompt: str, *, system: str | None = None, schema: dict | None = None, tag=None
    ) -> LLMResponse:
        """Ask the model; retry, count, cache and record.

        Parameters
        ----------
        prompt : str
            The user message.
        system : str, optional
            The system message.
        schema : dict, optional
            JSON schema the answer should follow (backends use it for structured output
            where the server supports it).
        tag : str, optional
            A name of the request (e.g. ``"LLMMutation/gen3/0"``); part of the cache and
            replay keys, so identical prompts at different places of a run stay apart.

        Returns
        -------
        LLMResponse

        Raises
        ------
        LLMError
            When every attempt failed, or :class:`LLMCallCapReached` when ``max_calls`` is spent.
        """
        key = self.key(prompt, system, schema, tag)
        cached = self._cache_get(key)
        if cached is not None:
            with self._lock:
                self.usage.cache_hits += 1
            log.debug("%s: answer for %s served from the cache", self.backend, tag)
            self._tape(key, prompt, system, schema, tag, cached.text, cached.prompt_tokens,
                       cached.completion_tokens, 0.0, cached=True)
            return cached
        with self._lock:
            spent = self.usage.calls + self._in_flight()
            if self.max_calls is not None and spent >= self.max_calls:
                self.usage.refused += 1
                raise LLMCallCapReached(
                    f"{self.backend} client for {self.model!r} has spent its max_calls="
                    f"{self.max_calls}; no request sent"
                )
            self._pending += 1
        t0 = time.perf_counter()
        attempt = 0
        try:
            while True:
                t_try = time.perf_counter()
                try:
                    text, p_tok, c_tok = self._call(prompt, system, schema)
                except Exception as exc:  # noqa: BLE001 - classified below
                    msg = _redact(f"{type(exc).__name__}: {exc}", self._secrets())
                    retry = self._retryable(exc) and attempt < self.max_retries
                    with self._lock:
                        self.usage.failures += 1
                        if retry:
                            self.usage.retries += 1
                    if not retry:
                        with self._lock:
                            self.usage.seconds += time.perf_counter() - t0
                        self._tape(key, prompt, system, schema, tag, None, 0, 0,
                                   time.perf_counter() - t0, error=msg)
                        log.warning("%s call failed for good after %d attempt(s): %s",
                                    self.backend, attempt + 1, msg)
                        raise LLMError(f"{self.backend} call failed: {msg}") from None
                    delay = min(self.max_backoff, self.backoff * 2**attempt)
                    delay = self._jitter.uniform(0, delay)
                    log.info("%s call failed (%s); retry %d/%d in %.2f s", self.backend, msg,
                             attempt + 1, self.max_retries, delay)
                    time.sleep(delay)
                    attempt += 1
                    continue
                break
        finally:
            with self._lock:
                self._pending -= 1
        seconds = time.perf_counter() - t0
        resp = LLMResponse(str(text), int(p_tok or 0), int(c_tok or 0), self.model,
                           time.perf_counter() - t_try)
        with self._lock:
            self.usage.calls += 1
            self.usage.prompt_tokens += resp.prompt_tokens
            self.usage.completion_tokens += resp.completion_tokens
            self.usage.seconds += seconds
        self._tape(key, prompt, system, schema, tag, resp.text, resp.prompt_tokens,
                   resp.completion_tokens, seconds)
        self._cache_put(key, resp)
        return resp

    def key(self, prompt, system=None, schema=None, tag=None) -> str:
        """Cache key: backend, model, parameters, messages and tag."""
        return _key(self.backend, self.model, self.params(), system, prompt, schema, tag)

    def _in_flight(self) -> int:
        return self._pending

    # ------------------------------------------------------------------ tape and cache

    def _tape(self, key, prompt, system, schema, tag, text, p_tok, c_tok, seconds, error=None,
              cached=False):
        if self.record is None:
            return
        entry = {
            "backend": self.backend,
            "model": self.model,
            "params": self.params(),
            "tag": tag,
            "replay_key": replay_key(prompt, system, tag),
            "system": system,
            "prompt": prompt,
            "schema": schema,
            "response": text,
            "error": error,
            "cached": cached,
            "usage": {"prompt_tokens": p_tok, "completion_tokens": c_tok},
            "seconds": round(seconds, 4),
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        line = _redact(json.dumps(entry, ensure_ascii=False), self._secrets())
        with self._lock:
            self.record.parent.mkdir(parents=True, exist_ok=True)
            with self.record.open("a", encoding="utf-8") as f:
                f.write(line + "\n")

    def _cache_get(self, key) -> LLMResponse | None:
        if self.cache is None:
            return None
        path = self.cache / key[:2] / f"{key}.json"
        try:
            d = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return LLMResponse(d["text"], d.get("prompt_tokens", 0), d.get("completion_tokens", 0),
                           d.get("model", self.model), 0.0, cached=True)

    def _cache_put(self, key, resp: LLMResponse) -> None:
        if self.cache is None:
            return
        path = self.cache / key[:2] / f"{key}.json"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".tmp{os.getpid()}.{threading.get_ident()}")
            tmp.write_text(json.dumps({"text": resp.text, "prompt_tokens": resp.prompt_tokens,
                                       "completion_tokens": resp.completion_tokens,
                                       "model": resp.model}), encoding="utf-8")
            tmp.replace(path)
        except OSError as exc:
            log.warning("could not write the LLM cache at %s: %s", self.cache, exc)

    # ------------------------------------------------------------------ copies and repr

    def __deepcopy__(self, memo):
        # shared, not copied: minimize() deep-copies the algorithm, and the usage counters,
        # the HTTP client and the tape must stay the one the user holds
        memo[id(self)] = self
        return self

    def __copy__(self):
        return self

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("_lock", None)
        state.pop("_sdk", None)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(model={self.model!r})"


def replay_key(prompt, system=None, tag=None) -> str:
    """The key a :class:`~pymoo_arnas.llm.ReplayClient` finds an answer by."""
    return _key(system, prompt, tag)


__all__ = ["LLMClient", "LLMError", "LLMCallCapReached", "LLMResponse", "Usage", "replay_key"]
