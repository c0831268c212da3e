"""Work that runs after the ack, off Bolt's listener threads.

Bolt acks events before their listener runs and waits for `ack()` in commands and
actions; those listener threads must stay free so the next ack is never queued behind a
slow turn. So listeners ack, then hand anything that touches the database, the pipeline
or Slack's API to this pool (or to Celery, for turns with BMAD_QUEUE=celery).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from integrations.observability.logging import get_logger

log = get_logger(__name__)

WORKERS = 16
_pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="bmad-slack-work")


def after_ack(fn: Callable[..., Any], *args: Any) -> None:
    _pool.submit(_guarded, fn, args)


def _guarded(fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    try:
        fn(*args)
    except Exception:  # a background failure is logged, never lost silently
        log.exception("slack_background_failed", task=getattr(fn, "__name__", "?"))
