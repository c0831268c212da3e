"""integrations.llm: one ChatOpenAI factory and token accounting, against the fake server."""

from __future__ import annotations

import openai
import pytest
from langchain_core.messages import AIMessage
from pydantic import BaseModel, SecretStr

from integrations.llm import PLACEHOLDER_API_KEY, LLMNotConfigured, chat_model, tokens_from
from integrations.settings import Settings
from tests.fakes.openai_server import FakeOpenAI, error_reply, structured_reply, text_reply


class Answer(BaseModel):
    answer: str


def test_not_configured_is_an_error() -> None:
    with pytest.raises(LLMNotConfigured):
        chat_model(Settings(_env_file=None, openai_api_key=None, openai_base_url=None))


def test_base_url_only_sends_a_placeholder_key(fake_openai: FakeOpenAI) -> None:
    model = chat_model(Settings(_env_file=None, openai_base_url=fake_openai.base_url))
    fake_openai.push(text_reply("hi", prompt_tokens=7, completion_tokens=3))
    message = model.invoke("hello")
    assert message.content == "hi"
    assert tokens_from(message) == 10
    assert fake_openai.headers[0]["authorization"] == f"Bearer {PLACEHOLDER_API_KEY}"
    assert fake_openai.requests[0]["model"] == "gpt-4o-mini"


def test_key_model_and_timeout_come_from_settings(fake_openai: FakeOpenAI) -> None:
    settings = Settings(
        _env_file=None,
        openai_base_url=fake_openai.base_url,
        openai_api_key=SecretStr("sk-test-123"),
        llm_model="llama3.1",
        llm_timeout_seconds=0.3,
    )
    model = chat_model(settings)
    fake_openai.push(text_reply("ok"))
    model.invoke("x")
    assert fake_openai.headers[0]["authorization"] == "Bearer sk-test-123"
    assert fake_openai.requests[0]["model"] == "llama3.1"
    fake_openai.push(text_reply("late", delay=1.5))
    with pytest.raises(openai.APITimeoutError):
        model.invoke("x")


def test_structured_output_in_every_method(fake_openai: FakeOpenAI) -> None:
    model = chat_model(Settings(_env_file=None, openai_base_url=fake_openai.base_url))
    for method in ("function_calling", "json_schema", "json_mode"):
        fake_openai.push(structured_reply("Answer", {"answer": method}))
        out = model.with_structured_output(Answer, method=method, include_raw=True).invoke("q")
        assert out["parsed"] == Answer(answer=method)
        assert tokens_from(out) > 0


def test_server_errors_reach_the_caller(fake_openai: FakeOpenAI) -> None:
    model = chat_model(Settings(_env_file=None, openai_base_url=fake_openai.base_url))
    fake_openai.push(error_reply(429, "slow down"))
    with pytest.raises(openai.RateLimitError):
        model.invoke("x")


def test_unscripted_requests_fail_loudly(fake_openai: FakeOpenAI) -> None:
    model = chat_model(Settings(_env_file=None, openai_base_url=fake_openai.base_url))
    with pytest.raises(openai.InternalServerError):
        model.invoke("nobody scripted this")


def test_streaming(fake_openai: FakeOpenAI) -> None:
    model = chat_model(Settings(_env_file=None, openai_base_url=fake_openai.base_url))
    fake_openai.push(text_reply("streamed answer"))
    assert "".join(str(chunk.content) for chunk in model.stream("x")) == "streamed answer"


def test_tokens_from_shapes() -> None:
    assert tokens_from(None) == 0
    assert tokens_from({"prompt_tokens": 3, "completion_tokens": 4}) == 7
    assert tokens_from({"usage": {"total_tokens": 9}}) == 9
    message = AIMessage(
        content="x", usage_metadata={"input_tokens": 5, "output_tokens": 6, "total_tokens": 11}
    )
    assert tokens_from(message) == 11
    assert tokens_from({"raw": message, "parsed": None}) == 11
    legacy = AIMessage(content="x", response_metadata={"token_usage": {"total_tokens": 4}})
    assert tokens_from(legacy) == 4
