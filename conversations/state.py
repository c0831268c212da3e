"""The conversation state document: one JSON value per conversation in Redis.

Kept small on purpose: history and run ids are capped and long texts are clipped, so the
document stays a few KB however long a conversation runs (a Slack thread can run for
months; a document that grows per turn would make every turn slower).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, Field

MAX_HISTORY = 20
MAX_RUN_IDS = 10
MAX_TURN_TEXT = 280
MAX_SLOT_TEXT = 2000
MAX_CONTEXT_TEXT = 200
# The user's own words of the request in progress (a run input, `request_text`): the
# largest per-task input limit (conversations/request_limits.yaml) is the bound here.
MAX_REQUEST_TEXT = 20_000
# The last request acted on, kept for carry-over (`request_context` of a follow-up).
MAX_LAST_REQUEST_TEXT = 4_000
# A request being collected may hold a long paste; otherwise documents stay a few KB.
MAX_DOCUMENT_BYTES = 64 * 1024
PENDING_TTL_SECONDS = 600

PendingKind = Literal["slot", "confirm", "clarify"]


def _now() -> datetime:
    return datetime.now(UTC)


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Pending(BaseModel):
    """What the assistant is waiting for, from whom, and until when.

    Life cycle: created when the assistant asks (slot, confirm, clarify), owned by the
    user who made the request (nobody else answers it), dropped when answered, abandoned,
    replaced by a new request, or found expired (`expires_at`, default 10 minutes).
    """

    kind: PendingKind
    intent: str
    owner: str | None = None  # the user who made the request; set when asked
    asked_at: datetime = Field(default_factory=_now)
    expires_at: datetime = Field(
        default_factory=lambda: _now() + timedelta(seconds=PENDING_TTL_SECONDS)
    )
    workflow: str | None = None  # a named workflow's inputs are being asked for
    slot: str | None = None  # kind="slot": the slot asked for
    options: list[str] = Field(default_factory=list)  # kind="clarify": intents offered
    run_id: int | None = None  # kind="confirm" on a run (cancel): the run meant
    # kind="confirm" on a corrected request: its earlier run, still waiting for approval,
    # which the corrected one replaces (cancelled once the correction is confirmed).
    supersedes: int | None = None
    text: str | None = None  # kind="clarify": the original request, for its slot values


class Turn(BaseModel):
    role: Literal["user", "assistant"]
    text: str
    intent: str | None = None
    at: datetime = Field(default_factory=_now)


class ConversationState(BaseModel):
    tenant_id: str
    conversation_key: str
    version: int = 0
    lang: Literal["en", "nl"] = "en"
    user_ids: list[str] = Field(default_factory=list)
    active_intent: str | None = None
    slots: dict[str, str] = Field(default_factory=dict)
    pending: Pending | None = None
    # Last value seen per slot name (service, environment, feature...), for "deploy it".
    context: dict[str, str] = Field(default_factory=dict)
    last_run_ids: list[int] = Field(default_factory=list)
    # The last request acted on, so "no, I meant staging" after it can redo it corrected.
    last_intent: str | None = None
    last_slots: dict[str, str] = Field(default_factory=dict)
    # The user's messages that make up the request in progress (request, answers).
    request_turns: list[str] = Field(default_factory=list)
    # Earlier turns carried into the request in progress ("and now a test plan for it").
    request_context: list[str] = Field(default_factory=list)
    # The full text of the last request acted on, for the next request's carry-over.
    last_request_text: str | None = None
    history: list[Turn] = Field(default_factory=list)
    turn_count: int = 0
    updated_at: datetime = Field(default_factory=_now)

    def remember(self, role: Literal["user", "assistant"], text: str, intent: str | None) -> None:
        self.history.append(Turn(role=role, text=clip(text, MAX_TURN_TEXT), intent=intent))
        del self.history[:-MAX_HISTORY]

    def fill(self, slots: dict[str, str]) -> None:
        for name, value in slots.items():
            if value:
                self.slots[name] = clip(value, MAX_SLOT_TEXT)

    def add_run(self, run_id: int) -> None:
        if run_id in self.last_run_ids:
            self.last_run_ids.remove(run_id)
        self.last_run_ids.append(run_id)
        del self.last_run_ids[:-MAX_RUN_IDS]

    def set_context(self, slots: dict[str, str]) -> None:
        for name, value in slots.items():
            if value:
                self.context[name] = clip(value, MAX_CONTEXT_TEXT)

    def clear_request(self) -> None:
        self.active_intent = None
        self.slots = {}
        self.pending = None
        self.request_turns = []
        self.request_context = []

    def add_request_turn(self, text: str) -> None:
        """Keep the user's words of this request, within the largest input limit."""
        used = sum(len(t) for t in self.request_turns)
        room = MAX_REQUEST_TEXT + 1 - used  # one over: an over-long request is detected
        if room > 0:
            self.request_turns.append(text[:room])

    def to_json(self) -> str:
        """Serialize, dropping the oldest history turns if a pathological turn would push
        the document past its size bound."""
        data = self.model_dump_json()
        while len(data.encode()) > MAX_DOCUMENT_BYTES and self.history:
            self.history.pop(0)
            data = self.model_dump_json()
        if len(data.encode()) > MAX_DOCUMENT_BYTES:
            # Still too big (values full of characters JSON escapes): clip them harder.
            self.slots = {k: clip(v, MAX_CONTEXT_TEXT) for k, v in self.slots.items()}
            self.last_slots = {k: clip(v, MAX_CONTEXT_TEXT) for k, v in self.last_slots.items()}
            self.context = {k: clip(v, MAX_CONTEXT_TEXT // 4) for k, v in self.context.items()}
            self.request_context = [clip(t, MAX_CONTEXT_TEXT) for t in self.request_context]
            if self.last_request_text:
                self.last_request_text = clip(self.last_request_text, MAX_CONTEXT_TEXT)
            data = self.model_dump_json()
        if len(data.encode()) > MAX_DOCUMENT_BYTES:
            # A request full of escaped characters: keep what fits of its words.
            self.request_turns = [clip(t, MAX_REQUEST_TEXT // 8) for t in self.request_turns]
            data = self.model_dump_json()
        return data
