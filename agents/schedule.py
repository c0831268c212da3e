"""The one schedule table: every periodic job, for Celery beat and the embedded scheduler.

Why one table: the embedded default (`BMAD_QUEUE=eager`) has no `bmad beat`, and a job
listed only in the beat schedule silently never ran there (retention purge - a privacy
promise -, Stripe metering and the weekly digest). Both runners now read `SCHEDULE`:
`beat_schedule()` turns it into Celery's `beat_schedule`, `EmbeddedScheduler` runs the same
jobs from a thread. Every job is idempotent, so an extra run (two processes, a restart) is
harmless.

Embedded cadence: repair jobs (sweep, approval timeouts) tick every
`BMAD_EMBEDDED_BEAT_SECONDS`; outbox deliverers (webhooks, emails) every
`BMAD_WEBHOOK_POLL_SECONDS` from the HTTP app (their settings - vendor URLs - are the app's);
the others keep their own interval or crontab. A cadence setting of 0 turns its jobs off.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from celery.schedules import crontab

from integrations.observability.logging import get_logger
from integrations.observability.metrics import SCHEDULED_JOB_RUNS, SCHEDULED_JOB_SECONDS
from integrations.settings import Settings

log = get_logger(__name__)

Clock = Literal["beat", "poll", "own"]
MAX_FAILURES = 5  # consecutive failed ticks (deleted or unmigrated database) end the thread


def _sweep(settings: Settings) -> Any:
    from agents.workflows.sweeper import sweep

    return sweep(settings)


def _expire_approvals(settings: Settings) -> Any:
    from agents.workflows.sweeper import expire_approvals

    return expire_approvals(settings)


def _drain_webhooks(settings: Settings) -> Any:
    from integrations.webhooks_out.worker import drain

    return drain(settings)


def _deliver_emails(settings: Settings) -> Any:
    from integrations.billing.admin_dm import deliver_admin_dms
    from integrations.email.delivery import deliver_pending_emails

    return deliver_pending_emails(settings), deliver_admin_dms(settings)


def _outbox_lag(settings: Settings) -> Any:
    from integrations.billing.thresholds import SLACK_DM_EVENT
    from integrations.db.outbox_lag import record_outbox_lag
    from integrations.email.outbox import EMAIL_EVENT
    from integrations.webhooks_out.events import DELIVERED_TYPES

    return record_outbox_lag(settings, known=(EMAIL_EVENT, SLACK_DM_EVENT, *DELIVERED_TYPES))


def _report_usage(settings: Settings) -> Any:
    from integrations.billing.meter import report_usage

    return report_usage(settings)


def _retention_purge(settings: Settings) -> Any:
    from integrations.privacy.retention import purge_expired

    return purge_expired(settings)


def _weekly_digest(settings: Settings) -> Any:
    from integrations.email.digest import queue_weekly_digests

    return queue_weekly_digests(settings)


@dataclass(frozen=True)
class Job:
    name: str  # beat entry name, also the metric label
    task: str  # Celery task name (registered in agents/tasks.py or integrations/*/tasks.py)
    run: Callable[[Settings], Any]
    every: float | None = None  # seconds, or
    cron: dict[str, Any] = field(default_factory=dict)  # crontab(**cron)
    clock: Clock = "own"  # embedded cadence: see the module docstring

    def celery_schedule(self) -> float | crontab:
        return self.every if self.every is not None else crontab(**self.cron)

    def embedded_every(self, settings: Settings) -> float:
        """Seconds between embedded runs (interval jobs); 0 = off in embedded mode."""
        if self.clock == "beat":
            return settings.embedded_beat_seconds
        if self.clock == "poll":
            return settings.webhook_poll_seconds
        return (self.every or 0.0) if settings.embedded_beat_seconds > 0 else 0.0

    def embedded_on(self, settings: Settings) -> bool:
        if self.every is None:
            return settings.embedded_beat_seconds > 0
        return self.embedded_every(settings) > 0


SCHEDULE: tuple[Job, ...] = (
    Job("workflow-sweeper", "bmad.sweep_workflows", _sweep, every=15.0, clock="beat"),
    Job("approval-timeouts", "bmad.expire_approvals", _expire_approvals, every=60.0, clock="beat"),
    Job("webhooks-outbox-drain", "bmad.webhooks_out.drain", _drain_webhooks, 5.0, clock="poll"),
    Job(
        "billing-deliver-emails", "bmad.billing.deliver_emails", _deliver_emails, 15.0, clock="poll"
    ),
    Job("outbox-lag", "bmad.record_outbox_lag", _outbox_lag, every=15.0, clock="beat"),
    Job("billing-report-usage", "bmad.billing.report_usage", _report_usage, every=300.0),
    Job(
        "billing-retention-purge",
        "bmad.billing.retention_purge",
        _retention_purge,
        cron={"hour": 3, "minute": 17},
    ),
    Job(
        "billing-weekly-digest",
        "bmad.billing.weekly_digest",
        _weekly_digest,
        cron={"day_of_week": "mon", "hour": 7, "minute": 0},
    ),
)
JOBS = {job.name: job for job in SCHEDULE}
BEAT_CLOCK = tuple(j.name for j in SCHEDULE if j.clock != "poll")
POLL_CLOCK = tuple(j.name for j in SCHEDULE if j.clock == "poll")


def beat_schedule() -> dict[str, dict[str, Any]]:
    """Celery's `beat_schedule`, from the table."""
    return {j.name: {"task": j.task, "schedule": j.celery_schedule()} for j in SCHEDULE}


def run_job(job: Job, settings: Settings) -> Any:
    """Run one job, timed and counted (both runners and the Celery tasks' bodies)."""
    started = datetime.now(UTC)
    try:
        result = job.run(settings)
    except Exception:
        SCHEDULED_JOB_RUNS.labels(job.name, "error").inc()
        raise
    finally:
        SCHEDULED_JOB_SECONDS.labels(job.name).observe(
            (datetime.now(UTC) - started).total_seconds()
        )
    SCHEDULED_JOB_RUNS.labels(job.name, "ok").inc()
    return result


def _next_cron(job: Job, after: datetime) -> datetime:
    """The first crontab fire time strictly after `after` (UTC)."""
    schedule = crontab(**job.cron, nowfun=lambda: after)
    return after + schedule.remaining_estimate(after)


class EmbeddedScheduler:
    """Runs table jobs from a daemon thread; `run_due(now)` is one tick (tests call it)."""

    def __init__(
        self,
        settings: Settings,
        names: Iterable[str],
        start: datetime | None = None,
        give_up: bool = False,
    ) -> None:
        self.settings = settings
        self.give_up = give_up  # stop after MAX_FAILURES failed ticks (process-wide beat)
        self.jobs = [JOBS[n] for n in names if JOBS[n].embedded_on(settings)]
        start = start or datetime.now(UTC)
        self.next_due: dict[str, datetime] = {j.name: self._after(j, start) for j in self.jobs}
        self.runs: dict[str, int] = {j.name: 0 for j in self.jobs}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _after(self, job: Job, at: datetime) -> datetime:
        if job.every is None:
            return _next_cron(job, at)
        return at + timedelta(seconds=job.embedded_every(self.settings))

    @property
    def tick_seconds(self) -> float:
        intervals = [j.embedded_every(self.settings) for j in self.jobs if j.every is not None]
        # Crontab jobs only need a check now and then; a minute keeps them on time.
        return min([*intervals, 60.0]) if self.jobs else 0.0

    def run_due(self, now: datetime | None = None) -> list[str]:
        """Run every job whose time has come; returns their names. A failing job is logged
        and retried at its next time; it never stops the others."""
        now = now or datetime.now(UTC)
        ran, failed = [], 0
        for job in self.jobs:
            if now < self.next_due[job.name]:
                continue
            self.next_due[job.name] = self._after(job, now)
            try:
                run_job(job, self.settings)
                self.runs[job.name] += 1
                ran.append(job.name)
            except Exception:
                failed += 1
                log.warning("scheduled_job_failed", job=job.name, exc_info=True)
        if failed and not ran:
            raise RuntimeError(f"{failed} scheduled job(s) failed")
        return ran

    def start(self) -> None:
        if not self.jobs:
            return
        self._thread = threading.Thread(target=self._loop, name="bmad-scheduler", daemon=True)
        self._thread.start()

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.settings.webhook_delivery_timeout + 5)

    def _loop(self) -> None:
        failures = 0
        while not self._stop.wait(self.tick_seconds):
            try:
                self.run_due()
                failures = 0
            except Exception:
                failures += 1
                if self.give_up and failures >= MAX_FAILURES:
                    log.warning("embedded_scheduler_stopped", failures=failures)
                    return


def poll_scheduler(names: Iterable[str]) -> Callable[[Settings], EmbeddedScheduler]:
    """A factory for `bot.pollers.embedded_poller_lifespan`: outbox deliverers of one app."""
    wanted = tuple(names)
    return lambda settings: EmbeddedScheduler(settings, wanted)
