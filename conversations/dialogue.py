"""The dialogue manager: from (state, message) to one outcome.

Policy, in order: answer a pending question (slot value, yes/no, a choice; a correction or
"never mind" work at any time), otherwise understand the message as a new request; fill
slots from the message and, when the message refers back ("deploy it"), from context; ask
for the first missing required slot; confirm risky actions; then act. Questions about runs
(status, approve...) asked while a slot question is pending are answered without losing
the pending request.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from conversations import words
from conversations.acting import Actor
from conversations.message import Message
from conversations.nlu.catalog import OUT_OF_SCOPE, Catalog, Intent
from conversations.nlu.extract import extract_slot_value, extract_slots
from conversations.nlu.language import detect_language
from conversations.nlu.types import IntentResult
from conversations.outcome import Outcome
from conversations.replies import render
from conversations.state import ConversationState as State
from conversations.state import Pending

Understand = Callable[[str, str], IntentResult]
Decision = tuple[Outcome, IntentResult | None]

# Intents answered in passing while a slot question stays pending.
_PASSING_KINDS = frozenset({"reply", "run_control"})
# Below this, a different intent does not interrupt a pending question.
SWITCH_CONFIDENCE = 0.75


class DialogueManager:
    def __init__(
        self, catalog: Catalog, actor: Actor, understand: Understand, clarify_below: float
    ) -> None:
        self.catalog = catalog
        self.actor = actor
        self.understand = understand
        # Below this confidence an intent is a guess: ask, offering the alternatives.
        self.clarify_below = clarify_below

    def step(self, state: State, message: Message) -> Decision:
        """Decide and act for one message; mutates `state`. Returns the NLU result used."""
        text = message.text.strip()
        state.lang = detect_language(text, state.lang) if text else state.lang
        if not text:
            return self.actor.reply("help", state, "help"), None
        if state.pending is not None:
            answered = self._answer_pending(state, message, text)
            if answered is not None:
                return answered
        else:
            redone = self._correct_last_request(state, message, text)
            if redone is not None:
                return redone, None
        result = self.understand(text, state.lang)
        return self._new_request(state, message, text, result), result

    # -- pending questions ------------------------------------------------------------
    def _answer_pending(self, state: State, message: Message, text: str) -> Decision | None:
        pending = state.pending
        assert pending is not None
        spec = self.catalog.get(pending.intent)
        if spec is None:
            state.clear_request()
            return None
        if words.is_abandon(text):
            state.clear_request()
            return Outcome("answer", render("abandoned", state.lang), pending.intent), None
        rest = words.correction_rest(text)
        if rest is not None and pending.kind in ("slot", "confirm"):
            corrected = self._correct(state, spec, rest, pending)
            if corrected:
                state.pending = None
                return self._advance(state, message, pending.intent, spec), None
        if pending.kind == "confirm":
            return self._answer_confirm(state, message, text, spec, pending)
        if pending.kind == "clarify":
            choice = _choose(text, pending.options, self._labels(pending.options, state.lang))
            if choice is None:
                state.clear_request()
                return None  # not a choice: understand it as a new message
            state.clear_request()
            result = IntentResult(intent=choice, confidence=1.0)
            return self._new_request(state, message, pending.text or text, result), result
        return self._answer_slot(state, message, text, spec, pending)

    def _answer_confirm(
        self, state: State, message: Message, text: str, spec: Intent, pending: Pending
    ) -> Decision:
        if words.is_yes(text):
            state.pending = None
            return self._act(state, message, pending.intent, spec), None
        if words.is_no(text):
            state.clear_request()
            return Outcome("answer", render("declined", state.lang), pending.intent), None
        result = self.understand(text, state.lang)
        if self._passing(result, pending.intent):
            return self._in_passing(state, message, text, result), result
        if self._is_new_request(result, pending.intent):
            state.clear_request()
            return self._new_request(state, message, text, result), result
        return self._confirm(state, pending.intent, spec, repeat=True), result

    def _answer_slot(
        self, state: State, message: Message, text: str, spec: Intent, pending: Pending
    ) -> Decision:
        result = self.understand(text, state.lang)
        if self._passing(result, pending.intent):
            return self._in_passing(state, message, text, result), result
        if self._is_new_request(result, pending.intent) and result.slots:
            # A full new request ("deploy checkout to staging" while asked for a story's
            # subject): slot values of another intent are the evidence; a bare phrase
            # the classifier likes ("the login page") is still taken as the answer.
            state.clear_request()
            return self._new_request(state, message, text, result), result
        slot = spec.slots.get(pending.slot or "")
        value = extract_slot_value(slot.type, text, answer=True) if slot else None
        if value and not _is_reference(value):
            state.fill({pending.slot or "": value})
            # A restatement ("deploy payments to production") also updates typed slots.
            subjects = {n for n, s in spec.slots.items() if s.type == "subject"}
            state.fill(self._slots_from(text, pending.intent, spec, skip=subjects))
            state.set_context(state.slots)
            state.pending = None
            return self._advance(state, message, pending.intent, spec), result
        if self._is_new_request(result, pending.intent):
            state.clear_request()
            return self._new_request(state, message, text, result), result
        return self._ask(state, pending.intent, spec, pending.slot or "", again=True), result

    def _in_passing(
        self, state: State, message: Message, text: str, result: IntentResult
    ) -> Outcome:
        """Answer a run/status/help question, keeping the pending request unless the
        answer itself needs a new question (e.g. confirming a cancel)."""
        saved = (state.active_intent, dict(state.slots), state.pending)
        state.clear_request()
        outcome = self._new_request(state, message, text, result)
        if state.pending is None:
            state.active_intent, state.slots, state.pending = saved
        return outcome

    def _correct_last_request(self, state: State, message: Message, text: str) -> Outcome | None:
        """ "No, I meant acceptance" right after a request was carried out: do that request
        again with the corrected value (confirming first where the intent requires it).
        The earlier run is left alone; the reply names the new run."""
        rest = words.correction_rest(text)
        spec = self.catalog.get(state.last_intent or "")
        if rest is None or spec is None or state.last_intent is None:
            return None
        state.active_intent, state.slots = state.last_intent, dict(state.last_slots)
        probe = Pending(kind="confirm", intent=state.last_intent)
        if not self._correct(state, spec, rest, probe):
            state.clear_request()
            return None
        return self._advance(state, message, state.last_intent, spec)

    def _correct(self, state: State, spec: Intent, rest: str, pending: Pending) -> bool:
        """Apply "no, I meant X": X replaces the value of the slot it fits."""
        found = self._slots_from(rest, pending.intent, spec)
        if not found and pending.kind == "slot" and pending.slot in spec.slots:
            value = extract_slot_value(spec.slots[pending.slot].type, rest, answer=True)
            found = {pending.slot: value} if value else {}
        if not found:
            # A bare value ("staging"): the filled slot whose type accepts it.
            # Subject slots accept any text, so only typed slots are candidates.
            for name in state.slots:
                slot = spec.slots.get(name)
                if slot is not None and slot.type != "subject":
                    value = extract_slot_value(slot.type, rest, answer=True)
                    if value:
                        found = {name: value}
                        break
        if not found:
            return False
        state.fill(found)
        state.set_context(found)
        return True

    # -- new requests -----------------------------------------------------------------
    def _new_request(
        self, state: State, message: Message, text: str, result: IntentResult
    ) -> Outcome:
        state.clear_request()
        if self._unsure(result):
            return self._clarify(state, text, result)
        spec = self.catalog.get(result.intent)
        if result.intent == OUT_OF_SCOPE or spec is None:
            return self.actor.out_of_scope(state)
        state.active_intent = result.intent
        slots = {k: v for k, v in result.slots.items() if k in spec.slots and v}
        slots.update(self._slots_from(text, result.intent, spec))
        slots = {k: v for k, v in slots.items() if not _is_reference(v)}
        state.fill(slots)
        if words.refers_back(text):
            for name in spec.slots:
                if name not in state.slots and name in state.context and name != "run_id":
                    state.fill({name: state.context[name]})
        state.set_context(state.slots)
        return self._advance(state, message, result.intent, spec)

    def _advance(self, state: State, message: Message, intent: str, spec: Intent) -> Outcome:
        state.active_intent = intent
        missing = spec.missing_slots(state.slots)
        if missing:
            return self._ask(state, intent, spec, missing[0])
        if spec.handler.kind == "run_control":
            return self._run_control(state, message, intent, spec)
        if spec.requires_confirmation(state.slots):
            return self._confirm(state, intent, spec)
        return self._act(state, message, intent, spec)

    def _run_control(self, state: State, message: Message, intent: str, spec: Intent) -> Outcome:
        action = spec.handler.action or "status"
        run_id = _int(state.slots.get("run_id"))
        run = self.actor.find_run(action, state, run_id)
        if run is None:
            state.clear_request()
            return self.actor.no_run(action, state, intent, run_id)
        state.slots["run_id"] = str(run.id)
        if spec.requires_confirmation(state.slots):
            return self._confirm(state, intent, spec, run_id=run.id)
        return self._act(state, message, intent, spec)

    def _act(self, state: State, message: Message, intent: str, spec: Intent) -> Outcome:
        handler = spec.handler
        if handler.kind == "reply":
            outcome = self.actor.reply(handler.reply or "help", state, intent)
        elif handler.kind == "run_control":
            action = handler.action or "status"
            run_id = _int(state.slots.get("run_id"))
            run = self.actor.find_run(action, state, run_id)
            if run is None:
                outcome = self.actor.no_run(action, state, intent, run_id)
            else:
                outcome = self.actor.control(action, state, message.user_id, intent, run)
        elif handler.kind == "data":
            outcome = Outcome("answer", render("forgotten", state.lang), intent, forget=True)
        else:
            outcome = self.actor.start(state, message.user_id, intent, spec)
            state.last_intent, state.last_slots = intent, dict(state.slots)
        state.set_context({k: v for k, v in state.slots.items() if k != "run_id"})
        state.clear_request()
        return outcome

    # -- questions --------------------------------------------------------------------
    def _ask(
        self, state: State, intent: str, spec: Intent, slot: str, again: bool = False
    ) -> Outcome:
        state.pending = Pending(kind="slot", intent=intent, slot=slot)
        question = spec.slots[slot].question
        text = render(
            "ask_slot",
            state.lang,
            question=question.get(state.lang) if question else slot,
            again=again,
        )
        return Outcome("question", text, intent)

    def _confirm(
        self,
        state: State,
        intent: str,
        spec: Intent,
        repeat: bool = False,
        run_id: int | None = None,
    ) -> Outcome:
        state.pending = Pending(
            kind="confirm",
            intent=intent,
            run_id=run_id or (state.pending.run_id if state.pending else None),
        )
        text = render(
            "confirm",
            state.lang,
            intent=intent,
            what=spec.description.get(state.lang),
            slots=state.slots,
            repeat=repeat,
        )
        return Outcome("confirm", text, intent)

    def _unsure(self, result: IntentResult) -> bool:
        if result.needs_clarification:
            return True
        # A confident "out of scope" gets the "here is what I can do" reply instead.
        return (
            result.intent != OUT_OF_SCOPE
            and result.confidence < self.clarify_below
            and bool(result.alternatives)
        )

    def _clarify(self, state: State, text: str, result: IntentResult) -> Outcome:
        candidates = [result.intent, *result.alternatives]
        options = list(dict.fromkeys(a for a in candidates if self.catalog.get(a)))[:4]
        if not options:
            return self.actor.out_of_scope(state)
        state.pending = Pending(kind="clarify", intent=options[0], options=options, text=text)
        labels = self._labels(options, state.lang)
        return Outcome("clarify", render("clarify", state.lang, options=labels), None)

    # -- helpers ----------------------------------------------------------------------
    def _labels(self, options: list[str], lang: str) -> list[str]:
        return [
            self.catalog.intents[o].description.get(lang)
            for o in options
            if o in self.catalog.intents
        ]

    def _slots_from(
        self, text: str, intent: str, spec: Intent, skip: Collection[str] = ()
    ) -> dict[str, str]:
        found = extract_slots(text, intent)
        return {
            k: v
            for k, v in found.items()
            if k in spec.slots and v and not _is_reference(v) and k not in skip
        }

    def _confident(self, result: IntentResult) -> bool:
        return not result.needs_clarification and result.confidence >= SWITCH_CONFIDENCE

    def _passing(self, result: IntentResult, current: str) -> bool:
        """A question to answer in passing (status, help...) while one of ours waits."""
        spec = self.catalog.get(result.intent)
        return (
            spec is not None
            and result.intent != current
            and spec.handler.kind in _PASSING_KINDS
            and self._confident(result)
        )

    def _is_new_request(self, result: IntentResult, current: str) -> bool:
        spec = self.catalog.get(result.intent)
        return (
            spec is not None
            and result.intent != current
            and spec.handler.kind != "reply"
            and self._confident(result)
        )


def _choose(text: str, options: list[str], labels: list[str]) -> str | None:
    """A clarify answer: the option's number or position, its intent name or description."""
    norm = words.normalize(text)
    position = words.ordinal(text) if len(norm.split()) <= words.MAX_ANSWER_WORDS else None
    if position is not None and 1 <= position <= len(options):
        return options[position - 1]
    for option, label in zip(options, labels, strict=False):
        if norm in (words.normalize(option), words.normalize(label)):
            return option
    return None


def _is_reference(value: str) -> bool:
    return words.normalize(value) in {
        words.normalize(p) for ps in words.word_lists().reference.values() for p in ps
    }


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    digits = "".join(ch for ch in value if ch.isdigit())
    return int(digits) if digits else None
