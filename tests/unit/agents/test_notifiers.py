"""Notifier registry: channel notifiers get each notice once; the stream keeps a record."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from agents.notify import (
    Notice,
    channel_kind,
    deliver,
    read_notices,
    register_notifier,
    unregister_notifier,
)
from agents.workflows.service import WorkflowService
from integrations.settings import Settings


class Collecting:
    def __init__(self) -> None:
        self.notices: list[Notice] = []

    def notify(self, notice: Notice) -> None:
        self.notices.append(notice)


@pytest.fixture
def webhook_channel() -> Iterator[Collecting]:
    notifier = Collecting()
    register_notifier("webhook", notifier)
    yield notifier
    unregister_notifier("webhook")


def test_channel_kind_is_the_middle_of_the_key() -> None:
    assert channel_kind("T1:slack:C1:1700000000.1") == "slack"
    assert channel_kind("acme:dm:U1") == "dm"


def test_dedupe_key_makes_delivery_idempotent(
    embedded_settings: Settings, tenant_id: str, webhook_channel: Collecting
) -> None:
    notice = Notice(
        tenant_id=tenant_id,
        conversation_key=f"{tenant_id}:webhook:hook1",
        run_id=1,
        kind="info",
        text="hello",
        dedupe_key="run:1:step:x:result",
    )
    assert deliver(embedded_settings, notice) is True
    assert deliver(embedded_settings, notice) is False
    assert len(webhook_channel.notices) == 1
    stored = read_notices(embedded_settings, tenant_id, f"{tenant_id}:webhook:hook1")
    assert [n.text for _, n in stored] == ["hello"]
    last_id = stored[-1][0]
    assert read_notices(embedded_settings, tenant_id, f"{tenant_id}:webhook:hook1", last_id) == []


def test_a_run_reaches_the_registered_channel(
    service: WorkflowService, tenant: str, webhook_channel: Collecting
) -> None:
    run = service.start(
        tenant_id=tenant,
        workflow="incident_response",
        inputs={"service": "payments", "description": "checkout returns 502"},
        conversation_key=f"{tenant}:webhook:alert-7",
        user_id="alertmanager",
    )
    service.wait_settled(tenant, [run.id], timeout=30)
    assert service.get(tenant, run.id).status == "succeeded"
    steps = [n.step for n in webhook_channel.notices if n.kind != "run_finished"]
    assert steps == ["triage", "analysis", "notify"]
    assert all(n.conversation_key == f"{tenant}:webhook:alert-7" for n in webhook_channel.notices)
    assert "checkout returns 502" in webhook_channel.notices[0].text
