"""The cascade: local first, the LLM only when unsure, a clarifying fallback when it fails.

The LLM is the local fake OpenAI server, so the real openai/langchain-openai clients run
and every call the cascade makes shows up in the server's request log.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from conversations.nlu.cascade import IntentCascade, get_cascade
from conversations.nlu.classifier import IntentClassifier
from integrations.settings import Settings
from tests.fakes.openai_server import FakeOpenAI, error_reply, structured_reply, text_reply
from tests.unit.nlu.helpers import llm_settings


def route(intent: str, confidence: float = 0.9, **slots: str) -> dict[str, object]:
    return {
        "intent": intent,
        "confidence": confidence,
        "slots": [{"name": k, "value": v} for k, v in slots.items()],
    }


def counter(name: str, labels: dict[str, str] | None = None) -> float:
    return REGISTRY.get_sample_value(name, labels or {}) or 0.0


def test_confident_local_answer_makes_no_llm_call(
    tmp_path: Path, fake_openai: FakeOpenAI, nlu_classifier: IntentClassifier
) -> None:
    cascade = IntentCascade(llm_settings(tmp_path, fake_openai), classifier=nlu_classifier)
    result = cascade.understand("deploy checkout to production")
    assert result.intent == "deploy"
    assert result.source == "local"
    assert result.slots == {"service": "checkout", "environment": "production"}
    assert result.confidence >= cascade.settings.nlu_llm_threshold
    assert fake_openai.calls == 0


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("schrijf een user story over exporteren naar pdf", "write_user_story"),
        ("what's the weather in paris tomorrow", "out_of_scope"),
        ("hoi", "greet"),
        ("cancel run 12", "cancel_workflow"),
    ],
)
def test_local_decisions_without_llm(
    nlu_settings: Settings, nlu_classifier: IntentClassifier, text: str, intent: str
) -> None:
    result = IntentCascade(nlu_settings, classifier=nlu_classifier).understand(text)
    assert result.intent == intent
    assert result.source == "local" and not result.needs_clarification


def test_low_confidence_goes_to_the_llm(
    tmp_path: Path, fake_openai: FakeOpenAI, nlu_classifier: IntentClassifier
) -> None:
    # A threshold of 1.0 makes every local answer "unsure".
    settings = llm_settings(tmp_path, fake_openai, nlu_llm_threshold=1.0)
    cascade = IntentCascade(settings, classifier=nlu_classifier)
    tokens_before = counter("bmad_nlu_llm_tokens_total")
    fake_openai.push(
        structured_reply(
            "RouteIntent",
            route("deploy", 0.93, service="checkout", environment="prod"),
            prompt_tokens=120,
            completion_tokens=30,
        )
    )
    result = cascade.understand("yeet checkout onto prod real quick")
    assert fake_openai.calls == 1
    assert result.intent == "deploy" and result.source == "llm"
    assert result.confidence == pytest.approx(0.93)
    assert result.slots["environment"] == "production"  # normalised by the rules
    assert result.slots["service"] == "checkout"
    assert result.tokens_used == 150
    assert counter("bmad_nlu_llm_tokens_total") - tokens_before == 150

    request = fake_openai.requests[0]
    tool = request["tools"][0]["function"]
    assert "out_of_scope" in tool["parameters"]["properties"]["intent"]["enum"]
    assert request["messages"][-1] == {
        "role": "user",
        "content": "yeet checkout onto prod real quick",
    }
    assert "deploy" in request["messages"][0]["content"]  # the catalog is in the prompt


def test_llm_slots_outside_the_intent_are_dropped(
    tmp_path: Path, fake_openai: FakeOpenAI, nlu_classifier: IntentClassifier
) -> None:
    settings = llm_settings(tmp_path, fake_openai, nlu_llm_threshold=1.0)
    cascade = IntentCascade(settings, classifier=nlu_classifier)
    fake_openai.push(
        structured_reply("RouteIntent", route("write_docs", topic="sso setup", password="x"))
    )
    result = cascade.understand("something about sso setup docs")
    assert result.slots == {"topic": "sso setup"}


def test_llm_timeout_falls_back_to_the_local_answer_with_a_question(
    tmp_path: Path, fake_openai: FakeOpenAI, nlu_classifier: IntentClassifier
) -> None:
    settings = llm_settings(tmp_path, fake_openai, nlu_llm_threshold=1.0, llm_timeout_seconds=0.3)
    cascade = IntentCascade(settings, classifier=nlu_classifier)
    timeouts_before = counter("bmad_nlu_llm_calls_total", {"outcome": "timeout"})
    fake_openai.push(structured_reply("RouteIntent", route("deploy"), delay=2.0))
    result = cascade.understand("deploy checkout to staging")
    assert fake_openai.calls == 1
    assert result.source == "fallback" and result.needs_clarification
    assert result.intent == "deploy"  # the local guess
    assert result.alternatives and result.alternatives[0] == "deploy"
    assert result.slots["environment"] == "staging"
    assert result.tokens_used == 0
    assert counter("bmad_nlu_llm_calls_total", {"outcome": "timeout"}) == timeouts_before + 1


def test_unusable_llm_answer_falls_back(
    tmp_path: Path, fake_openai: FakeOpenAI, nlu_classifier: IntentClassifier
) -> None:
    settings = llm_settings(tmp_path, fake_openai, nlu_llm_threshold=1.0)
    cascade = IntentCascade(settings, classifier=nlu_classifier)
    fake_openai.push(structured_reply("RouteIntent", {"intent": "make_coffee", "confidence": 1}))
    fake_openai.push(text_reply("I think it is a deploy"))  # no tool call at all
    for _ in range(2):
        result = cascade.understand("write release notes for v2.0.0")
        assert result.source == "fallback" and result.needs_clarification
        assert result.intent == "write_release_notes"
    assert fake_openai.calls == 2


def test_repeated_failures_open_the_circuit(
    tmp_path: Path, fake_openai: FakeOpenAI, nlu_classifier: IntentClassifier
) -> None:
    settings = llm_settings(tmp_path, fake_openai, nlu_llm_threshold=1.0)
    cascade = IntentCascade(settings, classifier=nlu_classifier)
    fake_openai.responder = lambda request: error_reply(500)
    for _ in range(5):
        result = cascade.understand("plan the next sprint")
        assert result.source == "fallback" and result.intent == "plan_sprint"
    # fail_max failures reached the server; after that the breaker answered alone.
    assert fake_openai.calls == cascade.breaker.fail_max
    assert cascade.breaker.current_state == "open"


def test_no_llm_configured_never_calls_out(
    nlu_settings: Settings, nlu_classifier: IntentClassifier
) -> None:
    settings = nlu_settings.model_copy(update={"nlu_llm_threshold": 1.0})
    result = IntentCascade(settings, classifier=nlu_classifier).understand("plan the sprint")
    assert result.source == "local" and result.intent == "plan_sprint"
    assert not result.needs_clarification
    assert "plan_sprint" not in result.alternatives and result.alternatives


def test_oos_threshold_setting_overrides_the_trained_one(
    nlu_settings: Settings, nlu_classifier: IntentClassifier
) -> None:
    strict = nlu_settings.model_copy(update={"nlu_oos_threshold": 1.0})
    result = IntentCascade(strict, classifier=nlu_classifier).understand("deploy checkout")
    assert result.intent == "out_of_scope"
    lenient = nlu_settings.model_copy(update={"nlu_oos_threshold": 0.0})
    result = IntentCascade(lenient, classifier=nlu_classifier).understand("deploy checkout")
    assert result.intent == "deploy"


def test_empty_text_is_out_of_scope(
    nlu_settings: Settings, nlu_classifier: IntentClassifier
) -> None:
    assert IntentCascade(nlu_settings, classifier=nlu_classifier).understand("   ").intent == (
        "out_of_scope"
    )


def test_get_cascade_is_shared_per_settings(nlu_settings: Settings) -> None:
    first = get_cascade(nlu_settings)
    assert get_cascade(nlu_settings) is first
    other = nlu_settings.model_copy(update={"nlu_llm_threshold": 0.9})
    assert get_cascade(other) is not first
    assert get_cascade(other).classifier is first.classifier  # one trained model per process
    assert first.understand("goedemorgen").intent == "greet"
