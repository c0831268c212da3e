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
from datetime import UTC, datetime, timedelta
from typing import Any

from celery.schedules import crontab

from agents.schedule_table import BEAT_CLOCK, JOBS, POLL_CLOCK, SCHEDULE, Job, beat_schedule
from agents.workflows.sweeper import expire_approvals, sweep
from integrations.billing.admin_dm import deliver_admin_dms
from integrations.billing.digest import queue_weekly_digests
from integrations.billing.meter import report_usage
from integrations.billing.thresholds import SLACK_DM_EVENT
from integrations.db.outbox_lag import record_outbox_lag
from integrations.email.delivery import deliver_pending_emails
from integrations.email.outbox import EMAIL_EVENT
from integrations.observability.logging import get_logger
from integrations.observability.metrics import SCHEDULED_JOB_RUNS, SCHEDULED_JOB_SECONDS
from integrations.privacy.retention import purge_expired
from integrations.settings import Settings
from integrations.webhooks_out.events import DELIVERED_TYPES
from integrations.webhooks_out.worker import drain

# The table lives in `agents.schedule_table` (data only, for the Celery app); these are
# re-exported so callers keep one place to import the schedule from.
__all__ = [
    "BEAT_CLOCK",
    "JOBS",
    "POLL_CLOCK",
    "RUNNERS",
    "SCHEDULE",
    "EmbeddedScheduler",
    "Job",
    "beat_schedule",
    "poll_scheduler",
    "run_job",
]

log = get_logger(__name__)
MAX_FAILURES = 5  # consecutive failed ticks (deleted or unmigrated database) end the thread


def _deliver_emails(settings: Settings) -> Any:
    return deliver_pending_emails(settings), deliver_admin_dms(settings)


def _outbox_lag(settings: Settings) -> Any:
    return record_outbox_lag(settings, known=(EMAIL_EVENT, SLACK_DM_EVENT, *DELIVERED_TYPES))


# What each job of the table runs (both runners and the Celery tasks' bodies, via `run_job`).
RUNNERS: dict[str, Callable[[Settings], Any]] = {
    "workflow-sweeper": sweep,
    "approval-timeouts": expire_approvals,
    "webhooks-outbox-drain": drain,
    "billing-deliver-emails": _deliver_emails,
    "outbox-lag": _outbox_lag,
    "billing-report-usage": report_usage,
    "billing-retention-purge": purge_expired,
    "billing-weekly-digest": queue_weekly_digests,
}


def run_job(job: Job, settings: Settings) -> Any:
    """Run one job, timed and counted (both runners and the Celery tasks' bodies)."""
    started = datetime.now(UTC)
    try:
        result = RUNNERS[job.name](settings)
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
