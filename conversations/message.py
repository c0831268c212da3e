"""The message every channel adapter builds and the reply the pipeline returns."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from integrations.security.text_hygiene import clean_text

Channel = Literal["slack", "dm", "api", "console", "webhook", "web"]
SLACK_CHANNELS: frozenset[str] = frozenset({"slack", "dm"})  # text arrives as Slack markup


def _now() -> datetime:
    return datetime.now(UTC)


# The longest message a turn takes, from any channel: well above every per-task limit
# (`request_limits.yaml`), so a long request is refused in words naming its task's limit
# instead of failing validation at an edge or being cut silently.
MAX_MESSAGE_CHARS = 100_000


class Message(BaseModel):
    """One inbound user message.

    `conversation_key` is `tenant:channel:thread_ts` for a channel thread, `tenant:dm:user`
    for a direct message, `tenant:api:<client conversation id>` for the API and
    `tenant:console:<name>` for the terminal console and `tenant:web:<user>` for the web console.
    """

    tenant_id: str = Field(min_length=1, max_length=64, pattern=r"^[^:]+$")
    channel: Channel
    conversation_key: str = Field(min_length=3, max_length=300)
    user_id: str = Field(min_length=1, max_length=64)
    text: str = Field(max_length=MAX_MESSAGE_CHARS)
    event_id: str = Field(min_length=1, max_length=200)
    received_at: datetime = Field(default_factory=_now)
    # Who claims the event id: a worker retrying its own turn after an outage (the claim
    # could not be released while Redis was down) presents the same token and goes on;
    # anyone else with the same event id is a duplicate.
    claim_token: str | None = Field(None, max_length=64)

    @field_validator("text", mode="before")
    @classmethod
    def _without_controls(cls, value: object) -> object:
        """Every channel builds a Message: the one place control characters are dropped."""
        return clean_text(value) if isinstance(value, str) else value


def conversation_key(tenant_id: str, kind: str, ident: str) -> str:
    return f"{tenant_id}:{kind}:{ident}"
