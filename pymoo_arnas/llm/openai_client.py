"""OpenAI chat-completions backend, for OpenAI and any OpenAI-compatible server."""

from __future__ import annotations

import logging

from pymoo_arnas.llm.base import LLMClient, redact_url, require_module

log = logging.getLogger(__name__)

STRUCTURED_MODES = ("auto", "json_schema", "json_object_schema", "json_object", "none")


class OpenAIClient(LLMClient):
    """Chat completions through the ``openai`` package.

    Parameters
    ----------
    model : str
        E.g. ``"gpt-4o-mini"``; for a llama.cpp server any name (it serves one model).
    base_url : str, optional
        An OpenAI-compatible endpoint including its ``/v1`` (vLLM, llama.cpp server, Ollama,
        OpenRouter, or :func:`pymoo_arnas.llm.local.start_local_server`). Default: OpenAI.
    api_key : str, optional
        Default ``OPENAI_API_KEY``; a server at ``base_url`` that needs none gets a dummy.
        Never logged, recorded or shown.
    structured : str
        How the answer's JSON shape is asked for:

        - ``"json_schema"``: OpenAI structured outputs (``response_format`` type ``json_schema``);
        - ``"json_object_schema"``: llama.cpp's ``{"type": "json_object", "schema": ...}``
          (grammar-constrained decoding; enforces ``enum`` but not ``minimum``/``maximum``);
        - ``"json_object"``: JSON mode without a schema;
        - ``"none"``: plain text (the parser copes with prose);
        - ``"auto"`` (default): ``json_schema`` for OpenAI, ``json_object_schema`` for
          other servers. Whenever a server rejects a format (HTTP 400/422) the client steps
          down to the next one (``json_schema`` -> ``json_object_schema`` -> ``json_object``
          -> ``none``) and keeps it for later calls.
    frequency_penalty : float, optional
        OpenAI's ``frequency_penalty`` (-2..2; llama.cpp and vLLM take it too): lowers the
        odds of tokens by how often they already appeared. A small base model under
        constrained decoding tends to repeat one cell over and over in an answer; a penalty
        of about 0.5 breaks such loops. Default: not sent.
    **kwargs
        See :class:`~pymoo_arnas.llm.base.LLMClient` (temperature, max_tokens, timeout,
        max_retries, backoff, max_calls, record, cache, seed).

    Examples
    --------
    >>> from pymoo_arnas.llm import OpenAIClient
    >>> OpenAIClient(model="gemma", base_url="http://127.0.0.1:8080/v1", api_key="sk-secret")
    OpenAIClient(model='gemma', base_url='http://127.0.0.1:8080/v1', structured='json_object_schema')
    """

    backend = "openai"

    def __init__(self, model: str = "gpt-4o-mini", base_url: str | None = None,
                 api_key: str | None = None, structured: str = "auto",
                 frequency_penalty: float | None = None, **kwargs) -> None:
        require_module("openai", "OpenAIClient")
        super().__init__(model, **kwargs)
        if structured not in STRUCTURED_MODES:
            raise ValueError(
                f"structured={structured!r} is not a known mode; expected one of {STRUCTURED_MODES}"
            )
        if frequency_penalty is not None and not -2.0 <= float(frequency_penalty) <= 2.0:
            raise ValueError(f"frequency_penalty must be in [-2, 2] or None; got "
                             f"{frequency_penalty!r}")
        self.frequency_penalty = None if frequency_penalty is None else float(frequency_penalty)
        self.base_url = base_url
        self._init_key(api_key, ("OPENAI_API_KEY",), needed=base_url is None,
                       dummy="sk-no-key-needed",
                       hint="no OpenAI API key: pass api_key= or set OPENAI_API_KEY (or give "
                            "base_url= of an OpenAI-compatible server that needs none)")
        if structured == "auto":
            official = base_url is None or "api.openai.com" in base_url
            structured = "json_schema" if official else "json_object_schema"
        self.structured = structured
        self._sdk = None

    def _key_env_hint(self) -> str:
        return "OPENAI_API_KEY"

    def params(self) -> dict:
        # not the base_url: a local server restarted on another port is the same model
        extra = ({} if self.frequency_penalty is None
                 else {"frequency_penalty": self.frequency_penalty})
        return {**super().params(), "structured": self.structured, **extra}

    def _client(self):
        if self._sdk is None:
            import openai

            # retries are ours (with jitter, Retry-After and counting), so the SDK's are off
            self._sdk = openai.OpenAI(api_key=self._api_key, base_url=self.base_url,
                                      timeout=self.timeout, max_retries=0)
        return self._sdk

    def _format_kwargs(self, mode, schema):
        if schema is None or mode == "none":
            return {}
        if mode == "json_schema":
            if schema.get("type") != "object":  # OpenAI wants an object at the top
                schema = {"type": "object", "properties": {"cells": schema},
                          "required": ["cells"], "additionalProperties": False}
            return {"response_format": {"type": "json_schema", "json_schema": {
                "name": "proposal", "schema": schema, "strict": False}}}
        if mode == "json_object_schema":
            return {"extra_body": {"response_format": {"type": "json_object", "schema": schema}}}
        return {"response_format": {"type": "json_object"}}

    def _call(self, prompt, system, schema):
        import openai

        messages = ([{"role": "system", "content": system}] if system else []) + [
            {"role": "user", "content": prompt}]
        kwargs = {"model": self.model, "messages": messages, "temperature": self.temperature,
                  "max_tokens": self.max_tokens}
        if self.seed is not None:
            kwargs["seed"] = self.seed
        if self.frequency_penalty is not None:
            kwargs["frequency_penalty"] = self.frequency_penalty
        while True:
            mode = self.structured
            try:
                resp = self._client().chat.completions.create(
                    **kwargs, **self._format_kwargs(mode, schema))
                break
            except (openai.BadRequestError, openai.UnprocessableEntityError) as exc:
                if schema is None or mode == "none":
                    raise
                order = STRUCTURED_MODES[1:]
                self.structured = order[order.index(mode) + 1]
                log.warning("server at %s rejected the answer format %r (HTTP %s); using %r "
                            "from now on", self.base_url or "OpenAI", mode,
                            getattr(exc, "status_code", "?"), self.structured)
        text = resp.choices[0].message.content if resp.choices else ""
        usage = getattr(resp, "usage", None)
        p_tok = getattr(usage, "prompt_tokens", 0) if usage is not None else 0
        c_tok = getattr(usage, "completion_tokens", 0) if usage is not None else 0
        return text or "", p_tok or 0, c_tok or 0

    def __repr__(self) -> str:
        base = "" if self.base_url is None else f", base_url={redact_url(self.base_url)!r}"
        return f"OpenAIClient(model={self.model!r}{base}, structured={self.structured!r})"
