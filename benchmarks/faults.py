"""Fault injection: what each outage costs in lost / duplicated work and recovery time.

Runs the scenarios of tests/e2e/fault_scenarios.py with the figures of issue 13 and the
default step leases (BMAD_STEP_LEASE_SECONDS=30, BMAD_STEP_HEARTBEAT_SECONDS=10, beat
sweeping every 15 s), on Redis and PostgreSQL servers of its own (needs `redis-server`
and the PostgreSQL server binaries):

1. redis_outage: 30 Slack events over ~20 s, Redis (broker + conversation memory) stopped
   for 15 s in the middle; the sender retries like Slack (compressed: after 1, 5, 15 s).
2. replica_sigkill: 30 Slack events over two `bmad serve` replicas behind a round-robin
   balancer; one replica SIGKILLed after 10.
3. worker_sigkill: 4 runs on one `bmad worker`, SIGKILLed (whole process group) while the
   steps run; a replacement starts at once; recovery = kill -> every run past that step.
4. pool_sigkill: the same, but only the pool processes die (OOM killer): Celery requeues
   after WorkerLostError and the messages take the steps over once the leases ran out.
5. reply_behind_300_steps: 300 slow steps queued on one worker, then a Slack mention.
6. postgres_outage: 6 runs, PostgreSQL stopped for 10 s while they run.

Prints one JSON line: per scenario acked/answered/lost/duplicated (Slack), runs and steps
finished and steps that succeeded twice (workflows), and recovery seconds.

    .venv/bin/python -m benchmarks.faults
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from integrations.db.migrate import upgrade
from tests.e2e import fault_scenarios as S
from tests.e2e.fault_support import trained_model_dir
from tests.own_services import OwnPostgres

OUTAGE = float(os.environ.get("BENCH_REDIS_OUTAGE_SECONDS", "15"))
PG_OUTAGE = float(os.environ.get("BENCH_PG_OUTAGE_SECONDS", "10"))


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="bmad-faults-"))
    model_dir = trained_model_dir(root / "models")
    results: dict[str, object] = {"benchmark": "faults"}
    with OwnPostgres() as pg:
        upgrade(pg.url)
        for name, run in (
            (
                "redis_outage",
                lambda d: S.slack_redis_outage(
                    d,
                    pg.url,
                    model_dir,
                    events=30,
                    spacing=0.66,
                    outage_at=2.0,
                    outage_seconds=OUTAGE,
                    retry_delays=(1.0, 5.0, 15.0),
                ),
            ),
            ("replica_sigkill", lambda d: S.slack_replica_kill(d, pg.url, model_dir, events=30)),
            ("worker_sigkill", lambda d: S.worker_kill_mid_step(d, pg.url, model_dir, runs=4)),
            (
                "pool_sigkill",
                lambda d: S.worker_kill_mid_step(d, pg.url, model_dir, runs=4, only_pool=True),
            ),
            (
                "reply_behind_300_steps",
                lambda d: S.turn_behind_step_backlog(d, pg.url, model_dir, queued_steps=300),
            ),
        ):
            workdir = root / name
            workdir.mkdir()
            results[name] = run(workdir)
    workdir = root / "postgres_outage"
    workdir.mkdir()
    results["postgres_outage"] = S.postgres_outage(
        workdir, model_dir, runs=6, outage_seconds=PG_OUTAGE
    )
    print(json.dumps(results))


if __name__ == "__main__":
    main()
