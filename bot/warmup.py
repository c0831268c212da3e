"""Load the intent model when the server starts, not on the first user's message.

Training (or loading the cached model) takes seconds; done in a background thread so
`/healthz` answers at once and the Slack ack path never waits for it.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from integrations.observability.logging import get_logger
from integrations.settings import Settings

log = get_logger(__name__)


def warm_intent_model(settings: Settings) -> None:
    from conversations.nlu.cascade import get_cascade

    try:
        get_cascade(settings).classifier  # noqa: B018 - the property loads or trains the model
        log.info("intent_model_ready")
    except Exception:  # the first turn will try again and report properly
        log.exception("intent_model_warmup_failed")


@asynccontextmanager
async def _warmup_lifespan(app: FastAPI) -> AsyncIterator[None]:
    threading.Thread(
        target=warm_intent_model, args=(app.state.settings,), name="nlu-warmup", daemon=True
    ).start()
    yield


router = APIRouter(lifespan=_warmup_lifespan)
