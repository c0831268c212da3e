"""Bad inbound webhook requests get a clear 4xx JSON error and write nothing."""

from __future__ import annotations

import json
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bot.app import create_app
from integrations.db.models import AlertGroupRun, ProcessedDelivery
from integrations.db.session import admin_session
from integrations.webhooks_out.signing import sign, sign_body
from tests.unit.webhooks import payloads
from tests.unit.webhooks.conftest import AM_TOKEN, GENERIC_SECRET, GITHUB_SECRET, Tenant


def _generic_headers(body: bytes, secret: str = GENERIC_SECRET, ts: int | None = None) -> dict:
    ts = int(time.time()) if ts is None else ts
    return {
        "Content-Type": "application/json",
        "X-BMAD-Timestamp": str(ts),
        "X-BMAD-Signature": sign(secret, ts, body),
    }


def _nothing_written(tenant: Tenant) -> None:
    with admin_session(tenant.settings.database_url) as session:
        for model in (ProcessedDelivery, AlertGroupRun):
            assert session.scalar(select(func.count()).select_from(model)) == 0


def _error(r, status: int, code: str) -> None:  # type: ignore[no-untyped-def]
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == code, r.text


BODY = json.dumps({"text": "what can you do"}).encode()


def test_generic_rejections(client: TestClient, tenant: Tenant) -> None:
    url = f"/webhooks/generic/{tenant.id}"
    _error(client.post(url, content=BODY, headers={"Content-Type": "text/plain"}), 415,
           "unsupported_media_type")  # fmt: skip
    _error(client.post("/webhooks/generic/nobody", content=BODY, headers=_generic_headers(BODY)),
           404, "not_found")  # fmt: skip
    _error(client.post(url, content=BODY, headers={"Content-Type": "application/json"}), 401,
           "missing_signature")  # fmt: skip
    _error(client.post(url, content=BODY, headers=_generic_headers(BODY, "wrong")), 401,
           "bad_signature")  # fmt: skip
    old = int(time.time()) - 301
    _error(client.post(url, content=BODY, headers=_generic_headers(BODY, ts=old)), 401,
           "expired_timestamp")  # fmt: skip
    bad = b'{"text": '
    _error(client.post(url, content=bad, headers=_generic_headers(bad)), 400, "malformed_json")
    extra = json.dumps({"text": "x", "admin": True}).encode()
    _error(client.post(url, content=extra, headers=_generic_headers(extra)), 422, "invalid_payload")
    empty = json.dumps({"text": ""}).encode()
    _error(client.post(url, content=empty, headers=_generic_headers(empty)), 422, "invalid_payload")
    _nothing_written(tenant)


def test_unconfigured_source_is_refused(client: TestClient, tenant: Tenant) -> None:
    from tests.conftest import make_tenant

    make_tenant(tenant.settings.database_url, tenant.id + "bare")
    r = client.post(
        f"/webhooks/generic/{tenant.id}bare", content=BODY, headers=_generic_headers(BODY)
    )
    _error(r, 404, "not_found")


def test_oversized_body_is_413(tenant: Tenant) -> None:
    small = create_app(tenant.settings.model_copy(update={"max_body_bytes": 200}))
    client = TestClient(small)
    big = json.dumps({"text": "x" * 500}).encode()
    r = client.post(f"/webhooks/generic/{tenant.id}", content=big, headers=_generic_headers(big))
    _error(r, 413, "body_too_large")


def _gh(event: str, body: bytes, secret: str = GITHUB_SECRET, delivery: str = "d-1") -> dict:
    return {
        "Content-Type": "application/json",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery,
        "X-Hub-Signature-256": sign_body(secret, body),
    }


def test_github_rejections_and_ping(client: TestClient, tenant: Tenant) -> None:
    url = f"/webhooks/github/{tenant.id}"
    body = json.dumps(payloads.GITHUB_PING).encode()
    _error(client.post(url, content=body, headers=_gh("ping", body, "wrong")), 401, "bad_signature")
    headers = _gh("ping", body)
    del headers["X-Hub-Signature-256"]
    _error(client.post(url, content=body, headers=headers), 401, "missing_signature")
    headers = _gh("ping", body)
    del headers["X-GitHub-Delivery"]
    _error(client.post(url, content=body, headers=headers), 400, "missing_github_headers")
    r = client.post(url, content=body, headers=_gh("ping", body))
    assert r.status_code == 200 and r.json()["status"] == "pong"
    issues = json.dumps({"action": "opened", "issue": {"number": 1}}).encode()
    r = client.post(url, content=issues, headers=_gh("issues", issues))
    assert r.status_code == 202 and r.json()["status"] == "ignored"
    closed = json.dumps(payloads.github_pull_request("closed")).encode()
    r = client.post(url, content=closed, headers=_gh("pull_request", closed))
    assert r.status_code == 202
    not_obj = b"[1, 2]"
    _error(client.post(url, content=not_obj, headers=_gh("push", not_obj)), 422, "invalid_payload")
    _nothing_written(tenant)


@pytest.mark.parametrize(
    ("auth", "code"),
    [
        (None, "missing_token"),
        ("Bearer wrong", "bad_token"),
        (f"Basic {AM_TOKEN}", "missing_token"),
    ],
)
def test_alertmanager_token_checks(client: TestClient, tenant: Tenant, auth, code) -> None:  # type: ignore[no-untyped-def]
    body = json.dumps(payloads.alertmanager()).encode()
    headers = {"Content-Type": "application/json"}
    if auth:
        headers["Authorization"] = auth
    _error(
        client.post(f"/webhooks/alertmanager/{tenant.id}", content=body, headers=headers), 401, code
    )
    _nothing_written(tenant)


def test_alertmanager_payload_validation(client: TestClient, tenant: Tenant) -> None:
    url = f"/webhooks/alertmanager/{tenant.id}"
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {AM_TOKEN}"}
    wrong_version = {**payloads.alertmanager(), "version": "3"}
    r = client.post(url, content=json.dumps(wrong_version), headers=headers)
    _error(r, 422, "invalid_payload")
    r = client.post(url, content=b"{nope", headers=headers)
    _error(r, 400, "malformed_json")
    resolved_unknown = payloads.alertmanager("resolved", group_key="{}:{never=fired}")
    r = client.post(url, content=json.dumps(resolved_unknown), headers=headers)
    assert r.status_code == 200 and r.json()["status"] == "ignored"
    _nothing_written(tenant)


def test_sources_without_their_credential_refuse(client: TestClient, tenant: Tenant) -> None:
    from bot.webhooks.config import configure_source
    from integrations.db.session import tenant_session
    from tests.conftest import make_tenant

    bare = make_tenant(tenant.settings.database_url, tenant.id + "c")
    with tenant_session(tenant.settings.database_url, bare) as session:
        # a GitHub source with a channel but no secret, a generic one with an empty secret,
        # an Alertmanager one without a token: none may accept anything
        configure_source(session, tenant.settings, bare, "github", channel="C1")
        configure_source(session, tenant.settings, bare, "generic", secret="")
        configure_source(session, tenant.settings, bare, "alertmanager", channel="C1")
    forged = json.dumps(payloads.github_pull_request()).encode()
    r = client.post(
        f"/webhooks/github/{bare}", content=forged, headers=_gh("pull_request", forged, "")
    )
    _error(r, 404, "not_found")
    r = client.post(f"/webhooks/generic/{bare}", content=BODY, headers=_generic_headers(BODY, ""))
    _error(r, 404, "not_found")
    r = client.post(
        f"/webhooks/alertmanager/{bare}",
        content=json.dumps(payloads.alertmanager()),
        headers={"Content-Type": "application/json", "Authorization": "Bearer x"},
    )
    _error(r, 404, "not_found")
