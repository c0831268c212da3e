"""The Celery application.

Production: Redis broker (`BMAD_QUEUE=celery`), tasks `acks_late` so a task whose worker
dies is redelivered. Embedded default (`BMAD_QUEUE=eager`): no broker; tasks run in the
calling process (see `agents.workflows.dispatch`: a background thread pool).

Beat runs the workflow sweeper (re-queue steps whose worker died, re-send missing notices)
and the approval timeouts (escalate once, then expire).
"""

from __future__ import annotations

import threading

from celery import Celery

from integrations.billing.tasks import beat_entries as billing_beat_entries
from integrations.settings import Settings, get_settings
from integrations.webhooks_out.tasks import beat_entries as webhook_beat_entries

celery_app = Celery("bmad")
_configured_for: tuple[str, str | None, str] | None = None
_configure_lock = threading.Lock()

SWEEP_EVERY_SECONDS = 15.0
APPROVALS_EVERY_SECONDS = 60.0


def configure_celery(settings: Settings) -> Celery:
    broker = settings.redis_url if settings.queue == "celery" else "memory://"
    celery_app.conf.update(
        broker_url=broker,
        result_backend=None,
        task_ignore_result=True,
        task_always_eager=settings.queue == "eager",
        task_eager_propagates=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue=settings.celery_queue,
        broker_transport_options={"visibility_timeout": 3600},
        broker_connection_retry_on_startup=True,
        timezone="UTC",
        enable_utc=True,
        beat_schedule={
            "workflow-sweeper": {"task": "bmad.sweep_workflows", "schedule": SWEEP_EVERY_SECONDS},
            "approval-timeouts": {
                "task": "bmad.expire_approvals",
                "schedule": APPROVALS_EVERY_SECONDS,
            },
            **webhook_beat_entries(),  # outbound webhook outbox drain (registers its task)
            **billing_beat_entries(),  # emails, Stripe meter events, retention, digest
        },
    )
    celery_app.autodiscover_tasks(["agents"], related_name="tasks", force=True)
    global _configured_for
    # Workers configured at start-up need no reconfiguration when a task sends the next one.
    _configured_for = (settings.queue, settings.redis_url, settings.celery_queue)
    return celery_app


def ensure_configured(settings: Settings) -> Celery:
    """Configure once per process (producers call this before sending a task)."""
    wanted = (settings.queue, settings.redis_url, settings.celery_queue)
    with _configure_lock:
        if _configured_for != wanted:
            configure_celery(settings)
    return celery_app


def app_for_worker() -> Celery:
    """Entry point for `celery -A agents.queue:app_for_worker` style launches and `bmad worker`."""
    return configure_celery(get_settings())
