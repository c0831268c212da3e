"""Block Kit rendering: replies, agent outputs, approval and confirmation buttons, App Home.

Pure functions from facts to Slack's JSON shapes, so the listeners, the notifier and the
tests share one rendering and the words still come from `texts`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from markupsafe import Markup

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


def button(
    label: str,
    action_id: str,
    value: str,
    style: str | None = None,
    confirm: dict[str, Any] | None = None,
) -> dict[str, Any]:
    b: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": label},
        "action_id": action_id,
        "value": value,
    }
    if style:
        b["style"] = style
    if confirm:
        b["confirm"] = confirm
    return b


def confirm_dialog(title: str, body: str, ok: str, cancel: str) -> dict[str, Any]:
    """Block Kit's confirmation dialog: Slack asks "are you sure?" before sending the click."""
    return {
        "title": {"type": "plain_text", "text": title[:100]},
        "text": {"type": "mrkdwn", "text": body[:300]},
        "confirm": {"type": "plain_text", "text": ok[:30]},
        "deny": {"type": "plain_text", "text": cancel[:30]},
        "style": "danger",
    }


def slack_date(moment: datetime) -> Markup:
    """A Slack date token: each reader sees the time in their own time zone. Our own
    markup built from a datetime (no user text), so `Markup`: the texts' Jinja finalize
    (`integrations.mrkdwn`) keeps it live instead of escaping it to `&lt;!date^...`."""
    fallback = moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return Markup(f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>")


def reply_blocks(
    reply_text: str, *, kind: str, lang: str, asked: str = "", thread: str = ""
) -> Blocks:
    """A pipeline reply; a confirmation question gets Yes / No buttons. The block id names
    the user who was asked (`confirm:<user>:<lang>`): only their click counts. The values
    carry the conversation's thread (`yes:<thread>`): a question sent ephemerally through
    response_url has no message in the click, yet the answer must reach its conversation."""
    blocks: Blocks = [section(reply_text)]
    if kind == "confirm":
        blocks.append(
            {
                "type": "actions",
                "block_id": f"confirm:{asked}:{lang}",
                "elements": [
                    button(
                        text("button_yes", lang), CONFIRM_YES_ACTION, f"yes:{thread}", "primary"
                    ),
                    button(text("button_no", lang), CONFIRM_NO_ACTION, f"no:{thread}"),
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


PRODUCTION = "production"


def approval_buttons(
    run_id: int, lang: str, *, title: str, facts: dict[str, str]
) -> dict[str, Any]:
    """Approve / Reject; approving a production change asks "are you sure?" first."""
    confirm = None
    if facts.get("environment", "").lower() == PRODUCTION:
        confirm = confirm_dialog(
            text("confirm_title", lang),
            text("confirm_text", lang, title=title, service=facts.get("service")),
            text("confirm_ok", lang),
            text("confirm_cancel", lang),
        )
    return {
        "type": "actions",
        "block_id": f"approval:{run_id}:{lang}",
        "elements": [
            button(text("button_approve", lang), APPROVE_ACTION, str(run_id), "primary", confirm),
            button(text("button_reject", lang), REJECT_ACTION, str(run_id), "danger"),
        ],
    }


def approval_blocks(
    body: str,
    *,
    run_id: int,
    role: str | None,
    title: str,
    lang: str,
    facts: dict[str, str],
) -> Blocks:
    """What an approver needs to judge: the workflow in words, service, environment,
    version, who asked, the plan from the step before, the deadline in their time zone."""
    blocks: Blocks = [header(text("approval_title", lang, title=title))]
    if facts.get("requester"):
        blocks.append(
            section(
                text(
                    "approval_facts",
                    lang,
                    run_id=run_id,
                    service=facts.get("service"),
                    environment=facts.get("environment"),
                    version=facts.get("version"),
                    requester=facts["requester"],
                )
            )
        )
    else:
        blocks.append(section(body))
    if facts.get("plan_summary"):
        step = facts.get("plan_step", "")
        blocks.append(section(text("approval_plan", lang, step=step, plan=facts["plan_summary"])))
    deadline = facts.get("deadline")
    if deadline:
        when = slack_date(datetime.fromisoformat(deadline))
        blocks.append(context(text("approval_deadline", lang, when=when, role=role)))
    elif role:
        blocks.append(context(text("approval_no_deadline", lang, role=role)))
    blocks.append(approval_buttons(run_id, lang, title=title, facts=facts))
    return blocks


def decided_blocks(original: Blocks, decision_line: str) -> Blocks:
    """The original message without its buttons, plus who decided and when."""
    kept = [b for b in original if b.get("type") != "actions"]
    return [*kept, context(decision_line)]


def home_view(
    *,
    runs_lines: list[str],
    approvals: list[tuple[str, int, str, dict[str, str]]],
    usage: str,
    lang: str,
) -> dict[str, Any]:
    """App Home: recent runs, approvals waiting for this user (with buttons), usage."""
    blocks: Blocks = [header(text("home_title", lang)), section(text("home_runs", lang))]
    blocks.append(section("\n".join(runs_lines) if runs_lines else text("runs_none", lang)))
    blocks.append({"type": "divider"})
    blocks.append(section(text("home_approvals", lang)))
    if not approvals:
        blocks.append(context(text("home_approvals_none", lang)))
    for line, run_id, title, facts in approvals:
        blocks.append(section(line))
        blocks.append(approval_buttons(run_id, lang, title=title, facts=facts))
    blocks.append({"type": "divider"})
    blocks.append(section(text("home_usage", lang)))
    blocks.append(section(usage))
    return {"type": "home", "blocks": blocks}
