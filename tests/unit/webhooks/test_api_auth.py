"""API keys: missing, wrong, revoked keys get 401 JSON; a key only sees its own tenant."""

from fastapi.testclient import TestClient

from bot.api.keys import revoke_api_key
from integrations.db.models import ApiKey
from integrations.db.session import tenant_session
from tests.unit.webhooks.conftest import Tenant, setup_tenant

ROUTES = [
    ("GET", "/api/v1/runs"),
    ("GET", "/api/v1/runs/1"),
    ("POST", "/api/v1/runs/1/approve"),
    ("POST", "/api/v1/runs/1/reject"),
    ("POST", "/api/v1/runs/1/cancel"),
    ("GET", "/api/v1/agents"),
    ("GET", "/api/v1/workflows"),
    ("GET", "/api/v1/usage"),
    ("POST", "/api/v1/messages"),
]


def test_every_route_needs_a_key(client: TestClient, tenant: Tenant) -> None:
    for method, path in ROUTES:
        for headers in (
            {},
            {"Authorization": "Bearer bmad_nope_nope"},
            {"Authorization": "Basic x"},
        ):
            r = client.request(method, path, headers=headers, json={})
            assert r.status_code == 401, (method, path, headers, r.text)
            assert r.json()["error"]["code"] == "unauthorized"
            assert r.headers["www-authenticate"] == "Bearer"


def test_usage_shows_own_plan_and_revoked_key_stops_working(
    client: TestClient, tenant: Tenant
) -> None:
    auth = {"Authorization": f"Bearer {tenant.api_key}"}
    r = client.get("/api/v1/usage", headers=auth)
    assert r.status_code == 200
    assert (r.json()["tenant"], r.json()["plan"]) == (tenant.id, "free")
    with tenant_session(tenant.settings.database_url, tenant.id) as session:
        prefix = session.query(ApiKey).one().prefix
        assert revoke_api_key(session, prefix)
    assert client.get("/api/v1/usage", headers=auth).status_code == 401


def test_keys_are_stored_hashed(tenant: Tenant) -> None:
    with tenant_session(tenant.settings.database_url, tenant.id) as session:
        key = session.query(ApiKey).one()
    assert tenant.api_key not in (key.key_hash, key.prefix, key.name)
    assert tenant.api_key.startswith(f"bmad_{key.prefix}_")


def test_two_tenants_see_only_themselves(client: TestClient, tenant: Tenant) -> None:
    other = setup_tenant(tenant.settings, tenant.id + "x")
    a = client.get("/api/v1/usage", headers={"Authorization": f"Bearer {tenant.api_key}"})
    b = client.get("/api/v1/usage", headers={"Authorization": f"Bearer {other.api_key}"})
    assert a.json()["tenant"] == tenant.id
    assert b.json()["tenant"] == other.id


def test_openapi_documents_the_api(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert "/api/v1/messages" in schema["paths"]
    assert "HTTPBearer" in schema["components"]["securitySchemes"]
    assert client.get("/docs").status_code == 200


def test_a_key_without_a_user_is_read_only(client: TestClient, tenant: Tenant) -> None:
    """The fixture's key has no user: it reads, but it can neither talk nor decide."""
    auth = {"Authorization": f"Bearer {tenant.api_key}"}
    assert client.get("/api/v1/usage", headers=auth).status_code == 200
    body = {"conversation_id": "c", "user": "U0ADMIN", "text": "what can you do"}
    refused = client.post("/api/v1/messages", json=body, headers=auth)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "read_only_key"
    for action in ("approve", "reject", "cancel"):
        r = client.post(f"/api/v1/runs/1/{action}", headers=auth)
        assert r.status_code == 403 and r.json()["error"]["code"] == "read_only_key"


def test_a_bound_key_speaks_only_for_its_user(client: TestClient, tenant: Tenant) -> None:
    from bot.api.keys import create_api_key

    with tenant_session(tenant.settings.database_url, tenant.id) as session:
        _, plain = create_api_key(session, tenant.id, name="u1", user_id="U1")
    auth = {"Authorization": f"Bearer {plain}"}
    other = {"conversation_id": "c", "user": "U2", "text": "what can you do"}
    assert client.post("/api/v1/messages", json=other, headers=auth).status_code == 403
    own = {"conversation_id": "c", "user": "U1", "text": "what can you do"}
    assert client.post("/api/v1/messages", json=own, headers=auth).status_code == 200
