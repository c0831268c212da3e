"""The schedule table: every periodic job's name, Celery task and cadence.

Data only, so that the Celery app (`agents.queue`, beat's `beat_schedule`) reads it without
importing what the jobs run; the job bodies, the embedded scheduler and the reasons for one
table are in `agents.workflows.schedule`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from celery.schedules import crontab

from integrations.settings import Settings

Clock = Literal["beat", "poll", "own"]


@dataclass(frozen=True)
class Job:
    name: str  # beat entry name, also the metric label
    task: str  # Celery task name (registered in agents/tasks.py or integrations/*/tasks.py)
    # What it runs: `agents.workflows.schedule.RUNNERS[name]`.
    every: float | None = None  # seconds, or
    cron: dict[str, Any] = field(default_factory=dict)  # crontab(**cron)
    clock: Clock = "own"  # embedded cadence: see `agents.workflows.schedule`'s docstring

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
    Job("workflow-sweeper", "bmad.sweep_workflows", every=15.0, clock="beat"),
    Job("approval-timeouts", "bmad.expire_approvals", every=60.0, clock="beat"),
    Job("webhooks-outbox-drain", "bmad.webhooks_out.drain", 5.0, clock="poll"),
    Job("billing-deliver-emails", "bmad.billing.deliver_emails", 15.0, clock="poll"),
    Job("outbox-lag", "bmad.record_outbox_lag", every=15.0, clock="beat"),
    Job("billing-report-usage", "bmad.billing.report_usage", every=300.0),
    Job(
        "billing-retention-purge",
        "bmad.billing.retention_purge",
        cron={"hour": 3, "minute": 17},
    ),
    Job(
        "billing-weekly-digest",
        "bmad.billing.weekly_digest",
        cron={"day_of_week": "mon", "hour": 7, "minute": 0},
    ),
)
JOBS = {job.name: job for job in SCHEDULE}
BEAT_CLOCK = tuple(j.name for j in SCHEDULE if j.clock != "poll")
POLL_CLOCK = tuple(j.name for j in SCHEDULE if j.clock == "poll")


def beat_schedule() -> dict[str, dict[str, Any]]:
    """Celery's `beat_schedule`, from the table."""
    return {j.name: {"task": j.task, "schedule": j.celery_schedule()} for j in SCHEDULE}
