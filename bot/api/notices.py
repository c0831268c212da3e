"""GET /api/v1/conversations/{conversation_id}/notices: run progress of an API conversation.

Slack users see step results and approval requests in their thread; API clients poll this
instead (or subscribe an outbound webhook). Notices come from the conversation's Redis
stream; `after` is the last id the client saw, so polling never repeats a notice.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel

from agents.notify import read_notices
from bot.api.deps import PrincipalDep, SettingsDep
from bot.api.schemas import ERRORS, ID_PATTERN
from conversations.message import conversation_key
from integrations.mrkdwn import slack_unescape

router = APIRouter(tags=["messages"])
STREAM_ID = r"^(0|[0-9]{1,20}-[0-9]{1,20})$"


class NoticeOut(BaseModel):
    id: str
    run_id: str | None  # the run's public id (`run_…`)
    kind: str
    text: str
    title: str | None = None
    agent: str | None = None
    step: str | None = None
    approval_role: str | None = None


class NoticeList(BaseModel):
    notices: list[NoticeOut]
    last_id: str


@router.get("/conversations/{conversation_id}/notices", response_model=NoticeList, responses=ERRORS)
def list_notices(
    conversation_id: Annotated[str, Path(min_length=1, max_length=200, pattern=ID_PATTERN)],
    principal: PrincipalDep,
    settings: SettingsDep,
    after: Annotated[str, Query(pattern=STREAM_ID)] = "0",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    source: Literal["api", "webhook"] = "api",
) -> NoticeList:
    """Notices newer than `after`, oldest first. `source=webhook` reads the conversation a
    generic webhook started (its `conversation_id`)."""
    key = conversation_key(principal.tenant_id, source, conversation_id)
    entries = read_notices(settings, principal.tenant_id, key, after_id=after)[:limit]
    notices = [
        NoticeOut(
            id=entry_id,
            run_id=n.run_public_id,
            kind=n.kind,
            text=slack_unescape(n.text),  # rendered for Slack; the API gives it as typed
            title=n.title,
            agent=n.agent,
            step=n.step,
            approval_role=n.approval_role,
        )
        for entry_id, n in entries
    ]
    return NoticeList(notices=notices, last_id=notices[-1].id if notices else after)
