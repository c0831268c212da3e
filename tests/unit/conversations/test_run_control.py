"""Run control from the conversation: status, approve, reject and cancel without a run id
mean this conversation's run; messages during a run are answered; roles are named."""

from __future__ import annotations

import pytest

from agents.workflows.service import WorkflowService
from conversations.state import Pending
from conversations.store import StateStore
from integrations.db.models import Role
from integrations.redis_store import get_redis
from integrations.settings import Settings
from tests.unit.conversations.chat_helper import Chat


def _production_run(chat: Chat, lang: str = "en") -> int:
    ask = "deploy checkout to production" if lang == "en" else "deploy checkout naar productie"
    assert chat.say(ask).kind == "confirm"
    started = chat.say("yes" if lang == "en" else "ja")
    assert started.kind == "started", started
    chat.settle(started.run_ids)
    return started.run_ids[0]


def test_status_and_approve_without_run_id(embedded_settings: Settings, tenant_id: str) -> None:
    chat = Chat(embedded_settings, tenant_id)
    chat.as_user("a2", Role.admin)
    run_id = _production_run(chat)
    status = chat.say("what's the status of my run?")
    assert status.intent == "workflow_status"
    assert f"#{run_id}" in status.text and "approval" in status.text, status.text
    own = chat.say("approve")  # four eyes: the requester is refused, told who can
    assert own.intent == "approve_run" and own.kind == "error"
    assert "four eyes" in own.text and "a2" in own.text, own.text
    approved = chat.as_user("a2", Role.admin).say("approve")
    assert approved.intent == "approve_run"
    assert approved.text.startswith("Approved") and f"#{run_id}" in approved.text
    chat.settle([run_id])
    assert WorkflowService(embedded_settings).get(tenant_id, run_id).waiting_approval is None


def test_member_cannot_approve_and_is_told_the_role(
    embedded_settings: Settings, tenant_id: str
) -> None:
    owner = Chat(embedded_settings, tenant_id)
    run_id = _production_run(owner)
    member = owner.as_user("m1", Role.member)
    refused = member.say("approve")
    assert refused.kind == "error"
    assert "admin" in refused.text
    view = WorkflowService(embedded_settings).get(tenant_id, run_id)
    assert view.waiting_approval is not None


def test_cancel_asks_confirmation_then_cancels(embedded_settings: Settings, tenant_id: str) -> None:
    chat = Chat(embedded_settings, tenant_id)
    run_id = _production_run(chat)
    ask = chat.say("cancel it")
    assert ask.kind == "confirm"
    assert f"#{run_id}" in ask.text
    done = chat.say("yes")
    assert done.intent == "cancel_workflow"
    assert f"#{run_id}" in done.text
    assert WorkflowService(embedded_settings).get(tenant_id, run_id).status == "cancelled"


def test_cancel_declined_in_dutch_keeps_the_run(
    embedded_settings: Settings, tenant_id: str
) -> None:
    chat = Chat(embedded_settings, tenant_id)
    run_id = _production_run(chat, "nl")
    ask = chat.say("stop de run")
    assert ask.kind == "confirm", ask
    assert "stoppen" in ask.text
    assert chat.say("nee").kind == "answer"
    assert WorkflowService(embedded_settings).get(tenant_id, run_id).status != "cancelled"


def test_reject_in_dutch(embedded_settings: Settings, tenant_id: str) -> None:
    chat = Chat(embedded_settings, tenant_id)
    run_id = _production_run(chat, "nl")
    rejected = chat.say("afwijzen")
    assert rejected.intent == "reject_run", rejected
    assert rejected.text.startswith("Afgewezen")
    chat.settle([run_id])
    assert WorkflowService(embedded_settings).get(tenant_id, run_id).status != "succeeded"


def test_question_in_passing_keeps_the_pending_request(
    embedded_settings: Settings, tenant_id: str
) -> None:
    chat = Chat(embedded_settings, tenant_id)
    assert chat.say("deploy checkout").kind == "question"
    status = chat.say("what is the status of my run?")
    assert status.intent == "workflow_status" and status.kind == "answer"
    assert chat.state().pending is not None
    started = chat.say("staging")
    assert started.kind == "started"
    assert WorkflowService(embedded_settings).get(tenant_id, started.run_ids[0]).inputs[
        "service"
    ] == ("checkout")


@pytest.mark.parametrize("text", ["cancel", "approve", "reject"])
def test_run_control_without_any_run(
    embedded_settings: Settings, tenant_id: str, text: str
) -> None:
    chat = Chat(embedded_settings, tenant_id)
    reply = chat.say(text)
    assert reply.kind == "answer"
    assert "no active run" in reply.text or "waiting for an approval" in reply.text


def test_unclear_request_answer_by_number(embedded_settings: Settings, tenant_id: str) -> None:
    """A clarifying question offers alternatives; answering with a number picks one."""
    chat = Chat(embedded_settings, tenant_id)
    state = chat.state()
    state.pending = Pending(
        kind="clarify",
        intent="write_docs",
        options=["write_docs", "write_user_story"],
        text="something about the billing api",
        owner=chat.user,
    )
    StateStore(get_redis(None), 3600).save(state)
    reply = chat.say("2")
    assert reply.intent == "write_user_story"
    assert reply.kind in ("question", "started")


def test_unclear_request_then_pick_by_number_in_dutch(
    embedded_settings: Settings, tenant_id: str
) -> None:
    chat = Chat(embedded_settings, tenant_id)
    ask = chat.say("de billing api")
    assert ask.kind == "clarify", ask
    assert "nummer" in ask.text
    options = chat.state().pending.options  # type: ignore[union-attr]
    assert len(options) >= 2, options
    # Which guesses the menu offers depends on the catalog; picking by number does not.
    picked = chat.say("de tweede")
    assert picked.intent == options[1]
    assert picked.kind in ("question", "started", "answer")


def test_status_in_passing_keeps_a_pending_confirmation(
    embedded_settings: Settings, tenant_id: str
) -> None:
    chat = Chat(embedded_settings, tenant_id)
    first = _production_run(chat)
    assert chat.say("deploy payments to production").kind == "confirm"
    status = chat.say("what's the status of my run?")
    assert status.intent == "workflow_status" and f"#{first}" in status.text
    started = chat.say("yes")
    assert started.kind == "started", started
    run = WorkflowService(embedded_settings).get(tenant_id, started.run_ids[0])
    assert (run.workflow, run.inputs["service"]) == ("production_deploy", "payments")
