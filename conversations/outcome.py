"""What the dialogue decided for one turn, before the pipeline wraps it in a `Reply`."""

from __future__ import annotations

from dataclasses import dataclass, field

from conversations.reply import ReplyKind


@dataclass
class Outcome:
    kind: ReplyKind
    text: str
    intent: str | None = None
    run_ids: list[int] = field(default_factory=list)
    # forget_me confirmed: the pipeline deletes the state instead of saving it.
    forget: bool = False
    # The plan's quota refused a run: where to upgrade (the API answers 402 with it).
    upgrade_url: str | None = None
