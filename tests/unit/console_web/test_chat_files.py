"""A text file attached in the console chat is part of the request (as in a Slack DM): the
run that starts reviews the file; other files get a clear refusal and start nothing."""

from __future__ import annotations

import re
import uuid

import pytest
from fastapi.testclient import TestClient

from agents.workflows.service import WorkflowService
from bot.app import create_app
from integrations.db.models import Role
from integrations.settings import Settings
from tests.conftest import make_tenant
from tests.unit.console_web.support import give_role, sign_in

CODE = 'def lookup(uid):\n    return db.execute("SELECT * FROM users WHERE id = " + uid)\n'


@pytest.fixture
def tenant(embedded_settings: Settings) -> str:
    # Its own tenant: notices live in the process-wide embedded Redis.
    tenant = make_tenant(
        embedded_settings.database_url, f"webf{uuid.uuid4().hex[:8]}", "self_hosted"
    )
    give_role(embedded_settings, tenant, "mia", Role.member)
    return tenant


def _client(settings: Settings, tenant: str) -> tuple[TestClient, str]:
    client = TestClient(create_app(settings))
    return client, sign_in(client, settings, tenant, "mia")


def test_an_attached_code_file_is_what_gets_reviewed(
    embedded_settings: Settings, tenant: str
) -> None:
    client, csrf = _client(embedded_settings, tenant)
    sent = client.post(
        "/console/chat",
        data={"csrf": csrf, "text": "please review this code"},
        files={"file": ("lookup.py", CODE.encode(), "text/x-python")},
    )
    assert sent.status_code == 200, sent.text
    links = re.findall(r'class="run-link" href="/console/runs/(run_\w+)"', sent.text)
    assert len(links) == 1, sent.text
    service = WorkflowService(embedded_settings)
    run = service.get(tenant, service.resolve(tenant, links[0]))
    assert "lookup.py:\n```\ndef lookup(uid):" in run.inputs["request_text"]
    assert '"SELECT * FROM users WHERE id = " + uid' in run.inputs["request_text"]


@pytest.mark.parametrize(
    ("name", "content", "mime"),
    [
        ("diagram.png", b"\x89PNG\r\n\x1a\n\x00\x00", "image/png"),
        ("notes.txt", b"\xff\xfe not utf-8 \xff", "text/plain"),
        ("big.log", b"x" * 100_001, "text/plain"),
    ],
)
def test_other_files_are_refused_and_start_nothing(
    embedded_settings: Settings, tenant: str, name: str, content: bytes, mime: str
) -> None:
    client, csrf = _client(embedded_settings, tenant)
    refused = client.post(
        "/console/chat",
        data={"csrf": csrf, "text": "please review this"},
        files={"file": (name, content, mime)},
    )
    assert refused.status_code == 422 and name in refused.text and "100 KB" in refused.text
    too_large = "larger than 100 KB" in refused.text
    assert too_large == (name == "big.log")  # says why: size, or not text
    assert WorkflowService(embedded_settings).list_runs(tenant) == []


def test_an_empty_message_is_refused(embedded_settings: Settings, tenant: str) -> None:
    client, csrf = _client(embedded_settings, tenant)
    empty = client.post("/console/chat", data={"csrf": csrf, "text": "  "})
    assert empty.status_code == 422 and "Write a message" in empty.text
