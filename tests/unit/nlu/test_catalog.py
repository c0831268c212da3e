"""The built-in catalog: complete, well-formed, and independent of the dev set."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from conversations.nlu.catalog import OUT_OF_SCOPE, Catalog, catalog_hash, load_catalog

# The public intent names (docs/spec/INTENTS.md); listed here too, so renaming one is a
# deliberate change in both places.
SPEC_INTENTS = {
    "greet", "help", "list_agents", "list_workflows", "write_user_story", "design_architecture",
    "review_code",
    "create_test_plan", "security_review", "deploy", "write_release_notes", "triage_incident",
    "plan_sprint", "standup_summary", "run_retrospective", "write_docs", "validate_idea",
    "deliver_feature", "workflow_status", "cancel_workflow", "approve_run", "reject_run",
    "usage_report", "forget_me", "out_of_scope",
}  # fmt: skip
SPEC = Path(__file__).resolve().parents[3] / "docs" / "spec" / "INTENTS.md"
DEV_SET_HASHES = Path(__file__).with_name("dev_set_hashes.txt")
AGENTS = {
    "product_owner", "architect", "developer", "quality_guardian", "test_engineer",
    "security_developer", "devops", "release_manager", "scrummaster", "retrospective",
    "documentation", "strategie_partner",
}  # fmt: skip


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def test_every_spec_intent_is_in_the_catalog(catalog: Catalog) -> None:
    assert set(catalog.names) == SPEC_INTENTS
    listed = set(re.findall(r"^\| `(\w+)` \|", SPEC.read_text(), re.M))
    assert listed == set(catalog.names)


def test_enough_distinct_examples_per_language(catalog: Catalog) -> None:
    for name, intent in catalog.intents.items():
        en = {t.strip().lower() for t in intent.examples.en}
        nl = {t.strip().lower() for t in intent.examples.nl}
        assert len(en) >= 25, name
        assert len(nl) >= 15, name
    assert len(catalog.out_of_scope.en) >= 40
    assert len(catalog.out_of_scope.nl) >= 25


def test_no_example_is_given_to_two_intents(catalog: Catalog) -> None:
    owner: dict[tuple[str, str], str] = {}
    for text, intent, lang in catalog.training_data():
        key = (text.strip().lower(), lang)
        assert owner.setdefault(key, intent) == intent, f"{text!r}: {owner[key]} and {intent}"


def test_handlers_follow_the_contract(catalog: Catalog) -> None:
    h = {name: intent.handler for name, intent in catalog.intents.items()}
    for name in ("greet", "help", "list_agents"):
        assert h[name].kind == "reply" and h[name].reply == name
    assert h["usage_report"].reply == "usage"
    assert h["review_code"].agent == "developer"
    for handler in h.values():
        if handler.kind == "agent_task":
            assert handler.agent in AGENTS
    for name, handler in h.items():
        if handler.kind == "agent_task":
            assert handler.task == name
    assert h["deliver_feature"].workflow == "feature_delivery"
    assert h["triage_incident"].workflow == "incident_response"
    assert h["deploy"].workflow_for({"environment": "staging"}) == "deploy"
    assert h["deploy"].workflow_for({"environment": "production"}) == "production_deploy"
    actions = {n: h[n].action for n in ("workflow_status", "cancel_workflow", "approve_run")}
    assert actions == {
        "workflow_status": "status",
        "cancel_workflow": "cancel",
        "approve_run": "approve",
    }
    assert h["reject_run"].action == "reject" and h["forget_me"].action == "forget_me"


def test_confirmation_rules(catalog: Catalog) -> None:
    deploy = catalog.intents["deploy"]
    assert deploy.requires_confirmation({"environment": "production"})
    assert not deploy.requires_confirmation({"environment": "staging"})
    # A list (one run per environment) asks when any of them would.
    assert deploy.requires_confirmation({"environment": "staging, production"})
    assert not deploy.requires_confirmation({"environment": "test, acceptance"})
    assert catalog.intents["cancel_workflow"].requires_confirmation({})
    assert catalog.intents["forget_me"].requires_confirmation({})
    confirming = {n for n, i in catalog.intents.items() if i.needs_confirmation is not False}
    assert confirming == {"deploy", "cancel_workflow", "forget_me"}


def test_required_slots_have_questions_in_both_languages(catalog: Catalog) -> None:
    for name, intent in catalog.intents.items():
        for slot_name, slot in intent.slots.items():
            if slot.required:
                assert slot.question is not None, (name, slot_name)
                assert slot.question.en.strip() and slot.question.nl.strip()
    assert catalog.intents["deploy"].missing_slots({"service": "checkout"}) == ["environment"]


def test_hash_is_stable_and_short() -> None:
    assert catalog_hash() == catalog_hash()
    assert re.fullmatch(r"[0-9a-f]{16}", catalog_hash())


def test_out_of_scope_is_not_an_intent_entry(catalog: Catalog) -> None:
    assert OUT_OF_SCOPE not in catalog.intents
    assert catalog.names[-1] == OUT_OF_SCOPE


def test_training_examples_are_not_copied_from_the_dev_set(catalog: Catalog) -> None:
    dev = {line for line in DEV_SET_HASHES.read_text().splitlines() if not line.startswith("#")}
    assert len(dev) > 100
    # Single words ("hoi", "help") are unavoidable; anything longer must be our own.
    ours = {t.strip().lower() for t, _, _ in catalog.training_data() if len(t.split()) > 1}
    copied = {t for t in ours if hashlib.sha256(t.encode()).hexdigest()[:16] in dev}
    assert not copied
