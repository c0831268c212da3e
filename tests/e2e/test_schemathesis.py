"""schemathesis against `bmad serve` (a real subprocess): every route in /openapi.json,
with generated valid and invalid input, under all of schemathesis' checks - no 5xx,
status codes and content types as documented, responses matching their schemas."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.api.keys import create_api_key
from integrations.db.migrate import upgrade
from integrations.db.models import Role
from integrations.db.session import tenant_session
from integrations.db.tenants import ensure_user
from tests.conftest import make_tenant
from tests.e2e.slack_support import ServeProcess
from tests.fakes.sendgrid_api import EventSigner

pytestmark = pytest.mark.slow
TENANT = "tfuzz"
MAX_EXAMPLES = 25


@dataclass
class Served:
    base_url: str
    key: str


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    workdir = tmp_path_factory.mktemp("schemathesis")
    url = f"sqlite:///{workdir / 'bmad.db'}"
    upgrade(url)
    make_tenant(url, TENANT)
    with tenant_session(url, TENANT) as session:
        ensure_user(session, TENANT, "UOWNER", email="owner@example.com", role=Role.owner)
        _, key = create_api_key(session, TENANT, name="fuzz", user_id="UOWNER")
    env = {
        "BMAD_DATABASE_URL": url,
        "BMAD_DATA_DIR": str(workdir / "data"),
        "BMAD_QUEUE": "eager",
        "BMAD_LOG_LEVEL": "WARNING",
        # Configured like production, so the vendor receivers verify instead of answering
        # 503 "not configured".
        "STRIPE_WEBHOOK_SECRET": "whsec_schemathesis",
        "SENDGRID_WEBHOOK_PUBLIC_KEY": EventSigner().public_key,
    }
    serve = ServeProcess(env, Path(workdir))
    try:
        yield Served(serve.base_url, key)
    finally:
        serve.close()


# Where a 422 for schema-valid data is deliberate (semantic checks the document cannot say).
CONFIG = Path(__file__).with_name("schemathesis.toml")


def test_schemathesis_all_checks_zero_failures(served: Served, tmp_path: Path) -> None:
    """The schemathesis CLI, as CI would run it by hand; exit status 0 = no failure."""
    command = [
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG),
        "run", f"{served.base_url}/openapi.json",
        "--checks", "all", "--max-examples", str(MAX_EXAMPLES), "--workers", "1",
        "--seed", "14", "-H", f"Authorization: Bearer {served.key}",
        "--report-dir", str(tmp_path / "report"),
    ]  # fmt: skip
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=900, check=False, cwd=tmp_path
    )  # its cache and report stay out of the repository
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
