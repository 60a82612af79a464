"""Replaying a recorded JSONL tape offline."""

from __future__ import annotations

import json
import logging
from collections import defaultdict, deque
from pathlib import Path

from pymoo_arnas.llm.base import LLMClient, LLMError, LLMResponse, replay_key

log = logging.getLogger(__name__)


class ReplayClient(LLMClient):
    """Answers from a tape written by a backend's ``record=`` option; no network.

    Each request is matched by its system message, prompt and tag; identical requests get
    the recorded answers in recorded order. A request the tape recorded as failed fails
    again (so the operators fall back exactly as in the recorded run), and so does one the
    tape does not hold (logged; counted in ``usage.failures`` and :attr:`misses`). Same
    seed, same tape: same result.

    Parameters
    ----------
    path : path
        The JSONL tape.
    model : str, optional
        Default: the model named on the tape.

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
    >>> ReplayClient(tape).complete("hi").text
    '[[1,1,1,1,1,1]]'
    """

    backend = "replay"

    def __init__(self, path, model: str | None = None) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise FileNotFoundError(f"no LLM tape at {str(self.path)!r}")
        entries = []
        with self.path.open(encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    entries.append(json.loads(line))
                except ValueError as exc:
                    raise ValueError(f"{self.path}:{lineno} is not a JSON line: {exc}") from None
        super().__init__(model or (entries[0].get("model") if entries else None) or "replay")
        self._queues: dict[str, deque] = defaultdict(deque)
        for e in entries:
            k = e.get("replay_key") or replay_key(e.get("prompt"), e.get("system"), e.get("tag"))
            self._queues[k].append(e)
        self.n_entries = len(entries)
        self.misses = 0

    def complete(self, prompt, *, system=None, schema=None, tag=None) -> LLMResponse:
        with self._lock:
            q = self._queues.get(replay_key(prompt, system, tag))
            entry = q.popleft() if q else None
            if entry is None:
                self.misses += 1
                self.usage.failures += 1
            elif entry.get("error") is not None or entry.get("response") is None:
                self.usage.failures += 1
            else:
                u = entry.get("usage") or {}
                self.usage.calls += 1
                self.usage.prompt_tokens += int(u.get("prompt_tokens") or 0)
                self.usage.completion_tokens += int(u.get("completion_tokens") or 0)
        if entry is None:
            log.warning("tape %s holds no answer for request %s", self.path.name, tag)
            raise LLMError(f"tape {self.path.name} holds no (more) answers for request {tag!r}")
        if entry.get("error") is not None or entry.get("response") is None:
            raise LLMError(f"recorded failure: {entry.get('error')}")
        u = entry.get("usage") or {}
        return LLMResponse(entry["response"], int(u.get("prompt_tokens") or 0),
                           int(u.get("completion_tokens") or 0), entry.get("model", self.model),
                           0.0, cached=True)

    @property
    def remaining(self) -> int:
        """Recorded answers not yet replayed."""
        return sum(len(q) for q in self._queues.values())

    def __repr__(self) -> str:
        return f"ReplayClient({str(self.path)!r}, entries={self.n_entries})"
