"""Property test: requests generated from the OpenAPI schema never get a 5xx.

Why hand-rolled strategies instead of schemathesis: the schema uses a small subset of JSON
Schema (objects, bounded strings with patterns, bounded integers, enums), which a few
lines turn into Hypothesis strategies - no extra dependency. Bodies are drawn both from
the schema (so valid requests reach the pipeline and the workflow service) and as
arbitrary JSON / bytes with random content types, with and without a valid key.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import create_app
from integrations.db.migrate import upgrade
from integrations.settings import Settings
from tests.unit.webhooks.conftest import setup_tenant

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=10,
)


def _resolve(schema: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        schema = spec["components"]["schemas"][name]
    return schema


def from_schema(schema: dict[str, Any], spec: dict[str, Any]) -> st.SearchStrategy[Any]:
    schema = _resolve(schema, spec)
    if "anyOf" in schema:
        return st.one_of([from_schema(s, spec) for s in schema["anyOf"]])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        required = set(schema.get("required", []))
        return st.fixed_dictionaries(
            {k: from_schema(v, spec) for k, v in props.items() if k in required},
            optional={k: from_schema(v, spec) for k, v in props.items() if k not in required},
        )
    if kind == "string":
        lo, hi = schema.get("minLength", 0), min(schema.get("maxLength", 40), 40)
        if "pattern" in schema:
            return st.from_regex(schema["pattern"], fullmatch=True).filter(
                lambda s: lo <= len(s) <= hi
            )
        return st.text(min_size=lo, max_size=max(lo, hi))
    if kind == "integer":
        return st.integers(schema.get("minimum", -(2**40)), schema.get("maximum", 2**40))
    return JSON


@st.composite
def requests(draw: st.DrawFn, spec: dict[str, Any], key: str) -> dict[str, Any]:
    path, item = draw(st.sampled_from(sorted(spec["paths"].items())))
    method, op = draw(st.sampled_from(sorted(item.items())))
    url = path
    query: dict[str, Any] = {}
    for param in op.get("parameters", []):
        value = draw(st.one_of(from_schema(param.get("schema", {}), spec), st.text(max_size=12)))
        if param["in"] == "path":
            url = url.replace("{" + param["name"] + "}", str(value) or "x")
        elif param["in"] == "query" and draw(st.booleans()):
            query[param["name"]] = value
    content: bytes | None = None
    body_schema = (
        op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    )
    choice = draw(st.sampled_from(["schema", "json", "bytes", "none"]))
    if choice == "schema" and body_schema:
        content = json.dumps(draw(from_schema(body_schema, spec))).encode()
    elif choice == "json":
        content = json.dumps(draw(JSON)).encode()
    elif choice == "bytes":
        content = draw(st.binary(max_size=64))
    headers = {
        "Content-Type": draw(
            st.sampled_from(["application/json", "text/plain", "application/x-www-form-urlencoded"])
        )
    }
    auth = draw(st.sampled_from(["valid", "none", "garbage"]))
    if auth == "valid":
        headers["Authorization"] = f"Bearer {key}"
    elif auth == "garbage":
        headers["Authorization"] = draw(st.text(max_size=30).map(lambda t: "Bearer " + t.strip()))
    return {
        "method": method.upper(),
        "url": url,
        "params": query,
        "content": content,
        "headers": headers,
    }


def test_generated_requests_never_get_a_5xx(tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("fuzz")
    app_settings = Settings(
        database_url=f"sqlite:///{tmp / 'bmad.db'}", data_dir=str(tmp), _env_file=None
    )
    upgrade(app_settings.database_url)
    tenant = setup_tenant(app_settings, "tfuzz")
    client = TestClient(create_app(app_settings), raise_server_exceptions=False)
    spec = client.get("/openapi.json").json()
    mine = ("/api/v1/", "/webhooks/generic/", "/webhooks/github/", "/webhooks/alertmanager/")
    spec["paths"] = {p: v for p, v in spec["paths"].items() if p.startswith(mine)}

    @settings(
        max_examples=150,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(requests(spec, tenant.api_key))
    def check(req: dict[str, Any]) -> None:
        try:
            response = client.request(**req)
        except Exception as err:  # an invalid URL/header the client itself refuses
            if "Invalid" in type(err).__name__ or isinstance(err, ValueError):
                return
            raise
        assert response.status_code < 500, (req, response.status_code, response.text[:300])
        if response.status_code >= 400:
            assert "error" in response.json(), (req, response.text[:300])

    check()
