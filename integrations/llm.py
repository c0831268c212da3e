"""The chat model factory and token accounting shared by the NLU router and the agents.

Why one place: every OpenAI-compatible endpoint (OpenAI, OpenRouter, Ollama, vLLM, the
tests' local fake) is reached the same way, with the same timeout and retry policy, and
token use is read from a response in one way whatever shape the caller holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from integrations.settings import Settings

if TYPE_CHECKING:  # langchain is imported only when a model is actually built
    from langchain_openai import ChatOpenAI

# Local servers (Ollama, vLLM) ignore the key but the openai client insists on one.
PLACEHOLDER_API_KEY = "not-needed"


class LLMNotConfigured(RuntimeError):
    """Neither OPENAI_API_KEY nor OPENAI_BASE_URL is set."""


def chat_model(
    settings: Settings,
    *,
    timeout: float | None = None,
    max_retries: int = 0,
    temperature: float | None = 0.0,
    model: str | None = None,
) -> ChatOpenAI:
    """A ChatOpenAI client for the configured endpoint.

    `timeout` defaults to `settings.llm_timeout_seconds`; `max_retries` defaults to 0 because
    callers on the turn path prefer a fast fallback to a slow retry.
    """
    if not settings.llm_configured:
        raise LLMNotConfigured("no LLM configured: set OPENAI_API_KEY and/or OPENAI_BASE_URL")
    key = settings.openai_api_key or SecretStr(PLACEHOLDER_API_KEY)
    kwargs: dict[str, Any] = {
        "model": model or settings.llm_model,
        "api_key": key,
        "timeout": timeout if timeout is not None else settings.llm_timeout_seconds,
        "max_retries": max_retries,
    }
    if settings.openai_base_url:
        kwargs["base_url"] = settings.openai_base_url
    if temperature is not None:
        kwargs["temperature"] = temperature
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(**kwargs)


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _from_usage_mapping(usage: Mapping[str, Any]) -> int:
    if "total_tokens" in usage and usage["total_tokens"] is not None:
        return _int(usage["total_tokens"])
    inp = usage.get("input_tokens", usage.get("prompt_tokens"))
    out = usage.get("output_tokens", usage.get("completion_tokens"))
    return _int(inp) + _int(out)


def tokens_from(obj: Any) -> int:
    """Total tokens used, from whatever the caller holds; 0 when unknown.

    Accepts an AIMessage (`usage_metadata` or `response_metadata["token_usage"]`), the dict
    `with_structured_output(..., include_raw=True)` returns (`{"raw": AIMessage, ...}`), a
    LangChain `LLMResult` (`llm_output["token_usage"]`), an openai `ChatCompletion`
    (`.usage`), or a plain usage mapping.
    """
    if obj is None:
        return 0
    if isinstance(obj, Mapping):
        if "raw" in obj:
            return tokens_from(obj["raw"])
        if "usage" in obj and isinstance(obj["usage"], Mapping):
            return _from_usage_mapping(obj["usage"])
        if "token_usage" in obj and isinstance(obj["token_usage"], Mapping):
            return _from_usage_mapping(obj["token_usage"])
        return _from_usage_mapping(obj)
    usage_metadata = getattr(obj, "usage_metadata", None)
    if usage_metadata:
        return _from_usage_mapping(usage_metadata)
    response_metadata = getattr(obj, "response_metadata", None)
    if isinstance(response_metadata, Mapping) and response_metadata.get("token_usage"):
        return _from_usage_mapping(response_metadata["token_usage"])
    llm_output = getattr(obj, "llm_output", None)
    if isinstance(llm_output, Mapping) and llm_output.get("token_usage"):
        return _from_usage_mapping(llm_output["token_usage"])
    usage = getattr(obj, "usage", None)
    if usage is not None:
        if hasattr(usage, "model_dump"):
            usage = usage.model_dump()
        if isinstance(usage, Mapping):
            return _from_usage_mapping(usage)
    return 0
