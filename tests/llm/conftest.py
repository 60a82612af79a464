"""Fixtures for the LLM tests: a scripted fake OpenAI/Gemini server on 127.0.0.1."""

import pytest
from llm_fakeserver import FakeLLMServer  # importable through pytest's `pythonpath` (pyproject.toml)


@pytest.fixture
def fake_llm():
    server = FakeLLMServer()
    yield server
    server.close()
