"""Quota gate cost and correctness under contention, on a real PostgreSQL + Redis.

- reserve: `reserve_run` (Lua check-and-increment in Redis + ledger row in PostgreSQL)
  from 16 threads on an enterprise (unlimited) tenant: reservations/s, p50/p99 latency.
- edge: 200 parallel reservations with 50 runs left on a team tenant: how many were
  granted (must be exactly 50) and the wall time.

    .venv/bin/python -m benchmarks.quota     # creates and drops its own PostgreSQL database

Prints one JSON line.
"""

from __future__ import annotations

import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from integrations.billing.period import current_period
from integrations.billing.plans import get_plan
from integrations.billing.quota import QuotaRefused, reserve_run
from integrations.db.migrate import upgrade
from integrations.db.models import UsageEntry
from integrations.db.session import tenant_session
from integrations.observability.logging import configure_logging
from integrations.settings import Settings
from tests.conftest import make_tenant
from tests.services import REDIS_URL, create_pg_database, drop_pg_database

THREADS = 16
RESERVATIONS = 800
EDGE_ATTEMPTS = 200
EDGE_LEFT = 50


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[max(0, int(len(ordered) * q) - 1)] * 1000, 2)


def _timed(settings: Settings, tenant: str) -> float:
    start = time.perf_counter()
    reserve_run(settings, tenant)
    return time.perf_counter() - start


def _granted(settings: Settings, tenant: str) -> bool:
    try:
        reserve_run(settings, tenant)
    except QuotaRefused:
        return False
    return True


def main() -> None:
    configure_logging("WARNING", json=True)
    url = create_pg_database()
    try:
        upgrade(url)
        settings = Settings(database_url=url, redis_url=REDIS_URL, _env_file=None)
        unlimited = make_tenant(url, f"bq{uuid.uuid4().hex[:10]}", "enterprise")
        reserve_run(settings, unlimited)  # warm-up: seeds the counter, opens connections
        start = time.perf_counter()
        with ThreadPoolExecutor(THREADS) as pool:
            latencies = list(pool.map(lambda _: _timed(settings, unlimited), range(RESERVATIONS)))
        wall = time.perf_counter() - start

        edge = make_tenant(url, f"bq{uuid.uuid4().hex[:10]}", "team")
        limit = get_plan("team").runs or 0
        with tenant_session(url, edge) as session:
            period = current_period().name
            session.add_all(
                UsageEntry(tenant_id=edge, metric="runs", quantity=1, period=period, ref=f"p{i}")
                for i in range(limit - EDGE_LEFT)
            )
        edge_start = time.perf_counter()
        with ThreadPoolExecutor(THREADS) as pool:
            results = list(pool.map(lambda _: _granted(settings, edge), range(EDGE_ATTEMPTS)))
        edge_wall = time.perf_counter() - edge_start
    finally:
        drop_pg_database(url)
    print(
        json.dumps(
            {
                "benchmark": "quota",
                "threads": THREADS,
                "reservations": RESERVATIONS,
                "reservations_per_s": round(RESERVATIONS / wall, 1),
                "p50_ms": _pct(latencies, 0.5),
                "p99_ms": _pct(latencies, 0.99),
                "edge_attempts": EDGE_ATTEMPTS,
                "edge_left": EDGE_LEFT,
                "edge_granted": results.count(True),
                "edge_wall_s": round(edge_wall, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
