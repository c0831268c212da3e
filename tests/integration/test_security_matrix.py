"""The inbound attack matrix of issue 14 against the real PostgreSQL and Redis.

Every request below is bad input - unauthenticated garbage, NUL bytes in path parameters,
non-ASCII signature headers, pathologically deep JSON behind a valid signature, ids out of
range. Each must be answered with a 4xx carrying the one JSON error envelope, and must leave
PostgreSQL and the tenant's Redis keys exactly as they were.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from pydantic import SecretStr
from sqlalchemy import inspect, text

from bot.api.keys import create_api_key
from bot.app import create_app
from integrations.db.models import Role
from integrations.db.session import admin_session, engine_for, tenant_session
from integrations.db.tenants import ensure_user
from integrations.redis_store import get_redis
from integrations.settings import Settings
from integrations.webhooks_out.signing import sign, sign_body
from tests.fakes.sendgrid_api import EventSigner
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.stripe_api import sign_stripe_payload
from tests.unit.webhooks.conftest import AM_TOKEN, GENERIC_SECRET, GITHUB_SECRET, setup_tenant

pytestmark = pytest.mark.integration

SLACK_SECRET = "slack-signing-secret-matrix"
STRIPE_SECRET = "whsec_matrix_stripe"
NON_ASCII = "sha256=\u00e9\u00e9".encode()  # bytes on the wire: httpx sends them as they are
DEEP = b"[" * 100_000 + b"]" * 100_000


@dataclass
class Target:
    client: TestClient
    settings: Settings
    tenant: str
    admin_key: str


@pytest.fixture
def slack() -> Iterator[FakeSlackAPI]:
    with FakeSlackAPI() as fake:
        yield fake


@pytest.fixture
def target(service_settings: Settings, slack: FakeSlackAPI, tenant_id: str) -> Target:
    signer = EventSigner()
    settings = service_settings.model_copy(
        update={
            "slack_signing_secret": SecretStr(SLACK_SECRET),
            "slack_bot_token": SecretStr("xoxb-matrix"),
            "slack_api_url": slack.api_url,
            "stripe_webhook_secret": SecretStr(STRIPE_SECRET),
            "sendgrid_webhook_public_key": signer.public_key,
            "billing_link_secret": SecretStr("link-secret-matrix"),
        }
    )
    setup_tenant(settings, tenant_id)
    with tenant_session(settings.database_url, tenant_id) as session:
        ensure_user(session, tenant_id, "UADMIN", email="admin@example.com", role=Role.owner)
        _, admin_key = create_api_key(session, tenant_id, name="admin", user_id="UADMIN")
    client = TestClient(create_app(settings), raise_server_exceptions=False)
    return Target(client, settings, tenant_id, admin_key)


def _slack_headers(body: bytes, secret: str = SLACK_SECRET) -> dict[str, str]:
    ts = str(int(time.time()))
    mac = hmac.new(secret.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={mac}",
    }


def _generic_headers(body: bytes) -> dict[str, str]:
    ts = int(time.time())
    return {
        "Content-Type": "application/json",
        "X-BMAD-Timestamp": str(ts),
        "X-BMAD-Signature": sign(GENERIC_SECRET, ts, body),
    }


def _github_headers(body: bytes, delivery: str = "d-matrix-1") -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-GitHub-Event": "pull_request",
        "X-GitHub-Delivery": delivery,
        "X-Hub-Signature-256": sign_body(GITHUB_SECRET, body),
    }


Attack = Callable[[Target], Response]


def _post(path: str, body: bytes, headers: dict) -> Attack:  # type: ignore[type-arg]
    return lambda t: t.client.post(path.format(t=t.tenant), content=body, headers=headers)


def _signed_generic(body: bytes) -> Attack:
    return lambda t: t.client.post(
        f"/webhooks/generic/{t.tenant}", content=body, headers=_generic_headers(body)
    )


def _signed_github(body: bytes) -> Attack:
    return lambda t: t.client.post(
        f"/webhooks/github/{t.tenant}", content=body, headers=_github_headers(body)
    )


def _signed_slack(body: bytes) -> Attack:
    return lambda t: t.client.post("/slack/events", content=body, headers=_slack_headers(body))


def _signed_stripe(body: bytes) -> Attack:
    return lambda t: t.client.post(
        "/webhooks/stripe",
        content=body,
        headers={
            "Content-Type": "application/json",
            "Stripe-Signature": sign_stripe_payload(body.decode(), STRIPE_SECRET),
        },
    )


def _as_admin(method: str, path: str, **kwargs: object) -> Attack:
    return lambda t: t.client.request(
        method, path, headers={"Authorization": f"Bearer {t.admin_key}"}, **kwargs
    )


JSON = {"Content-Type": "application/json"}

ATTACKS: dict[str, Attack] = {
    # -- unauthenticated ---------------------------------------------------------------------
    "slack malformed json": _post("/slack/events", b'{"type": ', JSON),
    "slack deep json": _post("/slack/events", DEEP, JSON),
    "slack malformed form": _post(
        "/slack/events",
        b"payload=%7B%22type",
        {"Content-Type": "application/x-www-form-urlencoded"},
    ),
    "slack non-ascii signature": _post(
        "/slack/events",
        b'{"type": "url_verification", "challenge": "x"}',
        {
            **JSON,
            "X-Slack-Request-Timestamp": str(int(time.time())),
            "X-Slack-Signature": NON_ASCII,
        },
    ),
    "generic %00": _post("/webhooks/generic/%00", b"{}", JSON),
    "github %00": _post("/webhooks/github/%00", b"{}", JSON),
    "alertmanager %00": _post("/webhooks/alertmanager/%00", b"{}", JSON),
    "generic non-ascii signature": _post(
        "/webhooks/generic/{t}",
        b'{"text": "hi"}',
        {**JSON, "X-BMAD-Timestamp": str(int(time.time())), "X-BMAD-Signature": NON_ASCII},
    ),
    "github non-ascii signature": _post(
        "/webhooks/github/{t}",
        b"{}",
        {
            **JSON,
            "X-GitHub-Event": "ping",
            "X-GitHub-Delivery": "d1",
            "X-Hub-Signature-256": NON_ASCII,
        },
    ),
    "alertmanager non-ascii token": _post(
        "/webhooks/alertmanager/{t}", b"{}", {**JSON, "Authorization": b"Bearer \xc3\xa9"}
    ),
    "stripe non-ascii signature": _post(
        "/webhooks/stripe", b"{}", {**JSON, "Stripe-Signature": b"t=1,v1=\xc3\xa9"}
    ),
    "sendgrid non-ascii signature": _post(
        "/webhooks/sendgrid",
        b"[]",
        {
            **JSON,
            "X-Twilio-Email-Event-Webhook-Signature": NON_ASCII,
            "X-Twilio-Email-Event-Webhook-Timestamp": str(int(time.time())),
        },
    ),
    "api non-ascii bearer": _post(
        "/api/v1/messages", b"{}", {**JSON, "Authorization": b"Bearer bmad_\xc3\xa9"}
    ),
    # -- authenticated -----------------------------------------------------------------------
    "signed deep json to generic": _signed_generic(DEEP),
    "signed deep json to github": _signed_github(DEEP),
    "signed deep json to slack": _signed_slack(DEEP),
    "signed deep json to stripe": _signed_stripe(DEEP),
    "signed malformed json to slack": _signed_slack(b'{"type": '),
    "signed stripe []": _signed_stripe(b"[]"),
    "signed stripe event without data": _signed_stripe(b'{"id": "evt_1", "type": "x"}'),
    "signed generic []": _signed_generic(b"[]"),
    "deep json to alertmanager": lambda t: t.client.post(
        f"/webhooks/alertmanager/{t.tenant}",
        content=DEEP,
        headers={**JSON, "Authorization": f"Bearer {AM_TOKEN}"},
    ),
    "audit after_id int4 overflow": _as_admin("GET", "/api/v1/audit?after_id=2147483648"),
    "delete user 0": _as_admin("DELETE", "/api/v1/users/0"),
    "delete user %00": _as_admin("DELETE", "/api/v1/users/%00"),
    "export user %00": _as_admin("GET", "/api/v1/users/%00/export"),
    "notices of %00": _as_admin("GET", "/api/v1/conversations/%00/notices"),
    "run 2**31": _as_admin("GET", "/api/v1/runs/2147483648"),
    "deep json to api": lambda t: t.client.post(
        "/api/v1/messages",
        content=DEEP,
        headers={**JSON, "Authorization": f"Bearer {t.admin_key}"},
    ),
}


def _pg_snapshot(url: str) -> dict[str, int]:
    engine = engine_for(url)
    with engine.connect() as conn:
        return {
            table: int(conn.execute(text(f'SELECT count(*) FROM "{table}"')).scalar_one())
            for table in inspect(engine).get_table_names()
            if table != "alembic_version"
        }


def _pg_rows(url: str, tenant: str) -> dict[str, str]:
    """The tenant's rows that an attack could have rewritten in place (not only added)."""
    with admin_session(url) as session:
        tenant_row = session.execute(
            text("SELECT plan, name FROM tenants WHERE id = :t"), {"t": tenant}
        ).one()
        users = session.execute(
            text("SELECT external_id, role FROM users WHERE tenant_id = :t ORDER BY 1"),
            {"t": tenant},
        ).all()
    return {"tenant": repr(tuple(tenant_row)), "users": repr([tuple(u) for u in users])}


def _redis_snapshot(settings: Settings, tenant: str) -> dict[str, str]:
    redis = get_redis(settings.redis_url)
    keys = sorted(
        k.decode() if isinstance(k, bytes) else k for k in redis.scan_iter(f"bmad:{tenant}:*")
    )
    return {k: hashlib.sha256(redis.dump(k) or b"").hexdigest() for k in keys}  # key -> value


def _assert_envelope(name: str, response: Response) -> None:
    assert response.status_code < 500, f"{name}: {response.status_code} {response.text[:200]}"
    assert response.status_code >= 400, f"{name}: {response.status_code} accepted bad input"
    body = response.json()
    assert set(body) == {"error"}, f"{name}: {body}"
    assert body["error"]["code"] and body["error"]["message"], f"{name}: {body}"
    assert "Traceback" not in response.text


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_attack_gets_a_4xx_envelope_and_changes_nothing(target: Target, name: str) -> None:
    before = (
        _pg_snapshot(target.settings.database_url),
        _pg_rows(target.settings.database_url, target.tenant),
        _redis_snapshot(target.settings, target.tenant),
    )
    response = ATTACKS[name](target)
    _assert_envelope(name, response)
    after = (
        _pg_snapshot(target.settings.database_url),
        _pg_rows(target.settings.database_url, target.tenant),
        _redis_snapshot(target.settings, target.tenant),
    )
    assert after == before, f"{name} changed state"


def test_upgrade_link_with_non_ascii_sig_is_refused_with_a_page(target: Target) -> None:
    """A browser link: the refusal is a page, not JSON, but never a 500."""
    params = {"tenant": target.tenant, "plan": "team", "exp": 9999999999, "sig": "\u00e9\u00e9"}
    response = target.client.get("/billing/upgrade", params=params)
    assert response.status_code == 403
