"""Turn rate limits through the real pipeline on the embedded Redis (fakeredis)."""

from __future__ import annotations

from freezegun import freeze_time
from prometheus_client import REGISTRY

from conversations.replies import render
from integrations.settings import Settings
from tests.unit.conversations.chat_helper import Chat


def _limited(settings: Settings, user: int, tenant: int = 0) -> Settings:
    return settings.model_copy(
        update={"rate_limit_user_per_minute": user, "rate_limit_tenant_per_minute": tenant}
    )


def _refused(scope: str) -> float:
    return REGISTRY.get_sample_value("bmad_rate_limited_total", {"scope": scope}) or 0.0


def test_user_over_limit_gets_english_error_and_nothing_is_written(
    embedded_settings: Settings, tenant_id: str
) -> None:
    chat = Chat(_limited(embedded_settings, user=3), tenant_id)
    assert [chat.say("hello").kind for _ in range(3)] == ["answer"] * 3
    before = chat.state()
    refused = _refused("user")
    reply = chat.say("what can you do")
    assert reply.kind == "error"
    assert reply.retry_after is not None and 1 <= reply.retry_after <= 60
    assert reply.text == render("rate_limited", "en", seconds=reply.retry_after)
    assert str(reply.retry_after) in reply.text
    after = chat.state()
    assert (after.turn_count, after.version, after.history) == (
        before.turn_count,
        before.version,
        before.history,
    )
    assert _refused("user") == refused + 1


def test_dutch_message_over_limit_gets_dutch_error(
    embedded_settings: Settings, tenant_id: str
) -> None:
    chat = Chat(_limited(embedded_settings, user=1), tenant_id)
    chat.say("hallo")
    reply = chat.say("welke agenten zijn er beschikbaar voor mij vandaag")
    assert reply.kind == "error" and reply.lang == "nl"
    assert reply.text == render("rate_limited", "nl", seconds=reply.retry_after)
    assert reply.text != render("rate_limited", "en", seconds=reply.retry_after)


def test_other_users_are_not_affected(embedded_settings: Settings, tenant_id: str) -> None:
    alice = Chat(_limited(embedded_settings, user=2), tenant_id, user="alice")
    bob = Chat(alice.settings, tenant_id, user="bob")
    alice.say("hello")
    alice.say("hello")
    assert alice.say("hello").kind == "error"
    assert bob.say("hello").kind == "answer"
    assert bob.say("help").kind == "answer"


def test_tenant_budget_is_shared_by_its_users(embedded_settings: Settings, tenant_id: str) -> None:
    settings = _limited(embedded_settings, user=0, tenant=3)
    chats = [Chat(settings, tenant_id, user=f"u{i}") for i in range(4)]
    refused = _refused("tenant")
    kinds = [chat.say("hello").kind for chat in chats]
    assert kinds == ["answer", "answer", "answer", "error"]
    assert _refused("tenant") == refused + 1
    other = Chat(settings, tenant_id + "b")
    assert other.say("hello").kind == "answer"


def test_budget_refills_when_the_window_ends(embedded_settings: Settings, tenant_id: str) -> None:
    chat = Chat(_limited(embedded_settings, user=2), tenant_id)
    with freeze_time("2030-01-01 12:00:10") as clock:
        chat.say("hello")
        chat.say("hello")
        refused = chat.say("hello")
        assert refused.kind == "error" and refused.retry_after is not None
        clock.tick(refused.retry_after + 1)
        assert chat.say("hello").kind == "answer"


def test_refused_message_can_be_sent_again_with_the_same_event_id(
    embedded_settings: Settings, tenant_id: str
) -> None:
    chat = Chat(_limited(embedded_settings, user=1), tenant_id)
    with freeze_time("2030-01-01 12:00:10") as clock:
        chat.say("hello")
        assert chat.say("help", event_id="evt-1").kind == "error"
        clock.tick(61)
        assert chat.say("help", event_id="evt-1").kind == "answer"


def test_zero_disables_both_budgets(embedded_settings: Settings, tenant_id: str) -> None:
    chat = Chat(_limited(embedded_settings, user=0, tenant=0), tenant_id)
    assert all(chat.say("hello").kind == "answer" for _ in range(70))
