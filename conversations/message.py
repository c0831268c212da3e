"""The message every channel adapter builds and the reply the pipeline returns."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, Field

Channel = Literal["slack", "dm", "api", "console", "webhook"]


def _now() -> datetime:
    return datetime.now(UTC)


class Message(BaseModel):
    """One inbound user message.

    `conversation_key` is `tenant:channel:thread_ts` for a channel thread, `tenant:dm:user`
    for a direct message, `tenant:api:<client conversation id>` for the API and
    `tenant:console:<name>` for the console.
    """

    tenant_id: str = Field(min_length=1, max_length=64, pattern=r"^[^:]+$")
    channel: Channel
    conversation_key: str = Field(min_length=3, max_length=300)
    user_id: str = Field(min_length=1, max_length=64)
    text: str = Field(max_length=8000)
    event_id: str = Field(min_length=1, max_length=200)
    received_at: datetime = Field(default_factory=_now)


def conversation_key(tenant_id: str, kind: str, ident: str) -> str:
    return f"{tenant_id}:{kind}:{ident}"
