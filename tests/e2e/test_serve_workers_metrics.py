"""`bmad serve --workers N`: /metrics sums every worker process (multiprocess mode), so
the request counter never depends on which process answered the scrape."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.slack_support import ROOT, clean_env, free_port, stop_group
from tests.polling import wait_until
from tests.services import DEPLOYMENT_KEYS

pytestmark = pytest.mark.slow
REQUESTS = 40


def _healthz_count(text: str) -> float:
    total = 0.0
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == "bmad_http_requests_total" and s.labels.get("route") == "/healthz":
                total += s.value
    return total


def test_metrics_of_all_serve_workers(redis_url: str, tmp_path: Path) -> None:
    port = free_port()
    env = {
        **clean_env(),
        "PYTHONPATH": str(ROOT),
        "BMAD_DATABASE_URL": f"sqlite:///{tmp_path / 'bmad.db'}",
        # serve --workers > 1 refuses to start without Redis (shared memory and dedupe),
        # and with Redis the deployment keys must be set
        "BMAD_REDIS_URL": redis_url,
        **DEPLOYMENT_KEYS,
        "BMAD_DATA_DIR": str(tmp_path / "data"),
    }
    subprocess.run([sys.executable, "-m", "bot.cli", "migrate"], env=env, check=True, cwd=tmp_path)
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # the uvicorn workers are stopped with it, as a group
    )
    base = f"http://127.0.0.1:{port}"
    try:

        def up() -> bool:
            try:
                return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
            except httpx.TransportError:
                return False

        try:
            wait_until(up, 60, "bmad serve --workers 2 to come up", interval=0.2)
        except AssertionError as timed_out:
            timed_out.add_note((tmp_path / "serve.log").read_text()[-2000:])
            raise
        before = _healthz_count(httpx.get(f"{base}/metrics").text)
        for _ in range(REQUESTS):  # a fresh connection each time: both processes answer
            with httpx.Client() as client:
                assert client.get(f"{base}/healthz").status_code == 200
        # Every scrape, whichever process answers it, sees all requests.
        for _ in range(6):
            with httpx.Client() as client:
                assert _healthz_count(client.get(f"{base}/metrics").text) >= before + REQUESTS
        pids = {
            line.split("[")[1].split("]")[0]
            for line in (tmp_path / "serve.log").read_text().splitlines()
            if "Started server process" in line
        }
        assert len(pids) == 2, pids
    finally:
        try:
            stop_group(proc, timeout=30)
        finally:
            log.close()
