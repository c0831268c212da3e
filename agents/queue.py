"""The Celery application.

Production: Redis broker (`BMAD_QUEUE=celery`), tasks `acks_late` so a task whose worker
dies is redelivered. Embedded default (`BMAD_QUEUE=eager`): no broker; tasks run in the
calling process (see `agents.dispatch`).
"""

from __future__ import annotations

from celery import Celery

from integrations.settings import Settings, get_settings

celery_app = Celery("bmad")


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
        task_default_queue="bmad",
        broker_transport_options={"visibility_timeout": 3600},
        broker_connection_retry_on_startup=True,
        timezone="UTC",
        enable_utc=True,
        beat_schedule={},
    )
    celery_app.autodiscover_tasks(["agents"], related_name="tasks", force=True)
    return celery_app


def app_for_worker() -> Celery:
    """Entry point for `celery -A agents.queue:app_for_worker` style launches and `bmad worker`."""
    return configure_celery(get_settings())
