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


def combined(first: Outcome, then: Outcome) -> Outcome:
    """Two outcomes of one message in one reply; a question in the second stays the kind
    (it is what the user answers next)."""
    asks = then.kind in ("question", "confirm", "clarify")
    return Outcome(
        kind=then.kind if asks else first.kind,
        text=f"{first.text}\n\n{then.text}",
        intent=then.intent if asks else first.intent,
        run_ids=[*first.run_ids, *then.run_ids],
        upgrade_url=first.upgrade_url or then.upgrade_url,
    )
