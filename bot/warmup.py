"""Load the intent model when the server starts, not on the first user's message.

Training (or loading the cached model) takes seconds; done in a background thread so
`/healthz` answers at once and the Slack ack path never waits for it.
"""

from __future__ import annotations

import contextvars
import gc
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from integrations.observability.logging import get_logger
from integrations.settings import Settings

log = get_logger(__name__)


_started_lock = threading.Lock()
_started: set[int] = set()  # cascades (one per settings) whose loading has begun
_heap_frozen = False


def intent_model_ready(settings: Settings) -> bool:
    """True once this process has the intent model in memory (`/readyz` waits for it)."""
    from conversations.nlu.cascade import get_cascade

    return get_cascade(settings).loaded


def warm_intent_model(settings: Settings) -> bool:
    from conversations.nlu.cascade import get_cascade

    try:
        get_cascade(settings).classifier  # noqa: B018 - the property loads or trains the model
    except Exception:  # the first turn will try again and report properly
        log.exception("intent_model_warmup_failed")
        return False
    log.info("intent_model_ready")
    _freeze_start_up_heap()
    return True


def _freeze_start_up_heap() -> None:
    """Once per process, when start-up is done: what it built (modules, the app, the intent
    model) lives as long as the process, so the garbage collector stops walking it.

    Why: every full collection walked those ~300k objects again; on the web process's Slack
    ack path that was ~40 us of CPU a request (benchmarks/slack_ack_cpu.py). In a worker it
    also keeps the pool processes forked after this from copying the pages the collector
    would have touched (the `gc.freeze` advice in the Python docs).
    """
    global _heap_frozen
    with _started_lock:
        if _heap_frozen:
            return
        _heap_frozen = True
    gc.collect()  # what is garbage now is not frozen with the rest
    gc.freeze()
    log.info("start_up_heap_frozen", objects=gc.get_freeze_count())


def start_warmup(settings: Settings) -> None:
    """Load the model in a background thread, once per process (start-up or `/readyz`)."""
    from conversations.nlu.cascade import get_cascade

    cascade = id(get_cascade(settings))
    with _started_lock:
        if cascade in _started:
            return
        _started.add(cascade)
    # The thread runs in a copy of the caller's context: started by a `/readyz` request, its
    # lines carry that request's request_id like every other line logged for the request.
    context = contextvars.copy_context()
    threading.Thread(
        target=context.run, args=(_warm_until_loaded, settings), name="nlu-warmup", daemon=True
    ).start()


def _warm_until_loaded(settings: Settings) -> None:
    from conversations.nlu.cascade import get_cascade

    if not warm_intent_model(settings):
        with _started_lock:
            _started.discard(id(get_cascade(settings)))  # the next /readyz tries again


@asynccontextmanager
async def _warmup_lifespan(app: FastAPI) -> AsyncIterator[None]:
    start_warmup(app.state.settings)
    yield


router = APIRouter(lifespan=_warmup_lifespan)
