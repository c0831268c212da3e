"""Forgetting `ann` touches ann only: not `joanne` (whose id contains hers) nor `UA_ADMIN`.

Real PostgreSQL and Redis. Every place an id or a text of the user can sit is seeded for all
three users; after the forget, ann's id and text are nowhere (as a whole id: `joanne` is not
`ann`), ann's key is revoked, and everything of the other two is byte-for-byte unchanged.
"""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect, select, text

from agents.notify import Notice, StreamNotifier
from bot.api.keys import create_api_key
from bot.app import create_app
from conversations.state import ConversationState
from conversations.store import StateStore
from integrations.db.events import enqueue_event, record_audit
from integrations.db.models import AuditEntry, Role, WorkflowRun
from integrations.db.session import engine_for, tenant_session
from integrations.db.tenants import ensure_user
from integrations.redis_store import get_redis, key
from integrations.settings import Settings
from tests.conftest import make_tenant

pytestmark = pytest.mark.integration

USERS = ("ann", "joanne", "UA_ADMIN")


def _secret(user: str) -> str:
    return f"private plan of {user} codename ZEBRA{len(user)}"


def _seed(settings: Settings, tenant_id: str) -> dict[str, str]:
    store = StateStore(get_redis(settings.redis_url), settings.conversation_ttl)
    notifier = StreamNotifier(settings)
    keys: dict[str, str] = {}
    with tenant_session(settings.database_url, tenant_id) as session:
        for user in USERS:
            role = Role.owner if user == "UA_ADMIN" else Role.member
            ensure_user(session, tenant_id, user, email=f"{user.lower()}@example.com", role=role)
            _, keys[user] = create_api_key(session, tenant_id, name=user, user_id=user)
            conv = f"{tenant_id}:dm:{user}"
            run = WorkflowRun(
                tenant_id=tenant_id,
                workflow="write_user_story",
                status="succeeded",
                conversation_key=conv,
                user_id=user,
                inputs={"feature": _secret(user)},
            )
            session.add(run)
            session.flush()
            record_audit(session, tenant_id, actor=user, action="command.run", target="story")
            enqueue_event(
                session,
                tenant_id,
                "run.started",
                {"run_id": run.id, "user_id": user, "conversation_key": conv},
            )
            state = ConversationState(tenant_id=tenant_id, conversation_key=conv, user_ids=[user])
            state.remember("user", _secret(user), "write_user_story")
            store.save(state)
            notifier.append(
                Notice(
                    tenant_id=tenant_id,
                    conversation_key=conv,
                    run_id=run.id,
                    kind="info",
                    text=f"{_secret(user)} is done",
                )
            )
        # Cross references: the admin changed joanne's role, joanne mentioned ann's run.
        record_audit(
            session,
            tenant_id,
            actor="UA_ADMIN",
            action="role.change",
            target="joanne",
            details={"user": "joanne", "by": "UA_ADMIN"},
        )
        record_audit(
            session,
            tenant_id,
            actor="UA_ADMIN",
            action="role.change",
            target="ann",
            details={"user": "ann", "seen_by": ["joanne", "ann"]},
        )
    get_redis(settings.redis_url).set(key(tenant_id, "rate", "user", "ann"), "3")
    get_redis(settings.redis_url).set(key(tenant_id, "rate", "user", "joanne"), "4")
    return keys


def _rows(settings: Settings, tenant_id: str) -> list[str]:
    engine = engine_for(settings.database_url)
    rows: list[str] = []
    with engine.connect() as conn:
        for table in inspect(engine).get_table_names():
            columns = [c["name"] for c in inspect(engine).get_columns(table)]
            if "tenant_id" not in columns:
                continue
            result = conn.execute(
                text(f'SELECT * FROM "{table}" WHERE tenant_id = :t ORDER BY 1'), {"t": tenant_id}
            )
            for row in result:
                fields = dict(row._mapping)
                fields.pop("last_used_at", None)  # using a key touches it; not data
                rows.append(f"{table} " + json.dumps(fields, default=str))
    return rows


def _redis(settings: Settings, tenant_id: str) -> list[str]:
    client = get_redis(settings.redis_url)
    parts = []
    for name in sorted(client.scan_iter(match=f"bmad:{tenant_id}:*")):
        kind = client.type(name)
        if kind == "string":
            value = str(client.get(name))
        elif kind == "set":
            value = str(sorted(client.smembers(name)))
        elif kind == "stream":
            value = str([fields for _id, fields in client.xrange(name)])
        else:
            value = kind
        parts.append(f"{name} {value}")
    return parts


def _mentions(text_: str, user: str) -> bool:
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(user)}(?![A-Za-z0-9_])", text_) is not None


def test_forget_ann_touches_ann_only(service_settings: Settings, tenant_id: str) -> None:
    make_tenant(service_settings.database_url, tenant_id)
    keys = _seed(service_settings, tenant_id)
    before_db = _rows(service_settings, tenant_id)
    before_redis = _redis(service_settings, tenant_id)
    assert any(_mentions(r, "ann") for r in before_db)

    client = TestClient(create_app(service_settings))
    admin = {"Authorization": f"Bearer {keys['UA_ADMIN']}"}
    response = client.delete("/api/v1/users/ann", headers=admin)
    assert response.status_code == 200, response.text

    after_db = _rows(service_settings, tenant_id)
    after_redis = _redis(service_settings, tenant_id)
    for row in after_db + after_redis:
        assert not _mentions(row, "ann"), row
        assert _secret("ann") not in row, row
    # Everything that never named ann is unchanged: rows, keys, streams, conversation state.
    untouched_db = [r for r in before_db if not _mentions(r, "ann")]
    untouched_redis = [r for r in before_redis if not _mentions(r, "ann")]
    assert set(untouched_db) <= set(after_db)
    assert set(untouched_redis) <= set(after_redis)
    for user in ("joanne", "UA_ADMIN"):
        assert any(_secret(user) in r for r in after_redis)
        assert any(_secret(user) in r for r in after_db)

    with tenant_session(service_settings.database_url, tenant_id) as session:
        entries = list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
    changed = [e for e in entries if e.action == "role.change" and e.target != "joanne"]
    assert changed[0].details["seen_by"][0] == "joanne"  # only the exact id was replaced

    # ann's key is revoked, the others still work; forgetting nobody is a 404.
    ann = client.get("/api/v1/usage", headers={"Authorization": f"Bearer {keys['ann']}"})
    assert ann.status_code == 401
    joanne = client.get("/api/v1/usage", headers={"Authorization": f"Bearer {keys['joanne']}"})
    assert joanne.status_code == 200
    unknown = client.delete("/api/v1/users/nobody", headers=admin)
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "unknown_user"
