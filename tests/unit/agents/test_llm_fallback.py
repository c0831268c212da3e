"""LLM failures never reach the user: retries, one repair, then the labelled offline result.

The real langchain-openai/openai clients talk to the local fake server (tests/fakes), which
answers 500, 429 (with Retry-After), garbage content or a body that is not JSON at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from agents.crew.runner import run_task
from agents.notify import read_notices
from agents.workflows.service import WorkflowService
from integrations.billing import counters
from integrations.billing.period import current_period
from integrations.db.migrate import upgrade
from integrations.settings import Settings
from tests.conftest import make_tenant
from tests.fakes.openai_server import (
    FakeOpenAI,
    FakeReply,
    error_reply,
    structured_reply,
    text_reply,
)

CODE = """Please review:
```python
def find(cur, user_id):
    cur.execute("SELECT * FROM users WHERE id = " + user_id)
    return eval(user_id)
```"""
REVIEW = {"summary": "two injection risks", "findings": [], "open_questions": []}
# What must never be shown: vendor error text, status lines, exception class names.
LEAKS = re.compile(
    r"scripted error|Error code|InternalServerError|RateLimitError|ValidationError|"
    r"Traceback|rate_limit_exceeded|server_error|AttributeError|JSONDecodeError|\b(429|500)\b"
)


@pytest.fixture
def llm() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def settings(tmp_path: Path, llm: FakeOpenAI) -> Settings:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'fb.db'}",
        redis_url=None,
        queue="eager",
        data_dir=str(tmp_path / "data"),
        openai_base_url=llm.base_url,
        openai_api_key=SecretStr("sk-test"),
        llm_retry_budget_seconds=3.0,
        _env_file=None,
    )
    upgrade(settings.database_url)
    return settings


def _review(settings: Settings, lang: str = "en"):  # type: ignore[no-untyped-def]
    return run_task(
        settings,
        "developer",
        "review_code",
        inputs={"target": "this code", "request_text": CODE},
        upstream=[],
        lang=lang,
        timeout=5,
    )


def _assert_fallback(result, words: str) -> None:  # type: ignore[no-untyped-def]
    assert result.mode == "offline" and result.fallback
    assert words in result.text
    assert not LEAKS.search(result.text), result.text
    # the offline analysis is the result: both findings named
    assert "B608" in result.text and "B307" in result.text


def test_500_every_time_is_retried_then_falls_back_with_findings(
    llm: FakeOpenAI, settings: Settings
) -> None:
    llm.responder = lambda _request: error_reply(500)
    result = _review(settings)
    _assert_fallback(result, "The language model was unavailable (the service did not answer")
    assert llm.calls == settings.llm_max_attempts == 3  # not 6: no client-side retries on top


def test_429_retry_after_is_respected_and_a_later_success_is_used(
    llm: FakeOpenAI, settings: Settings
) -> None:
    llm.push(
        error_reply(429, headers={"Retry-After": "0"}),
        error_reply(429, headers={"retry-after-ms": "10"}),
        structured_reply("CodeReview", REVIEW),
    )
    result = _review(settings)
    assert result.mode == "llm" and "two injection risks" in result.text
    assert llm.calls == 3


def test_429_with_a_retry_after_beyond_the_budget_falls_back_at_once(
    llm: FakeOpenAI, settings: Settings
) -> None:
    llm.responder = lambda _request: error_reply(429, headers={"Retry-After": "120"})
    result = _review(settings, lang="nl")
    _assert_fallback(result, "Het taalmodel was niet beschikbaar (het krijgt op dit moment")
    assert llm.calls == 1  # waiting 120 s would pass the 3 s budget: no sleep, no retry


def test_garbage_content_gets_one_repair_then_falls_back(
    llm: FakeOpenAI, settings: Settings
) -> None:
    llm.responder = lambda _request: text_reply("Sure! Here is my review: looks fine :)")
    result = _review(settings)
    _assert_fallback(result, "its answer could not be read, even after one correction")
    assert llm.calls == 2
    repair = llm.requests[1]["messages"]
    assert "looks fine" in str(repair) and "not valid JSON" in repair[-1]["content"]


def test_a_successful_repair_is_used(llm: FakeOpenAI, settings: Settings) -> None:
    llm.push(text_reply("not json"), structured_reply("CodeReview", REVIEW))
    result = _review(settings)
    assert result.mode == "llm" and llm.calls == 2


def test_a_body_that_is_not_json_falls_back(llm: FakeOpenAI, settings: Settings) -> None:
    llm.responder = lambda _request: FakeReply(raw_body="<html>502 Bad Gateway</html>")
    result = _review(settings)
    assert result.mode == "offline" and result.fallback
    assert not LEAKS.search(result.text)


@pytest.mark.parametrize(
    "reply",
    [error_reply(500), error_reply(429, headers={"Retry-After": "60"}), text_reply("garbage")],
    ids=["500", "429", "garbage"],
)
def test_runs_end_with_a_fallback_result_that_counts_against_quota(
    llm: FakeOpenAI, settings: Settings, tenant_id: str, reply: FakeReply
) -> None:
    llm.responder = lambda _request: reply
    make_tenant(settings.database_url, tenant_id)
    service = WorkflowService(settings)
    run = service.start(
        tenant_id=tenant_id,
        workflow="single_task",
        inputs={
            "agent": "security_developer",
            "task": "security_review",
            "target": "deploy script",
            "request_text": "```python\nimport subprocess\nsubprocess.run(cmd, shell=True)\n```",
        },
        conversation_key=f"{tenant_id}:api:fb",
        user_id="u1",
    )
    service.wait_settled(tenant_id, [run.id], timeout=60)
    view = service.get(tenant_id, run.id)
    assert view.status == "succeeded"
    output = view.steps[0].output or ""
    assert "Command injection" in output and "offline analysis" in output
    assert not LEAKS.search(output) and not view.error
    assert counters.current(settings, tenant_id, "runs", current_period()) == 1
    # what reaches Slack / email / the API notices stream: the same words, no internals
    notices = [n for _, n in read_notices(settings, tenant_id, f"{tenant_id}:api:fb")]
    assert notices and not any(LEAKS.search(n.text) for n in notices)
    assert any("Command injection" in n.text for n in notices)


def test_a_model_slower_than_the_step_allows_falls_back_as_a_timeout(
    llm: FakeOpenAI, settings: Settings
) -> None:
    llm.responder = lambda _request: structured_reply("CodeReview", REVIEW, delay=4.0)
    result = run_task(
        settings, "developer", "review_code",
        inputs={"target": "this code", "request_text": CODE}, upstream=[], lang="en", timeout=2,
    )  # fmt: skip
    _assert_fallback(result, "(it did not answer in time)")
    assert llm.calls == 1  # 1.6 s of the step's 2 s: no time left for a second try


def test_the_model_sees_the_tool_findings_with_the_code(
    llm: FakeOpenAI, settings: Settings
) -> None:
    llm.push(structured_reply("CodeReview", REVIEW))
    result = _review(settings, lang="nl")
    assert result.mode == "llm"
    user = next(m for m in llm.requests[0]["messages"] if m["role"] == "user")["content"]
    assert "Bevindingen van de statische analyse" in user
    assert "snippet_1:2 [medium] bandit B608" in user and "snippet_1:3 [medium] bandit B307" in user
