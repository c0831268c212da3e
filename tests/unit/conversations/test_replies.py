"""Every reply template exists in every language and renders with the facts it needs."""

from types import SimpleNamespace

import pytest

from agents.workflows.views import StepView
from conversations.replies import LANGS, REPLIES_DIR, render

RUN = SimpleNamespace(
    id=7,
    workflow="production_deploy",
    status="waiting_approval",
    steps=[
        StepView(name="plan", agent="devops", kind="agent", status="succeeded", output=None),
        StepView(
            name="approve", agent=None, kind="approval", status="waiting_approval", output=None
        ),
    ],
    waiting_approval=True,
    approval_role="admin",
    inputs={"service": "checkout", "environment": "production"},
)
NOTICE = SimpleNamespace(run_id=7, agent="DevOps", title="Deploy", text="done", lang="en")
FACTS = {
    "capabilities": [{"intent": "deploy", "description": "Deploy a service"}],
    "agents": [{"name": "DevOps", "description": "ships"}],
    "options": ["Deploy a service", "Write docs"],
    "question": "Which service?",
    "again": False,
    "intent": "deploy",
    "what": "Deploy a service",
    "slots": {"service": "checkout", "environment": "production", "run_id": "7"},
    "repeat": False,
    "run_id": 7,
    "workflow": "deploy",
    "waiting_approval": False,
    "reason": "quota reached",
    "role": "admin",
    "run": RUN,
    "action": "cancel",
    "active": True,
    "conversation": "default",
    "user": "console",
    "tenant": "local",
    "notice": NOTICE,
    "run_ids": [7],
    "available": ["release", "production_deploy"],
    "seconds": 120,
    "owner": "U123",
    "minutes": 10,
    "length": 25000,
    "limit": 20000,
    "input": "version",
    "workflows": [{"name": "release", "description": "Ship a version"}],
    "runs": [RUN],
    "description": "Review a hotfix",
}


def _names(lang: str) -> set[str]:
    return {p.stem for p in (REPLIES_DIR / lang).glob("*.md")}


def test_languages_have_the_same_templates() -> None:
    assert _names("en")
    assert _names("en") == _names("nl")


@pytest.mark.parametrize("lang", LANGS)
def test_every_template_renders(lang: str) -> None:
    for name in sorted(_names(lang)):
        text = render(name, lang, **FACTS)
        assert text.strip(), name


def test_languages_differ() -> None:
    assert render("memory_down", "en") != render("memory_down", "nl")
    assert "memory" in render("memory_down", "en")
    assert "geheugen" in render("memory_down", "nl")


def test_unknown_language_falls_back_to_english() -> None:
    assert render("declined", "de") == render("declined", "en")


def test_run_control_replies_name_the_service() -> None:
    """With two deploys waiting, "approved run 7" alone does not say which was approved."""
    for lang in ("en", "nl"):
        for name in ("run_approve", "run_reject", "which_run"):
            assert "checkout" in render(name, lang, **FACTS), (name, lang)


def test_run_replies_render_for_runs_without_a_service() -> None:
    """A user story run has no service input: the run replies still render (StrictUndefined)."""
    story = SimpleNamespace(**{**vars(RUN), "workflow": "single_task", "inputs": {}})
    for lang in ("en", "nl"):
        for name in ("run_approve", "run_reject", "run_status", "which_run"):
            text = render(name, lang, **{**FACTS, "run": story, "runs": [story]})
            assert "single task" in text, (name, lang)


def test_status_says_who_decided_an_approval() -> None:
    decided = StepView(
        name="approval",
        agent=None,
        kind="approval",
        status="succeeded",
        output=None,
        decided_by="boss",
    )
    rejected = decided.model_copy(update={"status": "rejected"})
    done = SimpleNamespace(**{**vars(RUN), "steps": [decided], "waiting_approval": None})
    assert "approval: approved by boss" in render("run_status", "en", run=done, active=False)
    assert "approval: goedgekeurd door boss" in render("run_status", "nl", run=done, active=False)
    refused = SimpleNamespace(**{**vars(done), "steps": [rejected]})
    assert "approval: rejected by boss" in render("run_status", "en", run=refused, active=False)
