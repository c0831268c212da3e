"""The listener for events we acknowledge and ignore (edits, joins, bot messages).

Every listener calls `ack()` first; before it there is no database, Redis or NLU work.
"""

from __future__ import annotations

from slack_bolt import Ack


def ack_now(ack: Ack) -> None:
    ack()
