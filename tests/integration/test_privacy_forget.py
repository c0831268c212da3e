"""Forget me / export on the real PostgreSQL and Redis: nothing personal is left behind."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect, select, text

from bot.api.keys import create_api_key
from bot.app import create_app
from conversations.state import ConversationState
from conversations.store import StateStore
from integrations.db.events import record_audit
from integrations.db.models import AuditEntry, Role, WorkflowRun, WorkflowStep
from integrations.db.session import engine_for, tenant_session
from integrations.db.tenants import ensure_user
from integrations.email.outbox import queue_email
from integrations.privacy.pseudonym import pseudonym
from integrations.privacy.retention import purge_expired
from integrations.redis_store import get_redis
from tests.conftest import make_tenant

pytestmark = pytest.mark.integration

USER = "UFORGETME1"
EMAIL = "forget.me@example.com"
NAME = "Fiona Forgetme"
SECRET_TEXT = "our secret launch codename BLUEFALCON"


def _seed(settings, tenant_id: str) -> str:  # type: ignore[no-untyped-def]
    store = StateStore(get_redis(settings.redis_url), settings.conversation_ttl)
    for conv in (f"{tenant_id}:dm:{USER}", f"{tenant_id}:C1:1700000000.000100"):
        state = ConversationState(tenant_id=tenant_id, conversation_key=conv, user_ids=[USER])
        state.remember("user", f"write a story about {SECRET_TEXT}", "write_user_story")
        store.save(state)
    with tenant_session(settings.database_url, tenant_id) as session:
        ensure_user(session, tenant_id, USER, display_name=NAME, email=EMAIL, role=Role.member)
        ensure_user(session, tenant_id, "UADMIN", email="admin@example.com", role=Role.admin)
        _, key = create_api_key(session, tenant_id, name="admin", user_id="UADMIN")
        run = WorkflowRun(
            tenant_id=tenant_id,
            workflow="write_user_story",
            status="succeeded",
            conversation_key=f"{tenant_id}:dm:{USER}",
            user_id=USER,
            inputs={"feature": SECRET_TEXT},
        )
        session.add(run)
        session.flush()
        session.add(
            WorkflowStep(
                tenant_id=tenant_id,
                run_id=run.id,
                name="story",
                kind="agent",
                output=f"As {NAME} I want {SECRET_TEXT}",
                decided_by=USER,
            )
        )
        record_audit(session, tenant_id, actor=USER, action="command.run", target="story")
        record_audit(
            session,
            tenant_id,
            actor="UADMIN",
            action="role.change",
            target=USER,
            details={"user": USER, "to": "member"},
        )
        queue_email(
            session,
            tenant_id,
            to=EMAIL,
            template="weekly_digest",
            context={
                "tenant_name": "T",
                "week_start": "a",
                "week_end": "b",
                "runs": 1,
                "approvals": 0,
                "tokens": 0,
                "period": "p",
                "plan": "free",
                "runs_used": 1,
                "runs_limit": 20,
                "tokens_used": 0,
                "tokens_limit": 10,
            },
        )
    return key


def _db_dump(settings, tenant_id: str) -> str:  # type: ignore[no-untyped-def]
    """Every row of every table that has a tenant_id, as text."""
    engine = engine_for(settings.database_url)
    rows = []
    with engine.connect() as conn:
        for table in inspect(engine).get_table_names():
            columns = [c["name"] for c in inspect(engine).get_columns(table)]
            if "tenant_id" not in columns:
                continue
            result = conn.execute(
                text(f'SELECT * FROM "{table}" WHERE tenant_id = :t'), {"t": tenant_id}
            )
            rows += [json.dumps(dict(r._mapping), default=str) for r in result]
    return "\n".join(rows)


def _redis_dump(settings, tenant_id: str) -> str:  # type: ignore[no-untyped-def]
    client = get_redis(settings.redis_url)
    parts = []
    for name in client.scan_iter(match=f"bmad:{tenant_id}:*"):
        kind = client.type(name)
        value = (
            client.get(name)
            if kind == "string"
            else str(sorted(client.smembers(name)))
            if kind == "set"
            else ""
        )
        parts.append(f"{name} {value}")
    return "\n".join(parts)


def test_forget_me_leaves_nothing_personal(service_settings, tenant_id):  # type: ignore[no-untyped-def]
    make_tenant(service_settings.database_url, tenant_id)
    key = _seed(service_settings, tenant_id)
    assert USER in _redis_dump(service_settings, tenant_id)
    assert EMAIL in _db_dump(service_settings, tenant_id)

    client = TestClient(create_app(service_settings))
    response = client.delete(f"/api/v1/users/{USER}", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["conversations_deleted"] == 2 and body["runs_scrubbed"] == 1

    redis_left = _redis_dump(service_settings, tenant_id)
    db_left = _db_dump(service_settings, tenant_id)
    for personal in (USER, EMAIL, NAME, SECRET_TEXT):
        assert personal not in redis_left
        assert personal not in db_left

    alias = pseudonym(service_settings, tenant_id, USER)
    with tenant_session(service_settings.database_url, tenant_id) as session:
        actions = {(a.action, a.actor, a.target) for a in session.scalars(select(AuditEntry))}
        run = session.scalars(select(WorkflowRun)).one()
    assert ("command.run", alias, "story") in actions  # the trail is kept, pseudonymised
    assert ("privacy.forget", "UADMIN", alias) in actions
    assert run.user_id == alias and run.status == "succeeded"


def test_export_is_for_admins_and_audited(service_settings, tenant_id):  # type: ignore[no-untyped-def]
    make_tenant(service_settings.database_url, tenant_id)
    key = _seed(service_settings, tenant_id)
    with tenant_session(service_settings.database_url, tenant_id) as session:
        _, member_key = create_api_key(session, tenant_id, name="member", user_id=USER)
    client = TestClient(create_app(service_settings))

    refused = client.get(
        f"/api/v1/users/{USER}/export", headers={"Authorization": f"Bearer {member_key}"}
    )
    assert refused.status_code == 403
    assert refused.json()["error"]["required_role"] == "admin"
    assert "admin" in refused.json()["error"]["message"]

    exported = client.get(
        f"/api/v1/users/{USER}/export", headers={"Authorization": f"Bearer {key}"}
    ).json()
    assert exported["profile"]["email"] == EMAIL
    assert exported["runs"][0]["inputs"] == {"feature": SECRET_TEXT}
    assert exported["approvals"][0]["step"] == "story"
    audit = client.get(
        "/api/v1/audit", params={"action": "privacy."}, headers={"Authorization": f"Bearer {key}"}
    ).json()
    assert [(e["action"], e["actor"], e["target"]) for e in audit["entries"]] == [
        ("privacy.export", "UADMIN", USER)
    ]


def test_retention_purges_old_runs_only(service_settings, tenant_id):  # type: ignore[no-untyped-def]
    make_tenant(service_settings.database_url, tenant_id, "free")  # 30 days retention
    now = datetime.now(UTC)
    with tenant_session(service_settings.database_url, tenant_id) as session:
        for age, name in ((40, "old"), (5, "new")):
            session.add(
                WorkflowRun(
                    tenant_id=tenant_id,
                    workflow=name,
                    status="succeeded",
                    conversation_key=f"{tenant_id}:api:x",
                    user_id="U1",
                    inputs={"feature": name},
                    created_at=now - timedelta(days=age),
                )
            )
    purge_expired(service_settings, now)
    with tenant_session(service_settings.database_url, tenant_id) as session:
        left = [r.workflow for r in session.scalars(select(WorkflowRun))]
        purge = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "privacy.retention_purge")
        ).one()
    assert left == ["new"]
    assert purge.details["runs"] == 1


def test_chat_forget_me_also_clears_the_database(service_settings, tenant_id):  # type: ignore[no-untyped-def]
    from conversations.privacy import forget_user

    make_tenant(service_settings.database_url, tenant_id)
    _seed(service_settings, tenant_id)
    assert forget_user(service_settings, tenant_id, USER) == 2
    db_left = _db_dump(service_settings, tenant_id)
    for personal in (USER, EMAIL, NAME, SECRET_TEXT):
        assert personal not in db_left
        assert personal not in _redis_dump(service_settings, tenant_id)
    alias = pseudonym(service_settings, tenant_id, USER)
    with tenant_session(service_settings.database_url, tenant_id) as session:
        forget = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "privacy.forget")
        ).one()
    assert (forget.actor, forget.target, forget.source) == (alias, alias, "chat")


def test_delete_and_audit_are_refused_to_members(service_settings, tenant_id):  # type: ignore[no-untyped-def]
    make_tenant(service_settings.database_url, tenant_id)
    _seed(service_settings, tenant_id)
    with tenant_session(service_settings.database_url, tenant_id) as session:
        ensure_user(session, tenant_id, "UMEM2", role=Role.member)
        _, member_key = create_api_key(session, tenant_id, name="m", user_id="UMEM2")
    client = TestClient(create_app(service_settings))
    auth = {"Authorization": f"Bearer {member_key}"}
    deleted = client.delete(f"/api/v1/users/{USER}", headers=auth)
    assert deleted.status_code == 403 and deleted.json()["error"]["required_role"] == "admin"
    audit = client.get("/api/v1/audit", headers=auth)
    assert audit.status_code == 403 and audit.json()["error"]["required_role"] == "admin"
    assert EMAIL in _db_dump(service_settings, tenant_id)  # nothing was deleted
    bad = client.get("/api/v1/audit", params={"limit": 0}, headers=auth)
    assert bad.status_code == 422 and "error" in bad.json()


def test_the_api_refuses_to_forget_the_only_owner(service_settings, tenant_id):  # type: ignore[no-untyped-def]
    """Forgetting the tenant's only owner would leave nobody who may administer it: 409,
    and nothing of theirs is deleted (conversations and records stay)."""
    make_tenant(service_settings.database_url, tenant_id)
    _seed(service_settings, tenant_id)
    with tenant_session(service_settings.database_url, tenant_id) as session:
        ensure_user(session, tenant_id, "UOWNER", email="owner@example.com", role=Role.owner)
        _, owner_key = create_api_key(session, tenant_id, name="o", user_id="UOWNER")
    store = StateStore(get_redis(service_settings.redis_url), service_settings.conversation_ttl)
    mine = ConversationState(
        tenant_id=tenant_id, conversation_key=f"{tenant_id}:dm:UOWNER", user_ids=["UOWNER"]
    )
    store.save(mine)
    client = TestClient(create_app(service_settings))
    auth = {"Authorization": f"Bearer {owner_key}"}
    refused = client.delete("/api/v1/users/UOWNER", headers=auth)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "last_owner"
    assert "owner@example.com" in _db_dump(service_settings, tenant_id)
    assert store.load(tenant_id, f"{tenant_id}:dm:UOWNER").user_ids == ["UOWNER"]
    schema = client.get("/openapi.json").json()
    assert "409" in schema["paths"]["/api/v1/users/{user_id}"]["delete"]["responses"]
