"""How workflow progress reaches a conversation.

The engine only knows this interface; the console prints, Slack posts in the run's thread,
webhooks deliver to the tenant's endpoints. Implementations must be safe to call from a
Celery worker.
"""

from __future__ import annotations

from typing import Literal, Protocol

from pydantic import BaseModel, Field

NoticeKind = Literal["step_result", "approval_request", "run_finished", "info"]


class Notice(BaseModel):
    tenant_id: str
    conversation_key: str
    run_id: int
    kind: NoticeKind
    text: str
    # Structured parts for rich channels (Slack Block Kit): agent, step, tokens, actions.
    title: str | None = None
    agent: str | None = None
    step: str | None = None
    tokens: int = 0
    approval_role: str | None = None
    lang: str = "en"
    extra: dict[str, str] = Field(default_factory=dict)


class Notifier(Protocol):
    def notify(self, notice: Notice) -> None: ...
