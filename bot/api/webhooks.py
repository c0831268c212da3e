"""GET /api/v1/webhooks/event-types: the outbound event catalogue with JSON Schemas.

The same catalogue (integrations.webhooks_out.catalog) that docs/webhooks.md shows and the
tests validate every emitted payload against.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from bot.api.deps import PrincipalDep
from bot.api.schemas import ERRORS
from integrations.webhooks_out.catalog import event_types

router = APIRouter(tags=["webhooks"])


class EventTypeList(BaseModel):
    event_types: list[dict[str, Any]]


@router.get("/webhooks/event-types", response_model=EventTypeList, responses=ERRORS)
def list_event_types(_principal: PrincipalDep) -> EventTypeList:
    """Every outbound event type: name, description, JSON Schema of its `data`."""
    return EventTypeList(event_types=event_types())
