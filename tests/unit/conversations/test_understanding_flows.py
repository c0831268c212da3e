"""Understanding through the real pipeline (issue 11, point 7): the conversation keeps its
language, a Dutch request with code is answered in Dutch, "thanks" gets a short
acknowledgement, a typo-ridden deploy is understood, a long pasted request is served."""

from __future__ import annotations

from integrations.settings import Settings
from tests.unit.conversations.chat_helper import Chat

CODE = """```
# Return the total of the order. If there is no item we return zero, and the
# discount is applied by the caller when the customer has a code for it.
def total(items):
    return sum(i.price * i.qty for i in items if i.qty > 0)
```"""


def test_stop_keeps_an_english_conversation_english(
    embedded_settings: Settings, tenant_id: str
) -> None:
    chat = Chat(embedded_settings, tenant_id)
    first = chat.say("write a user story")
    assert first.lang == "en" and first.kind == "question"
    reply = chat.say("stop")
    assert reply.lang == "en", reply.text
    assert chat.state().lang == "en"


def test_dutch_request_with_code_is_answered_in_dutch(
    embedded_settings: Settings, tenant_id: str
) -> None:
    chat = Chat(embedded_settings, tenant_id)
    reply = chat.say("Kun je deze code reviewen? Ik twijfel over de afronding.\n" + CODE)
    assert reply.lang == "nl", reply.text
    assert reply.intent == "review_code"


def test_thanks_gets_a_short_acknowledgement(embedded_settings: Settings, tenant_id: str) -> None:
    for text, lang in (("thanks!", "en"), ("dank je", "nl"), ("bedankt!", "nl")):
        chat = Chat(embedded_settings, tenant_id)
        reply = chat.say(text)
        assert reply.kind == "answer", reply
        assert reply.lang == lang
        # Not the capability list: one short line.
        assert len(reply.text.splitlines()) == 1 and len(reply.text) < 120, reply.text


def test_thanks_while_a_question_is_pending_keeps_the_question(
    embedded_settings: Settings, tenant_id: str
) -> None:
    chat = Chat(embedded_settings, tenant_id)
    assert chat.say("write a user story").kind == "question"
    reply = chat.say("thanks")
    assert len(reply.text) < 120, reply.text
    assert chat.state().pending is not None
    assert chat.say("exporting invoices as PDF").kind == "started"


def test_typo_deploy_does_not_ask_for_the_service(
    embedded_settings: Settings, tenant_id: str
) -> None:
    chat = Chat(embedded_settings, tenant_id)
    reply = chat.say("deploi chekout to stagin")
    assert reply.intent == "deploy"
    assert reply.kind == "started", reply.text


def test_long_pasted_request_is_not_refused(embedded_settings: Settings, tenant_id: str) -> None:
    chat = Chat(embedded_settings, tenant_id)
    notes = "\n".join(f"- item {i}: the export job failed again on shard {i}" for i in range(80))
    text = "Can you summarise the stand-up notes of the platform team for today?\n" + notes
    assert len(text) > 2000
    reply = chat.say(text)
    assert reply.intent == "standup_summary", reply.text
