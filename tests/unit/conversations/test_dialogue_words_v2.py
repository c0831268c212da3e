"""The word lists behind the dialogue policy v2 (abandon, bare yes/no, elision,
references, request verbs), the request-text cleaning and named-workflow matching."""

from __future__ import annotations

import pytest

from conversations import words
from conversations.named_workflows import inputs_from, match_named
from conversations.nlu.catalog import load_catalog
from conversations.request_text import clean_request_text, join_turns, request_limits
from conversations.state import MAX_DOCUMENT_BYTES, MAX_REQUEST_TEXT, ConversationState

TEMPLATES = ["deploy", "feature_delivery", "release", "single_task", "hotfix_check"]


@pytest.mark.parametrize(
    ("text", "rest"),
    [
        ("cancel", ""),
        ("Cancel please", ""),
        ("stop", ""),
        ("annuleer maar", ""),
        ("toch niet", ""),
        ("laat maar", ""),
        ("never mind", ""),
        ("Never mind - deploy Search-API to staging", "deploy Search-API to staging"),
        ("laat maar, schrijf een user story", "schrijf een user story"),
        ("cancel run 42", None),  # a command of its own
        ("stop the deploy of checkout", None),
        ("deploy checkout", None),
    ],
)
def test_abandon_rest(text: str, rest: str | None) -> None:
    assert words.abandon_rest(text) == rest


@pytest.mark.parametrize("text", ["yes", "ja", "ok", "no", "nee", "no thanks", "ja hoor", "yes!"])
def test_bare_yes_no(text: str) -> None:
    assert words.is_bare_yes_no(text)


@pytest.mark.parametrize("text", ["ok deploy checkout", "yes the login page", "no i meant prod"])
def test_not_bare_yes_no(text: str) -> None:
    assert not words.is_bare_yes_no(text)


@pytest.mark.parametrize(
    ("text", "rest"),
    [
        ("and now a test plan for it", "a test plan for it"),
        ("And now, the release notes", "the release notes"),
        ("en nu naar productie", "naar productie"),
        ("now", None),
        ("deploy checkout", None),
    ],
)
def test_elision_rest(text: str, rest: str | None) -> None:
    assert words.elision_rest(text) == rest


@pytest.mark.parametrize(
    "value", ["it", "that feature", "die feature", "er ook een testplan van", "ervoor", "the same"]
)
def test_reference_only(value: str) -> None:
    assert words.is_reference_only(value)


@pytest.mark.parametrize("value", ["the login page", "exporting invoices", "facturen"])
def test_not_reference_only(value: str) -> None:
    assert not words.is_reference_only(value)


@pytest.mark.parametrize(
    ("text", "verb"),
    [
        ("write a security review", True),
        ("please deploy search-api", True),
        ("kun je een testplan maken", False),
        ("valideer een idee", True),
        ("the login page", False),
        ("make invoices downloadable as PDF", False),
        ("build a notification service with queues", False),
        ("check-in-service", False),
    ],
)
def test_request_verbs(text: str, verb: bool) -> None:
    assert words.starts_with_request_verb(text) is verb


def test_request_text_keeps_structure_and_drops_control_characters() -> None:
    text = "review this:\r\n```python\n\tdef f():\x00\n        return 1\x1b\n```\n- a\nkey: value"
    cleaned = clean_request_text(text)
    assert cleaned == "review this:\n```python\n\tdef f():\n        return 1\n```\n- a\nkey: value"
    assert join_turns(["write a story", "  ", "about export"]) == "write a story\n\nabout export"


def test_limits_are_explicit_per_task() -> None:
    limits = request_limits()
    assert limits.for_task("deploy") == 4000
    assert limits.for_task("unknown_task") == limits.default == 20000
    assert limits.for_task(None, "write_release_notes") == 20000


def test_request_turns_are_bounded_and_the_document_too() -> None:
    state = ConversationState(tenant_id="t", conversation_key="t:console:x")
    for _ in range(5):
        state.add_request_turn("x" * 8000)
    assert sum(len(t) for t in state.request_turns) == MAX_REQUEST_TEXT + 1
    state.add_request_turn('"\\' * 4000)  # escapes double in JSON
    assert len(state.to_json().encode()) <= MAX_DOCUMENT_BYTES


@pytest.mark.parametrize(
    ("text", "workflow", "rest"),
    [
        ("start the release workflow for v3.0", "release", "v3.0"),
        (
            "Please run the feature delivery workflow for saved filters",
            "feature_delivery",
            "saved filters",
        ),
        ("voer de release workflow uit", "release", ""),
        ("voer de release workflow uit voor 2.4", "release", "2.4"),
        ("start de hotfix_check workflow", "hotfix_check", ""),
    ],
)
def test_named_workflow_matching(text: str, workflow: str, rest: str) -> None:
    found = match_named(text, TEMPLATES)
    assert found is not None and (found.workflow, found.rest) == (workflow, rest)


@pytest.mark.parametrize(
    "text",
    [
        "run the single task workflow",  # internal
        "start the feature workflow for saved filters",  # no such template: NLU decides
        "what is the release workflow",
        "deploy checkout",
    ],
)
def test_named_workflow_not_matched(text: str) -> None:
    assert match_named(text, TEMPLATES) is None


def test_named_inputs_from_the_rest() -> None:
    catalog = load_catalog()
    assert inputs_from("v3.0", [], catalog) == {"version": "v3.0"}
    assert inputs_from("saved filters", ["feature"], catalog) == {"feature": "saved filters"}
    assert inputs_from("payments-api", ["service", "ticket"], catalog) == {
        "service": "payments-api"
    }


def test_named_inputs_said_by_their_name() -> None:
    catalog = load_catalog()
    assert inputs_from("payments-api with ticket OPS-77", ["service", "ticket"], catalog) == {
        "service": "payments-api",
        "ticket": "OPS-77",
    }
    assert inputs_from("wishlist met ticket: OPS-7", ["feature", "ticket"], catalog) == {
        "ticket": "OPS-7",
        "feature": "wishlist",
    }
    # The input's name without a value after it is no value.
    assert inputs_from("the ticket", ["ticket"], catalog) == {"ticket": "the ticket"}


@pytest.mark.parametrize(
    ("text", "rest"),
    [
        ("payments, not checkout", "payments"),
        ("not staging but acceptance", "acceptance"),
        ("niet staging maar acceptatie", "acceptatie"),
        ("dat moest acceptatie zijn", "acceptatie"),
        ("dat had acceptatie moeten zijn", "acceptatie"),
        ("oeps, moest 2.4.2 zijn", "2.4.2"),
        ("sorry, should have been production", "production"),
        # Not corrections: a request, a hold, a question.
        ("do not deploy checkout", None),
        ("not yet, but soon", None),
        ("moesten acceptatie zijn", None),  # a frame's words are whole words
        ("is it not done?", None),
    ],
)
def test_corrections_said_as_a_contrast_or_in_a_frame(text: str, rest: str | None) -> None:
    assert words.correction_rest_raw(text) == rest


def test_a_contrast_names_what_it_replaces() -> None:
    assert words.contrast("payments, not checkout") == ("payments", "checkout")
    assert words.contrast("not staging but acceptance") == ("acceptance", "staging")
    assert words.contrast("deploy checkout to staging and production") is None
