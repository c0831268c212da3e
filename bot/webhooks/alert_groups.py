"""One Alertmanager alert group (its `groupKey`) = one incident run and one Slack thread.

- first firing notification: post in the tenant's alert channel, start `incident_response`
  with that thread as the run's conversation, remember group -> (run, thread);
- repeated firing notifications: post an update in the same thread, no new run;
- resolved: post the resolution in the thread and finish the run;
- firing again after a resolution: a new incident (new run, new thread).

A Redis lock per group serialises concurrent notifications of one group across replicas;
the database transactions stay short (SQLite must not be write-locked while the workflow
engine writes its run).
"""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from agents.workflows.errors import InvalidTransition, WorkflowError
from agents.workflows.service import WorkflowService
from agents.workflows.states import RUN_ACTIVE
from bot.webhooks.alertmanager_payload import AlertmanagerPayload
from bot.webhooks.config import SourceConfig
from bot.webhooks.slack_post import SlackUnavailable, post_to_slack, thread_conversation_key
from bot.webhooks.starts import start_run, workflow_for
from conversations.message import conversation_key
from conversations.replies import render
from integrations.db.models import AlertGroupRun
from integrations.db.session import tenant_session
from integrations.observability.logging import bound_context, get_logger
from integrations.redis_store import get_redis, key
from integrations.settings import Settings

log = get_logger(__name__)
SYSTEM_USER = "alertmanager"
INCIDENT_INTENT = "triage_incident"
LOCK_SECONDS = 120


@dataclass(frozen=True)
class AlertOutcome:
    status: str  # started | refused | updated | resolved | ignored
    run_id: int | None = None
    thread_ts: str | None = None


@dataclass
class _Group:
    status: str
    run_id: int | None
    channel: str | None
    thread_ts: str | None
    notifications: int


def group_hash(group_key: str) -> str:
    return hashlib.sha256(group_key.encode()).hexdigest()


def handle(settings: Settings, config: SourceConfig, payload: AlertmanagerPayload) -> AlertOutcome:
    digest = group_hash(payload.groupKey)
    lock = get_redis(settings.redis_url).lock(
        key(config.tenant_id, "alertgroup", digest),
        timeout=LOCK_SECONDS,
        blocking_timeout=LOCK_SECONDS,
        sleep=0.05,
    )
    with lock:
        group = _load(settings, config.tenant_id, digest)
        if payload.status == "firing":
            if group is None or group.status == "resolved":
                return _start(settings, config, payload, digest)
            return _update(settings, config, payload, digest, group)
        if group is None or group.status == "resolved":
            return AlertOutcome("ignored")
        return _resolve(settings, config, payload, digest, group)


def _facts(payload: AlertmanagerPayload, **more: Any) -> dict[str, Any]:
    return {**payload.facts(), **more}


def _post(settings: Settings, config: SourceConfig, text: str, thread_ts: str | None) -> str | None:
    if not config.channel:
        return None
    try:
        return post_to_slack(settings, config.tenant_id, config.channel, text, thread_ts)
    except SlackUnavailable:
        log.warning("alert_not_posted", reason="slack_not_installed")
        return None


def _start(
    settings: Settings, config: SourceConfig, payload: AlertmanagerPayload, digest: str
) -> AlertOutcome:
    facts = payload.facts()
    ts = _post(settings, config, render("webhooks/alert_firing", "en", **facts), None)
    if ts and config.channel:
        conv = thread_conversation_key(config.tenant_id, config.channel, ts)
    else:
        conv = conversation_key(config.tenant_id, "webhook", f"alert-{digest[:24]}")
    slots = {"service": str(facts["service"] or facts["alertname"] or "unknown")}
    workflow, inputs = workflow_for(INCIDENT_INTENT, slots)
    inputs.update(
        alertname=str(facts["alertname"]),
        severity=str(facts["severity"]),
        summary=str(facts["summary"]),
    )
    inputs.update(payload.triage_inputs())
    with bound_context(conversation_id=conv, tenant_id=config.tenant_id):
        try:
            run = start_run(
                settings,
                tenant_id=config.tenant_id,
                workflow=workflow,
                inputs=inputs,
                conversation_key=conv,
                user_id=SYSTEM_USER,
            )
        except WorkflowError as err:
            # Refused (plan quota, broken tenant template): say why in the thread and keep
            # the group, so repeats update this thread instead of posting a new one.
            log.warning("alert_group_run_refused", code=err.code)
            _post(settings, config, err.message_in("en"), ts)
            _save(
                settings, config.tenant_id, digest, payload.groupKey, "firing", None, ts, config, 1
            )
            return AlertOutcome("refused", None, ts)
        log.info("alert_group_run_started", run_id=run.id)
    _save(settings, config.tenant_id, digest, payload.groupKey, "firing", run.id, ts, config, 1)
    return AlertOutcome("started", int(run.id), ts)


def _update(
    settings: Settings,
    config: SourceConfig,
    payload: AlertmanagerPayload,
    digest: str,
    group: _Group,
) -> AlertOutcome:
    count = group.notifications + 1
    text = render("webhooks/alert_repeat", "en", **_facts(payload, run_id=group.run_id))
    _post(settings, config, text, group.thread_ts)
    _save(
        settings, config.tenant_id, digest, payload.groupKey, "firing", group.run_id,
        group.thread_ts, config, count,
    )  # fmt: skip
    return AlertOutcome("updated", group.run_id, group.thread_ts)


def _resolve(
    settings: Settings,
    config: SourceConfig,
    payload: AlertmanagerPayload,
    digest: str,
    group: _Group,
) -> AlertOutcome:
    text = render("webhooks/alert_resolved", "en", **_facts(payload, run_id=group.run_id))
    _post(settings, config, text, group.thread_ts)
    if group.run_id is not None:
        _finish_run(settings, config.tenant_id, group.run_id)
    _save(
        settings, config.tenant_id, digest, payload.groupKey, "resolved", group.run_id,
        group.thread_ts, config, group.notifications + 1,
    )  # fmt: skip
    return AlertOutcome("resolved", group.run_id, group.thread_ts)


def _finish_run(settings: Settings, tenant_id: str, run_id: int) -> None:
    """The incident is over: a run still working on it is ended (completed as resolved)."""
    service = WorkflowService(settings)
    if service.get(tenant_id, run_id).status in RUN_ACTIVE:
        with contextlib.suppress(InvalidTransition):  # it finished on its own meanwhile
            service.cancel(tenant_id, run_id, SYSTEM_USER)


def _load(settings: Settings, tenant_id: str, digest: str) -> _Group | None:
    with tenant_session(settings.database_url, tenant_id) as session:
        row = session.scalars(
            select(AlertGroupRun).where(AlertGroupRun.group_key_hash == digest)
        ).one_or_none()
        if row is None:
            return None
        return _Group(row.status, row.run_id, row.channel, row.thread_ts, row.notifications)


def _save(
    settings: Settings,
    tenant_id: str,
    digest: str,
    group_key: str,
    status: str,
    run_id: int | None,
    thread_ts: str | None,
    config: SourceConfig,
    notifications: int,
) -> None:
    with tenant_session(settings.database_url, tenant_id) as session:
        row = session.scalars(
            select(AlertGroupRun).where(AlertGroupRun.group_key_hash == digest)
        ).one_or_none()
        if row is None:
            row = AlertGroupRun(tenant_id=tenant_id, group_key_hash=digest, group_key=group_key)
            session.add(row)
        row.status = status
        row.run_id = run_id
        row.thread_ts = thread_ts
        row.channel = config.channel
        row.notifications = notifications
        row.updated_at = datetime.now(UTC)
