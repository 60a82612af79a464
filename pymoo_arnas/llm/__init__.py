"""LLM backends for the LLM operators: OpenAI(-compatible), Gemini, and tape replay.

All backends share one small interface (:class:`LLMClient`): ``complete(prompt, system=,
schema=, tag=)`` returns an :class:`LLMResponse`; ``usage`` counts calls, tokens, failures
and seconds. Retries with exponential backoff and jitter, timeouts, a call cap, JSONL
recording (``record=``) and an on-disk cache (``cache=``) are common to all. The optional
SDKs (``openai``, ``google-genai``, ``google-generativeai``) are imported only when a
request is made.

Examples
--------
>>> from pymoo_arnas.llm import OpenAIClient
>>> llm = OpenAIClient(model="gpt-4o-mini", api_key="sk-not-shown")
>>> llm, llm.usage.calls
(OpenAIClient(model='gpt-4o-mini', structured='json_schema'), 0)
>>> "sk-not-shown" in repr(llm)
False
"""

from pymoo_arnas.llm.base import LLMCallCapReached, LLMClient, LLMError, LLMResponse, Usage
from pymoo_arnas.llm.gemini_client import GeminiClient
from pymoo_arnas.llm.openai_client import OpenAIClient
from pymoo_arnas.llm.prompts import PromptTemplate
from pymoo_arnas.llm.replay import ReplayClient

__all__ = [
    "GeminiClient",
    "LLMCallCapReached",
    "LLMClient",
    "LLMError",
    "LLMResponse",
    "OpenAIClient",
    "PromptTemplate",
    "ReplayClient",
    "Usage",
]
