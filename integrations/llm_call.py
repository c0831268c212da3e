"""One structured LLM call that either returns a parsed answer or a reason, never a traceback.

Why here (integrations): retries, Retry-After and the structured-output mode are about the
provider's wire behaviour. Policy:
- 429, 5xx, timeouts and connection errors are retried with exponential backoff (Retry-After
  respected) while `llm_max_attempts` and `llm_retry_budget_seconds` allow; a Retry-After
  longer than the remaining budget ends the attempts at once instead of sleeping;
- an answer that does not fit the schema gets ONE repair request (the model sees its own
  answer and what was wrong), then gives up;
- every failure leaves as `LLMFailure(reason)` with a reason code (prompts/agents/
  llm_failures.<lang>.yaml words it for users); vendor text stays in the logs.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from integrations.llm import chat_model, tokens_from
from integrations.observability.logging import get_logger
from integrations.settings import Settings

log = get_logger(__name__)

RETRYABLE_STATUS = {408, 409, 429, 500, 502, 503, 504}
BASE_BACKOFF_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 8.0
METHODS: dict[str, Literal["json_schema", "function_calling", "json_mode"]] = {
    "json_schema": "json_schema",
    "tools": "function_calling",
    "json": "json_mode",
}


class LLMFailure(Exception):
    """No usable answer. `reason`: rate_limited | unavailable | timeout | invalid_output |
    not_allowed; `tokens`: what the failed attempts used (still metered)."""

    def __init__(self, reason: str, tokens: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.tokens = tokens


@dataclass
class Answer:
    parsed: BaseModel
    tokens: int
    input_tokens: int
    output_tokens: int
    attempts: int


def structured_mode(settings: Settings) -> str:
    """auto: json_schema for OpenAI and Azure OpenAI, tools for other compatible servers."""
    if settings.llm_structured != "auto":
        return settings.llm_structured
    base = (settings.openai_base_url or "https://api.openai.com").lower()
    return "json_schema" if ("openai.com" in base or "azure" in base) else "tools"


def structured_call(
    settings: Settings,
    schema: type[BaseModel],
    system: str,
    user: str,
    *,
    timeout: float,
    repair_text: str,
    total_seconds: float | None = None,
) -> Answer:
    """`timeout` bounds each HTTP call; `total_seconds` (default `timeout`) everything,
    retries and the repair included, so a step never outlives its own timeout."""
    import langchain_openai  # noqa: F401 - seconds on first use: not on the call's clock
    from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

    deadline = time.monotonic() + (total_seconds or timeout)
    mode = structured_mode(settings)
    if mode == "json":  # JSON mode has no schema on the wire: the prompt must carry it
        system = f"{system}\n\nJSON schema:\n{json.dumps(schema.model_json_schema())}"
    messages: list[Any] = [SystemMessage(content=system), HumanMessage(content=user)]
    tokens = 0
    result, used, attempts = _invoke_with_retries(
        settings, schema, mode, messages, timeout, deadline
    )
    tokens += used
    parsed = _parsed(schema, result)
    if parsed is None:
        log.warning("llm_output_invalid", schema=schema.__name__, mode=mode)
        raw = result.get("raw") if isinstance(result, dict) else None
        messages += [AIMessage(content=_raw_text(raw)), HumanMessage(content=repair_text)]
        try:
            result, used, more = _invoke_with_retries(
                settings, schema, mode, messages, timeout, deadline
            )
        except LLMFailure as failure:
            raise LLMFailure(failure.reason, tokens + failure.tokens) from None
        tokens += used
        attempts += more
        parsed = _parsed(schema, result)
        if parsed is None:
            raise LLMFailure("invalid_output", tokens)
    usage = getattr(result.get("raw"), "usage_metadata", None) or {}
    return Answer(
        parsed=parsed,
        tokens=tokens,
        input_tokens=int(usage.get("input_tokens", 0)),
        output_tokens=int(usage.get("output_tokens", 0)),
        attempts=attempts,
    )


def _parsed(schema: type[BaseModel], result: Any) -> BaseModel | None:
    if not isinstance(result, dict) or result.get("parsing_error"):
        return None
    parsed = result.get("parsed")
    if isinstance(parsed, schema):
        return parsed
    if isinstance(parsed, dict):  # json_mode may hand back a dict
        try:
            return schema.model_validate(parsed)
        except ValidationError:
            return None
    return None


def _raw_text(raw: Any) -> str:
    """The model's previous answer as text (tool arguments included) for the repair turn."""
    if raw is None:
        return ""
    calls = getattr(raw, "tool_calls", None) or []
    if calls:
        return json.dumps([c.get("args") for c in calls])[:4000]
    content = getattr(raw, "content", "")
    return (content if isinstance(content, str) else json.dumps(content))[:4000]


def _invoke_with_retries(
    settings: Settings,
    schema: type[BaseModel],
    mode: str,
    messages: list[Any],
    timeout: float,
    deadline: float,
) -> tuple[Any, int, int]:
    import openai

    retry_until = min(deadline, time.monotonic() + settings.llm_retry_budget_seconds)
    attempt = 0
    while True:
        attempt += 1
        remaining = deadline - time.monotonic()
        if remaining < 1.0:
            raise LLMFailure("timeout")
        model = chat_model(settings, timeout=min(timeout, remaining), max_retries=0)
        runnable = model.with_structured_output(schema, method=METHODS[mode], include_raw=True)
        try:
            result = runnable.invoke(messages)
            return result, tokens_from(result), attempt
        except openai.APIStatusError as err:
            status = err.status_code
            if status in (401, 403):
                raise LLMFailure("not_allowed") from None
            reason = "rate_limited" if status == 429 else "unavailable"
            if status not in RETRYABLE_STATUS and status < 500:
                raise LLMFailure("unavailable") from None
            wait = _retry_after(err) or _backoff(attempt)
        except (openai.APITimeoutError, TimeoutError):
            reason, wait = "timeout", _backoff(attempt)
        except openai.APIConnectionError:
            reason, wait = "unavailable", _backoff(attempt)
        except (openai.OpenAIError, ValueError, TypeError, AttributeError, KeyError) as err:
            # A body that is not a chat completion (garbage from a proxy, a wrong URL):
            # retrying the same endpoint would not change it.
            log.warning("llm_response_unreadable", error=type(err).__name__)
            raise LLMFailure("invalid_output") from None
        left = retry_until - time.monotonic()
        log.warning("llm_attempt_failed", reason=reason, attempt=attempt, wait=round(wait, 2))
        if attempt >= settings.llm_max_attempts or wait > left:
            raise LLMFailure(reason)
        time.sleep(max(0.0, wait))


def _retry_after(err: Any) -> float | None:
    headers = getattr(getattr(err, "response", None), "headers", None) or {}
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return max(0.0, float(value) * scale)
        except ValueError:
            continue
    return None


def _backoff(attempt: int) -> float:
    base = min(MAX_BACKOFF_SECONDS, BASE_BACKOFF_SECONDS * 2 ** (attempt - 1))
    return base * (0.5 + random.random() / 2)
