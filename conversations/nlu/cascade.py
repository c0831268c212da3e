"""The NLU cascade: embedded classifier first, LLM router only when the classifier is unsure.

Why a cascade: most chat-ops messages are routine ("deploy checkout to prod") and the
local model answers them in well under a millisecond, for free. Only messages whose local
confidence is below `settings.nlu_llm_threshold` go to the LLM, if one is configured.
When the LLM fails, times out, or its circuit breaker is open (it failed repeatedly),
the turn does not fail: the local guess comes back marked `needs_clarification`, with
alternatives, so the dialogue manager asks instead of acting on a guess.

Before either decides, the text is made readable: Slack markup normalised, typos in
command and environment words corrected, a thank-you recognised, and a long message read
sentence by sentence (`long_text.py`) so pasted material does not dilute the request.
"""

from __future__ import annotations

import hashlib
import threading
import time

import pybreaker

from conversations.nlu import long_text
from conversations.nlu.acknowledge import is_acknowledgement
from conversations.nlu.catalog import OUT_OF_SCOPE, Catalog, catalog_hash, load_catalog
from conversations.nlu.classifier import IntentClassifier, Ranked
from conversations.nlu.extract import extract_slot_value, extract_slots
from conversations.nlu.fuzzy import correct_typos, default_targets, snap_service
from conversations.nlu.normalize import normalize_markup
from conversations.nlu.router import LLMRouter, RouterDecision
from conversations.nlu.training import MODEL_VERSION, load_or_train
from conversations.nlu.types import IntentResult
from integrations.observability.logging import get_logger
from integrations.observability.metrics import (
    NLU_DECISIONS,
    NLU_LLM_CALLS,
    NLU_LLM_TOKENS,
    NLU_LOCAL_SECONDS,
)
from integrations.observability.tracing import span
from integrations.settings import Settings

log = get_logger(__name__)

BREAKER_FAIL_MAX = 3
BREAKER_RESET_SECONDS = 30.0
MAX_ALTERNATIVES = 3
# Slot types whose LLM-given value is normalised by the rule extractors (prod -> production).
_NORMALISED_TYPES = {"environment", "run_id", "version", "pr"}
# A thank-you is social, like a greeting: answered in passing, never a request.
ACKNOWLEDGEMENT_INTENT = "greet"
TYPO_WINDOW = 500  # characters from the start in which typos are corrected


class IntentCascade:
    def __init__(
        self,
        settings: Settings,
        *,
        catalog: Catalog | None = None,
        classifier: IntentClassifier | None = None,
        router: LLMRouter | None = None,
    ) -> None:
        self.settings = settings
        self.catalog = catalog or load_catalog()
        self._classifier = classifier
        self._router = router
        self._lock = threading.Lock()
        self._columns: tuple[frozenset[int], int | None] | None = None
        self.breaker = pybreaker.CircuitBreaker(
            fail_max=BREAKER_FAIL_MAX, reset_timeout=BREAKER_RESET_SECONDS, name="nlu-llm-router"
        )

    # -- parts, built on first use -----------------------------------------------------
    @property
    def classifier(self) -> IntentClassifier:
        if self._classifier is None:
            with self._lock:
                if self._classifier is None:
                    self._classifier = shared_classifier(self.settings)
        return self._classifier

    @property
    def loaded(self) -> bool:
        """The intent model is in memory (readiness: no turn waits for training)."""
        return self._classifier is not None

    @property
    def llm_enabled(self) -> bool:
        return self._router is not None or self.settings.llm_configured

    def router(self) -> LLMRouter:
        if self._router is None:
            with self._lock:
                if self._router is None:
                    self._router = LLMRouter(self.settings, self.catalog)
        return self._router

    @property
    def oos_threshold(self) -> float:
        configured = self.settings.nlu_oos_threshold
        return configured if configured is not None else self.classifier.oos_threshold

    # -- the decision -------------------------------------------------------------------
    def local(self, text: str) -> Ranked:
        return self._local(text)[0]

    def _local(self, text: str) -> tuple[Ranked, str]:
        """The ranking, and the part of the text that decided it (for slot extraction)."""
        started = time.perf_counter()
        reading = long_text.read(text)
        classifier = self.classifier
        probabilities = classifier.probabilities(reading.texts)
        generic, out_of_scope = self._reading_columns(classifier)
        row = long_text.choose(reading, probabilities, generic, out_of_scope)
        ranked = classifier.rank_row(probabilities[row], k=MAX_ALTERNATIVES + 1)
        NLU_LOCAL_SECONDS.observe(time.perf_counter() - started)
        return ranked, reading.texts[row]

    def _reading_columns(self, classifier: IntentClassifier) -> tuple[frozenset[int], int | None]:
        """The classifier columns of intents that answer in general (help, greet...), and
        of out of scope: what `long_text.choose` needs to know of the labels."""
        if self._columns is None:
            classes = classifier.classes
            replies = {n for n, i in self.catalog.intents.items() if i.handler.kind == "reply"}
            generic = frozenset(i for i, c in enumerate(classes) if c in replies)
            oos = classes.index(OUT_OF_SCOPE) if OUT_OF_SCOPE in classes else None
            self._columns = (generic, oos)
        return self._columns

    def readable(self, text: str) -> str:
        """Markup normalised and typos in command/environment/service words corrected."""
        text = normalize_markup(text).strip()
        targets = (*default_targets(), *(s.lower() for s in self.settings.known_services))
        # The request is near the top; pasted logs further down are not worth the cost.
        head, tail = text[:TYPO_WINDOW], text[TYPO_WINDOW:]
        if tail and not tail[0].isspace():  # do not cut a word in two
            cut = max(head.rfind(" "), head.rfind("\n"))
            head, tail = (head[:cut], head[cut:] + tail) if cut > 0 else (head, tail)
        return correct_typos(head, self.classifier.known_words, targets) + tail

    def slots(self, text: str, intent: str, request: str | None = None) -> dict[str, str]:
        """Slots from the sentence that decided (a long message's request) first, then
        from the rest; service names snapped to the operator's known services."""
        found = extract_slots(request, intent, self.catalog) if request else {}
        if request != text:
            for name, value in extract_slots(text, intent, self.catalog).items():
                found.setdefault(name, value)
        if "service" in found and self.settings.known_services:
            found["service"] = snap_service(found["service"], self.settings.known_services)
        return found

    def understand(self, text: str, *, lang: str | None = None) -> IntentResult:
        """The intent of one message.

        `lang` (the conversation's language, when the caller knows it) is accepted for
        callers' convenience; the classifier and the router are bilingual and do not
        need it.
        """
        if is_acknowledgement(text):
            return self._record(
                IntentResult(intent=ACKNOWLEDGEMENT_INTENT, confidence=1.0, acknowledgement=True)
            )
        text = self.readable(text)
        if not text:
            return self._record(IntentResult(intent=OUT_OF_SCOPE, confidence=1.0))
        ranked, request = self._local(text)
        confidence = ranked.confidence
        local_intent = ranked.top if confidence >= self.oos_threshold else OUT_OF_SCOPE
        unsure = confidence < self.settings.nlu_llm_threshold
        alternatives = self._alternatives(ranked, exclude=local_intent) if unsure else []
        if unsure and self.llm_enabled:
            decision = self._ask_llm(text)
            if decision is not None:
                return self._record(self._from_llm(text, decision, ranked))
            return self._record(
                IntentResult(
                    intent=local_intent,
                    confidence=confidence,
                    slots=self.slots(text, local_intent, request),
                    source="fallback",
                    alternatives=self._alternatives(ranked, exclude=None),
                    needs_clarification=True,
                )
            )
        return self._record(
            IntentResult(
                intent=local_intent,
                confidence=confidence,
                slots=self.slots(text, local_intent, request),
                source="local",
                alternatives=alternatives,
            )
        )

    def _ask_llm(self, text: str) -> RouterDecision | None:
        try:
            with span("bmad.llm.call", purpose="nlu"):
                decision: RouterDecision = self.breaker.call(self.router().route, text)
        except pybreaker.CircuitBreakerError:
            NLU_LLM_CALLS.labels(outcome="circuit_open").inc()
            log.warning("nlu_llm_skipped", reason="circuit_open")
            return None
        except Exception as err:
            outcome = "timeout" if "timeout" in type(err).__name__.lower() else "error"
            NLU_LLM_CALLS.labels(outcome=outcome).inc()
            log.warning("nlu_llm_failed", outcome=outcome, error=type(err).__name__)
            return None
        NLU_LLM_CALLS.labels(outcome="ok").inc()
        NLU_LLM_TOKENS.inc(decision.tokens_used)
        return decision

    def _from_llm(self, text: str, decision: RouterDecision, ranked: Ranked) -> IntentResult:
        slots = self.slots(text, decision.intent)
        definition = self.catalog.get(decision.intent)
        for name, value in decision.slots.items():
            slot = definition.slots.get(name) if definition else None
            if slot is None:
                continue
            if slot.type in _NORMALISED_TYPES:
                normalised = extract_slot_value(slot.type, value, answer=True)
                if normalised and name not in slots:
                    slots[name] = normalised
            else:
                slots[name] = value  # the LLM reads free text better than the rules
        return IntentResult(
            intent=decision.intent,
            confidence=decision.confidence,
            slots=slots,
            source="llm",
            alternatives=self._alternatives(ranked, exclude=decision.intent)
            if decision.confidence < self.settings.nlu_llm_threshold
            else [],
            tokens_used=decision.tokens_used,
        )

    @staticmethod
    def _alternatives(ranked: Ranked, exclude: str | None) -> list[str]:
        picks = [label for label in ranked.labels if label not in (OUT_OF_SCOPE, exclude)]
        return picks[:MAX_ALTERNATIVES]

    @staticmethod
    def _record(result: IntentResult) -> IntentResult:
        NLU_DECISIONS.labels(source=result.source, intent=result.intent).inc()
        log.debug(
            "nlu_decision",
            intent=result.intent,
            confidence=round(result.confidence, 3),
            source=result.source,
            needs_clarification=result.needs_clarification,
        )
        return result


# -- process-wide instances -----------------------------------------------------------------
_models: dict[str, IntentClassifier] = {}
_cascades: dict[tuple[object, ...], IntentCascade] = {}
_shared_lock = threading.Lock()


def shared_classifier(settings: Settings) -> IntentClassifier:
    """One trained model per catalog version in this process (loaded from disk or trained)."""
    key = f"{catalog_hash()}-v{MODEL_VERSION}-{settings.nlu_encoder}"
    with _shared_lock:
        model = _models.get(key)
        if model is None:
            model = load_or_train(settings)
            _models[key] = model
        return model


def get_cascade(settings: Settings) -> IntentCascade:
    """The process-wide cascade for these settings (tests pass their own settings)."""
    key = (
        settings.data_dir,
        settings.openai_base_url,
        # A digest, not the key: this tuple lives in memory and may show up in a debugger.
        hashlib.sha256(settings.openai_api_key.get_secret_value().encode()).hexdigest()
        if settings.openai_api_key
        else None,
        settings.llm_model,
        settings.llm_timeout_seconds,
        settings.nlu_llm_threshold,
        settings.nlu_oos_threshold,
        settings.nlu_encoder,
        tuple(settings.known_services),
    )
    with _shared_lock:
        cascade = _cascades.get(key)
        if cascade is None:
            cascade = IntentCascade(settings)
            _cascades[key] = cascade
        return cascade
