"""Outbound webhook delivery throughput and REST API auth+read latency.

- outbound: N outbox events for one endpoint (a local receiver answering 200), then one
  `drain()` pass after another until all are delivered: fan-out, lease, sign, POST (httpx,
  8 in parallel per pass), record. `deliveries_per_s` = N / wall time; `slow_*` is the same
  against a receiver that takes 100 ms per request (what parallel POSTs are for).
- api: sequential `GET /api/v1/usage` through the ASGI app (key hash lookup + tenant read),
  p50/p99 per request.

    .venv/bin/python -m benchmarks.webhooks                     # embedded SQLite
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/<db> \
        .venv/bin/python -m benchmarks.webhooks                 # a migrated PostgreSQL
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
import uuid

from fastapi.testclient import TestClient

from bot.app import create_app
from integrations.db.events import enqueue_event
from integrations.db.migrate import upgrade
from integrations.db.session import tenant_session
from integrations.observability.logging import configure_logging
from integrations.settings import Settings
from integrations.webhooks_out.endpoints import add_endpoint, list_endpoints
from integrations.webhooks_out.worker import drain
from tests.conftest import make_tenant
from tests.unit.webhooks.conftest import setup_tenant
from tests.unit.webhooks.receiver import Receiver

EVENTS = int(os.environ.get("BENCH_EVENTS", "300"))
SLOW_EVENTS = int(os.environ.get("BENCH_SLOW_EVENTS", "80"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "300"))


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[max(0, int(len(ordered) * q) - 1)] * 1000, 2)


def _outbound(settings: Settings, url: str, tenant: str, delay: float, events: int) -> float:
    with Receiver([200], delay=delay) as rx:
        with tenant_session(url, tenant) as session:
            for endpoint in list_endpoints(session):
                endpoint.enabled = False
            add_endpoint(session, settings, tenant, rx.url, ["run.succeeded"])
            for i in range(events):
                enqueue_event(session, tenant, "run.succeeded", {"run_id": i})
        start = time.perf_counter()
        while len(rx.requests) < events:
            drain(settings)
        return round(events / (time.perf_counter() - start), 1)


def main() -> None:
    configure_logging("WARNING", True)
    tmp = tempfile.mkdtemp()
    url = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{tmp}/bench.db")
    settings = Settings(database_url=url, data_dir=tmp, webhook_poll_seconds=0, _env_file=None)
    upgrade(url)
    tenant = make_tenant(url, f"tb{uuid.uuid4().hex[:10]}")

    outbound = _outbound(settings, url, tenant, delay=0.0, events=EVENTS)
    slow = _outbound(settings, url, tenant, delay=0.1, events=SLOW_EVENTS)

    api_tenant = setup_tenant(settings, f"ta{uuid.uuid4().hex[:10]}")
    client = TestClient(create_app(settings))
    auth = {"Authorization": f"Bearer {api_tenant.api_key}"}
    latencies = []
    for _ in range(REQUESTS):
        t = time.perf_counter()
        assert client.get("/api/v1/usage", headers=auth).status_code == 200
        latencies.append(time.perf_counter() - t)

    print(
        json.dumps(
            {
                "database": url.split(":", 1)[0],
                "events": EVENTS,
                "deliveries_per_s": outbound,
                "slow_receiver_ms": 100,
                "slow_deliveries_per_s": slow,
                "api_usage_p50_ms": round(statistics.median(latencies) * 1000, 2),
                "api_usage_p99_ms": _pct(latencies, 0.99),
            }
        )
    )


if __name__ == "__main__":
    main()
