"""Which offline analysis a task gets, and the material it reads.

Material, per the run-input contract: `request_text` (the user's full request, code blocks
intact) and `request_context` (earlier turns), falling back to the slots; plus what was
fetched for the run (a pull request's files, a compare's commits) in `Fetched`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agents.analysis import adr, code_review, release_notes, test_plan, triage
from agents.analysis.given_points import given_points
from agents.analysis.material import CodeFile
from agents.analysis.text_facts import roles

SLOT_KEYS = ("target", "feature", "topic", "description", "changes", "idea", "notes", "goal")
CODE_TASKS = {("developer", "review_code"), ("quality_guardian", "review_code")}
REVIEW_TASKS = {"review_code", "security_review"}
# Tasks whose offline draft lays out the points the user listed.
LISTED_TASKS = {"standup_summary", "plan_sprint", "run_retrospective"}


@dataclass
class Fetched:
    """What a run fetched from an integration before the agent works (GitHub)."""

    files: list[CodeFile] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    source: str = ""  # e.g. "pull request acme/shop#42" or "acme/shop v1.1.0...v1.2.0"
    note: str = ""  # e.g. "3 files over the size cap were not read"
    patches: list[tuple[str, str]] = field(default_factory=list)  # (file, patch) for the LLM


def material(inputs: dict[str, str], upstream: list[str] | None = None) -> str:
    parts = [inputs.get("request_context", ""), inputs.get("request_text", "")]
    if not any(parts):
        parts = [inputs.get(k, "") for k in SLOT_KEYS]
    parts += upstream or []
    return "\n\n".join(p for p in parts if p)


def analyse(
    agent: str,
    task: str,
    inputs: dict[str, str],
    subject: str,
    lang: str,
    upstream: list[str] | None = None,
    fetched: Fetched | None = None,
) -> dict[str, Any]:
    """The analysis dict the task's offline template lays out ({} for template-only tasks)."""
    fetched = fetched or Fetched()
    own = material(inputs)
    if (agent, task) in CODE_TASKS or task == "security_review":
        result = code_review.review_text(own, lang, fetched.files)
        result["note"] = fetched.note
        result["source"] = fetched.source
        result["roles"] = roles(own) if task == "security_review" else []
        return result
    if task == "create_test_plan":
        return test_plan.plan(material(inputs, upstream), subject)
    if task == "write_release_notes":
        changes = fetched.changes or release_notes.changes_from(
            inputs.get("changes") or inputs.get("request_text", "")
        )
        notes = release_notes.group(changes, inputs.get("version", ""), own)
        notes.update(source=fetched.source, note=fetched.note)
        return notes
    if task == "design_architecture":
        return adr.structure(own, subject)
    if task in ("triage_incident", "analyze_incident"):
        return triage.triage(inputs, own)
    if task in LISTED_TASKS:
        slot = inputs.get("notes") or inputs.get("items") or ""
        return {"points": given_points(inputs.get("request_text", ""), slot)}
    return {}
