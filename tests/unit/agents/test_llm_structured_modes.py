"""BMAD_LLM_STRUCTURED: the wire request each mode sends, and that each mode's answer parses.

The fake answers like the server types docs/llm.md lists: a tool call when tools were
offered (vLLM, Ollama, llama.cpp with --jinja), JSON content for `response_format`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from agents.crew.runner import run_task
from integrations.llm_call import structured_mode
from integrations.settings import Settings
from tests.fakes.openai_server import FakeOpenAI, structured_reply

PLAN = {
    "scope": "coupon codes",
    "test_cases": [
        {"title": "expired coupon", "steps": ["apply EXPIRED10"], "expected": "refused"}
    ],
    "risks": [],
}


@pytest.fixture
def llm() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


def _settings(llm: FakeOpenAI, mode: str) -> Settings:
    return Settings(
        _env_file=None,
        openai_base_url=llm.base_url,
        openai_api_key=SecretStr("sk-test"),
        llm_structured=mode,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("mode", "wire"),
    [
        ("json_schema", "json_schema"),
        ("tools", "tools"),
        ("json", "json_object"),
        ("auto", "tools"),
    ],
)
def test_each_mode_sends_its_wire_format_and_parses_the_answer(
    llm: FakeOpenAI, mode: str, wire: str
) -> None:
    llm.push(structured_reply("TestPlan", PLAN))
    result = run_task(
        _settings(llm, mode), "test_engineer", "create_test_plan",
        inputs={"feature": "coupon codes"}, upstream=[], lang="en", timeout=5,
    )  # fmt: skip
    assert result.mode == "llm" and "expired coupon" in result.text
    request = llm.requests[0]
    if wire == "tools":
        assert request["tools"][0]["function"]["name"] == "TestPlan"
        assert "response_format" not in request
    else:
        assert request["response_format"]["type"] == wire and "tools" not in request
    if wire == "json_object":  # JSON mode carries the schema in the prompt
        assert '"test_cases"' in request["messages"][0]["content"]


def test_auto_picks_json_schema_for_openai_and_azure_and_tools_elsewhere() -> None:
    def mode(url: str | None) -> str:
        return structured_mode(Settings(_env_file=None, openai_base_url=url))

    assert mode(None) == "json_schema"
    assert mode("https://myorg.openai.azure.com/openai/v1") == "json_schema"
    assert mode("http://localhost:11434/v1") == "tools"  # Ollama
    assert mode("http://vllm:8000/v1") == "tools"
