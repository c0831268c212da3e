"""Robust understanding (issue 11, point 7): long and pasted messages, typos, Slack markup,
acknowledgements and near-miss out-of-scope questions, EN and NL, through the cascade as
shipped (embedded classifier, no LLM)."""

from __future__ import annotations

import pytest

from conversations.nlu.cascade import IntentCascade
from conversations.nlu.classifier import IntentClassifier
from integrations.settings import Settings

LOG_LINES = "\n".join(
    f"2026-11-30T09:{m:02d}:{s:02d}.412Z ERROR [payments-worker-7d9f] "
    f"charge {1000 + m * 60 + s} failed: upstream timeout after 30000ms (attempt {s % 4 + 1}/4)"
    for m in range(10, 25)
    for s in (3, 41)
)
PY_SNIPPET = """```
def apply_discount(order, code):
    rules = load_rules()
    for rule in rules:
        if rule.code == code and rule.active:
            order.total = order.total - order.total * rule.percent / 100
    return order
```"""
CHANGES = "\n".join(
    f"- {what} (#{400 + i})"
    for i, what in enumerate(
        [
            "Invoices can be exported as PDF from the billing page",
            "Fixed the timezone bug in the weekly digest email",
            "Search results are now paginated server side",
            "Dark mode for the settings screen",
            "Retry failed webhook deliveries with exponential backoff",
            "Upgraded the payment SDK to the new major version",
            "Removed the legacy v1 export endpoint",
            "Better error message when an upload is too large",
        ]
        * 5
    )
)


def long_en_incident() -> str:
    text = (
        "payments-api is throwing 502s in production since about 09:10, can you triage this "
        "incident and tell us what is going on? Customers cannot check out. Here is what we "
        "see in the worker logs:\n" + LOG_LINES + "\nThanks, I am on the bridge call."
    )
    return text


def long_en_review() -> str:
    body = PY_SNIPPET + "\n" + ("Context: " + "the discount logic is used by checkout. " * 45)
    return "Could you review this code before I merge it? I am worried about rounding.\n" + body


def long_nl_release_notes() -> str:
    return (
        "Kun je release notes schrijven voor v2.4.0? Dit zijn de wijzigingen sinds de vorige "
        "release, graag in gewone taal voor klanten:\n" + CHANGES
    )


def long_nl_deploy() -> str:
    return (
        "Wil je orders-api naar staging uitrollen? De build is groen. Hieronder de output van "
        "de pipeline ter info:\n" + LOG_LINES
    )


@pytest.fixture
def cascade(nlu_settings: Settings, nlu_classifier: IntentClassifier) -> IntentCascade:
    return IntentCascade(nlu_settings, classifier=nlu_classifier)


@pytest.mark.parametrize(
    ("make", "intent"),
    [
        (long_en_incident, "triage_incident"),
        (long_en_review, "review_code"),
        (long_nl_release_notes, "write_release_notes"),
        (long_nl_deploy, "deploy"),
    ],
)
def test_long_requests_are_classified_on_their_request(
    cascade: IntentCascade, make: object, intent: str
) -> None:
    text = make()  # type: ignore[operator]
    assert 2000 <= len(text) <= 5000, len(text)
    result = cascade.understand(text)
    assert result.intent == intent, (result.intent, result.confidence)
    assert result.confidence >= cascade.oos_threshold


def test_confidence_does_not_fall_with_length(cascade: IntentCascade) -> None:
    short = cascade.understand("payments-api is throwing 502s in production, please triage")
    long = cascade.understand(long_en_incident())
    assert long.intent == short.intent == "triage_incident"
    assert long.confidence >= 0.8 * short.confidence


def test_slots_of_a_long_request_come_from_its_request(cascade: IntentCascade) -> None:
    result = cascade.understand(long_nl_deploy())
    assert result.slots.get("service") == "orders-api"
    assert result.slots.get("environment") == "staging"


@pytest.mark.parametrize(
    ("text", "service", "environment"),
    [
        ("deploi chekout to stagin", "chekout", "staging"),
        ("pls deplyo payments to prodution", "payments", "production"),
        ("rol chekout uit naar acceptatei", "chekout", "acceptance"),
        ("deploy search-api naar prodcutie", "search-api", "production"),
    ],
)
def test_typos_in_command_and_environment_words(
    cascade: IntentCascade, text: str, service: str, environment: str
) -> None:
    result = cascade.understand(text)
    assert result.intent == "deploy", result
    assert result.slots.get("environment") == environment
    assert result.slots.get("service") == service


def test_service_names_snap_to_known_services(
    nlu_settings: Settings, nlu_classifier: IntentClassifier
) -> None:
    settings = nlu_settings.model_copy(update={"known_services": ["checkout", "orders-api"]})
    cascade = IntentCascade(settings, classifier=nlu_classifier)
    assert cascade.understand("deploi chekout to stagin").slots == {
        "service": "checkout",
        "environment": "staging",
    }
    assert cascade.understand("deploy order-api to prod").slots["service"] == "orders-api"
    # Far from every known name: kept as given, never forced onto a wrong service.
    assert cascade.understand("deploy billing to prod").slots["service"] == "billing"


@pytest.mark.parametrize(
    ("text", "intent", "slots"),
    [
        (
            "<@U024BE7LH> deploy checkout to &lt;staging&gt; :rocket:",
            "deploy",
            {"service": "checkout", "environment": "staging"},
        ),
        (
            "<@U024BE7LH|bmad> can you review <https://github.com/acme/shop/pull/812|this PR> "
            "&amp; check the tests",
            "review_code",
            {},
        ),
        ("<!here> <#C024BE7LR|ops> wat is de status van run 42? :eyes:", "workflow_status", {}),
    ],
)
def test_slack_markup_is_normalised_before_classification(
    cascade: IntentCascade, text: str, intent: str, slots: dict[str, str]
) -> None:
    result = cascade.understand(text)
    assert result.intent == intent, result
    for name, value in slots.items():
        assert result.slots.get(name) == value
    assert "U024BE7LH" not in str(result.slots)


def test_a_slack_link_keeps_its_url_for_slots(cascade: IntentCascade) -> None:
    result = cascade.understand("review <https://github.com/acme/shop/pull/812|this PR> please")
    assert result.intent == "review_code"
    assert "github.com/acme/shop/pull/812" in result.slots.get("target", "") + str(result.slots)


@pytest.mark.parametrize(
    "text",
    [
        "thanks!",
        "thank you",
        "thx :pray:",
        "cheers, great work",
        "dank je",
        "bedankt!",
        "top, dankjewel",
    ],
)
def test_thanks_is_an_acknowledgement(cascade: IntentCascade, text: str) -> None:
    result = cascade.understand(text)
    assert result.acknowledgement, result
    assert result.intent == "greet"


def test_thanks_with_a_request_is_the_request(cascade: IntentCascade) -> None:
    result = cascade.understand("thanks! now deploy checkout to staging")
    assert result.intent == "deploy"
    assert not result.acknowledgement


@pytest.mark.parametrize(
    "text",
    [
        "how do I get the logs of a crashed pod with kubectl",
        "what's the git command to squash my last three commits",
        "who is on call this week for the platform team",
        "my laptop won't connect to the office vpn, can you help",
        "how many vacation days do I have left this year",
        "hoe zet ik een kubectl context naar een andere namespace",
        "wie heeft er vanavond dienst voor incidenten",
        "mijn wachtwoord van outlook is verlopen, wie kan dat resetten",
        "wanneer worden de onkosten van vorige maand uitbetaald",
        "is er nog een vergaderruimte vrij om drie uur",
    ],
)
def test_near_miss_questions_are_out_of_scope(cascade: IntentCascade, text: str) -> None:
    assert cascade.understand(text).intent == "out_of_scope"
