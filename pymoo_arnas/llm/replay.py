"""Replaying a recorded JSONL tape offline: a backend whose provider is the tape.

:func:`read_tape` validates every line on read (a damaged or hand-edited tape gives a
:class:`TapeError` naming the file, the line and the field, never a TypeError half-way
through a run); :class:`ReplayClient` is an :class:`~pymoo_arnas.llm.base.LLMClient` like
the others, so counting, recording and failures work as for a live model.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict, deque
from pathlib import Path

from pymoo_arnas.llm.base import LLMClient, LLMError, ReplayMismatch, replay_key

log = logging.getLogger(__name__)

MAX_TAPE_LINE = 10_000_000
"""Longest tape line read (characters); a longer line is refused as damaged."""


class TapeError(ValueError):
    """A tape line that is not a valid recorded exchange (the message names file and line)."""


_TEXT_FIELDS = ("prompt", "system", "tag", "error", "replay_key")


def _check_entry(e, where: str) -> dict:
    if not isinstance(e, dict):
        raise TapeError(f"{where}: expected a JSON object per line; got a JSON "
                        f"{type(e).__name__}")
    for name in _TEXT_FIELDS:
        v = e.get(name)
        if v is not None and not isinstance(v, str):
            raise TapeError(f"{where}: {name!r} must be a string or null; got "
                            f"{type(v).__name__} {str(v)[:40]!r}")
    resp = e.get("response")
    if resp is not None and not isinstance(resp, str):
        raise TapeError(f"{where}: 'response' must be a string (the model's answer) or null "
                        f"(a failed call); got {type(resp).__name__} {str(resp)[:40]!r}")
    if resp is None and e.get("error") is None:
        raise TapeError(f"{where}: an entry needs a 'response' string or an 'error'")
    model = e.get("model")
    if model is not None and not isinstance(model, str):
        raise TapeError(f"{where}: 'model' must be a string; got {type(model).__name__}")
    usage = e.get("usage")
    if usage is not None:
        if not isinstance(usage, dict):
            raise TapeError(f"{where}: 'usage' must be an object; got {type(usage).__name__}")
        for k in ("prompt_tokens", "completion_tokens"):
            v = usage.get(k)
            if v is not None and (not isinstance(v, int) or isinstance(v, bool) or v < 0):
                raise TapeError(f"{where}: usage {k!r} must be a non-negative integer; got "
                                f"{str(v)[:40]!r}")
    if e.get("replay_key") is None and e.get("prompt") is None:
        raise TapeError(f"{where}: an entry needs a 'replay_key' or a 'prompt'")
    return e


def read_tape(path) -> list[dict]:
    """The entries of a JSONL tape, each checked.

    Parameters
    ----------
    path : path
        A tape written by a client's ``record=`` option.

    Returns
    -------
    list of dict
        One per non-empty line: ``response`` a string (or ``None`` with an ``error``),
        ``usage`` token counts non-negative integers.

    Raises
    ------
    FileNotFoundError
        If there is no file.
    TapeError
        ``"<file>:<line>: <what is wrong>"`` for the first line that is not valid UTF-8,
        not JSON, not an object, longer than :data:`MAX_TAPE_LINE` characters, or has a
        field of the wrong type.

    Examples
    --------
    >>> import os, tempfile
    >>> from pymoo_arnas.llm.replay import read_tape
    >>> tape = os.path.join(tempfile.mkdtemp(), "t.jsonl")
    >>> _ = open(tape, "w").write('{"prompt": "hi", "response": {}}\\n')
    >>> read_tape(tape)
    Traceback (most recent call last):
    ...
    pymoo_arnas.llm.replay.TapeError: .../t.jsonl:1: 'response' must be a string ... got dict '{}'
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no LLM tape at {str(path)!r}")
    entries = []
    with path.open("rb") as f:
        for lineno, raw in enumerate(f, 1):
            where = f"{path}:{lineno}"
            if len(raw) > 4 * MAX_TAPE_LINE:
                raise TapeError(f"{where}: line longer than {MAX_TAPE_LINE} characters")
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise TapeError(f"{where}: not UTF-8 text ({exc.reason} at byte "
                                f"{exc.start})") from None
            if len(line) > MAX_TAPE_LINE:
                raise TapeError(f"{where}: line longer than {MAX_TAPE_LINE} characters")
            if not line.strip():
                continue
            try:
                e = json.loads(line)
            except (ValueError, RecursionError) as exc:
                raise TapeError(f"{where}: not a JSON line ({str(exc)[:100]})") from None
            entries.append(_check_entry(e, where))
    return entries


class ReplayClient(LLMClient):
    """Answers from a tape written by a backend's ``record=`` option; no network.

    Each request is matched by its system message, prompt and tag; identical requests get
    the recorded answers in recorded order. A request the tape recorded as failed fails
    again (so the operators fall back exactly as in the recorded run). Same seed, same
    tape: same result.

    Parameters
    ----------
    path : path
        The JSONL tape (validated on read, see :func:`read_tape`).
    model : str, optional
        Default: the model named on the tape.
    strict : bool
        ``True`` (default): a request the tape holds no (more) answer for raises
        :class:`~pymoo_arnas.llm.base.ReplayMismatch`, which stops the run (the replay is
        no longer the recorded run: other prompts, settings or code). ``False``: it is
        logged, counted in :attr:`misses` and fails like an unanswered call (the operators
        fall back).

    Attributes
    ----------
    misses : int
        Requests the tape had no answer for.

    Examples
    --------
    >>> import json, tempfile, os
    >>> from pymoo_arnas.llm import ReplayClient
    >>> from pymoo_arnas.llm.base import replay_key
    >>> tape = os.path.join(tempfile.mkdtemp(), "t.jsonl")
    >>> with open(tape, "w") as f:
    ...     _ = f.write(json.dumps({"model": "m", "replay_key": replay_key("hi"),
    ...                             "response": "[[1,1,1,1,1,1]]", "usage": {}}) + "\\n")
    >>> llm = ReplayClient(tape)
    >>> llm.complete("hi").text
    '[[1,1,1,1,1,1]]'
    >>> llm.complete("something else")
    Traceback (most recent call last):
    ...
    pymoo_arnas.llm.base.ReplayMismatch: request None is not on tape t.jsonl ... differs ...
    """

    backend = "replay"

    def __init__(self, path, model: str | None = None, strict: bool = True) -> None:
        self.path = Path(path)
        entries = read_tape(self.path)
        super().__init__(model or (entries[0].get("model") if entries else None) or "replay",
                         max_retries=0, on_unreachable="fallback")
        self.strict = bool(strict)
        self._queues: dict[str, deque] = defaultdict(deque)
        for e in entries:
            k = e.get("replay_key") or replay_key(e.get("prompt"), e.get("system"), e.get("tag"))
            self._queues[k].append(e)
        self.n_entries = len(entries)
        self.misses = 0

    def _call(self, prompt, system, schema, tag=None):
        with self._lock:
            q = self._queues.get(replay_key(prompt, system, tag))
            entry = q.popleft() if q else None
            if entry is None:
                self.misses += 1
        if entry is None:
            msg = (f"request {tag!r} is not on tape {self.path.name} (no recorded answer left "
                   f"for this prompt)")
            if self.strict:
                raise ReplayMismatch(
                    f"{msg}: the replay differs from the recorded run (other prompts, settings "
                    f"or code); pass strict=False to fall back on such requests instead")
            log.warning("%s; the operators fall back", msg)
            raise LLMError(f"tape {self.path.name} holds no (more) answers for request {tag!r}")
        if entry.get("response") is None:
            raise LLMError(f"recorded failure: {entry.get('error')}")
        u = entry.get("usage") or {}
        return entry["response"], u.get("prompt_tokens") or 0, u.get("completion_tokens") or 0

    @property
    def remaining(self) -> int:
        """Recorded answers not yet replayed."""
        return sum(len(q) for q in self._queues.values())

    def __repr__(self) -> str:
        return f"ReplayClient({str(self.path)!r}, entries={self.n_entries}, strict={self.strict})"


__all__ = ["MAX_TAPE_LINE", "ReplayClient", "TapeError", "read_tape"]
