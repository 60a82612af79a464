"""Fixtures for the LLM tests: a scripted fake OpenAI/Gemini server on 127.0.0.1."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from llm_fakeserver import FakeLLMServer  # noqa: E402


@pytest.fixture
def fake_llm():
    server = FakeLLMServer()
    yield server
    server.close()
