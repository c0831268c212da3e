"""Which GitHub events start work, and with which slots. Pure: no I/O, easy to test.

`pull_request` opened/synchronize -> review the PR; `workflow_run` completed with
conclusion failure -> triage; `release` published -> release notes. The action (an intent
name) comes from the tenant's `event_actions`, so a tenant can point an event elsewhere or
switch it off with an empty action.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class GithubWork:
    event: str
    action: str  # intent name, e.g. review_code
    slots: dict[str, str]
    facts: dict[str, str]  # for the announcement text: repo, title, url, ...
    # Extra run inputs the agents fetch with (agents.github_material): repo, PR number.
    inputs: dict[str, str] = field(default_factory=dict)


def _s(value: Any, limit: int = 300) -> str:
    return str(value)[:limit] if value is not None else ""


def _repo(payload: dict[str, Any]) -> str:
    repo = payload.get("repository")
    return _s(repo.get("full_name")) if isinstance(repo, dict) else ""


def _obj(payload: dict[str, Any], name: str) -> dict[str, Any]:
    value = payload.get(name)
    return value if isinstance(value, dict) else {}


def decide(event: str, payload: dict[str, Any], actions: dict[str, str]) -> GithubWork | None:
    """The work this event asks for, or None when it is not one we handle."""
    action = actions.get(event, "")
    if not action:
        return None
    kind = payload.get("action")
    repo = _repo(payload)
    if event == "pull_request" and kind in ("opened", "synchronize"):
        pr = _obj(payload, "pull_request")
        url = _s(pr.get("html_url"))
        facts = {"repo": repo, "number": _s(pr.get("number")), "title": _s(pr.get("title"))}
        request = "\n\n".join(p for p in (facts["title"], _s(pr.get("body"), 4000)) if p)
        extra = {"github_repo": repo, "github_pr": facts["number"], "request_text": request}
        return GithubWork(event, action, {"target": url or repo}, {**facts, "url": url}, extra)
    if event == "workflow_run" and kind == "completed":
        run = _obj(payload, "workflow_run")
        if run.get("conclusion") != "failure":
            return None
        url = _s(run.get("html_url"))
        facts = {"repo": repo, "title": _s(run.get("name")), "branch": _s(run.get("head_branch"))}
        return GithubWork(event, action, {"service": repo}, {**facts, "url": url})
    if event == "release" and kind == "published":
        release = _obj(payload, "release")
        version = _s(release.get("tag_name"), 64)
        url = _s(release.get("html_url"))
        facts = {"repo": repo, "title": _s(release.get("name")), "version": version}
        extra = {"github_repo": repo}
        return GithubWork(event, action, {"version": version}, {**facts, "url": url}, extra)
    return None
