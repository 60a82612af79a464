"""The abstract LLM client: one provider call to implement, everything else shared.

A backend subclasses :class:`LLMClient` and implements only :meth:`LLMClient._call` (send
one request, return the answer's text and token counts, raise whatever the provider's SDK
raises). The base class does the rest, once for every backend: retries with exponential
backoff, jitter and ``Retry-After``, the timeout policy, the call cap, usage accounting, the
JSONL tape (``record=``), the on-disk cache (``cache=``), the check that the model can be
reached at all, and keeping the API key out of everything that leaves the client
(exceptions, logs, tapes, caches, reprs, pickles).

How a failed attempt is handled (:func:`classify` reads status codes, ``Retry-After`` and the
exception types of openai, httpx, requests, google-genai and google-api-core without
importing them):

================================ ==========================================================
failure                          handling
================================ ==========================================================
HTTP 429, 5xx, connection error  retried ``max_retries`` times; backoff ``backoff * 2**k``
                                 with full jitter, at most ``max_backoff``; a
                                 ``Retry-After`` (or Gemini ``retryDelay``) is honoured up
                                 to ``max_retry_after`` seconds
timeout                          retried like the above, except against a server on this
                                 machine (``retry_timeouts=None``, the default): a
                                 single-slot local server (llama.cpp) is still generating
                                 the abandoned answer, so a retry would only queue behind it
other 4xx, anything else         not retried
================================ ==========================================================

If no request of a client has ever been answered and one fails for good with a connection
error or a 4xx other than 429 (wrong URL, route or key), the model cannot be reached at all:
:class:`LLMUnreachable` is raised and the LLM operators stop the run instead of quietly
running on their fallback. ``on_unreachable="fallback"`` asks for the fallback instead.
Late or bad answers of a model that has answered before always fall back.

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
>>> LLMClient(model="m")
Traceback (most recent call last):
...
TypeError: Can't instantiate abstract class LLMClient...
"""

from __future__ import annotations

import abc
import email.utils
import hashlib
import importlib.util
import inspect
import json
import logging
import os
import random
import re
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

log = logging.getLogger(__name__)

LLM_EXTRA = 'pip install "pymoo-arnas[llm]"'
"""How to install the optional LLM SDKs (said by every missing-SDK error)."""

MAX_RETRY_AFTER = 60.0
"""Default longest wait a server's ``Retry-After`` may ask for (seconds)."""

ON_UNREACHABLE = ("raise", "fallback")


class LLMError(RuntimeError):
    """An LLM call failed for good (after its retries), or was refused by the call cap.

    The LLM operators answer it with their fallback. It never carries the provider's
    exception (``__cause__`` and ``__context__`` are ``None``): those hold request headers.
    """


class LLMCallCapReached(LLMError):
    """The client's ``max_calls`` is spent; no request was sent."""


class LLMFatalError(LLMError):
    """An LLM error that must stop the run: the operators re-raise it instead of falling back."""


class LLMUnreachable(LLMFatalError):
    """The model could not be reached at all (first request refused, wrong URL/route/key)."""


class ReplayMismatch(LLMFatalError):
    """A strict :class:`~pymoo_arnas.llm.ReplayClient` got a request its tape does not hold."""


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
        Failed attempts (every one, retried or not).
    failed_calls : int
        Calls that failed for good (after their retries): each one a fallback in the run.
    retries : int
        Attempts repeated after a retryable failure (429, 5xx, network, timeout).
    cache_hits : int
        Answers served from the on-disk cache, without a request.
    refused : int
        Calls refused because ``max_calls`` was spent.
    seconds : float
        Wall-clock time spent waiting for the model, backoff included.
    """

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    failures: int = 0
    failed_calls: int = 0
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
        failed = (f"{self.failed_calls} FAILED calls ({self.failures} failed attempts), "
                  if self.failed_calls or self.failures else "0 failures, ")
        return (
            f"{self.calls} calls, {self.prompt_tokens} prompt + {self.completion_tokens} "
            f"completion tokens, {failed}{self.retries} retries, "
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


# ---------------------------------------------------------------------- failures


@dataclass(frozen=True)
class Failure:
    """What went wrong in one attempt, as :func:`classify` reads it.

    Attributes
    ----------
    kind : str
        ``"timeout"``, ``"connection"``, ``"http"`` (a status code came back) or ``"other"``.
    status : int or None
        The HTTP status, where there is one.
    retry_after : float or None
        Seconds the server asked to wait (``Retry-After`` header, or Gemini's ``retryDelay``).
    """

    kind: str
    status: int | None = None
    retry_after: float | None = None

    @property
    def transient(self) -> bool:
        """429, 5xx, connection errors and timeouts: worth another try."""
        return (self.kind in ("timeout", "connection")
                or (self.status is not None and (self.status == 429 or self.status >= 500)))

    @property
    def unreachable(self) -> bool:
        """A connection error or a 4xx other than 429: the model may not be there at all."""
        return self.kind == "connection" or (
            self.status is not None and 400 <= self.status < 500 and self.status != 429)


_TIMEOUT_NAMES = {"TimeoutError", "APITimeoutError", "TimeoutException", "ReadTimeout",
                  "ConnectTimeout", "WriteTimeout", "PoolTimeout", "Timeout", "DeadlineExceeded"}
_CONNECTION_NAMES = {"ConnectionError", "APIConnectionError", "TransportError", "NetworkError",
                     "ConnectError", "RemoteProtocolError", "ProtocolError",
                     "ServiceUnavailable"}
_RETRY_DELAY_RE = re.compile(
    r"""retry_?delay["']?\s*[:=]\s*\{?\s*["']?(?:seconds:\s*)?(\d+(?:\.\d+)?)""", re.I)


def _chain(exc):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def _status(exc) -> int | None:
    for obj in (exc, getattr(exc, "response", None)):
        for attr in ("status_code", "code", "status"):
            try:
                v = getattr(obj, attr, None)
            except Exception:  # noqa: BLE001 - a property of a foreign exception may raise
                continue
            if isinstance(v, int) and not isinstance(v, bool) and 100 <= v < 600:
                return v
    return None


def _retry_after(exc) -> float | None:
    headers = getattr(getattr(exc, "response", None), "headers", None)
    value = None
    if headers is not None:
        try:
            value = headers.get("retry-after") or headers.get("Retry-After")
        except Exception:  # noqa: BLE001
            value = None
    if value:
        value = str(value).strip()
        try:
            return max(0.0, float(value))
        except ValueError:
            pass
        try:
            when = email.utils.parsedate_to_datetime(value)
            return max(0.0, when.timestamp() - time.time())
        except (TypeError, ValueError, IndexError, OverflowError):
            pass
    for attr in ("details", "response_json"):  # google-genai / google-api-core RetryInfo
        blob = getattr(exc, attr, None)
        if blob:
            m = _RETRY_DELAY_RE.search(str(blob)[:20_000])
            if m:
                return float(m.group(1))
    return None


def classify(exc: BaseException) -> Failure:
    """Read a provider's exception: its kind, HTTP status and requested wait.

    Works on the exceptions of openai, httpx, requests, google-genai and google-api-core
    (and anything with a ``status_code``/``code`` and a ``response.headers``), following
    ``__cause__``/``__context__`` to the transport error an SDK wrapped.

    Examples
    --------
    >>> from pymoo_arnas.llm.base import classify
    >>> classify(ConnectionRefusedError("refused"))
    Failure(kind='connection', status=None, retry_after=None)
    >>> classify(TimeoutError()).transient
    True
    """
    status = _status(exc)
    retry_after = _retry_after(exc)
    if status is not None:
        return Failure("http", status, retry_after)
    for e in _chain(exc):
        names = {c.__name__ for c in type(e).__mro__}
        if names & _TIMEOUT_NAMES:
            return Failure("timeout", None, retry_after)
        if names & _CONNECTION_NAMES:
            return Failure("connection", None, retry_after)
    return Failure("other", None, retry_after)


# ---------------------------------------------------------------------- secrets


def redact_url(url: str | None) -> str | None:
    """A URL without credentials: user, password and key-like query values become ``***``.

    >>> redact_url("https://user:pass@example.com:8443/v1?key=abc&x=1")
    'https://***@example.com:8443/v1?key=***&x=1'
    >>> redact_url("http://127.0.0.1:8080/v1")
    'http://127.0.0.1:8080/v1'
    """
    if not url:
        return url
    try:
        parts = urlsplit(str(url))
        netloc = parts.netloc
        if "@" in netloc:
            netloc = "***@" + netloc.rsplit("@", 1)[1]
        query = parts.query
        if query:
            pairs = parse_qsl(query, keep_blank_values=True)
            query = urlencode([(k, "***" if re.search(r"key|token|secret|pass|sig|auth", k, re.I)
                                else v) for k, v in pairs], safe="*")
        return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
    except ValueError:
        return "<unparsable URL>"


def url_secrets(url: str | None) -> tuple:
    """The credentials inside a URL (``user:pass@``, key-like query values)."""
    if not url:
        return ()
    try:
        parts = urlsplit(str(url))
    except ValueError:
        return (str(url),)
    out = [parts.username, parts.password]
    if "@" in parts.netloc:
        out.append(parts.netloc.rsplit("@", 1)[0])
    out += [v for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if re.search(r"key|token|secret|pass|sig|auth", k, re.I)]
    return tuple(s for s in out if s and len(s) >= 3)


def _redact(text: str, secrets) -> str:
    for s in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(s, "***")
    return text


def is_local_url(url: str | None) -> bool:
    """Whether a base URL points at this machine (loopback or ``localhost``)."""
    if not url:
        return False
    try:
        host = (urlsplit(str(url)).hostname or "").lower()
    except ValueError:
        return False
    return host in ("localhost", "::1", "0.0.0.0") or host.startswith("127.")


def require_module(module: str, who: str) -> None:
    """Raise ImportError saying which extra to install when ``module`` is not importable."""
    try:
        found = importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        raise ImportError(f"{who} needs the {module!r} package, which is not installed: "
                          f"{LLM_EXTRA}")


def _key(*parts) -> str:
    blob = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=True)
    return hashlib.sha256(blob.encode()).hexdigest()


# ---------------------------------------------------------------------- the client


class LLMClient(abc.ABC):
    """Abstract base of the LLM backends (see the module docstring).

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
        Longest wait between two attempts (unless the server asks for longer, see
        ``max_retry_after``).
    max_retry_after : float
        Longest wait a server's ``Retry-After`` is honoured with (default 60 s).
    retry_timeouts : bool, optional
        Whether a timed-out request is retried. Default: yes, except against a server on
        this machine (a single-slot local server keeps generating the abandoned answer).
    on_unreachable : str
        ``"raise"`` (default): :class:`LLMUnreachable` when the model cannot be reached at
        all (see the module docstring); ``"fallback"``: fail the call like any other.
    max_calls : int, optional
        Most requests this client sends in its life; further calls raise
        :class:`LLMCallCapReached` at once (the operators then fall back).
    record : path, optional
        Append every exchange (prompt, answer, model, parameters, usage, time) to this JSONL
        tape, replayable by :class:`~pymoo_arnas.llm.ReplayClient`.
    cache : bool or path, optional
        ``True``: answers are cached on disk under ``<cache_dir>/llm-cache``; a path: there.
        The key is backend, model, parameters, prompt and request tag, so an identical
        re-run sends no requests. Empty and failed answers are never cached.
    seed : int, optional
        Passed to backends that accept a sampling seed.

    Attributes
    ----------
    usage : Usage
        Counters, shared by every deep copy of the client (pymoo's ``minimize`` deep-copies
        the algorithm and with it the operators; the client is deliberately not copied).

    Notes
    -----
    A subclass implements :meth:`_call`; it may also take a keyword ``tag`` (the request's
    name; :class:`~pymoo_arnas.llm.ReplayClient` does). A backend that needs an API key
    calls :meth:`_init_key`, which keeps only the environment variable's name when the key
    came from the environment: the value is never pickled.
    """

    backend = "base"
    base_url: str | None = None
    _call_takes_tag = False

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
        max_retry_after: float = MAX_RETRY_AFTER,
        retry_timeouts: bool | None = None,
        on_unreachable: str = "raise",
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
        if backoff < 0 or max_backoff < 0 or max_retry_after < 0:
            raise ValueError(f"backoff, max_backoff and max_retry_after must be >= 0; got "
                             f"{backoff!r}, {max_backoff!r}, {max_retry_after!r}")
        if max_calls is not None and int(max_calls) < 0:
            raise ValueError(f"max_calls must be >= 0 or None; got {max_calls!r}")
        if on_unreachable not in ON_UNREACHABLE:
            raise ValueError(f"on_unreachable={on_unreachable!r} is not known; expected one of "
                             f"{ON_UNREACHABLE}")
        self.model = model
        self.temperature = float(temperature)
        self.max_tokens = int(max_tokens)
        self.timeout = float(timeout)
        self.max_retries = int(max_retries)
        self.backoff = float(backoff)
        self.max_backoff = float(max_backoff)
        self.max_retry_after = float(max_retry_after)
        self.retry_timeouts = retry_timeouts
        self.on_unreachable = on_unreachable
        self.max_calls = None if max_calls is None else int(max_calls)
        self.seed = seed
        self.usage = Usage()
        self.record = None if record is None else Path(record)
        if cache is True:
            from pymoo_arnas.data.locate import cache_dir

            cache = cache_dir() / "llm-cache"
        self.cache = None if cache in (None, False) else Path(cache)
        self._api_key = None
        self._api_key_env = None
        self._dummy_key = False
        self._reached = False  # some request of this client has been answered
        self._lock = threading.Lock()
        self._pending = 0
        self._jitter = random.Random()  # backoff jitter only; never touches the search's RNG

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        try:
            cls._call_takes_tag = "tag" in inspect.signature(cls._call).parameters
        except (TypeError, ValueError):  # pragma: no cover
            cls._call_takes_tag = False

    # ------------------------------------------------------------------ to implement

    @abc.abstractmethod
    def _call(self, prompt: str, system: str | None, schema: dict | None):
        """Send one request; return ``(text, prompt_tokens, completion_tokens)``.

        Raise whatever the provider raises: :func:`classify` decides about retries.
        """

    def params(self) -> dict:
        """The request parameters that change an answer (part of the cache key and the tape)."""
        return {"temperature": self.temperature, "max_tokens": self.max_tokens, "seed": self.seed}

    # ------------------------------------------------------------------ the API key

    def _init_key(self, api_key, env_names, *, needed: bool, dummy: str, hint: str) -> None:
        """Take ``api_key``, else the first of ``env_names`` that is set, else ``dummy``
        (when ``needed`` is false: a server that takes no key); ValueError saying ``hint``."""
        for name in env_names:
            value = os.environ.get(name)
            if value and (api_key is None or api_key == value):
                self._api_key, self._api_key_env = value, name
                return
        if api_key:
            self._api_key = str(api_key)
            return
        if needed:
            raise ValueError(hint)
        self._api_key = dummy
        self._api_key_env = None
        self._dummy_key = True

    @property
    def api_key(self) -> str | None:
        """The key as sent (not shown in the repr; never pickled)."""
        return self._api_key

    def _secrets(self) -> tuple:
        """Strings that must never leave the client (API key, URL credentials)."""
        key = self._api_key if not getattr(self, "_dummy_key", False) else None
        return tuple(s for s in (key, *url_secrets(self.base_url)) if s)

    # ------------------------------------------------------------------ public

    @property
    def retries_timeouts(self) -> bool:
        """Whether timeouts are retried (``retry_timeouts``, or: not a local server)."""
        if self.retry_timeouts is not None:
            return bool(self.retry_timeouts)
        return not is_local_url(self.base_url)

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
            Its ``text`` has every secret of the client replaced by ``***``.

        Raises
        ------
        LLMError
            When every attempt failed, or :class:`LLMCallCapReached` when ``max_calls`` is
            spent; :class:`LLMUnreachable` when the model cannot be reached at all.
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
            spent = self.usage.calls + self._pending
            if self.max_calls is not None and spent >= self.max_calls:
                self.usage.refused += 1
                raise LLMCallCapReached(
                    f"{self.backend} client for {self.model!r} has spent its max_calls="
                    f"{self.max_calls}; no request sent"
                )
            self._pending += 1
        t0 = time.perf_counter()
        try:
            text, p_tok, c_tok, t_try = self._attempts(key, prompt, system, schema, tag, t0)
        finally:
            with self._lock:
                self._pending -= 1
        seconds = time.perf_counter() - t0
        text = _redact(text, self._secrets())
        resp = LLMResponse(text, p_tok, c_tok, self.model, time.perf_counter() - t_try)
        with self._lock:
            self._reached = True
            self.usage.calls += 1
            self.usage.prompt_tokens += resp.prompt_tokens
            self.usage.completion_tokens += resp.completion_tokens
            self.usage.seconds += seconds
        self._tape(key, prompt, system, schema, tag, resp.text, resp.prompt_tokens,
                   resp.completion_tokens, seconds)
        self._cache_put(key, resp)
        return resp

    def _attempts(self, key, prompt, system, schema, tag, t0):
        """The retry loop; raises LLMError with no provider exception attached."""
        attempt = 0
        kw = {"tag": tag} if self._call_takes_tag else {}
        while True:
            t_try = time.perf_counter()
            own = None
            try:
                out = self._call(prompt, system, schema, **kw)
                text, p_tok, c_tok = self._check_answer(out)
                return text, p_tok, c_tok, t_try
            except LLMError as exc:  # raised by the backend itself (e.g. replay): no SDK data
                own, failure = exc, Failure("other")
                msg = _redact(str(exc), self._secrets())
            except Exception as exc:  # noqa: BLE001 - classified, then dropped (headers)
                failure = classify(exc)
                msg = _redact(f"{type(exc).__name__}: {exc}", self._secrets())[:2000]
            # outside the except clause: the provider's exception is gone (no __context__)
            retry = attempt < self.max_retries and failure.transient and (
                failure.kind != "timeout" or self.retries_timeouts)
            with self._lock:
                self.usage.failures += 1
                if retry:
                    self.usage.retries += 1
            if retry:
                delay = self._jitter.uniform(0, min(self.max_backoff, self.backoff * 2**attempt))
                if failure.retry_after is not None:
                    delay = max(delay, min(failure.retry_after, self.max_retry_after))
                log.info("%s call failed (%s); retry %d/%d in %.2f s", self.backend, msg,
                         attempt + 1, self.max_retries, delay)
                time.sleep(delay)
                attempt += 1
                continue
            with self._lock:
                self.usage.failed_calls += 1
                self.usage.seconds += time.perf_counter() - t0
                reached = self._reached
            self._tape(key, prompt, system, schema, tag, None, 0, 0,
                       time.perf_counter() - t0, error=msg)
            log.warning("%s call failed for good after %d attempt(s): %s", self.backend,
                        attempt + 1, msg)
            if own is not None:
                if isinstance(own, LLMFatalError):
                    raise own
                raise LLMError(f"{self.backend} call failed: {msg}") from None
            if not reached and failure.unreachable and self.on_unreachable == "raise":
                where = redact_url(self.base_url) or f"the {self.backend} API"
                raise LLMUnreachable(
                    f"the model {self.model!r} at {where} cannot be reached ({msg}); no "
                    f"request of this client has been answered, so the run stops rather than "
                    f"continue without its LLM. Check the URL, model name and key, or pass "
                    f"on_unreachable='fallback' to fall back on such errors") from None
            raise LLMError(f"{self.backend} call failed: {msg}") from None

    @staticmethod
    def _check_answer(out):
        try:
            text, p_tok, c_tok = out
        except (TypeError, ValueError):
            raise TypeError(f"_call must return (text, prompt_tokens, completion_tokens); "
                            f"got {type(out).__name__}") from None
        if text is None:
            text = ""
        if not isinstance(text, str):
            raise TypeError(f"the answer text must be a str; got {type(text).__name__}")
        return text, int(p_tok or 0), int(c_tok or 0)

    def key(self, prompt, system=None, schema=None, tag=None) -> str:
        """Cache key: backend, model, parameters, messages and tag."""
        return _key(self.backend, self.model, self.params(), system, prompt, schema, tag)

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

    def _cache_path(self, key) -> Path:
        return self.cache / key[:2] / f"{key}.json"

    def _cache_get(self, key) -> LLMResponse | None:
        if self.cache is None:
            return None
        path = self._cache_path(key)
        try:
            raw = path.read_text(encoding="utf-8")
        except OSError:
            return None
        try:
            d = json.loads(raw)
            if not isinstance(d, dict):
                raise ValueError(f"a JSON {type(d).__name__}, not an object")
            text = d.get("text")
            if not isinstance(text, str) or not text.strip():
                raise ValueError(f"'text' is {type(text).__name__} {str(text)[:40]!r}, "
                                 "not a non-empty string")
            toks = [d.get("prompt_tokens", 0), d.get("completion_tokens", 0)]
            if not all(isinstance(t, int) and not isinstance(t, bool) and t >= 0 for t in toks):
                raise ValueError(f"token counts {toks!r} are not non-negative integers")
            model = d.get("model", self.model)
        except (ValueError, RecursionError) as exc:
            log.warning("LLM cache entry %s:1 is refused (%s); asking the model instead",
                        path, str(exc)[:200])
            return None
        return LLMResponse(text, toks[0], toks[1], str(model), 0.0, cached=True)

    def _cache_put(self, key, resp: LLMResponse) -> None:
        if self.cache is None or not resp.text.strip():  # never cache an empty answer
            return
        path = self._cache_path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".tmp{os.getpid()}.{threading.get_ident()}")
            blob = json.dumps({"text": resp.text, "prompt_tokens": resp.prompt_tokens,
                               "completion_tokens": resp.completion_tokens,
                               "model": resp.model})
            tmp.write_text(_redact(blob, self._secrets()), encoding="utf-8")
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
        if self._api_key is not None and self._api_key_env is None and not getattr(
                self, "_dummy_key", False):
            raise TypeError(
                f"{type(self).__name__} holds an API key given as api_key=, which is never "
                f"pickled (it would travel in clear text, e.g. to Dask workers); set it in the "
                f"environment instead ({self._key_env_hint()}) and leave api_key unset: the "
                f"pickle then names the variable and each process reads it")
        state = self.__dict__.copy()
        state.pop("_lock", None)
        state.pop("_sdk", None)
        if self._api_key_env is not None:
            state["_api_key"] = None  # re-read from the environment on unpickling
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._lock = threading.Lock()
        self._sdk = None
        env = state.get("_api_key_env")
        if env is not None:
            self._api_key = os.environ.get(env)
            if not self._api_key:
                raise ValueError(f"{type(self).__name__} unpickled here needs the API key in "
                                 f"the environment variable {env}, which is not set")

    def _key_env_hint(self) -> str:
        return "its environment variable"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(model={self.model!r})"


def replay_key(prompt, system=None, tag=None) -> str:
    """The key a :class:`~pymoo_arnas.llm.ReplayClient` finds an answer by."""
    return _key(system, prompt, tag)


__all__ = ["Failure", "LLMCallCapReached", "LLMClient", "LLMError", "LLMFatalError",
           "LLMResponse", "LLMUnreachable", "ReplayMismatch", "Usage", "classify",
           "redact_url", "replay_key"]
