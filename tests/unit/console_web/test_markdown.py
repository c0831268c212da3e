"""Agent outputs and replies are rendered as Markdown, and stay inert: raw HTML is text,
script links are not links, code blocks keep their lines."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from agents.workflows.service import WorkflowService
from bot.app import create_app
from bot.console_web.rendering import markdown
from integrations.db.models import Role, WorkflowStep
from integrations.db.session import tenant_session
from integrations.settings import Settings
from tests.conftest import make_tenant
from tests.unit.console_web.support import give_role, sign_in

TENANT = "webm"
HOSTILE = """## Findings
**SQL injection** in `lookup`:

```python
q = "SELECT * FROM t WHERE id = " + uid
```

<script>alert(1)</script> <img src=x onerror=alert(2)>
[log in again](javascript:alert(3)) and [the docs](https://example.com/docs)
"""


def test_markdown_renders_structure_and_keeps_html_inert() -> None:
    html = str(markdown(HOSTILE))
    assert "<h2>Findings</h2>" in html and "<strong>SQL injection</strong>" in html
    assert '<pre><code class="language-python">q = &quot;SELECT' in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<img" not in html and "onerror=alert(2)&gt;" in html
    assert 'href="javascript' not in html
    assert '<a href="https://example.com/docs">the docs</a>' in html


@pytest.fixture
def settings(embedded_settings: Settings) -> Settings:
    make_tenant(embedded_settings.database_url, TENANT, plan="self_hosted")
    give_role(embedded_settings, TENANT, "ann", Role.admin)
    return embedded_settings


def test_a_run_page_shows_a_hostile_output_as_inert_markdown(settings: Settings) -> None:
    service = WorkflowService(settings)
    run = service.start(
        tenant_id=TENANT,
        workflow="single_task",
        inputs={"agent": "developer", "task": "review_code", "target": "lookup"},
        conversation_key=f"{TENANT}:web:ann",
        user_id="ann",
    )
    service.wait_settled(TENANT, [run.id], timeout=30)
    with tenant_session(settings.database_url, TENANT) as session:
        step = session.scalars(select(WorkflowStep).where(WorkflowStep.run_id == run.id)).one()
        step.output = HOSTILE  # as if a model had written it
    client = TestClient(create_app(settings))
    sign_in(client, settings, TENANT, "ann")
    page = client.get(f"/console/runs/{run.public_id}")
    assert page.status_code == 200
    assert "<strong>SQL injection</strong>" in page.text and "<script>alert" not in page.text
    assert 'href="javascript' not in page.text
