"""What the turn pipeline returns to a channel adapter."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

ReplyKind = Literal[
    "answer",  # a direct answer (help, status, usage, an agent result)
    "question",  # asks for a missing slot
    "confirm",  # asks yes/no before a risky action (adapters may render buttons)
    "clarify",  # the intent was unclear; offers options
    "started",  # a workflow run was started
    "error",  # something failed; text says what the user can do
    "duplicate",  # the event was already handled: adapters must not post anything
]


class Reply(BaseModel):
    kind: ReplyKind
    text: str = ""
    lang: str = "en"
    intent: str | None = None
    confidence: float | None = None
    run_ids: list[int] = Field(default_factory=list)
    conversation_key: str = ""
    # Set when the turn was refused by a rate limit: seconds until the budget refills.
    retry_after: int | None = None
    # Redis or the database was unreachable: nothing was done, the caller should retry
    # (HTTP adapters answer 503 + Retry-After).
    unavailable: bool = False
    # Set when the plan's quota refused a run: the upgrade link (HTTP API: 402).
    upgrade_url: str | None = None
