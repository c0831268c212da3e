"""Fault tests (issue 13): production processes on Redis / PostgreSQL servers of their own,
one fault each, asserting counts - events acknowledged vs answered, runs finished, nothing
duplicated. Short outages and leases keep each test well under a minute;
benchmarks/faults.py runs the same scenarios with the issue's figures."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e import fault_scenarios as S
from tests.e2e.fault_support import trained_model_dir

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return trained_model_dir(tmp_path_factory.mktemp("models"))


def test_slack_events_across_a_redis_outage_are_each_answered_once(
    pg_url: str, model_dir: Path, tmp_path: Path
) -> None:
    counts = S.slack_redis_outage(tmp_path, pg_url, model_dir, events=30, outage_seconds=6.0)
    assert counts["refused_503"] > 0, counts  # the outage was felt: nothing acked blindly
    assert counts["acked"] == counts["events"] == 30, counts  # Slack's retries got through
    assert counts["answered"] == 30 and counts["lost"] == 0, counts
    assert counts["duplicated"] == 0, counts
    assert counts["worker_alive"] and counts["serve_alive"], counts


def test_slack_events_across_a_replica_sigkill_are_each_answered_once(
    pg_url: str, model_dir: Path, tmp_path: Path
) -> None:
    counts = S.slack_replica_kill(tmp_path, pg_url, model_dir, events=30)
    assert counts["acked"] == 30 and counts["answered"] == 30, counts
    assert counts["lost"] == 0 and counts["duplicated"] == 0, counts


def test_a_worker_sigkilled_mid_step_is_taken_over_within_a_minute(
    pg_url: str, model_dir: Path, tmp_path: Path
) -> None:
    lease = {"BMAD_STEP_LEASE_SECONDS": "6", "BMAD_STEP_HEARTBEAT_SECONDS": "2"}
    counts = S.worker_kill_mid_step(tmp_path, pg_url, model_dir, runs=3, lease=lease)
    assert counts["runs_succeeded"] == counts["runs"] == 3, counts
    assert counts["steps_succeeded"] == counts["steps"], counts
    assert counts["steps_succeeded_twice"] == 0, counts
    assert counts["recovery_seconds"] < 60, counts


def test_a_requeued_message_takes_over_when_pool_processes_die(
    pg_url: str, model_dir: Path, tmp_path: Path
) -> None:
    """Celery redelivers after WorkerLostError; the lease decides when to take over."""
    lease = {"BMAD_STEP_LEASE_SECONDS": "6", "BMAD_STEP_HEARTBEAT_SECONDS": "2"}
    counts = S.worker_kill_mid_step(
        tmp_path, pg_url, model_dir, runs=3, lease=lease, only_pool=True
    )
    assert counts["runs_succeeded"] == counts["runs"] == 3, counts
    assert counts["taken_over"] == 3 and counts["requeued_by_sweeper"] == 0, counts
    assert counts["steps_succeeded_twice"] == 0, counts
    assert counts["recovery_seconds"] < 30, counts


def test_runs_survive_a_postgres_outage(model_dir: Path, tmp_path: Path) -> None:
    counts = S.postgres_outage(tmp_path, model_dir, runs=4, outage_seconds=5.0)
    assert counts["runs_succeeded"] == counts["runs"] == 4, counts
    assert counts["steps_succeeded"] == counts["steps"], counts
    assert counts["steps_succeeded_twice"] == 0, counts
    assert counts["worker_alive"] and counts["beat_alive"], counts


def test_a_chat_reply_does_not_wait_behind_300_queued_steps(
    pg_url: str, model_dir: Path, tmp_path: Path
) -> None:
    counts = S.turn_behind_step_backlog(tmp_path, pg_url, model_dir, queued_steps=300)
    assert counts["acked"], counts
    assert counts["steps_still_queued_at_reply"] > 200, counts  # the backlog was real
    assert counts["reply_seconds"] is not None and counts["reply_seconds"] < 10, counts
