"""Run one agent task: with an LLM configured, a structured call; without, an offline draft.

Why both paths share inputs and layout: a workflow must behave the same on a laptop with
no model (clearly labelled drafts derived from the user's words) and in production.
User text reaches the model only as user content, never inside the system prompt.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

from agents.crew.pricing import cost_usd
from agents.crew.schemas import SCHEMAS
from agents.crew.templates import labels, render, render_lang
from agents.roster import get_agent, get_task
from integrations.settings import Settings

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
) -> AgentResult:
    info = get_task(agent, task)
    if info is None:
        raise UnknownTask(f"{agent}/{task}")
    values = _values(agent, task, inputs, upstream, lang)
    if settings.llm_configured:
        return _llm(settings, info.schema_name, values, lang, timeout)
    return _offline(values, lang)


def _values(
    agent: str, task: str, inputs: dict[str, str], upstream: list[Upstream], lang: str
) -> dict[str, Any]:
    info = get_task(agent, task)
    assert info is not None
    subject = next((inputs[k] for k in info.inputs if inputs.get(k)), "")
    return {
        "agent": agent,
        "agent_name": get_agent(agent).name,  # type: ignore[union-attr]
        "task": task,
        "inputs": {k: v for k, v in inputs.items() if not k.startswith("_")},
        "subject": subject,
        "context": {k: inputs[k] for k in CONTEXT_KEYS if inputs.get(k)},
        "upstream": [u.model_dump() for u in upstream],
        "lang": lang,
    }


def _offline(values: dict[str, Any], lang: str) -> AgentResult:
    label = render_lang("agents/offline_label.{lang}.md", lang, **_no_lang(values))
    body = render_lang(
        f"{values['agent']}/{values['task']}.offline.{{lang}}.md", lang, **_no_lang(values)
    )
    return AgentResult(text=f"{label}\n\n{body}", data={"offline": True}, mode="offline")


def _llm(
    settings: Settings, schema_name: str, values: dict[str, Any], lang: str, timeout: float | None
) -> AgentResult:
    # Imported here: langchain takes seconds to import and offline mode never needs it.
    from langchain_core.messages import HumanMessage, SystemMessage

    from integrations.llm import chat_model, tokens_from

    schema = SCHEMAS[schema_name]
    system = render_lang(
        f"{values['agent']}/{values['task']}.{{lang}}.md", lang, **_no_lang(values)
    )
    user = render_lang("agents/input.{lang}.md", lang, **_no_lang(values))
    model = chat_model(settings, timeout=timeout or 60.0, max_retries=1)
    structured = model.with_structured_output(schema, include_raw=True)
    result = structured.invoke([SystemMessage(content=system), HumanMessage(content=user)])
    if result.get("parsing_error") or result.get("parsed") is None:
        raise ValueError(f"model output did not match {schema_name}")
    parsed: BaseModel = result["parsed"]
    usage = getattr(result.get("raw"), "usage_metadata", None) or {}
    tokens = tokens_from(result)
    cost = cost_usd(
        settings.llm_model, int(usage.get("input_tokens", 0)), int(usage.get("output_tokens", 0))
    )
    data = parsed.model_dump()
    text = render("agents/result.md", data=data, labels=labels(lang))
    return AgentResult(text=text, data=data, mode="llm", tokens=tokens, cost_usd=cost)


def _no_lang(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k != "lang"}
