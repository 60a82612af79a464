"""LLM backends for the LLM operators: OpenAI(-compatible), Gemini, and tape replay.

Every backend subclasses the abstract :class:`LLMClient` and implements only the provider
call; ``complete(prompt, system=, schema=, tag=)`` returns an :class:`LLMResponse` and
``usage`` counts calls, tokens, failures and seconds. Retries with exponential backoff,
jitter and ``Retry-After``, timeouts, a call cap, JSONL recording (``record=``), an on-disk
cache (``cache=``) and the stop on an unreachable model live once in the base class. A
client whose SDK (``openai``, ``google-genai``, ``google-generativeai``) is not installed
fails at construction, saying ``pip install "pymoo-arnas[llm]"``.

Examples
--------
>>> from pymoo_arnas.llm import OpenAIClient
>>> llm = OpenAIClient(model="gpt-4o-mini", api_key="sk-not-shown")
>>> llm, llm.usage.calls
(OpenAIClient(model='gpt-4o-mini', structured='json_schema'), 0)
>>> "sk-not-shown" in repr(llm)
False
"""

from pymoo_arnas.llm.base import (
    LLMCallCapReached,
    LLMClient,
    LLMError,
    LLMFatalError,
    LLMResponse,
    LLMUnreachable,
    ReplayMismatch,
    Usage,
)
from pymoo_arnas.llm.gemini_client import GeminiClient
from pymoo_arnas.llm.openai_client import OpenAIClient
from pymoo_arnas.llm.prompts import PromptTemplate
from pymoo_arnas.llm.replay import ReplayClient, TapeError

__all__ = [
    "GeminiClient",
    "LLMCallCapReached",
    "LLMClient",
    "LLMError",
    "LLMFatalError",
    "LLMResponse",
    "LLMUnreachable",
    "OpenAIClient",
    "PromptTemplate",
    "ReplayClient",
    "ReplayMismatch",
    "TapeError",
    "Usage",
]
