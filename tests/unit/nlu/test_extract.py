"""Slot extraction: shaped values exactly, subjects from where requests put them."""

from __future__ import annotations

import pytest

from conversations.nlu.extract import extract_slot_value, extract_slots


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("deploy checkout to prod", "production"),
        ("zet het op productie", "production"),
        ("push the build to acceptatie", "acceptance"),
        ("roll out to the staging environment", "staging"),
        ("uitrollen naar acc", "acceptance"),
        ("deploy it on the test env", "test"),
        ("deploy to UAT", "acceptance"),
    ],
)
def test_environments_are_normalised(text: str, expected: str) -> None:
    assert extract_slot_value("environment", text) == expected


def test_test_is_only_an_environment_with_a_cue_or_as_an_answer() -> None:
    assert extract_slot_value("environment", "write a test plan for checkout") is None
    assert extract_slot_value("environment", "test", answer=True) == "test"
    assert extract_slot_value("environment", "prod", answer=True) == "production"
    assert extract_slot_value("environment", "no idea", answer=True) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("what's the status of run 42", "42"),
        ("cancel #17", "17"),
        ("approve run #8 please", "8"),
        ("hoe staat workflow 1203 ervoor", "1203"),
        (
            "status of run 3f2b9c1e-1a2b-4c3d-8e9f-0a1b2c3d4e5f",
            "3f2b9c1e-1a2b-4c3d-8e9f-0a1b2c3d4e5f",
        ),
    ],
)
def test_run_ids(text: str, expected: str) -> None:
    assert extract_slot_value("run_id", text) == expected


def test_bare_numbers_are_run_ids_only_as_answers() -> None:
    assert extract_slot_value("run_id", "deploy 3 services") is None
    assert extract_slot_value("run_id", "42", answer=True) == "42"
    assert extract_slot_value("run_id", "#42", answer=True) == "42"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("release notes for v2.3.0", "v2.3.0"),
        ("ship payments 1.8.0 to prod", "1.8.0"),
        ("changelog for 3.1.0-rc.1", "3.1.0-rc.1"),
        ("release notes for v3", "v3"),
        ("notes for version 5", "5"),
    ],
)
def test_versions(text: str, expected: str) -> None:
    assert extract_slot_value("version", text) == expected


def test_no_version_in_plain_text() -> None:
    assert extract_slot_value("version", "maak de changelog voor deze release") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("review https://github.com/acme/shop/pull/77.", "https://github.com/acme/shop/pull/77"),
        ("review PR 482", "482"),
        ("look at pull request #12", "12"),
        ("check MR !5 or pr#9", "9"),
    ],
)
def test_pull_requests(text: str, expected: str) -> None:
    assert extract_slot_value("pr", text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("deploy checkout to production", "checkout"),
        ("roll out api-gateway v2.3 to prod", "api-gateway"),
        ("deploy the billing service to staging", "billing"),
        ("rol payments v2.4.1 uit naar prod", "payments"),
        ("kun je de user service deployen", "user"),
        ("db connections exhausted on orders-api", "orders-api"),
        ("checkout is down", "checkout"),
        ("latency on the search api is terrible", "search"),
        # Dutch puts the verb last; a name right before a version is what is versioned.
        ("kun je checkout deployen to staging", "checkout"),
        ("kun je checkout naar staging deployen", "checkout"),
        ("deplooi chekout naar acceptatie", "chekout"),
        ("write release notes for checkout 2.4", "checkout"),
        ("schrijf releasenotes voor checkout v2.4", "checkout"),
        # Dutch adverbs are no names; a branch is not the service; "take X live".
        ("deploy gewoon checkout naar staging", "checkout"),
        ("kan je nog even payments naar acceptatie zetten?", "payments"),
        ("deploy branch feature/apple-pay of checkout to test", "checkout"),
        ("take payments live please", "payments"),
        # Formal Dutch puts a modal verb before the infinitive.
        ("zou u checkout naar staging willen uitrollen?", "checkout"),
    ],
)
def test_services(text: str, expected: str) -> None:
    assert extract_slot_value("service", text) == expected


def test_no_service_without_evidence() -> None:
    assert extract_slot_value("service", "push to prod") is None
    assert extract_slot_value("service", "kun je deployen naar staging") is None
    assert extract_slot_value("service", "release notes please") is None
    assert extract_slot_value("service", "upgrade to 2.4") is None
    assert extract_slot_value("service", "the website is slow today") != "today"
    assert extract_slot_value("service", "checkout", answer=True) == "checkout"
    assert extract_slot_value("service", "the billing service", answer=True) == "billing"
    # "the deploy should have gone to acceptance": a modal verb is no service.
    assert extract_slot_value("service", "the deploy should have gone to acceptance") is None
    assert extract_slot_value("service", "die deploy had naar acceptatie gemoeten") is None


@pytest.mark.parametrize(
    ("text", "intent", "slot", "expected"),
    [
        (
            "I need a user story about dark mode in the mobile app",
            "write_user_story",
            "feature",
            "dark mode in the mobile app",
        ),
        (
            "maak een story voor zoeken op klantnummer",
            "write_user_story",
            "feature",
            "zoeken op klantnummer",
        ),
        (
            "write an ADR about moving from REST to gRPC",
            "design_architecture",
            "topic",
            "moving from REST to gRPC",
        ),
        ("create QA scenarios for the signup form", "create_test_plan", "feature", "signup form"),
        (
            "check the login service for vulnerabilities",
            "security_review",
            "target",
            "login service",
        ),
        ("review pr 482", "review_code", "target", "PR #482"),
        ("document how to configure sso", "write_docs", "topic", "how to configure sso"),
        (
            "beoordeel dit idee: een platform voor lokale bezorgers",
            "validate_idea",
            "idea",
            "platform voor lokale bezorgers",
        ),
        (
            "get the agents to deliver the wishlist feature end to end",
            "deliver_feature",
            "feature",
            "wishlist",
        ),
        ("lever de feature klantportaal op", "deliver_feature", "feature", "klantportaal"),
    ],
)
def test_subjects(text: str, intent: str, slot: str, expected: str) -> None:
    assert extract_slots(text, intent)[slot] == expected


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("write a user story", "write_user_story"),
        ("review my code", "review_code"),
        ("kun je mijn code nakijken", "review_code"),
        ("write docs please", "write_docs"),
    ],
)
def test_a_request_without_a_subject_leaves_the_slot_empty(text: str, intent: str) -> None:
    assert extract_slots(text, intent) == {}


def test_subject_answers_take_the_cleaned_reply() -> None:
    assert extract_slot_value("subject", "the export page please", answer=True) == "export page"
    assert extract_slot_value("subject", "over donkere modus", answer=True) == "donkere modus"
    assert extract_slot_value("subject", "  ?! ", answer=True) is None


def test_deploy_slots_together() -> None:
    assert extract_slots("ship payments v2.4.1 to prod", "deploy") == {
        "service": "payments",
        "environment": "production",
        "version": "v2.4.1",
    }


def test_unknown_intent_and_type() -> None:
    assert extract_slots("deploy checkout", "no_such_intent") == {}
    with pytest.raises(KeyError):
        extract_slot_value("colour", "red")


@pytest.mark.parametrize(
    ("text", "intent", "slot", "expected"),
    [
        ("controleer de api op kwetsbaarheden", "security_review", "target", "api"),
        ("review the api for security issues", "security_review", "target", "api"),
        ("write a story so a manager can approve expenses", "write_user_story", "feature",
         "manager can approve expenses"),
        ("describe the requirement for a cancel button as a user story", "write_user_story",
         "feature", "cancel button"),
        ("beschrijf hoe je api keys roteert", "write_docs", "topic", "hoe je api keys roteert"),
    ],
)  # fmt: skip
def test_subject_edges(text: str, intent: str, slot: str, expected: str) -> None:
    assert extract_slots(text, intent)[slot] == expected


def test_regions_are_not_services() -> None:
    assert extract_slot_value("service", "degraded performance in us-east-1") is None


@pytest.mark.parametrize(
    ("text", "services", "versions", "environments"),
    [
        (
            "deploy checkout 2.4.1 and payments 3.0.2 to staging",
            "checkout, payments",
            "2.4.1, 3.0.2",
            "staging",
        ),
        (
            "deploy checkout 2.4.1 and payments to staging",
            "checkout, payments",
            "2.4.1, ",
            "staging",
        ),
        ("deploy checkout to test and acceptance", "checkout", None, "test, acceptance"),
        ("rol payments uit naar test en acceptatie", "payments", None, "test, acceptance"),
        (
            "deploy checkout to staging, acceptance and prod",
            "checkout",
            None,
            "staging, acceptance, production",
        ),
        ("deploy checkout 2.4.1 to staging", "checkout", "2.4.1", "staging"),
        # One environment, then other words: no list.
        ("deploy checkout to staging and tell me when it is done", "checkout", None, "staging"),
        ("deploy checkout to both test and staging", "checkout", None, "test, staging"),
        (
            "deploy checkout to staging and then to production",
            "checkout",
            None,
            "staging, production",
        ),
        ("zet checkout op staging en daarna op productie", "checkout", None, "staging, production"),
        (
            "Wilt u checkout en payments naar staging uitrollen?",
            "checkout, payments",
            None,
            "staging",
        ),
        (
            "deploy the checkout and the payments services to staging",
            "checkout, payments",
            None,
            "staging",
        ),
        ("ship checkout + payments to staging pls", "checkout, payments", None, "staging"),
        ("deploy checkout/payments to staging", "checkout, payments", None, "staging"),
        (
            "Kunt u checkout naar test en acceptatie uitrollen?",
            "checkout",
            None,
            "test, acceptance",
        ),
        # The source environment of a build is not a target.
        ("deploy the staging build of inventory to prod", "inventory", None, "production"),
    ],
)
def test_lists_of_targets(
    text: str, services: str, versions: str | None, environments: str
) -> None:
    assert extract_slot_value("service", text) == services
    assert extract_slot_value("versions", text) == versions
    assert extract_slot_value("environments", text) == environments
    # The plain extractors (named workflows, the gate's inputs) still give one value.
    assert "," not in (extract_slot_value("environment", text) or "")
