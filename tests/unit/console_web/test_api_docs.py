"""/docs and /redoc load every asset from bmad itself (issue 18: blank docs offline)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from integrations.settings import Settings

REFS = re.compile(r'(?:src|href)="([^"]+)"')


@pytest.fixture
def client(embedded_settings: Settings) -> TestClient:
    return TestClient(create_app(embedded_settings))


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_docs_pages_reference_only_local_assets_that_load(client: TestClient, path: str) -> None:
    page = client.get(path)
    assert page.status_code == 200
    refs = REFS.findall(page.text)
    assert any(ref.endswith(".js") for ref in refs)
    for ref in refs:
        assert ref.startswith("/") and not ref.startswith("//"), ref
        asset = client.get(ref)
        assert asset.status_code == 200, ref
        assert len(asset.content) > 100, ref
    assert "<script>" not in page.text  # no inline script: every <script> has a src
    assert "http://" not in page.text and "https://" not in page.text


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_docs_csp_allows_scripts_only_from_bmad(client: TestClient, path: str) -> None:
    csp = client.get(path).headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'"
    assert "http" not in csp


def test_the_spec_the_docs_load_is_served(client: TestClient) -> None:
    spec = client.get("/openapi.json")
    assert spec.status_code == 200 and "/api/v1/runs" in spec.json()["paths"]
    assert "/console/runs" not in spec.json()["paths"]  # pages are not API
