"""Run one agent task: with an LLM configured, a structured call; without, an offline draft.

Why both paths share inputs and layout: a workflow must behave the same on a laptop with
no model (clearly labelled drafts derived from the user's words) and in production.
User text reaches the model only as user content, never inside the system prompt.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

from agents.analysis.by_task import Fetched, analyse
from agents.crew.pricing import cost_usd
from agents.crew.schemas import SCHEMAS
from agents.crew.templates import labels, labels_file, render, render_lang
from agents.roster import get_agent, get_task
from integrations.observability.logging import get_logger
from integrations.observability.tracing import span
from integrations.settings import Settings

log = get_logger(__name__)

LLM_CALL_SECONDS = 120.0  # one HTTP call to the model; retries share the step's time

CONTEXT_KEYS = ("feature", "service", "environment", "topic", "target", "version")


class Upstream(BaseModel):
    """The output of a step this one depends on."""

    name: str
    agent: str | None
    output: str


class AgentResult(BaseModel):
    text: str
    data: dict[str, Any]
    mode: Literal["offline", "llm"]
    fallback: str | None = None  # why the LLM's answer was replaced by the offline analysis
    tokens: int = 0
    cost_usd: float = 0.0


class UnknownTask(LookupError):
    pass


def run_task(
    settings: Settings,
    agent: str,
    task: str,
    *,
    inputs: dict[str, str],
    upstream: list[Upstream],
    lang: str = "en",
    timeout: float | None = None,
    fetched: Fetched | None = None,
) -> AgentResult:
    """The task's result; never raises for a model failure (the offline analysis stands in)."""
    info = get_task(agent, task)
    if info is None:
        raise UnknownTask(f"{agent}/{task}")
    values = _values(agent, task, inputs, upstream, lang)
    values["fetched"] = {
        "source": fetched.source if fetched else "",
        "note": fetched.note if fetched else "",
        "patches": list(fetched.patches) if fetched else [],
        "changes": list(fetched.changes) if fetched else [],
    }
    values["analysis"] = analyse(
        agent,
        task,
        values["inputs"],
        values["subject"],
        lang,
        upstream=[u.output for u in upstream],
        fetched=fetched,
    )
    if settings.llm_configured:
        from integrations.llm_call import LLMFailure

        try:
            return _llm(settings, info.schema_name, values, lang, timeout)
        except LLMFailure as failure:
            log.warning("agent_llm_fallback", agent=agent, task=task, reason=failure.reason)
            result = _offline(values, lang, fallback=failure.reason)
            result.tokens = failure.tokens
            return result
        except Exception as err:  # anything else on the model path: still the user's answer
            log.warning("agent_llm_fallback", agent=agent, task=task, error=type(err).__name__)
            return _offline(values, lang, fallback="unavailable")
    return _offline(values, lang)


def _values(
    agent: str, task: str, inputs: dict[str, str], upstream: list[Upstream], lang: str
) -> dict[str, Any]:
    info = get_task(agent, task)
    agent_info = get_agent(agent)
    if info is None or agent_info is None:
        raise LookupError(f"unknown agent task {agent}.{task}")
    subject = next((inputs[k] for k in info.inputs if inputs.get(k)), "")
    return {
        "agent": agent,
        "agent_name": agent_info.name,
        "task": task,
        "inputs": {k: v for k, v in inputs.items() if not k.startswith("_")},
        "subject": subject,
        "context": {k: inputs[k] for k in CONTEXT_KEYS if inputs.get(k)},
        "upstream": [u.model_dump() for u in upstream],
        "lang": lang,
    }


def _offline(values: dict[str, Any], lang: str, fallback: str | None = None) -> AgentResult:
    analysis = values.get("analysis") or {}
    reason = llm_failure_text(fallback, lang) if fallback else None
    label = render_lang(
        "agents/offline_label.{lang}.md",
        lang,
        fallback=reason,
        ran=analysis.get("ran", []),
        **_no_lang(values),
    )
    body = render_lang(
        f"{values['agent']}/{values['task']}.offline.{{lang}}.md", lang, **_no_lang(values)
    )
    data: dict[str, Any] = {"offline": True, "analysis": _jsonable(analysis)}
    if fallback:
        data["fallback"] = fallback
    return AgentResult(text=f"{label}\n\n{body}", data=data, mode="offline", fallback=fallback)


def llm_failure_text(reason: str, lang: str) -> str:
    texts = labels_file("agents/llm_failures", lang)
    return str(texts.get(reason) or texts["unavailable"])


def _jsonable(analysis: dict[str, Any]) -> dict[str, Any]:
    """The analysis as stored with the step (findings, groups ...): plain JSON values."""
    import json

    return json.loads(json.dumps(analysis, default=str))


def _llm(
    settings: Settings, schema_name: str, values: dict[str, Any], lang: str, timeout: float | None
) -> AgentResult:
    from integrations.llm_call import structured_call

    schema = SCHEMAS[schema_name]
    system = render_lang(
        f"{values['agent']}/{values['task']}.{{lang}}.md", lang, **_no_lang(values)
    )
    user = render_lang("agents/input.{lang}.md", lang, **_no_lang(values))
    repair = render_lang("agents/repair.{lang}.md", lang, schema=schema_name)
    step_seconds = timeout or 60.0
    with span("bmad.llm.call", purpose="agent", agent=values["agent"], model=settings.llm_model):
        answer = structured_call(
            settings,
            schema,
            system,
            user,
            timeout=min(LLM_CALL_SECONDS, step_seconds),
            total_seconds=step_seconds * 0.8,  # leaves the step time for the fallback
            repair_text=repair,
        )
    cost = cost_usd(settings.llm_model, answer.input_tokens, answer.output_tokens)
    data = answer.parsed.model_dump()
    text = render("agents/result.md", data=data, labels=labels(lang))
    return AgentResult(text=text, data=data, mode="llm", tokens=answer.tokens, cost_usd=cost)


def _no_lang(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k != "lang"}
