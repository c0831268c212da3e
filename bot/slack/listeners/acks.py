"""Ack functions: the only code that runs before Slack gets its 200.

No database, no Redis, no NLU: Bolt has already verified the signature; we answer.
"""

from __future__ import annotations

from slack_bolt import Ack


def ack_now(ack: Ack) -> None:
    ack()
