"""The dialogue manager: from (state, message) to one outcome.

The policy, in the order it is applied (each step is one method below):

1. A pending item (a slot question, a confirmation, a choice) has an owner and an expiry.
   Someone else's message never answers it; an expired one is dropped and a bare answer
   to it gets a reply saying so.
2. Before a reply to the owner's pending item is taken as a slot value, decide what it is:
   (c) an abandon ("cancel", "never mind", "laat maar": these win over `cancel_workflow`),
   (d) a new request (a named workflow, a strong intent score, or a request verb of
   another intent; "actually, deploy X instead" too), (b) a correction ("no, I meant
   staging"), else (a) an answer. A new request drops the pending item and is served.
3. With nothing pending, a bare yes/no answers nothing: it asks what is meant, and never
   approves (approving needs the approve intent or the button).
4. Follow-ups carry the conversation's last subject (feature, service, version,
   environment): "deploy it", "and now a test plan for it", "en nu naar productie".
5. Otherwise the message is a new request: fill slots, ask for the first missing required
   slot, confirm risky actions, then act. Every run gets the user's words as inputs
   (`request_text`, `request_context`), within the task's input limit.

Words live in `dialogue_words.yaml`, replies in `prompts/replies/`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from datetime import UTC, datetime, timedelta

from agents.environments import is_protected
from agents.workflows.errors import WorkflowError
from conversations import named_workflows as named
from conversations import words
from conversations.acting import Actor
from conversations.message import Message
from conversations.nlu import acknowledge
from conversations.nlu.catalog import OUT_OF_SCOPE, Catalog, Intent, Slot
from conversations.nlu.extract import extract_slot_value, extract_slots
from conversations.nlu.language import detect_language
from conversations.nlu.types import IntentResult
from conversations.outcome import Outcome, combined
from conversations.replies import render
from conversations.reply import ReplyKind
from conversations.runs import is_active
from conversations.state import MAX_LAST_REQUEST_TEXT, PENDING_TTL_SECONDS, Pending, clip
from conversations.state import ConversationState as State

Understand = Callable[[str, str], IntentResult]
Decision = tuple[Outcome, IntentResult | None]

# Intents answered in passing while a slot question stays pending.
_PASSING_KINDS = frozenset({"reply", "run_control"})
# Below this, a different intent does not interrupt a pending question...
SWITCH_CONFIDENCE = 0.75
# ...unless the message opens with a request verb ("write a security review"): then a
# weaker score for another actionable intent is enough.
VERB_SWITCH_CONFIDENCE = 0.35
# Longer replies to a slot question are answers, not questions asked in passing.
MAX_PASSING_WORDS = 12
# Slot types that carry "the subject" across intents (a story's feature is the test
# plan's feature and the design's topic).
_SUBJECT_TYPES = frozenset({"subject", "feature", "pr_or_subject"})
# Slot types a short correction can name without a verb ("no, payments to staging"), the
# most constrained first: what an environment or a version takes is not a service.
_CORRECTABLE_TYPES = ("environment", "version", "service")
_SUBJECT_KEY = "subject"
_ONE_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]{1,40}", re.I)


def _now() -> datetime:
    return datetime.now(UTC)


class DialogueManager:
    def __init__(
        self,
        catalog: Catalog,
        actor: Actor,
        understand: Understand,
        clarify_below: float,
        pending_ttl_seconds: int = PENDING_TTL_SECONDS,
    ) -> None:
        self.catalog = catalog
        self.actor = actor
        self.understand = understand
        # Below this confidence an intent is a guess: ask, offering the alternatives.
        self.clarify_below = clarify_below
        self.pending_ttl = timedelta(seconds=pending_ttl_seconds)

    def step(self, state: State, message: Message) -> Decision:
        """Decide and act for one message; mutates `state`. Returns the NLU result used."""
        text = message.text.strip()
        # A new conversation takes its language from its first message; after that the
        # conversation's language holds unless a message clearly says otherwise.
        previous = state.lang if state.turn_count else None
        state.lang = detect_language(text, previous) if text else state.lang
        if not text:
            return self.actor.reply("help", state, "help"), None
        before = state.pending
        outcome, result = self._decide(state, message, text)
        pending = state.pending
        if pending is not None and pending is not before:
            # A new question: it belongs to whoever made this request, for a while.
            pending.owner = message.user_id
            pending.asked_at = _now()
            pending.expires_at = pending.asked_at + self.pending_ttl
        return outcome, result

    def _decide(self, state: State, message: Message, text: str) -> Decision:
        pending = state.pending
        if pending is not None:
            if pending.owner is not None and pending.owner != message.user_id:
                return self._not_owner(state, message, text, pending)
            # No owner: a document from before pending items had one; its age is unknown.
            if pending.owner is None or pending.expires_at <= _now():
                expired = self._expired(state, message, text)
                if expired is not None:
                    return expired
            else:
                answered = self._answer_pending(state, message, text)
                if answered is not None:
                    return answered
        else:
            redone = self._correct_last_request(state, message, text)
            if redone is not None:
                return redone, None
            if words.is_bare_yes_no(text):
                # Nothing asked: a bare yes/no must not be read as an approval.
                return Outcome("answer", render("nothing_pending", state.lang)), None
            followed = self._follow_up(state, message, text)
            if followed is not None:
                return followed
        started = self._named_workflow(state, message, text)
        if started is not None:
            return started, None
        result = self.understand(text, state.lang)
        if pending is None and words.only_abandon(text) and not self._actionable(result):
            # "never mind" with nothing open: nothing to drop (not "out of scope"); "cancel
            # it" still cancels the conversation's run.
            return Outcome("answer", render("nothing_to_drop", state.lang)), result
        return self._new_request(state, message, text, result), result

    # -- whose, and still open? ---------------------------------------------------------
    def _not_owner(self, state: State, message: Message, text: str, pending: Pending) -> Decision:
        """Another user's pending item: never answered by this user. A request of their
        own is served in passing; an answer-like message is refused, saying whose it is."""
        refusal = Outcome(
            "answer", render("pending_not_yours", state.lang, owner=pending.owner), pending.intent
        )
        if words.is_bare_yes_no(text) or words.is_abandon(text):
            return refusal, None
        if self._named(state, text) is not None:
            return self._serve_keeping_pending(
                state, lambda: self._named_workflow(state, message, text) or refusal
            ), None
        result = self.understand(text, state.lang)
        if self._passing(result, pending.intent) or self._own_request(text, result):
            outcome = self._serve_keeping_pending(
                state, lambda: self._new_request(state, message, text, result)
            )
            return outcome, result
        return refusal, result

    def _expired(self, state: State, message: Message, text: str) -> Decision | None:
        """An expired pending item is dropped. A bare answer to it is ignored with a reply
        saying so; a real request is served (returns None to go on)."""
        state.clear_request()
        minutes = max(1, round(self.pending_ttl.total_seconds() / 60))
        expired = Outcome("answer", render("pending_expired", state.lang, minutes=minutes))
        if words.is_bare_yes_no(text) or words.is_abandon(text):
            return expired, None
        if self._named(state, text) is not None:
            return None
        result = self.understand(text, state.lang)
        if self._own_request(text, result) or self._passing(result, ""):
            return None
        return expired, result

    def _own_request(self, text: str, result: IntentResult) -> bool:
        """A request that stands on its own ("deploy search to staging"), not a bare value
        ("production") that only makes sense as the answer to a question."""
        if not (self._actionable(result) and self._confident(result)):
            return False
        long_enough = len(words.normalize(text).split()) > words.MAX_ANSWER_WORDS
        return long_enough or words.starts_with_request_verb(text)

    # -- answering what is pending ------------------------------------------------------
    def _answer_pending(self, state: State, message: Message, text: str) -> Decision | None:
        pending = state.pending
        if pending is None:
            return None
        spec = self.catalog.get(pending.intent)
        if spec is None and pending.workflow is None:
            state.clear_request()
            return None
        # (c) abandon: wins over everything, "cancel" included.
        rest = words.abandon_rest(text)
        if rest is not None:
            state.clear_request()
            if rest:
                return self._after_abandon(state, message, rest, pending)
            return Outcome("answer", render("abandoned", state.lang), pending.intent), None
        corrected = words.correction_rest_raw(text)
        also = words.yes_and_rest(text) if pending.kind == "confirm" else None
        if also is not None and corrected is None and self._is_request(state, also[1]):
            return self._yes_and_then(state, message, *also)
        if corrected is None:
            # Plain answers first: no classifier (or LLM) call for a "yes" or a "2".
            quick = self._quick_answer(state, message, text, spec, pending)
            if quick is not None:
                return quick
        if pending.kind == "confirm" and corrected is None and words.is_plain_no(text):
            # "no sorry", "nee, toch maar niet": the answer, whatever a classifier makes of it.
            return self._decline(state, pending), None
        # (d) a new request, also when phrased as a correction ("actually, deploy X").
        probe = corrected or text
        if self._named(state, probe) is not None:
            state.clear_request()
            return None
        result = self.understand(probe, state.lang)
        # "actually, a test plan for the checkout": the correction word is the cue.
        switch = Pending(kind="confirm", intent=pending.intent) if corrected else pending
        if self._starts_new_request(probe, result, switch):
            state.clear_request()
            return self._new_request(state, message, probe, result), result
        if pending.workflow is not None or spec is None:
            return self._answer_named(state, message, text, pending, result), None
        # (b) a correction of a value given before.
        if (
            corrected is not None
            and pending.kind in ("slot", "confirm")
            and self._correct(state, spec, corrected, pending)
        ):
            state.pending = None
            state.add_request_turn(text)
            return self._advance(state, message, pending.intent, spec), None
        # (a) an answer.
        if pending.kind == "confirm":
            return self._answer_confirm(state, message, text, spec, pending, result)
        if pending.kind == "clarify":
            state.clear_request()
            return None  # not a choice: understand it as a new message
        return self._answer_slot(state, message, text, spec, pending, result)

    def _is_request(self, state: State, text: str) -> bool:
        """Does `text` ask for something of its own (not "to staging", a changed value)?"""
        if self._named(state, text) is not None or words.starts_with_request_verb(text):
            return True
        result = self.understand(text, state.lang)
        pending = state.pending
        return (
            self._actionable(result)
            and self._confident(result)
            and (pending is None or result.intent != pending.intent)
        )

    def _yes_and_then(self, state: State, message: Message, yes: str, rest: str) -> Decision:
        """ "yes, and also write the release notes": the confirmed action first, then the
        other request, in one reply; neither is dropped."""
        first = self._answer_pending(state, message, yes)
        second, result = self._decide(state, message, rest)
        if first is None:  # not expected: a bare yes always answers a confirmation
            return second, result
        return combined(first[0], second), result

    def _quick_answer(
        self, state: State, message: Message, text: str, spec: Intent | None, pending: Pending
    ) -> Decision | None:
        if pending.workflow is not None:
            if pending.kind == "confirm" and (words.is_yes(text) or words.is_no(text)):
                return self._answer_named(state, message, text, pending), None
            if pending.kind == "slot" and words.is_bare_yes_no(text) and words.is_no(text):
                state.clear_request()
                return Outcome("answer", render("abandoned", state.lang), pending.intent), None
            return None
        if spec is None:
            return None
        if pending.kind == "confirm" and words.is_bare_yes_no(text):
            # Only a bare yes/no here: "yes but to staging" changes what is confirmed.
            if words.is_yes(text):
                return self._confirmed(state, message, pending, spec), None
            state.clear_request()
            return Outcome("answer", render("declined", state.lang), pending.intent), None
        if pending.kind in ("slot", "clarify") and words.is_hesitation(text):
            return self._ask_again_kindly(state, spec, pending), None
        if pending.kind == "clarify" and words.is_bare_yes_no(text):
            if words.is_no(text):
                state.clear_request()
                return Outcome("answer", render("abandoned", state.lang), pending.intent), None
            labels = self._labels(pending.options, state.lang)
            return Outcome("clarify", render("clarify", state.lang, options=labels)), None
        if pending.kind == "slot" and words.is_bare_yes_no(text):
            if words.is_no(text):  # "no" to "which service?": they do not want it
                state.clear_request()
                return Outcome("answer", render("abandoned", state.lang), pending.intent), None
            return self._ask(state, pending.intent, spec, pending.slot or "", again=True), None
        if pending.kind == "clarify":
            choice = _choose(text, pending.options, self._labels(pending.options, state.lang))
            if choice is not None:
                state.clear_request()
                chosen = IntentResult(intent=choice, confidence=1.0)
                return self._new_request(state, message, pending.text or text, chosen), chosen
        return None

    def _after_abandon(
        self, state: State, message: Message, rest: str, pending: Pending
    ) -> Decision:
        """ "never mind, deploy search to staging": drop the question, serve the rest."""
        if self._named(state, rest) is not None:
            started = self._named_workflow(state, message, rest)
            if started is not None:
                return started, None
        result = self.understand(rest, state.lang)
        if self._actionable(result) and not self._unsure(result):
            return self._new_request(state, message, rest, result), result
        return Outcome("answer", render("abandoned", state.lang), pending.intent), result

    def _answer_confirm(
        self,
        state: State,
        message: Message,
        text: str,
        spec: Intent,
        pending: Pending,
        result: IntentResult,
    ) -> Decision:
        answering = words.is_yes(text) or words.is_no(text)  # "no, staging"
        subjects = {n for n, s in spec.slots.items() if s.type in _SUBJECT_TYPES}
        rest = words.correction_rest_raw(text) or words.no_rest(text)
        # "wait, is staging green?" asks about a value; it does not change the request to it.
        asks = text.rstrip().endswith("?") and not answering and rest is None
        found = {} if asks else self._slots_from(text, pending.intent, spec, skip=subjects)
        if rest:  # "no, payments": the value it names replaces the one it fits
            for name, value in _typed_values(state.slots, spec, rest, None).items():
                found.setdefault(name, value)
        changed = {k: v for k, v in found.items() if state.slots.get(k) != v}
        corrects = bool(changed) and pending.run_id is None
        if self._passing(result, pending.intent) and not answering and not corrects:
            return self._in_passing(state, message, text, result), result
        if corrects:
            # "yes but to staging", "wacht, eerst naar staging": the request, corrected.
            state.fill(changed)
            self._remember(state, spec, changed)
            state.add_request_turn(text)
            state.pending = None
            return self._advance(state, message, pending.intent, spec), result
        if words.is_yes(text):
            return self._confirmed(state, message, pending, spec), None
        if words.is_no(text):
            return self._decline(state, pending), None
        return self._confirm(state, pending.intent, spec, repeat=True), result

    def _confirmed(self, state: State, message: Message, pending: Pending, spec: Intent) -> Outcome:
        """Yes to a confirmation: act; a corrected request also retires the run it replaces."""
        state.pending = None
        outcome = self._act(state, message, pending.intent, spec)
        if pending.supersedes is not None and outcome.kind == "started":
            replaced = self.actor.supersede(state, message.user_id, pending.supersedes)
            outcome = combined(outcome, replaced) if replaced is not None else outcome
        return outcome

    def _decline(self, state: State, pending: Pending) -> Outcome:
        state.clear_request()
        return Outcome("answer", render("declined", state.lang), pending.intent)

    def _answer_slot(
        self,
        state: State,
        message: Message,
        text: str,
        spec: Intent,
        pending: Pending,
        result: IntentResult,
    ) -> Decision:
        # A long reply is the answer (a description), whatever a classifier makes of it;
        # a short one may be a question asked in passing ("what's the status?").
        short = len(words.normalize(text).split()) <= MAX_PASSING_WORDS or text.endswith("?")
        if short and self._passing(result, pending.intent):
            return self._in_passing(state, message, text, result), result
        slot = spec.slots.get(pending.slot or "")
        rest = words.correction_rest_raw(text) or words.no_rest(text)
        typed = slot is not None and slot.type in _CORRECTABLE_TYPES
        if rest and typed and self._correct(state, spec, rest, pending):
            # "no, payments to staging", "wait, I meant payments" while asked the environment.
            state.add_request_turn(text)
            state.pending = None
            return self._advance(state, message, pending.intent, spec), result
        value = extract_slot_value(slot.type, text, answer=True) if slot else None
        if value and _is_reference(value):
            value = self._from_context(state, pending.slot or "", slot) if slot else None
        if value:
            state.add_request_turn(text)
            state.fill({pending.slot or "": value})
            # A restatement ("deploy payments to production") also updates typed slots.
            subjects = {n for n, s in spec.slots.items() if s.type == "subject"}
            state.fill(self._slots_from(text, pending.intent, spec, skip=subjects))
            self._remember(state, spec, state.slots)
            state.pending = None
            return self._advance(state, message, pending.intent, spec), result
        other = self.catalog.get(result.intent)
        if (
            other is not None
            and result.intent != pending.intent
            and other.handler.kind != "reply"
            and self._confident(result)
        ):
            # Not a value for the question, but a confident request ("forget me").
            state.clear_request()
            return self._new_request(state, message, text, result), result
        return self._ask(state, pending.intent, spec, pending.slot or "", again=True), result

    def _ask_again_kindly(self, state: State, spec: Intent, pending: Pending) -> Outcome:
        """The user hesitates: the same question stays open (no new expiry)."""
        if pending.kind == "clarify":
            labels = self._labels(pending.options, state.lang)
            question = render("clarify", state.lang, options=labels)
        else:
            slot = spec.slots.get(pending.slot or "")
            asked = slot.question.get(state.lang) if slot and slot.question else pending.slot
            question = render("ask_slot", state.lang, question=asked, again=False)
        kind: ReplyKind = "clarify" if pending.kind == "clarify" else "question"
        return Outcome(
            kind, render("take_your_time", state.lang, question=question), pending.intent
        )

    def _starts_new_request(self, text: str, result: IntentResult, pending: Pending) -> bool:
        """(d): does this reply start another request instead of answering?"""
        if not self._actionable(result) or result.intent == pending.intent:
            return False
        spec = self.catalog.get(result.intent)
        if spec is None or spec.handler.kind in _PASSING_KINDS:
            return False  # status/help/approve questions are answered in passing
        # A verb phrase of the very intent the classifier names ("write a security review").
        verb = result.intent in words.request_verb_intents(text)
        if self._confident(result) and (verb or pending.kind != "slot"):
            # Without its verb, a phrase the classifier likes is still an answer ("the login
            # page", "prod", "build a notification service with queues").
            return True
        return verb and result.confidence >= VERB_SWITCH_CONFIDENCE

    def _in_passing(
        self, state: State, message: Message, text: str, result: IntentResult
    ) -> Outcome:
        """Answer a run/status/help question, keeping the pending request unless the
        answer itself needs a new question (e.g. confirming a cancel)."""
        return self._serve_keeping_pending(
            state, lambda: self._new_request(state, message, text, result)
        )

    def _serve_keeping_pending(self, state: State, serve: Callable[[], Outcome]) -> Outcome:
        saved = (
            state.active_intent,
            dict(state.slots),
            state.pending,
            list(state.request_turns),
            list(state.request_context),
        )
        state.clear_request()
        outcome = serve()
        if state.pending is None:
            (
                state.active_intent,
                state.slots,
                state.pending,
                state.request_turns,
                state.request_context,
            ) = saved
        return outcome

    # -- corrections and follow-ups -----------------------------------------------------
    def _correct_last_request(self, state: State, message: Message, text: str) -> Outcome | None:
        """ "No, I meant acceptance" right after a request was carried out: do that request
        again with the corrected value (confirming first where the intent requires it).
        The earlier run is left alone (the reply names the new run), unless it still waits
        for an approval: a confirmed correction then replaces it (`_confirmed`)."""
        rest = words.correction_rest_raw(text)
        spec = self.catalog.get(state.last_intent or "")
        if rest is None or spec is None or state.last_intent is None:
            return None
        if words.names_other_request(rest, state.last_intent):
            return None  # "I meant payments for that deploy" after a user story: not its fix
        contrasted = words.contrast(words.correction_rest_raw(text) or "") or words.contrast(text)
        if contrasted is not None and not _was_said(contrasted[1], state.last_slots):
            return None  # "payments, not checkout" corrects a request that named checkout
        result = self.understand(rest, state.lang)
        probe = Pending(kind="confirm", intent=state.last_intent)
        # "oops, I meant test" after a deploy to staging: a value of the last request, not
        # the test-plan request the word alone would be.
        bare_value = (
            len(words.normalize(rest).split()) <= words.MAX_ANSWER_WORDS
            and not words.starts_with_request_verb(rest)
            and bool(_typed_values(state.last_slots, spec, rest, None))
        )
        new_request = self._starts_new_request(rest, result, probe) and self._confident(result)
        if new_request and not bare_value:
            return None  # "actually, write the release notes": a request of its own
        state.active_intent, state.slots = state.last_intent, dict(state.last_slots)
        if not self._correct(state, spec, rest, probe):
            state.clear_request()
            return None
        self._carry_turns(state, text)
        earlier = state.last_run_ids[-1] if state.last_run_ids else None
        outcome = self._advance(state, message, state.last_intent, spec)
        if outcome.kind == "confirm" and state.pending is not None and earlier is not None:
            # "oh wait, make that 2.4.2" about a production deploy still waiting for approval:
            # once confirmed, the corrected run replaces it (no wrong build left to approve).
            state.pending.supersedes = self.actor.waiting_run_id(state, earlier)
        return outcome

    def _follow_up(self, state: State, message: Message, text: str) -> Decision | None:
        """An elided follow-up ("and now the release notes", "en nu naar productie"):
        another request about the same subject, or the last request with new values."""
        rest = words.elision_rest(text)
        last = state.last_intent
        if rest is None or last is None:
            return None
        spec = self.catalog.get(last)
        result = self.understand(rest, state.lang)
        if result.intent != last and self._actionable(result):
            other = self.catalog.get(result.intent)
            if other is not None and other.handler.kind in _PASSING_KINDS:
                return None  # "and now the status?": an ordinary question
            if self._confident(result) or words.starts_with_request_verb(rest):
                outcome = self._new_request(state, message, text, result, carried=True)
                return outcome, result
        if spec is None:
            return None
        subjects = {n for n, s in spec.slots.items() if s.type in _SUBJECT_TYPES}
        same = result.intent == last and not self._unsure(result)
        found = self._slots_from(rest, last, spec, skip=() if same else subjects)
        if not found and len(words.normalize(rest).split()) <= words.MAX_ANSWER_WORDS:
            found = _bare_value(rest, spec)  # "same for payments", "and for 2.4.1"
        if not found:
            return None
        state.clear_request()
        state.active_intent, state.slots = last, dict(state.last_slots)
        if words.names_another(rest):
            # "and the other one?": that slot gets another value, not named yet: ask it.
            state.slots = {k: v for k, v in state.slots.items() if k not in found}
            self._carry_turns(state, text)
            return self._advance(state, message, last, spec), result
        state.fill(found)
        self._remember(state, spec, found)
        self._carry_turns(state, text)
        return self._advance(state, message, last, spec), result

    def _carry_turns(self, state: State, text: str) -> None:
        state.request_turns = []
        state.add_request_turn(text)
        state.request_context = [state.last_request_text] if state.last_request_text else []

    def _correct(self, state: State, spec: Intent, rest: str, pending: Pending) -> bool:
        """Apply "no, I meant X": X replaces the value of the slot it fits."""
        found = self._slots_from(rest, pending.intent, spec)
        asked = pending.slot if pending.kind == "slot" else None
        for name, value in _typed_values(state.slots, spec, rest, asked).items():
            found.setdefault(name, value)
        if not found:  # "that should have been google pay" after a story about apple pay
            found = _subject_value(state.slots, spec, rest)
        found = {k: v for k, v in found.items() if state.slots.get(k) != v}
        if not found:
            return False
        state.fill(found)
        self._remember(state, spec, found)
        return True

    # -- named workflows ------------------------------------------------------------------
    def _named(self, state: State, text: str) -> named.NamedRequest | None:
        if "workflow" not in text.lower():
            return None  # every phrasing names the word; skips listing templates
        return named.match_named(text, self.actor.workflow_names(state.tenant_id))

    def _named_workflow(self, state: State, message: Message, text: str) -> Outcome | None:
        request = self._named(state, text)
        if request is None:
            return self._unknown_named(state, text)
        try:
            template = self.actor.template(state.tenant_id, request.workflow)
        except WorkflowError as err:
            reason = err.message_in(state.lang)
            return Outcome("error", render("run_refused", state.lang, reason=reason), None)
        state.clear_request()
        state.active_intent = named.NAMED_INTENT
        state.add_request_turn(text)
        state.fill(named.inputs_from(request.rest, template.inputs, self.catalog))
        return self._advance_named(state, message, request.workflow, template.inputs)

    def _unknown_named(self, state: State, text: str) -> Outcome | None:
        if "workflow" not in text.lower():
            return None
        available = [n for n in self.actor.workflow_names(state.tenant_id) if n not in named.HIDDEN]
        asked = named.unknown_named(text, available)
        if asked is None:
            return None
        reply = render("unknown_named_workflow", state.lang, workflow=asked, available=available)
        return Outcome("answer", reply, None)

    def _advance_named(
        self, state: State, message: Message, workflow: str, inputs: list[str]
    ) -> Outcome:
        what = render("named_workflow", state.lang, workflow=workflow)
        missing = [name for name in inputs if not state.slots.get(name)]
        if missing:
            question = named.question_for(missing[0], state.lang, self.catalog, workflow) or render(
                "ask_input", state.lang, input=missing[0], workflow=workflow
            )
            state.pending = Pending(
                kind="slot", intent=named.NAMED_INTENT, slot=missing[0], workflow=workflow
            )
            text = render("ask_slot", state.lang, question=question, again=False)
            return Outcome("question", text, named.NAMED_INTENT)
        too_long = self.actor.too_long(state, named.NAMED_INTENT, what, workflow)
        if too_long is not None:
            state.clear_request()
            return too_long
        confirmed = state.pending is not None and state.pending.kind == "confirm"
        if is_protected(state.slots.get("environment")) and not confirmed:
            state.pending = Pending(kind="confirm", intent=named.NAMED_INTENT, workflow=workflow)
            text = render("confirm_named", state.lang, what=what, slots=state.slots)
            return Outcome("confirm", text, named.NAMED_INTENT)
        outcome = self.actor.start_named(state, message.user_id, workflow)
        self._finish_request(state, named.NAMED_INTENT)
        return outcome

    def _answer_named(
        self,
        state: State,
        message: Message,
        text: str,
        pending: Pending,
        result: IntentResult | None = None,
    ) -> Outcome:
        workflow = pending.workflow or ""
        try:
            template = self.actor.template(state.tenant_id, workflow)
        except WorkflowError:
            state.clear_request()
            return Outcome("answer", render("abandoned", state.lang))
        inputs = template.inputs
        if pending.kind == "confirm":
            if words.is_yes(text):
                return self._advance_named(state, message, workflow, inputs)
            state.clear_request()
            if words.is_no(text):
                return Outcome("answer", render("declined", state.lang), named.NAMED_INTENT)
            return Outcome("answer", render("abandoned", state.lang), named.NAMED_INTENT)
        question = named.question_for(
            pending.slot or "", state.lang, self.catalog, workflow
        ) or render("ask_input", state.lang, input=pending.slot, workflow=workflow)
        if text.rstrip().endswith("?"):
            # "what's running?" is answered in passing; "what is it for?" is no ticket.
            if result is not None and self._passing(result, named.NAMED_INTENT):
                return self._in_passing(state, message, text, result)
            reply = render(
                "named_input_help",
                state.lang,
                workflow=workflow,
                description=template.description,
                question=question,
            )
            return Outcome("question", reply, named.NAMED_INTENT)
        value = named.answer_value(pending.slot or "", text, self.catalog)
        if not value:
            again = render("ask_slot", state.lang, question=question, again=True)
            return Outcome("question", again, named.NAMED_INTENT)
        state.add_request_turn(text)
        state.fill({pending.slot or "": value})
        state.pending = None
        return self._advance_named(state, message, workflow, inputs)

    # -- new requests -----------------------------------------------------------------
    def _new_request(
        self,
        state: State,
        message: Message,
        text: str,
        result: IntentResult,
        carried: bool = False,
    ) -> Outcome:
        state.clear_request()
        if result.acknowledgement:  # "thanks!", "sounds good": a short answer, not the menu
            reply = "thanks" if acknowledge.thanks(text) else "noted"
            return Outcome("answer", render(reply, state.lang), result.intent)
        if self._unsure(result):
            # Unsure, unless the message opens with the verb of one of the guesses ("deploy
            # de winkelwagen", "deploy billing"): an odd name is no reason for a menu.
            verbs = words.request_verb_intents(text)
            chosen = next((i for i in [result.intent, *result.alternatives] if i in verbs), None)
            if chosen is None:
                return self._clarify(state, text, result)
            if chosen != result.intent:
                result = result.model_copy(update={"intent": chosen, "slots": {}})
        elif result.intent == OUT_OF_SCOPE and _opens_with_best_guess(text, result):
            # Just below the out-of-scope line, but it opens with the verb of the best
            # guess ("deploy de winkelwagen"): the request is clear, only the name is odd.
            result = result.model_copy(update={"intent": result.alternatives[0], "slots": {}})
        spec = self.catalog.get(result.intent)
        if result.intent == OUT_OF_SCOPE or spec is None:
            return self.actor.out_of_scope(state)
        state.active_intent = result.intent
        state.add_request_turn(text)
        elided = words.elision_rest(text)
        slot_text = elided or text
        slots = {k: v for k, v in result.slots.items() if k in spec.slots and v}
        if elided:
            slots = {}  # extracted again without the opener ("and now ...")
        slots.update(self._slots_from(slot_text, result.intent, spec))
        slots = {k: v for k, v in slots.items() if not _is_reference(v)}
        state.fill(slots)
        if carried or elided or words.refers_back(text):
            used = False
            for name, slot in spec.slots.items():
                if name in state.slots or name == "run_id":
                    continue
                value = self._from_context(state, name, slot)
                if value:
                    state.fill({name: value})
                    used = True
            if used and state.last_request_text:
                state.request_context = [state.last_request_text]
        self._remember(state, spec, state.slots)
        return self._advance(state, message, result.intent, spec)

    def _advance(self, state: State, message: Message, intent: str, spec: Intent) -> Outcome:
        state.active_intent = intent
        missing = spec.missing_slots(state.slots)
        if missing:
            return self._ask(state, intent, spec, missing[0])
        if spec.handler.kind == "run_control":
            return self._run_control(state, message, intent, spec)
        if spec.handler.kind in ("agent_task", "workflow"):
            too_long = self.actor.too_long(state, intent, spec.description.get(state.lang))
            if too_long is not None:
                state.clear_request()
                return too_long
        if spec.requires_confirmation(state.slots):
            return self._confirm(state, intent, spec)
        return self._act(state, message, intent, spec)

    def _run_control(self, state: State, message: Message, intent: str, spec: Intent) -> Outcome:
        action = spec.handler.action or "status"
        run_id = _int(state.slots.get("run_id"))
        if action != "status" and words.asks_or_holds(message.text):
            # "was the payments deploy approved yet?": the answer is its status, not an act.
            state.clear_request()
            return self.actor.status_of(action, state, intent, message.text, run_id)
        if run_id is None:
            if action == "status":  # a question: "why was it rejected?" means the rejected run
                options = self.actor.runs_asked_about(action, state, message.text)
            else:
                options = self.actor.runs_meant(action, state, message.text)
            active = [r for r in options if is_active(r)]
            if action == "status" and len(active) > 1:
                # "what's running?" with two deploys waiting: both, not only the newest.
                state.clear_request()
                return self.actor.statuses(state, intent, active)
            if len(options) != 1 and (action != "status" or not options):
                # None meant, or two production deploys waiting and "approve": never guess.
                state.clear_request()
                if not options:
                    return self.actor.no_run(action, state, intent, None)
                if self._decides_every_run(action, message.text, len(options)):
                    # "approve both": each run decided on its own (roles, four eyes).
                    return self.actor.decide_each(
                        action, state, message.user_id, intent, options, _reason(action, message)
                    )
                return self.actor.which_run(action, state, intent, options)
            run_id = options[0].id
        run = self.actor.find_run(action, state, run_id)
        if run is None:
            state.clear_request()
            return self.actor.no_run(action, state, intent, run_id)
        state.slots["run_id"] = str(run.id)
        if spec.requires_confirmation(state.slots):
            if run.inputs.get("service"):  # "Cancel run #29 (payments)?": say which
                state.slots["service"] = run.inputs["service"]
            return self._confirm(state, intent, spec, run_id=run.id)
        return self._act(state, message, intent, spec)

    @staticmethod
    def _decides_every_run(action: str, text: str, meant: int) -> bool:
        if action not in ("approve", "reject") or not words.means_every_run(text, meant):
            return False
        return action == "reject" or words.names_approval(text)

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
            elif action == "approve" and not words.names_approval(message.text):
                # "ok, ship it" near a waiting deploy: say how to approve, approve nothing.
                text = render("approve_explicitly", state.lang, run=run)
                outcome = Outcome("answer", text, intent, run_ids=[run.id])
            else:
                reason = _reason(action, message)
                outcome = self.actor.control(action, state, message.user_id, intent, run, reason)
        elif handler.kind == "data":
            outcome = self.actor.forget(state, message.user_id, intent)
        else:
            outcome = self.actor.start(state, message.user_id, intent, spec)
            self._finish_request(state, intent)
        self._remember(state, spec, {k: v for k, v in state.slots.items() if k != "run_id"})
        state.clear_request()
        return outcome

    def _finish_request(self, state: State, intent: str) -> None:
        """Remember what was just asked for, for corrections and follow-ups."""
        state.last_intent, state.last_slots = intent, dict(state.slots)
        own = "\n\n".join(t for t in state.request_turns if t)
        if own:
            state.last_request_text = clip(own, MAX_LAST_REQUEST_TEXT)
        state.clear_request()

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
        previous = state.pending
        state.pending = Pending(
            kind="confirm",
            intent=intent,
            run_id=run_id or (previous.run_id if previous else None),
        )
        if repeat and previous is not None:
            state.pending = previous  # asking again does not extend the owner's time
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
        options = list(dict.fromkeys(a for a in candidates if self._offerable(a)))[:4]
        if not options:
            return self.actor.out_of_scope(state)
        state.pending = Pending(kind="clarify", intent=options[0], options=options, text=text)
        labels = self._labels(options, state.lang)
        return Outcome("clarify", render("clarify", state.lang, options=labels), None)

    def _offerable(self, intent: str) -> bool:
        """A guess the menu may offer: never approving, rejecting or cancelling a run or
        erasing data, which need the user's own explicit words (or the button)."""
        spec = self.catalog.get(intent)
        if spec is None or spec.handler.kind == "data":
            return False
        return spec.handler.kind != "run_control" or spec.handler.action == "status"

    # -- context ----------------------------------------------------------------------
    def _remember(self, state: State, spec: Intent, slots: dict[str, str]) -> None:
        """The last value per slot name and per kind of subject, for carry-over."""
        found: dict[str, str] = {}
        for name, value in slots.items():
            if not value or name == "run_id":
                continue
            found[name] = value
            slot = spec.slots.get(name)
            if slot is not None and slot.extractor_name in _SUBJECT_TYPES:
                found[_SUBJECT_KEY] = value
        if _SUBJECT_KEY not in found and found.get("service"):
            # Release notes for checkout 2.4, then "a test plan for it": it is checkout 2.4.
            found[_SUBJECT_KEY] = " ".join(v for v in (found["service"], found.get("version")) if v)
        state.set_context(found)

    def _from_context(self, state: State, name: str, slot: Slot) -> str | None:
        value = state.context.get(name)
        if value is None and slot.extractor_name in _SUBJECT_TYPES:
            value = state.context.get(_SUBJECT_KEY)
        if value is None and slot.type == "service":
            # "a test plan for payments", then "deploy it": a one-name subject is a service.
            subject = state.context.get(_SUBJECT_KEY) or ""
            value = subject if _ONE_NAME.fullmatch(subject) else None
        if value is None or _is_reference(value):
            return None
        return value

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
        found = extract_slots(text, intent, self.catalog)
        return {
            k: v
            for k, v in found.items()
            if k in spec.slots and v and not _is_reference(v) and k not in skip
        }

    def _confident(self, result: IntentResult) -> bool:
        return not result.needs_clarification and result.confidence >= SWITCH_CONFIDENCE

    def _actionable(self, result: IntentResult) -> bool:
        """An intent the catalog acts on (not out of scope, not a greeting or help)."""
        spec = self.catalog.get(result.intent)
        return spec is not None and spec.handler.kind not in ("reply",)

    def _passing(self, result: IntentResult, current: str) -> bool:
        """A question to answer in passing (status, help...) while one of ours waits."""
        spec = self.catalog.get(result.intent)
        return (
            spec is not None
            and result.intent != current
            and spec.handler.kind in _PASSING_KINDS
            and self._confident(result)
        )


# The order a bare follow-up value is tried in: distinctive shapes first, names last.
_BARE_VALUE_ORDER = ("environment", "version", "run_id", "pr", "service")


def _bare_value(text: str, spec: Intent) -> dict[str, str]:
    """A lone value for one of the typed slots ("payments", "prod", "2.4.1")."""
    for kind in _BARE_VALUE_ORDER:
        for name, slot in spec.slots.items():
            if slot.type == kind and name != "run_id":
                value = extract_slot_value(kind, text, answer=True)
                if value and not _is_reference(value):
                    return {name: value}
    return {}


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
    return words.is_reference_only(value)


def _reason(action: str, message: Message) -> str | None:
    """The reason given with a rejection ("reject, not during the freeze")."""
    return words.decision_reason(message.text) if action == "reject" else None


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    digits = "".join(ch for ch in value if ch.isdigit())
    return int(digits) if digits else None


def _typed_values(
    filled: dict[str, str], spec: Intent, rest: str, asked: str | None
) -> dict[str, str]:
    """The values a short correction names for typed slots: the slot asked about first,
    then the filled ones, environment and version before service; the words a value was
    read from are not read again ("payments to staging": staging, then payments)."""
    order = [asked] if asked else []
    for kind in _CORRECTABLE_TYPES:
        order += [n for n, s in spec.slots.items() if s.type == kind and n in filled]
    for kind in _CORRECTABLE_TYPES:  # then values not given before ("make that version 2.4.2")
        order += [n for n, s in spec.slots.items() if s.type == kind and n not in filled]
    found: dict[str, str] = {}
    remaining = rest
    for name in dict.fromkeys(order):
        slot = spec.slots.get(name)
        if slot is None or slot.type not in _CORRECTABLE_TYPES:
            continue
        value = extract_slot_value(slot.type, remaining, answer=True)
        if not value or _is_reference(value):
            continue
        found[name] = value
        if slot.type == "service":
            break  # free-form: whatever is left is not another value
        remaining = " ".join(
            t for t in remaining.split() if not extract_slot_value(slot.type, t, answer=True)
        )
    return found


def _opens_with_best_guess(text: str, result: IntentResult) -> bool:
    return bool(result.alternatives) and result.alternatives[0] in words.request_verb_intents(text)


def _was_said(value: str, slots: dict[str, str]) -> bool:
    """Is a word of `value` a word of a value of `slots` ("staging" of "test, staging")?"""
    said = {word for v in slots.values() for word in words.normalize(v).split()}
    return bool(set(words.normalize(value).split()) & said)


def _subject_value(filled: dict[str, str], spec: Intent, rest: str) -> dict[str, str]:
    """A correction of the one free-text subject a request had (feature, topic, ...)."""
    subjects = [n for n, s in spec.slots.items() if s.type in _SUBJECT_TYPES and n in filled]
    if len(subjects) != 1:
        return {}
    value = extract_slot_value(spec.slots[subjects[0]].extractor_name, rest, answer=True)
    return {subjects[0]: value} if value and not _is_reference(value) else {}
