"""The LLM intent router: structured output over the catalog's intents, for unsure cases.

Why function calling with a generated enum: the model can only answer with a catalog
intent (or out_of_scope), the reply is parsed and validated by pydantic, and the same
request works on OpenAI and on OpenAI-compatible servers (Ollama, vLLM, OpenRouter) that
support tools. The user's text travels only as the user message.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any, Literal

from jinja2 import Template
from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import BaseModel, Field, ValidationError, create_model

from conversations.nlu.catalog import OUT_OF_SCOPE, Catalog
from integrations.llm import chat_model, tokens_from
from integrations.settings import Settings


class RouterError(RuntimeError):
    """The LLM answered, but not with a usable routing decision."""


class SlotValue(BaseModel):
    name: str = Field(description="slot name, as listed for the chosen intent")
    value: str = Field(description="the value, as stated in the message")


class RouterDecision(BaseModel):
    intent: str
    confidence: float = Field(ge=0.0, le=1.0)
    slots: dict[str, str] = Field(default_factory=dict)
    tokens_used: int = 0


@lru_cache(maxsize=4)
def _prompt_template() -> Template:
    text = resources.files("prompts").joinpath("nlu/router.md").read_text("utf-8")
    return Template(text, keep_trailing_newline=True)


def system_prompt(catalog: Catalog) -> str:
    intents = [
        {"name": name, "description": intent.description.en, "slots": list(intent.slots)}
        for name, intent in catalog.intents.items()
    ]
    return _prompt_template().render(intents=intents)


def route_schema(catalog: Catalog) -> type[BaseModel]:
    """A pydantic model whose `intent` field only admits catalog intents."""
    names = tuple(catalog.names)
    intent_type: Any = Literal[names]  # built at run time from the catalog
    return create_model(
        "RouteIntent",
        __doc__="Route the user's chat message to exactly one intent.",
        intent=(intent_type, Field(description="the intent the message expresses")),
        confidence=(float, Field(ge=0.0, le=1.0, description="how sure you are, 0 to 1")),
        slots=(
            list[SlotValue],
            Field(default_factory=list, description="slot values stated in the message"),
        ),
    )


class LLMRouter:
    def __init__(self, settings: Settings, catalog: Catalog) -> None:
        self.catalog = catalog
        self.schema = route_schema(catalog)
        self.prompt = system_prompt(catalog)
        model = chat_model(settings, timeout=settings.llm_timeout_seconds, max_retries=0)
        self.runnable = model.with_structured_output(
            self.schema, method="function_calling", include_raw=True
        )

    def route(self, text: str) -> RouterDecision:
        """Ask the LLM; raises on transport errors, timeouts and unusable answers."""
        out: dict[str, Any] = self.runnable.invoke(
            [SystemMessage(content=self.prompt), HumanMessage(content=text)]
        )
        tokens = tokens_from(out)
        parsed = out.get("parsed")
        if parsed is None:
            error = out.get("parsing_error")
            raise RouterError(
                f"unusable router answer: {type(error).__name__ if error else 'empty'}"
            )
        try:
            decision = self.schema.model_validate(parsed)
        except ValidationError as err:
            raise RouterError("router answer failed validation") from err
        intent: str = decision.intent  # type: ignore[attr-defined]
        allowed = self.catalog.get(intent)
        slots = {
            s.name: s.value.strip()
            for s in decision.slots  # type: ignore[attr-defined]
            if allowed is not None and s.name in allowed.slots and s.value.strip()
        }
        return RouterDecision(
            intent=intent if intent in self.catalog.names else OUT_OF_SCOPE,
            confidence=float(decision.confidence),  # type: ignore[attr-defined]
            slots=slots,
            tokens_used=tokens,
        )
