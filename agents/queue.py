"""The Celery application.

Production: Redis broker (`BMAD_QUEUE=celery`), tasks `acks_late` so a task whose worker
dies is redelivered. Embedded default (`BMAD_QUEUE=eager`): no broker; tasks run in the
calling process (see `agents.workflows.dispatch`: a background thread pool).

Beat runs every job of `agents.schedule_table.SCHEDULE` (sweeper, approval timeouts, outbox
drain, emails, metering, retention purge, digest); the embedded default runs the same table.
"""

from __future__ import annotations

import threading

from celery import Celery
from kombu import pools as kombu_pools

import integrations.billing.tasks
import integrations.privacy.tasks
import integrations.webhooks_out.tasks
from agents.schedule_table import beat_schedule
from integrations.settings import Settings, get_settings

celery_app = Celery("bmad")
_configured_for: tuple[str, str | None, str] | None = None
_configure_lock = threading.Lock()

# Their modules register the billing, retention and outbox tasks the schedule names.
_TASK_MODULES = (
    integrations.billing.tasks,
    integrations.privacy.tasks,
    integrations.webhooks_out.tasks,
)
VISIBILITY_TIMEOUT_SECONDS = 300


def configure_celery(settings: Settings) -> Celery:
    broker = settings.redis_url if settings.queue == "celery" else "memory://"
    if celery_app.conf.broker_url not in (None, broker):
        _drop_broker_connections()
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
        # A message a worker had taken when it lost the broker (outage, SIGKILL) is given
        # to another worker after visibility_timeout. Redeliveries are harmless: steps
        # claim by (step, attempt), turns by event id.
        broker_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT_SECONDS},
        broker_connection_retry_on_startup=True,
        # One JSON log stream: Celery keeps the root logger we configured and leaves
        # stdout/stderr alone (its redirect re-logged our JSON lines as WARNING text).
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
        # Never give up on the broker: an outage must not end a worker ("Unrecoverable
        # error" after 100 tries); it reconnects with backoff until Redis is back.
        broker_connection_max_retries=None,
        broker_channel_error_retry=True,
        timezone="UTC",
        enable_utc=True,
        beat_schedule=beat_schedule(),  # the one table (agents/schedule_table.py)
    )
    celery_app.autodiscover_tasks(["agents"], related_name="tasks", force=True)
    global _configured_for
    # Workers configured at start-up need no reconfiguration when a task sends the next one.
    _configured_for = (settings.queue, settings.redis_url, settings.celery_queue)
    return celery_app


def _drop_broker_connections() -> None:
    """Celery keeps its connection and producer pools after the broker URL changes (a
    process configured for one Redis, then another: tests, `bmad` one-shot commands), and
    would keep publishing to the old broker. Same reset Celery does after a fork."""
    pool = celery_app._pool
    if pool is not None:
        pool.force_close_all()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    # kombu also keeps process-wide pools per broker URL: left in place, going back to a
    # broker used before (redis -> memory -> redis) would hand out its closed pool.
    kombu_pools.reset()


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
