"""Block Kit rendering: replies, agent outputs, approval and confirmation buttons, App Home.

Pure functions from facts to Slack's JSON shapes, so the listeners, the notifier and the
tests share one rendering and the words still come from `texts`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.slack.texts import text

HEADER_MAX = 150
SECTION_MAX = 3000

APPROVE_ACTION = "bmad_approve"
REJECT_ACTION = "bmad_reject"
CONFIRM_YES_ACTION = "bmad_confirm_yes"
CONFIRM_NO_ACTION = "bmad_confirm_no"

Blocks = list[dict[str, Any]]


def section(mrkdwn: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn[:SECTION_MAX]}}


def header(title: str) -> dict[str, Any]:
    return {"type": "header", "text": {"type": "plain_text", "text": title[:HEADER_MAX]}}


def context(mrkdwn: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": mrkdwn}]}


def button(label: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    b: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": label},
        "action_id": action_id,
        "value": value,
    }
    if style:
        b["style"] = style
    return b


def slack_date(moment: datetime) -> str:
    """A Slack date token: each reader sees the time in their own time zone."""
    fallback = moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"


def reply_blocks(reply_text: str, *, kind: str, lang: str) -> Blocks:
    """A pipeline reply; a confirmation question gets Yes / No buttons."""
    blocks: Blocks = [section(reply_text)]
    if kind == "confirm":
        blocks.append(
            {
                "type": "actions",
                "block_id": f"confirm:{lang}",
                "elements": [
                    button(text("button_yes", lang), CONFIRM_YES_ACTION, "yes", "primary"),
                    button(text("button_no", lang), CONFIRM_NO_ACTION, "no"),
                ],
            }
        )
    return blocks


def agent_output_blocks(
    body: str,
    *,
    title: str | None,
    agent: str | None,
    step: str | None,
    tokens: int,
    lang: str,
) -> Blocks:
    """Header, the output (or its summary when it goes to a file), context with agent/tokens."""
    blocks: Blocks = []
    if title:
        blocks.append(header(title))
    blocks.append(section(body))
    if agent:
        blocks.append(context(text("agent_context", lang, agent=agent, step=step, tokens=tokens)))
    return blocks


def approval_blocks(
    body: str, *, run_id: int, role: str | None, title: str | None, lang: str
) -> Blocks:
    blocks: Blocks = []
    if title:
        blocks.append(header(title))
    blocks.append(section(body))
    blocks.append(context(text("approval_needed", lang, run_id=run_id, role=role)))
    blocks.append(
        {
            "type": "actions",
            "block_id": f"approval:{run_id}:{lang}",
            "elements": [
                button(text("button_approve", lang), APPROVE_ACTION, str(run_id), "primary"),
                button(text("button_reject", lang), REJECT_ACTION, str(run_id), "danger"),
            ],
        }
    )
    return blocks


def decided_blocks(original: Blocks, decision_line: str) -> Blocks:
    """The original message without its buttons, plus who decided and when."""
    kept = [b for b in original if b.get("type") != "actions"]
    return [*kept, context(decision_line)]


def home_view(
    *, runs_lines: list[str], approvals: list[tuple[str, int]], usage: str, lang: str
) -> dict[str, Any]:
    """App Home: recent runs, approvals waiting for this user (with buttons), usage."""
    blocks: Blocks = [header(text("home_title", lang)), section(text("home_runs", lang))]
    blocks.append(section("\n".join(runs_lines) if runs_lines else text("runs_none", lang)))
    blocks.append({"type": "divider"})
    blocks.append(section(text("home_approvals", lang)))
    if not approvals:
        blocks.append(context(text("home_approvals_none", lang)))
    for line, run_id in approvals:
        blocks.append(section(line))
        blocks.append(
            {
                "type": "actions",
                "block_id": f"approval:{run_id}:{lang}",
                "elements": [
                    button(text("button_approve", lang), APPROVE_ACTION, str(run_id), "primary"),
                    button(text("button_reject", lang), REJECT_ACTION, str(run_id), "danger"),
                ],
            }
        )
    blocks.append({"type": "divider"})
    blocks.append(section(text("home_usage", lang)))
    blocks.append(section(usage))
    return {"type": "home", "blocks": blocks}
