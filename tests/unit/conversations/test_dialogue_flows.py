"""Table-driven multi-turn conversations in English and Dutch, through the real pipeline
(real NLU, real workflow service, embedded SQLite + in-process Redis)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from agents.workflows.service import WorkflowService
from integrations.settings import Settings
from tests.unit.conversations.chat_helper import Chat


@dataclass
class Step:
    say: str
    kind: str
    intent: str | None = None
    contains: tuple[str, ...] = ()
    workflow: str | None = None  # kind="started": the run's workflow
    inputs: dict[str, str] = field(default_factory=dict)  # ...and some of its inputs


FLOWS: dict[str, list[Step]] = {
    "en_slot_question_then_answer": [
        Step("write a user story", "question", "write_user_story", ("user story",)),
        Step(
            "password reset for customers",
            "started",
            "write_user_story",
            workflow="single_task",
            inputs={"agent": "product_owner", "feature": "password reset for customers"},
        ),
    ],
    "nl_slot_question_then_answer": [
        Step("schrijf een user story", "question", "write_user_story", ("user story",)),
        Step(
            "wachtwoord resetten voor klanten",
            "started",
            "write_user_story",
            ("ik ga aan de slag",),
            workflow="single_task",
            inputs={"feature": "wachtwoord resetten voor klanten"},
        ),
    ],
    "en_deploy_asks_environment": [
        Step("deploy checkout", "question", "deploy", ("environment",)),
        Step(
            "staging",
            "started",
            "deploy",
            workflow="deploy",
            inputs={"service": "checkout", "environment": "staging"},
        ),
    ],
    "nl_deploy_asks_environment": [
        Step("deploy checkout alsjeblieft", "question", "deploy", ("omgeving",)),
        Step(
            "staging",
            "started",
            "deploy",
            workflow="deploy",
            inputs={"service": "checkout", "environment": "staging"},
        ),
    ],
    "en_production_confirm_no": [
        Step("deploy checkout to production", "confirm", "deploy", ("checkout", "production")),
        Step("no", "answer", "deploy", ("not",)),
        Step("what's the status of my run?", "answer", "workflow_status", ("nothing",)),
    ],
    "en_production_confirm_yes": [
        Step("deploy checkout to production", "confirm", "deploy"),
        Step(
            "yes",
            "started",
            "deploy",
            workflow="production_deploy",
            inputs={"service": "checkout", "environment": "production"},
        ),
    ],
    "nl_production_confirm_ja": [
        Step("deploy checkout naar productie", "confirm", "deploy", ("checkout",)),
        Step("ja", "started", "deploy", workflow="production_deploy"),
    ],
    "nl_production_confirm_nee": [
        Step("deploy checkout naar productie", "confirm", "deploy"),
        Step("nee", "answer", "deploy", ("niet",)),
    ],
    "en_correction_before_confirm": [
        Step("deploy checkout", "question", "deploy"),
        Step("production", "confirm", "deploy", ("production",)),
        Step(
            "no, I meant staging",
            "started",
            "deploy",
            workflow="deploy",
            inputs={"service": "checkout", "environment": "staging"},
        ),
    ],
    "nl_correction_before_confirm": [
        Step("deploy checkout", "question", "deploy"),
        Step("productie", "confirm", "deploy"),
        Step(
            "nee, ik bedoelde staging",
            "started",
            "deploy",
            workflow="deploy",
            inputs={"service": "checkout", "environment": "staging"},
        ),
    ],
    "en_correction_after_the_run_started": [
        Step("deploy checkout to staging", "started", "deploy"),
        Step(
            "no, I meant acceptance",
            "started",
            "deploy",
            workflow="deploy",
            inputs={"service": "checkout", "environment": "acceptance"},
        ),
        Step("sorry, I meant production", "confirm", "deploy", ("checkout", "production")),
    ],
    "nl_correction_after_the_run_started": [
        Step("deploy checkout naar staging", "started", "deploy"),
        Step(
            "nee, ik bedoelde acceptatie",
            "started",
            "deploy",
            inputs={"service": "checkout", "environment": "acceptance"},
        ),
    ],
    "en_abandon": [
        Step("write a user story", "question", "write_user_story"),
        Step("never mind", "answer", "write_user_story", ("forget it",)),
        Step("hello", "answer", "greet"),
    ],
    "nl_abandon": [
        Step("schrijf documentatie", "question", "write_docs"),
        Step("laat maar", "answer", "write_docs", ("laat maar",)),
    ],
    "en_context_carry_over": [
        Step("deploy checkout to staging", "started", "deploy", inputs={"service": "checkout"}),
        Step(
            "now deploy it to acceptance",
            "started",
            "deploy",
            inputs={"service": "checkout", "environment": "acceptance"},
        ),
    ],
    "nl_context_carry_over": [
        Step("deploy checkout naar staging", "started", "deploy"),
        Step("zet het nu op productie", "confirm", "deploy", ("checkout",)),
    ],
    "en_status_without_run_id": [
        Step("write docs about the billing api", "started", "write_docs"),
        Step("what's the status of my run?", "answer", "workflow_status", ("run #",)),
    ],
    "en_new_request_while_asked": [
        Step("write a user story", "question", "write_user_story"),
        Step(
            "deploy checkout to staging",
            "started",
            "deploy",
            inputs={"service": "checkout", "environment": "staging"},
        ),
    ],
    "en_bare_phrase_is_the_answer": [
        Step("write a user story", "question", "write_user_story"),
        Step(
            "search on the orders page",
            "started",
            "write_user_story",
            inputs={"feature": "search on the orders page"},
        ),
    ],
    "en_restatement_updates_slots": [
        Step("deploy checkout", "question", "deploy"),
        Step(
            "deploy payments to staging",
            "started",
            "deploy",
            inputs={"service": "payments", "environment": "staging"},
        ),
    ],
    "nl_sticky_language": [
        Step("schrijf een testplan", "question", "create_test_plan", ("testplan",)),
        Step("login", "started", "create_test_plan", ("ik ga aan de slag",)),
        # A bare "ok" keeps the conversation Dutch; with nothing asked it approves nothing.
        Step("ok", "answer", None, ("geen openstaande vraag",)),  # nothing asked: no approval
    ],
    "en_unclear_asks_with_options": [
        Step("the billing api", "clarify", None, ("1.", "2.")),
    ],
    "en_direct_answers": [
        Step("which agents are there", "answer", "list_agents", ("productowner",)),
        Step("how much of our quota did we use?", "answer", "usage_report"),
    ],
    "nl_direct_answers": [
        Step("welke agents zijn er", "answer", "list_agents", ("deze agents",)),
        Step("wat is ons verbruik deze maand", "answer", "usage_report"),
    ],
    "nl_forget_me_declined": [
        Step("deploy checkout naar staging", "started", "deploy"),
        Step("vergeet mij", "confirm", "forget_me", ("wissen",)),
        Step("nee", "answer", "forget_me", ("niet",)),
        Step("zet het op acceptatie", "started", "deploy", inputs={"service": "checkout"}),
    ],
    "en_out_of_scope": [
        Step("what's the weather in Paris tomorrow?", "answer", "out_of_scope", ("deploy",)),
    ],
    "nl_out_of_scope": [
        Step("wat is het weer morgen in Utrecht?", "answer", "out_of_scope", ("kan ik",)),
    ],
}


@pytest.mark.parametrize("name", sorted(FLOWS))
def test_flow(name: str, embedded_settings: Settings, tenant_id: str) -> None:
    chat = Chat(embedded_settings, tenant_id)
    service = WorkflowService(embedded_settings)
    for i, step in enumerate(FLOWS[name]):
        reply = chat.say(step.say)
        where = f"{name} step {i} {step.say!r} -> {reply.kind} {reply.intent}: {reply.text!r}"
        assert reply.kind == step.kind, where
        if step.intent is not None:
            assert reply.intent == step.intent, where
        for part in step.contains:
            assert part.lower() in reply.text.lower(), where
        if step.kind == "started":
            assert len(reply.run_ids) == 1, where
            run = service.get(tenant_id, reply.run_ids[0])
            if step.workflow:
                assert run.workflow == step.workflow, where
            for k, v in step.inputs.items():
                assert str(run.inputs.get(k, "")).lower() == v.lower(), (where, run.inputs)
        else:
            assert reply.kind != "error", where
