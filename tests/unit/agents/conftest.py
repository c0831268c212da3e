"""Fixtures for the agents/workflows unit tests: embedded SQLite + in-process Redis.

The workflow steps run in the embedded thread pool (BMAD_QUEUE=eager), exactly as in the
default install; nothing of ours is mocked.
"""

from __future__ import annotations

import pytest
import yaml

from agents.workflows import store
from agents.workflows.service import WorkflowService
from integrations.db.models import Role
from integrations.db.session import tenant_session
from integrations.db.tenants import set_role
from integrations.settings import Settings
from tests.conftest import make_tenant
from tests.fakes.deploy_hook import set_deploy_hook


@pytest.fixture
def tenant(embedded_settings: Settings, tenant_id: str) -> str:
    make_tenant(embedded_settings.database_url, tenant_id)
    with tenant_session(embedded_settings.database_url, tenant_id) as session:
        set_role(session, tenant_id, "alice-admin", Role.admin)
        set_role(session, tenant_id, "bob-member", Role.member)
        set_role(session, tenant_id, "olga-owner", Role.owner)
    return tenant_id


@pytest.fixture
def service(embedded_settings: Settings) -> WorkflowService:
    return WorkflowService(embedded_settings)


def place_template(settings: Settings, tenant_id: str, name: str, body: str) -> int:
    """A test-only tenant workflow template, stored as `bmad workflows import` does (the
    tenant is created when missing). Returns the stored version."""
    make_tenant(settings.database_url, tenant_id)
    template = store.validate(yaml.safe_load(body))
    assert template.name == name
    with tenant_session(settings.database_url, tenant_id) as session:
        return store.save(session, tenant_id, template, actor="test", source="test")


SLOW_TEMPLATE = """
name: test_slow
description: Test only - a deploy the tenant's hook takes its time over, then a test plan.
inputs: [feature]
steps:
  - name: slow
    kind: deploy
    timeout_seconds: {timeout}
    retry: {{max_attempts: 3, backoff_seconds: 0}}
  - name: after
    kind: agent
    agent: test_engineer
    task: create_test_plan
    needs: [slow]
"""


def place_slow_template(settings: Settings, tenant_id: str, hook_url: str, timeout: int) -> None:
    """`test_slow`, whose first step holds its worker as long as the tenant's deploy hook
    (a `tests/fakes/deploy_hook.py` server with a `delay`) takes to answer. The settings
    that perform it need `webhook_allow_private` (the hook listens on 127.0.0.1)."""
    place_template(settings, tenant_id, "test_slow", SLOW_TEMPLATE.format(timeout=timeout))
    set_deploy_hook(settings, tenant_id, hook_url)


def place_broken_template(settings: Settings, tenant_id: str, name: str, body: object) -> None:
    """A stored template that no longer validates (e.g. saved before a stricter schema):
    written straight into the table, as the API would refuse it."""
    from integrations.db.models import WorkflowTemplateRow

    make_tenant(settings.database_url, tenant_id)
    with tenant_session(settings.database_url, tenant_id) as session:
        session.add(WorkflowTemplateRow(tenant_id=tenant_id, name=name, version=1, body=body))
