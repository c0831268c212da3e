"""Turn pipeline throughput and latency, offline (local NLU, no LLM), on the real Redis.

Measures the same turn mix (a slot question, then "never mind") on fresh conversations
(length 1-2: a new conversation per pair) and on one conversation that already had
1,000 turns, interleaved pair by pair. Because the state document is bounded, the two
should be close. `turns_per_s` is 1 / mean latency (sequential, one client).

    BMAD_REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python -m benchmarks.turns
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
import uuid

from conversations.message import Message, conversation_key
from conversations.pipeline import TurnPipeline
from integrations.db.migrate import upgrade
from integrations.observability.logging import configure_logging
from integrations.settings import Settings

TURNS = int(os.environ.get("BENCH_TURNS", "400"))
HISTORY = 1000
MIX = ("deploy checkout", "never mind")


def _message(tenant: str, key: str, text: str) -> Message:
    return Message(
        tenant_id=tenant,
        channel="console",
        conversation_key=key,
        user_id="bench",
        text=text,
        event_id=uuid.uuid4().hex,
    )


def _summary(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    return {
        "turns_per_s": round(len(ordered) / sum(ordered), 1),
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p99_ms": round(ordered[max(0, int(len(ordered) * 0.99) - 1)] * 1000, 2),
    }


def _turn(pipeline: TurnPipeline, tenant: str, key: str, text: str) -> float:
    t0 = time.perf_counter()
    reply = pipeline.handle(_message(tenant, key, text))
    elapsed = time.perf_counter() - t0
    assert reply.kind in ("question", "answer"), reply
    return elapsed


def main() -> None:
    configure_logging("ERROR")
    redis_url = os.environ.get("BMAD_REDIS_URL", "redis://127.0.0.1:6379/0")
    with tempfile.TemporaryDirectory() as tmp:
        # One user sends every turn: rate limits off, this measures the pipeline itself.
        settings = Settings(
            database_url=f"sqlite:///{tmp}/bench.db",
            redis_url=redis_url,
            rate_limit_user_per_minute=0,
            rate_limit_tenant_per_minute=0,
            _env_file=None,
        )
        upgrade(settings.database_url)
        pipeline = TurnPipeline(settings)
        tenant = f"bench{uuid.uuid4().hex[:8]}"
        # Warm up: the local classifier loads (or trains) once per process.
        pipeline.handle(_message(tenant, conversation_key(tenant, "console", "warm"), "hello"))

        long_key = conversation_key(tenant, "console", "long")
        for i in range(HISTORY):
            pipeline.handle(_message(tenant, long_key, MIX[i % len(MIX)]))

        # Interleaved, so the machine's noise hits both series alike.
        fresh_lat: list[float] = []
        long_lat: list[float] = []
        for pair in range(TURNS // 2):
            fresh_key = conversation_key(tenant, "console", f"c{pair}")
            for text in MIX:
                fresh_lat.append(_turn(pipeline, tenant, fresh_key, text))
            for text in MIX:
                long_lat.append(_turn(pipeline, tenant, long_key, text))
        fresh, long = _summary(fresh_lat), _summary(long_lat)
        doc = pipeline.store.redis.get(f"bmad:{tenant}:conv:{long_key}") or ""
    p50_diff = abs(long["p50_ms"] - fresh["p50_ms"]) / fresh["p50_ms"] * 100
    print(
        json.dumps(
            {
                "benchmark": "turns",
                "turns": TURNS,
                "redis": redis_url.split("@")[-1],
                "length_1": fresh,
                "length_1000": long,
                "p50_diff_pct": round(p50_diff, 1),
                "state_bytes_after_1000": len(doc.encode()),
            }
        )
    )


if __name__ == "__main__":
    main()
