"""What a workflow tells a conversation (`Notice`) and who can carry it (`Notifier`).

Kept apart from `agents.notify`'s delivery, so that what delivery calls (the approval
email) can use the model without importing delivery back.
"""

from __future__ import annotations

from typing import Literal, Protocol

from pydantic import BaseModel, Field

NoticeKind = Literal["step_result", "approval_request", "approval_decided", "run_finished", "info"]


class Notice(BaseModel):
    tenant_id: str
    conversation_key: str
    run_id: int
    run_public_id: str | None = None  # what the HTTP API shows (None on notices from before)
    kind: NoticeKind
    text: str
    # Structured parts for rich channels (Slack Block Kit): agent, step, tokens, actions.
    title: str | None = None
    agent: str | None = None
    step: str | None = None
    tokens: int = 0
    approval_role: str | None = None
    # An approval request sent again after its timeout, to `escalate_to` (a role).
    escalated: bool = False
    escalate_to: str | None = None
    lang: str = "en"
    extra: dict[str, str] = Field(default_factory=dict)
    # Same key = same notice: delivery retried after a crash is dropped, not posted twice.
    dedupe_key: str | None = None


class Notifier(Protocol):
    def notify(self, notice: Notice) -> None: ...
