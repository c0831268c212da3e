"""LLM mode against the local fake OpenAI server (the real langchain-openai client runs).

The fake answers with structured output built from the request it received, so the test
can check what the agent sent (user text only as user content) and what it recorded
(tokens and cost per step).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from agents.notify import read_notices
from agents.workflows.service import WorkflowService
from integrations.db.migrate import upgrade
from integrations.db.models import WorkflowStep
from integrations.db.session import tenant_session
from integrations.settings import Settings
from tests.conftest import make_tenant
from tests.fakes.openai_server import FakeOpenAI, error_reply, structured_reply

FEATURE = "two-factor login with TOTP apps"

STORY = {
    "title": "Two-factor login",
    "as_a": "account holder",
    "i_want": "to confirm my login with a TOTP code",
    "so_that": "a stolen password alone cannot open my account",
    "acceptance_criteria": [
        {"given": "2FA is on", "when": "I log in with a valid code", "then": "I am in"},
        {"given": "2FA is on", "when": "the code is wrong", "then": "login is refused"},
    ],
    "open_questions": ["Recovery codes?"],
}


@pytest.fixture
def llm() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def llm_settings(tmp_path: Path, llm: FakeOpenAI) -> Settings:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'llm.db'}",
        redis_url=None,
        queue="eager",
        data_dir=str(tmp_path / "data"),
        openai_base_url=llm.base_url,
        openai_api_key=SecretStr("sk-test"),
        llm_model="gpt-4o-mini",
        _env_file=None,
    )
    upgrade(settings.database_url)
    return settings


def _run_story(settings: Settings, tenant_id: str) -> tuple[WorkflowService, int]:
    make_tenant(settings.database_url, tenant_id)
    service = WorkflowService(settings)
    run = service.start(
        tenant_id=tenant_id,
        workflow="single_task",
        inputs={"agent": "product_owner", "task": "write_user_story", "feature": FEATURE},
        conversation_key=f"{tenant_id}:api:llm",
        user_id="u1",
    )
    service.wait_settled(tenant_id, [run.id], timeout=60)
    return service, run.id


def test_structured_answer_is_rendered_and_tokens_and_cost_recorded(
    llm: FakeOpenAI, llm_settings: Settings, tenant_id: str
) -> None:
    llm.push(structured_reply("UserStory", STORY, prompt_tokens=1200, completion_tokens=300))
    service, run_id = _run_story(llm_settings, tenant_id)
    run = service.get(tenant_id, run_id)
    assert run.status == "succeeded"
    output = run.steps[0].output or ""
    assert "Offline" not in output
    assert "a stolen password alone cannot open my account" in output
    assert "Given: 2FA is on | When: the code is wrong | Then: login is refused" in output

    with tenant_session(llm_settings.database_url, tenant_id) as session:
        step = session.scalars(select(WorkflowStep).where(WorkflowStep.run_id == run_id)).one()
    assert step.mode == "llm" and step.tokens == 1500
    # gpt-4o-mini: 0.15 $/M input, 0.60 $/M output
    assert step.cost_usd == pytest.approx((1200 * 0.15 + 300 * 0.60) / 1_000_000)
    notice = read_notices(llm_settings, tenant_id, f"{tenant_id}:api:llm")[0][1]
    assert notice.tokens == 1500 and notice.extra["mode"] == "llm"

    request = llm.requests[0]
    system = [m for m in request["messages"] if m["role"] == "system"]
    user = [m for m in request["messages"] if m["role"] == "user"]
    assert FEATURE not in str(system) and FEATURE in str(user)
    assert "ProductOwner" in str(system)


def test_model_errors_are_retried_as_a_new_attempt(
    llm: FakeOpenAI, llm_settings: Settings, tenant_id: str
) -> None:
    # 5xx is retried with backoff inside the one step attempt (BMAD_LLM_MAX_ATTEMPTS=3)
    llm.push(error_reply(500), error_reply(500), structured_reply("UserStory", STORY))
    service, run_id = _run_story(llm_settings, tenant_id)
    run = service.get(tenant_id, run_id)
    assert run.status == "succeeded"
    with tenant_session(llm_settings.database_url, tenant_id) as session:
        step = session.scalars(select(WorkflowStep).where(WorkflowStep.run_id == run_id)).one()
    assert step.attempt == 1 and step.mode == "llm" and llm.calls == 3


ANSWERS = {
    "UserStory": STORY,
    "ArchitectureProposal": {
        "summary": "TOTP verifier service behind the login endpoint",
        "components": ["auth-api", "totp-verifier"],
        "decisions": ["RFC 6238 TOTP, 30 s window"],
        "risks": ["clock drift"],
    },
    "TestPlan": {
        "scope": "login with TOTP",
        "test_cases": [{"title": "wrong code", "steps": ["enter 000000"], "expected": "refused"}],
    },
    "QualityReview": {
        "summary": "story, design and tests agree",
        "checks": ["criteria covered"],
        "gaps": ["recovery codes"],
        "recommendation": "go",
    },
    "RunSummary": {"summary": "ready to build", "outcomes": ["story", "design"], "next_steps": []},
}


def _schema_name(request: dict) -> str:
    if request.get("tools"):
        return request["tools"][0]["function"]["name"]
    return request["response_format"]["json_schema"]["name"]


def test_feature_delivery_in_llm_mode_passes_results_downstream(
    llm: FakeOpenAI, llm_settings: Settings, tenant_id: str
) -> None:
    from integrations.db.models import Role
    from integrations.db.tenants import set_role

    llm.responder = lambda request: structured_reply(
        _schema_name(request), ANSWERS[_schema_name(request)]
    )
    make_tenant(llm_settings.database_url, tenant_id)
    with tenant_session(llm_settings.database_url, tenant_id) as session:
        set_role(session, tenant_id, "lead", Role.admin)
    service = WorkflowService(llm_settings)
    run = service.start(
        tenant_id=tenant_id,
        workflow="feature_delivery",
        inputs={"feature": FEATURE},
        conversation_key=f"{tenant_id}:api:fd",
        user_id="lead",
    )
    service.wait_settled(tenant_id, [run.id], timeout=60)
    service.approve(tenant_id, run.id, "lead")
    service.wait_settled(tenant_id, [run.id], timeout=60)
    assert service.get(tenant_id, run.id).status == "succeeded"

    by_schema = {_schema_name(r): r for r in llm.requests}
    assert set(by_schema) == set(ANSWERS)
    design_input = str(
        [m for m in by_schema["ArchitectureProposal"]["messages"] if m["role"] == "user"]
    )
    assert "a stolen password alone cannot open my account" in design_input  # the story
    review_input = str(by_schema["QualityReview"]["messages"])
    assert "TOTP verifier service" in review_input and "wrong code" in review_input
    assert "Approved by lead" in str(by_schema["RunSummary"]["messages"])
