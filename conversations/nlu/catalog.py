"""The built-in intent catalog: a typed view of `catalog.yaml`.

Why data, not code: intents, their training examples, slot questions and who handles them
change together and are reviewed as one document; the classifier, the LLM router, the
dialogue manager and the workflow starter all read the same definitions from here.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, Field, model_validator

from conversations.nlu.types import Lang

OUT_OF_SCOPE = "out_of_scope"
LANGS: tuple[Lang, ...] = ("en", "nl")

SlotType = Literal["subject", "service", "environment", "version", "run_id", "pr"]
HandlerKind = Literal["reply", "agent_task", "workflow", "run_control", "data"]


class Localized(BaseModel):
    en: str
    nl: str

    def get(self, lang: str) -> str:
        return self.nl if lang == "nl" else self.en


class Examples(BaseModel):
    en: list[str] = Field(default_factory=list)
    nl: list[str] = Field(default_factory=list)

    def by_lang(self) -> dict[Lang, list[str]]:
        return {"en": self.en, "nl": self.nl}


class Handler(BaseModel):
    kind: HandlerKind
    reply: Literal["greet", "help", "list_agents", "list_workflows", "usage"] | None = None
    agent: str | None = None
    task: str | None = None
    workflow: str | None = None
    # slot name -> slot value -> workflow template used instead of `workflow`.
    variants: dict[str, dict[str, str]] = Field(default_factory=dict)
    action: str | None = None

    @model_validator(mode="after")
    def _complete(self) -> Handler:
        needed = {
            "reply": ("reply",),
            "agent_task": ("agent", "task"),
            "workflow": ("workflow",),
            "run_control": ("action",),
            "data": ("action",),
        }[self.kind]
        missing = [name for name in needed if getattr(self, name) is None]
        if missing:
            raise ValueError(f"handler kind {self.kind!r} needs {', '.join(missing)}")
        return self

    def workflow_for(self, slots: dict[str, str]) -> str | None:
        """The workflow template for these slot values (e.g. production deploys)."""
        for slot, choices in self.variants.items():
            if slots.get(slot) in choices:
                return choices[slots[slot]]
        return self.workflow

    def run_for(self, slots: dict[str, str]) -> tuple[str, dict[str, str]] | None:
        """(workflow, inputs) of the run this intent starts - one agent task runs as
        `single_task` - or None when the intent starts no run. Chat and webhooks both use it."""
        if self.kind == "agent_task":
            return "single_task", {"agent": self.agent or "", "task": self.task or "", **slots}
        if self.kind == "workflow":
            workflow = self.workflow_for(slots)
            return (workflow, dict(slots)) if workflow else None
        return None


class Confirmation(BaseModel):
    """Confirm only when `slot` has one of `values` (e.g. environment=production)."""

    slot: str
    values: list[str]


class Slot(BaseModel):
    type: SlotType
    required: bool = False
    # Which extractor fills it; defaults to the one named like the type.
    extractor: str | None = None
    question: Localized | None = None

    @property
    def extractor_name(self) -> str:
        return self.extractor or self.type

    @model_validator(mode="after")
    def _required_has_question(self) -> Slot:
        if self.required and self.question is None:
            raise ValueError("a required slot needs a question to ask for it")
        return self


class Intent(BaseModel):
    description: Localized
    handler: Handler
    needs_confirmation: bool | Confirmation = False
    slots: dict[str, Slot] = Field(default_factory=dict)
    examples: Examples

    def requires_confirmation(self, slots: dict[str, str]) -> bool:
        if isinstance(self.needs_confirmation, bool):
            return self.needs_confirmation
        # A listed value ("staging, production": one run each) asks when any of them would.
        listed = (slots.get(self.needs_confirmation.slot) or "").split(",")
        return any(value.strip() in self.needs_confirmation.values for value in listed)

    def missing_slots(self, slots: dict[str, str]) -> list[str]:
        """Required slots not yet filled, in catalog order (the order to ask them)."""
        return [name for name, s in self.slots.items() if s.required and not slots.get(name)]


class Catalog(BaseModel):
    intents: dict[str, Intent]
    out_of_scope: Examples

    @model_validator(mode="after")
    def _consistent(self) -> Catalog:
        for name, intent in self.intents.items():
            conf = intent.needs_confirmation
            if isinstance(conf, Confirmation) and conf.slot not in intent.slots:
                raise ValueError(f"{name}: confirmation slot {conf.slot!r} is not a slot")
            for slot in intent.handler.variants:
                if slot not in intent.slots:
                    raise ValueError(f"{name}: variant slot {slot!r} is not a slot")
        if OUT_OF_SCOPE in self.intents:
            raise ValueError("out_of_scope is implicit; give its examples at top level")
        return self

    @property
    def names(self) -> list[str]:
        """Every intent the classifier can answer, out_of_scope included."""
        return [*self.intents, OUT_OF_SCOPE]

    def get(self, name: str) -> Intent | None:
        return self.intents.get(name)

    def training_data(self) -> list[tuple[str, str, Lang]]:
        """(text, intent, lang) for every example, out-of-scope ones included."""
        rows: list[tuple[str, str, Lang]] = []
        for name, intent in self.intents.items():
            for lang, texts in intent.examples.by_lang().items():
                rows.extend((t, name, lang) for t in texts)
        for lang, texts in self.out_of_scope.by_lang().items():
            rows.extend((t, OUT_OF_SCOPE, lang) for t in texts)
        return rows


def _catalog_bytes() -> bytes:
    return resources.files("conversations.nlu").joinpath("catalog.yaml").read_bytes()


@lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    """The built-in catalog, parsed and validated once per process."""
    return Catalog.model_validate(yaml.safe_load(_catalog_bytes()))


@lru_cache(maxsize=1)
def catalog_hash() -> str:
    """Content hash of the catalog: the key of the trained-model cache on disk."""
    return hashlib.sha256(_catalog_bytes()).hexdigest()[:16]
