"""Block Kit rendering, texts catalogs and conversation keys."""

from datetime import UTC, datetime

import yaml

from bot.slack.blocks import (
    APPROVE_ACTION,
    CONFIRM_YES_ACTION,
    approval_blocks,
    decided_blocks,
    reply_blocks,
    slack_date,
)
from bot.slack.commands import parse, resolve
from bot.slack.keys import slack_conversation_key
from bot.slack.listeners.actions import asked_user, lang_of
from bot.slack.listeners.events import strip_bot_mention
from bot.slack.texts import TEXTS_DIR, status_words, text, workflow_title


def test_catalogs_have_the_same_keys_in_english_and_dutch() -> None:
    en = yaml.safe_load((TEXTS_DIR / "en.yaml").read_text())
    nl = yaml.safe_load((TEXTS_DIR / "nl.yaml").read_text())
    assert set(en) == set(nl)


def test_conversation_keys() -> None:
    assert slack_conversation_key("T1", "C1", "1700.1", "U1", dm=False) == "T1:slack:C1:1700.1"
    assert slack_conversation_key("T1", "D1", "1700.1", "U1", dm=True) == "T1:dm:U1"


def test_confirmation_reply_has_yes_no_buttons_in_its_language() -> None:
    blocks = reply_blocks("Deploy to production?", kind="confirm", lang="nl", asked="U42")
    buttons = blocks[1]["elements"]
    assert asked_user({"block_id": blocks[1]["block_id"]}) == "U42"  # only U42 may answer
    assert asked_user({"block_id": "confirm:nl"}) is None
    assert [b["text"]["text"] for b in buttons] == ["Ja", "Nee"]
    assert buttons[0]["action_id"] == CONFIRM_YES_ACTION
    assert lang_of({"block_id": blocks[1]["block_id"]}) == "nl"
    assert lang_of({"block_id": "unrelated"}) == "en"
    assert reply_blocks("hi", kind="answer", lang="en") == [
        {"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}
    ]


def test_approval_buttons_carry_the_run_and_the_decision_replaces_them() -> None:
    blocks = approval_blocks(
        "Deploy?", run_id=12, role="admin", title="Deploy", lang="nl", facts={"requester": "U1"}
    )
    actions = blocks[-1]
    assert actions["block_id"] == "approval:12:nl"
    assert lang_of({"block_id": actions["block_id"]}) == "nl"
    assert {e["value"] for e in actions["elements"]} == {"12"}
    assert actions["elements"][0]["action_id"] == APPROVE_ACTION
    when = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    line = text("decided_approve", "en", user="U7", when=slack_date(when))
    decided = decided_blocks(blocks, line)
    assert all(b["type"] != "actions" for b in decided)
    assert "<@U7>" in decided[-1]["elements"][0]["text"]
    assert "2026-11-26 12:00 UTC" in decided[-1]["elements"][0]["text"]
    assert "<!date^" in decided[-1]["elements"][0]["text"]  # live, not escaped by finalize


def test_mention_stripping_keeps_other_users() -> None:
    assert strip_bot_mention("<@UBOT> ask <@U2> about it", "UBOT") == "ask <@U2> about it"


def test_command_parsing() -> None:
    assert parse("") == ("help", [])
    assert parse("  Status 12 ") == ("status", ["12"])
    assert parse("write a story")[0] == "write"
    assert resolve("status 12") == ("status", ["12"])
    assert resolve("help") == ("help", [])
    assert resolve("help me write a story") == (None, ["help", "me", "write", "a", "story"])
    assert resolve("write a story")[0] is None


def test_long_slack_messages_are_clipped_to_a_turn() -> None:
    from bot.slack.turn import MAX_TEXT, SlackTurn

    turn = SlackTurn(
        team_id="T1",
        channel="C1",
        thread_ts="1.1",
        user_id="U1",
        text="x" * (MAX_TEXT + 5000),
        event_id="e",
    )
    assert len(turn.text) == MAX_TEXT


def test_approval_request_names_what_is_approved_and_asks_before_production() -> None:
    facts = {
        "service": "checkout",
        "environment": "production",
        "version": "1.4.2",
        "requester": "U9",
        "deadline": "2026-11-26T12:00:00+00:00",
        "plan_summary": "1. Deploy checkout\n2. Smoke checks",
        "plan_step": "plan",
    }
    blocks = approval_blocks(
        "x", run_id=7, role="admin", title="Production deploy", lang="en", facts=facts
    )
    shown = str(blocks)
    assert blocks[0]["text"]["text"] == "Approval needed: Production deploy"
    for part in ("checkout", "production", "1.4.2", "<@U9>", "Smoke checks", "<!date^"):
        assert part in shown, part
    approve = blocks[-1]["elements"][0]
    assert approve["confirm"]["title"]["text"]  # Block Kit asks "are you sure?"
    staging = approval_blocks(
        "x",
        run_id=7,
        role="admin",
        title="Deploy",
        lang="en",
        facts={**facts, "environment": "staging"},
    )
    assert "confirm" not in staging[-1]["elements"][0]


def test_help_lists_every_subcommand_in_both_languages() -> None:
    from bot.slack.commands import COMMANDS, help_text

    for lang in ("en", "nl"):
        shown = help_text(lang=lang)
        for name in COMMANDS:
            assert f"`/bmad {name}" in shown, (lang, name)
    assert {"billing", "role", "export"} <= set(COMMANDS)


def test_people_read_workflow_titles_and_statuses_not_identifiers() -> None:
    assert workflow_title("production_deploy", "en") == "Production deploy"
    assert workflow_title("production_deploy", "nl") == "Productie-deploy"
    assert workflow_title("my_own_flow") == "My own flow"
    assert status_words("waiting_approval") == "waiting for approval"
    assert "_" not in status_words("waiting_approval", "nl")


def test_deploy_notice_and_step_headers_read_well() -> None:
    from agents.crew.templates import render_lang

    for lang in ("en", "nl"):
        dry = render_lang(
            "workflows/{lang}/deploy_dry_run.md",
            lang,
            service="checkout",
            environment="production",
            tenant="T1",
        )
        done = render_lang(
            "workflows/{lang}/deploy_done.md",
            lang,
            inputs={"service": "checkout", "environment": "production"},
            outputs={"deploy": dry},
            run_id=1,
        )
        assert "_" not in done, done  # no stray emphasis marker from the dry-run label
        title = render_lang(
            "workflows/{lang}/step_title.md", lang, agent_name=None, step="notify", run_id=1
        )
        assert title == "Notify (run #1)"  # not "notify: notify"
