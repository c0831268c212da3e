"""What a run fetches from GitHub before its agent works, and the review posted back.

Why in agents (not the webhook edge): fetching is slow and may fail; inside the step it
runs outside the request, under the step's timeout and retry policy, and a failure
becomes an honest note in the result instead of a lost webhook. Runs started by a GitHub
event carry `github_repo` and `github_pr` (or `version` for a release) as inputs.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from agents.analysis.by_task import REVIEW_TASKS, Fetched
from agents.analysis.material import from_patch
from agents.analysis.release_notes import RANGES, version_in
from agents.analysis.words import load
from integrations.db.models import WebhookSource
from integrations.db.session import tenant_session
from integrations.github.client import GitHubClient, GitHubError
from integrations.observability.logging import get_logger
from integrations.settings import Settings
from integrations.webhooks_out.crypto import decrypt_secret

log = get_logger(__name__)
MARKER = "<!-- bmad-review run:{run_id} -->"


def _source(settings: Settings, tenant_id: str) -> tuple[str | None, bool]:
    with tenant_session(settings.database_url, tenant_id) as session:
        row = session.scalars(
            select(WebhookSource).where(WebhookSource.source == "github")
        ).one_or_none()
        if row is None or not row.api_token_encrypted:
            return None, False
        return decrypt_secret(settings, row.api_token_encrypted), bool(row.post_reviews)


PULL_URL = re.compile(r"github\.com/([\w.-]+/[\w.-]+)/pull/(\d+)")
REPO_REF = re.compile(r"(?:github\.com/|\b(?:repo|repository)\s+)([\w.-]+/[\w.-]+?)(?:\.git)?\b")


def github_refs(inputs: dict[str, str]) -> dict[str, str]:
    """The repository, PR and tags a run is about: from a GitHub event's inputs, else from
    a chat request ("review https://github.com/acme/shop/pull/42", "release notes for repo
    acme/shop v1.1.0...v1.2.0")."""
    refs = {k: inputs[k] for k in ("github_repo", "github_pr") if inputs.get(k)}
    text = " ".join(inputs.get(k, "") for k in ("target", "request_text", "version", "changes"))
    pull = PULL_URL.search(text)
    if pull and not refs.get("github_pr"):
        refs.setdefault("github_repo", pull.group(1))
        refs["github_pr"] = pull.group(2)
    repo = REPO_REF.search(text)
    if repo and not refs.get("github_repo"):
        refs["github_repo"] = repo.group(1)
    request = inputs.get("request_text", "")
    head = version_in(request, inputs.get("version", ""))
    if head:
        refs["head"] = head
        ranged = next((m for m in (r.search(request) for r in RANGES) if m), None)
        if ranged and ranged.group(2) == head:
            refs["base"] = ranged.group(1)
    return refs


def fetch_for_task(
    settings: Settings, tenant_id: str, task: str, inputs: dict[str, str], lang: str
) -> Fetched | None:
    refs = github_refs(inputs)
    repo = refs.get("github_repo", "")
    wants_pull = task in REVIEW_TASKS and refs.get("github_pr", "").isdigit()
    wants_compare = task == "write_release_notes" and bool(refs.get("head"))
    if not repo or not (wants_pull or wants_compare):
        return None
    texts = load("github", lang)
    token, _post = _source(settings, tenant_id)
    if token is None:
        return Fetched(note=texts["no_token"])
    try:
        with GitHubClient(settings, token) as client:
            if wants_pull:
                return _pull(settings, client, repo, int(refs["github_pr"]), texts)
            return _compare(client, repo, refs["head"], refs.get("base", ""), texts)
    except GitHubError as err:
        log.warning("github_fetch_failed", code=err.code, repo=repo)
        return Fetched(note=texts["failed"].format(reason=texts["reasons"][err.code]))


def _pull(
    settings: Settings, client: GitHubClient, repo: str, number: int, texts: dict[str, Any]
) -> Fetched:
    client.pull(repo, number)  # the PR exists and the token may read it
    fetched = Fetched(source=texts["source_pull"].format(repo=repo, number=number))
    used = 0
    capped: list[str] = []
    no_patch: list[str] = []
    for item in client.pull_files(repo, number):
        name = str(item.get("filename", ""))
        patch = item.get("patch")
        if item.get("status") == "removed":
            continue
        if not isinstance(patch, str) or not patch:
            no_patch.append(name)
            continue
        size = len(patch.encode("utf-8"))
        if used + size > settings.github_max_diff_bytes:
            capped.append(name)
            continue
        used += size
        fetched.files.append(from_patch(name, patch))
        fetched.patches.append((name, patch))
    notes = []
    if capped:
        notes.append(
            texts["size_cap"].format(
                count=len(capped),
                cap=settings.github_max_diff_bytes // 1000,
                names=", ".join(capped[:10]),
            )
        )
    if no_patch:
        notes.append(texts["no_patch"].format(count=len(no_patch), names=", ".join(no_patch[:10])))
    fetched.note = "; ".join(notes)
    return fetched


def _compare(
    client: GitHubClient, repo: str, head: str, base: str, texts: dict[str, Any]
) -> Fetched:
    if not base:  # the tag before `head` (GitHub lists tags newest first)
        tags = client.tags(repo)
        at = tags.index(head) if head in tags else -1
        base = tags[at + 1] if 0 <= at < len(tags) - 1 else ""
    if not base:
        return Fetched(note=texts["no_previous_tag"].format(head=head))
    compared = client.compare(repo, base, head)
    changes = []
    for commit in compared.get("commits", []) or []:
        message = str((commit.get("commit") or {}).get("message", "")).strip()
        first = message.splitlines()[0] if message else ""
        if first and not first.lower().startswith("merge "):
            changes.append(first)
    return Fetched(
        changes=changes, source=texts["source_compare"].format(repo=repo, base=base, head=head)
    )


def post_review(
    settings: Settings, tenant_id: str, inputs: dict[str, str], run_id: int, text: str, lang: str
) -> bool:
    """Post the review as ONE comment on the PR when the source says so; True when posted.

    A hidden marker per run makes a retried step find its earlier comment instead of
    posting twice. Failures are logged, never fail the step (the review is in the chat).
    """
    refs = github_refs(inputs)
    repo, number = refs.get("github_repo", ""), refs.get("github_pr", "")
    if not repo or not number.isdigit():
        return False
    token, post = _source(settings, tenant_id)
    if token is None or not post:
        return False
    marker = MARKER.format(run_id=run_id)
    footer = load("github", lang)["comment_footer"].format(run_id=run_id)
    try:
        with GitHubClient(settings, token) as client:
            if any(marker in str(c.get("body", "")) for c in client.comments(repo, int(number))):
                return False
            client.comment(repo, int(number), f"{marker}\n{text}\n\n{footer}")
    except GitHubError as err:
        log.warning("github_review_not_posted", code=err.code, repo=repo)
        return False
    log.info("github_review_posted", repo=repo, run_id=run_id)
    return True
