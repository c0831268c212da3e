"""LLM tokens of a real step (fake OpenAI at the edge) land in the plan's usage, once."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr
from sqlalchemy import select

from agents.workflows.service import WorkflowService
from integrations.billing.usage import usage_summary
from integrations.db.migrate import upgrade
from integrations.db.models import UsageEntry
from integrations.db.session import tenant_session
from integrations.settings import Settings
from tests.conftest import make_tenant
from tests.fakes.openai_server import FakeOpenAI, structured_reply

STORY = {
    "title": "Export to PDF",
    "as_a": "report reader",
    "i_want": "to export a report as PDF",
    "so_that": "I can share it offline",
    "acceptance_criteria": [{"given": "a report", "when": "I export", "then": "I get a PDF"}],
    "open_questions": [],
}


def test_step_tokens_are_metered_against_the_plan(tmp_path: Path, tenant_id: str) -> None:
    with FakeOpenAI() as llm:
        settings = Settings(
            database_url=f"sqlite:///{tmp_path / 'm.db'}",
            redis_url=None,
            queue="eager",
            data_dir=str(tmp_path / "data"),
            openai_base_url=llm.base_url,
            openai_api_key=SecretStr("sk-test"),
            _env_file=None,
        )
        upgrade(settings.database_url)
        make_tenant(settings.database_url, tenant_id, "team")
        llm.push(structured_reply("UserStory", STORY, prompt_tokens=900, completion_tokens=100))
        service = WorkflowService(settings)
        run = service.start(
            tenant_id=tenant_id,
            workflow="single_task",
            inputs={"agent": "product_owner", "task": "write_user_story", "feature": "pdf"},
            conversation_key=f"{tenant_id}:api:meter",
            user_id="u1",
        )
        service.wait_settled(tenant_id, [run.id], timeout=60)
    summary = usage_summary(settings, tenant_id)
    assert summary.runs.used == 1
    assert summary.llm_tokens.used == 1000
    with tenant_session(settings.database_url, tenant_id) as session:
        refs = [e.ref for e in session.scalars(select(UsageEntry)) if e.metric == "llm_tokens"]
    assert len(refs) == 1 and refs[0].startswith("step-")
