"""The intent layer's result, shared by the cascade and the dialogue manager."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Source = Literal["local", "llm", "fallback"]
Lang = Literal["en", "nl"]


class IntentResult(BaseModel):
    intent: str
    confidence: float = Field(ge=0.0, le=1.0)
    slots: dict[str, str] = Field(default_factory=dict)
    source: Source = "local"
    # Set when the cascade could not decide with confidence: the dialogue manager asks
    # a clarifying question offering these intents instead of acting on a guess.
    alternatives: list[str] = Field(default_factory=list)
    needs_clarification: bool = False
    tokens_used: int = 0
    # The message is only a thank-you: answered with a short acknowledgement.
    acknowledgement: bool = False
