"""Quota only for runs with a result, on PostgreSQL + Redis: an LLM that answers 500 still
gives a (fallback) result that is charged; a run whose only step fails is given back."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import SecretStr
from sqlalchemy import func, select

from agents.workflows import store
from agents.workflows.service import WorkflowService
from integrations.billing import counters
from integrations.billing.period import current_period
from integrations.db.models import DeployHook, UsageEntry
from integrations.db.session import tenant_session
from integrations.settings import Settings
from tests.conftest import make_tenant
from tests.fakes.openai_server import FakeOpenAI, error_reply

pytestmark = pytest.mark.integration


def _charged(settings: Settings, tenant_id: str) -> tuple[int, int]:
    with tenant_session(settings.database_url, tenant_id) as session:
        ledger = session.scalar(
            select(func.count()).select_from(UsageEntry).where(UsageEntry.metric == "runs")
        )
    return int(ledger or 0), counters.current(settings, tenant_id, "runs", current_period())


def test_fallback_results_are_charged_and_runs_without_result_are_not(
    service_settings: Settings, tenant_id: str, tmp_path: Path
) -> None:
    make_tenant(service_settings.database_url, tenant_id)
    with FakeOpenAI() as llm:
        llm.responder = lambda _request: error_reply(500)
        settings = service_settings.model_copy(
            update={
                "openai_base_url": llm.base_url,
                "openai_api_key": SecretStr("sk-test"),
                "llm_retry_budget_seconds": 2.0,
            }
        )
        service = WorkflowService(settings)
        review = service.start(
            tenant_id=tenant_id,
            workflow="single_task",
            inputs={
                "agent": "developer",
                "task": "review_code",
                "target": "lookup",
                "request_text": "```python\nq = 'SELECT * FROM t WHERE id = ' + uid\n```",
            },
            conversation_key=f"{tenant_id}:api:q1",
            user_id="u1",
        )
        service.wait_settled(tenant_id, [review.id], timeout=60)
    done = service.get(tenant_id, review.id)
    assert done.status == "succeeded" and "language model was unavailable" in done.steps[0].output
    assert _charged(settings, tenant_id) == (1, 1)

    # A deploy-only run whose hook is unreachable: nothing came out of it. Tenant templates
    # live in the database (issue 17); the hook is local, so the SSRF guard (issue 14) must
    # allow private addresses for the hook to be tried (and found unreachable).
    settings = settings.model_copy(update={"webhook_allow_private": True})
    service = WorkflowService(settings)
    template = store.validate(
        yaml.safe_load(
            "name: deploy\ninputs: [service, environment]\nsteps:\n  - name: deploy\n"
            "    kind: deploy\n    retry: {max_attempts: 2, backoff_seconds: 0.05}\n"
        )
    )
    with tenant_session(settings.database_url, tenant_id) as session:
        store.save(session, tenant_id, template, actor="test", source="test")
        session.add(DeployHook(tenant_id=tenant_id, url="http://127.0.0.1:9/deploy"))
    failed = service.start(
        tenant_id=tenant_id,
        workflow="deploy",
        inputs={"service": "checkout", "environment": "staging"},
        conversation_key=f"{tenant_id}:api:q2",
        user_id="u1",
    )
    service.wait_settled(tenant_id, [failed.id], timeout=60)
    run = service.get(tenant_id, failed.id)
    assert run.status == "failed" and run.error == "deploy hook could not be reached"
    assert _charged(settings, tenant_id) == (1, 1)  # the failed run was given back
