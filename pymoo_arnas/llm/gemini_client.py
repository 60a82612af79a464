"""Gemini backend: ``google-genai`` (the maintained SDK), else ``google-generativeai``."""

from __future__ import annotations

import logging
import threading

from pymoo_arnas.llm.base import LLM_EXTRA, LLMClient, redact_url, require_module

log = logging.getLogger(__name__)

SDKS = ("auto", "google-genai", "google-generativeai")
_LEGACY_LOCK = threading.Lock()  # google-generativeai configures one global client


def _has(module: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def _gemini_schema(schema):
    """Gemini's OpenAPI subset: integer enums are not allowed, so keep only the shape."""
    if not isinstance(schema, dict):
        return schema
    out = {}
    for k, v in schema.items():
        if k == "enum":
            out["type"] = "integer" if all(isinstance(e, int) for e in v) else "string"
        elif k in ("properties",):
            out[k] = {name: _gemini_schema(s) for name, s in v.items()}
        elif k == "items":
            out[k] = _gemini_schema(v)
        elif k in ("type", "required", "minItems", "maxItems", "description"):
            out[k] = v
    return out


class GeminiClient(LLMClient):
    """Google Gemini through ``google-genai`` (preferred) or ``google-generativeai``.

    Parameters
    ----------
    model : str
        E.g. ``"gemini-2.0-flash"`` (the seed paper used Gemini).
    api_key : str, optional
        Default ``GEMINI_API_KEY``, then ``GOOGLE_API_KEY``. Never logged, recorded or shown.
    base_url : str, optional
        Endpoint override for proxies and tests, e.g. ``"http://127.0.0.1:8081"`` (give the
        scheme; requests go to ``/v1beta/models/MODEL:generateContent``).
    sdk : str
        ``"auto"`` (google-genai when installed, else google-generativeai), ``"google-genai"``
        or ``"google-generativeai"`` (end of support; prints a notice on import).
    structured : bool
        Ask for a JSON answer (``response_mime_type="application/json"``, plus the shape as a
        response schema with google-genai).
    **kwargs
        See :class:`~pymoo_arnas.llm.base.LLMClient`.

    Examples
    --------
    >>> from pymoo_arnas.llm import GeminiClient
    >>> GeminiClient(model="gemini-2.0-flash", api_key="secret", sdk="google-genai")
    GeminiClient(model='gemini-2.0-flash', sdk='google-genai')
    """

    backend = "gemini"

    def __init__(self, model: str = "gemini-2.0-flash", api_key: str | None = None,
                 base_url: str | None = None, sdk: str = "auto", structured: bool = True,
                 **kwargs) -> None:
        if sdk not in SDKS:
            raise ValueError(f"sdk={sdk!r} is not known; expected one of {SDKS}")
        if sdk == "auto":
            if _has("google.genai"):
                sdk = "google-genai"
            elif _has("google.generativeai"):
                sdk = "google-generativeai"
            else:
                raise ImportError(f"GeminiClient needs google-genai (or google-generativeai), "
                                  f"which is not installed: {LLM_EXTRA}")
        require_module("google.genai" if sdk == "google-genai" else "google.generativeai",
                       f"GeminiClient(sdk={sdk!r})")
        super().__init__(model, **kwargs)
        self.sdk = sdk
        self.base_url = base_url
        self._init_key(api_key, ("GEMINI_API_KEY", "GOOGLE_API_KEY"), needed=base_url is None,
                       dummy="no-key-needed",
                       hint="no Gemini API key: pass api_key= or set GEMINI_API_KEY "
                            "(or GOOGLE_API_KEY)")
        self.structured = bool(structured)
        self._sdk = None

    def _key_env_hint(self) -> str:
        return "GEMINI_API_KEY or GOOGLE_API_KEY"

    def params(self) -> dict:
        return {**super().params(), "structured": self.structured}

    # ------------------------------------------------------------------ google-genai

    def _genai_client(self):
        if self._sdk is None:
            from google import genai

            http = {"timeout": int(self.timeout * 1000), "api_version": "v1beta"}
            if self.base_url:
                http["base_url"] = self.base_url
            self._sdk = genai.Client(api_key=self._api_key, http_options=http)
        return self._sdk

    def _call_genai(self, prompt, system, schema):
        from google.genai import types

        cfg = {"temperature": self.temperature, "max_output_tokens": self.max_tokens}
        if self.seed is not None:
            cfg["seed"] = self.seed
        if system:
            cfg["system_instruction"] = system
        if self.structured:
            cfg["response_mime_type"] = "application/json"
            if schema is not None:
                cfg["response_schema"] = _gemini_schema(schema)
        resp = self._genai_client().models.generate_content(
            model=self.model, contents=prompt, config=types.GenerateContentConfig(**cfg))
        try:
            text = resp.text or ""
        except (ValueError, AttributeError):
            text = ""
        um = resp.usage_metadata
        return (text, getattr(um, "prompt_token_count", 0) or 0,
                getattr(um, "candidates_token_count", 0) or 0)

    # ------------------------------------------------------------------ google-generativeai

    def _call_legacy(self, prompt, system, schema):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import google.generativeai as genai

        cfg = {"temperature": self.temperature, "max_output_tokens": self.max_tokens}
        if self.structured:
            cfg["response_mime_type"] = "application/json"
        with _LEGACY_LOCK:
            opts = {"api_endpoint": self.base_url} if self.base_url else None
            genai.configure(api_key=self._api_key, transport="rest", client_options=opts)
            model = genai.GenerativeModel(self.model, system_instruction=system or None,
                                          generation_config=cfg)
            resp = model.generate_content(prompt, request_options={"timeout": self.timeout,
                                                                   "retry": None})
        try:
            text = resp.text
        except (ValueError, AttributeError, IndexError):
            text = ""
        um = getattr(resp, "usage_metadata", None)
        return (text or "", getattr(um, "prompt_token_count", 0) or 0,
                getattr(um, "candidates_token_count", 0) or 0)

    def _call(self, prompt, system, schema):
        if self.sdk == "google-genai":
            return self._call_genai(prompt, system, schema)
        return self._call_legacy(prompt, system, schema)

    def __repr__(self) -> str:
        base = "" if self.base_url is None else f", base_url={redact_url(self.base_url)!r}"
        return f"GeminiClient(model={self.model!r}{base}, sdk={self.sdk!r})"
