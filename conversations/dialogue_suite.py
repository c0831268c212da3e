"""Conversation tests as data (issue 11, point 9): YAML dialogues run through the real turn
pipeline, each turn checked against its expectations.

Why data: a conversation that went wrong is reported as a transcript; writing it down as
turns + expectations (like Rasa's test stories) is the cheapest way to keep it fixed, and
reviewers read the suite as the dialogue's specification. `bmad test dialogues PATH...`
runs it against a throwaway embedded installation (SQLite + in-process Redis), so it never
touches real data.

File format (one file holds a list `dialogues:`)::

    dialogues:
      - name: en_production_needs_two_people
        users: {u1: member, boss: admin}      # first one speaks unless a turn says `user:`
        channel: slack                        # optional: turns arrive as Slack markup
        tenant: {self_approval: false}        # optional tenant settings
        templates: {hotfix: "<yaml>"}         # optional tenant workflow templates
        turns:
          - say: deploy orders-api to production
            expect: {kind: confirm, intent: deploy, reply_contains: [production]}
          - say: "yes"
            expect: {started: {workflow: production_deploy, inputs: {service: orders-api}}}
          - say: approve
            expect: {reply_contains: [four eyes], run_status: waiting_approval}
          - wait_minutes: 11                  # time passes (pending items expire)

Expectations: `kind`, `intent`, `reply_contains` / `reply_not_contains` (case-insensitive),
`started` (a run started this turn: `workflow`, exact `inputs`, `inputs_contain` substrings,
`inputs_absent` keys), `started_all` (every run started this turn, in order: a list of
`started`), `nothing_started`, `run_status` (status of the newest run),
`pending` (kind of the pending item after the turn, or `none`).
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from agents.workflows import store
from agents.workflows.service import WorkflowService
from conversations.message import Message, conversation_key
from conversations.pipeline import get_pipeline
from conversations.reply import Reply
from conversations.store import StateStore
from integrations.db.models import Role
from integrations.db.session import admin_session, tenant_session
from integrations.db.tenants import create_tenant, set_role, set_self_approval
from integrations.redis_store import get_redis
from integrations.settings import Settings

SETTLE_SECONDS = 60.0


class StartedExpectation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    workflow: str | None = None
    inputs: dict[str, str] = Field(default_factory=dict)
    inputs_contain: dict[str, str] = Field(default_factory=dict)
    inputs_absent: list[str] = Field(default_factory=list)


class Expectation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str | None = None
    intent: str | None = None
    reply_contains: list[str] = Field(default_factory=list)
    reply_not_contains: list[str] = Field(default_factory=list)
    started: StartedExpectation | None = None
    started_all: list[StartedExpectation] | None = None
    nothing_started: bool = False
    run_status: str | None = None
    pending: str | None = None


class Turn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    say: str | None = None
    user: str | None = None
    wait_minutes: float | None = None
    expect: Expectation = Field(default_factory=Expectation)


class Dialogue(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    description: str = ""
    users: dict[str, Role] = Field(default_factory=lambda: {"u1": Role.owner})
    # Which channel the turns come from: "slack" messages arrive as Slack markup.
    channel: Literal["console", "slack"] = "console"
    tenant: dict[str, Any] = Field(default_factory=dict)
    templates: dict[str, str] = Field(default_factory=dict)
    turns: list[Turn] = Field(min_length=1)


class SuiteFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dialogues: list[Dialogue]


class TurnFailure(BaseModel):
    turn: int
    say: str | None
    problems: list[str]
    reply: str = ""


class DialogueResult(BaseModel):
    name: str
    file: str
    passed: bool
    failures: list[TurnFailure] = Field(default_factory=list)
    error: str | None = None


class SuiteReport(BaseModel):
    passed: int = 0
    failed: int = 0
    dialogues: list[DialogueResult] = Field(default_factory=list)
    status: Literal["passed", "failed"] = "passed"


def dialogue_files(paths: list[Path]) -> list[Path]:
    """The YAML files named, and those under the folders named, in a stable order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted([*path.rglob("*.yaml"), *path.rglob("*.yml")]))
        else:
            found.append(path)
    return found


def load_dialogues(path: Path) -> list[Dialogue]:
    return SuiteFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8"))).dialogues


class DialogueRunner:
    """Runs dialogues against one installation (`settings`); each gets its own tenant."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.pipeline = get_pipeline(settings)
        self.workflows = WorkflowService(settings)
        self.store = StateStore(get_redis(settings.redis_url), settings.conversation_ttl)

    def run_paths(self, paths: list[Path]) -> SuiteReport:
        report = SuiteReport()
        for path in dialogue_files(paths):
            try:
                dialogues = load_dialogues(path)
            except Exception as err:  # a broken file is one failure, not a crash
                report.dialogues.append(
                    DialogueResult(name="(file)", file=str(path), passed=False, error=str(err))
                )
                continue
            for dialogue in dialogues:
                report.dialogues.append(self.run(dialogue, str(path)))
        report.passed = sum(1 for d in report.dialogues if d.passed)
        report.failed = len(report.dialogues) - report.passed
        report.status = "failed" if report.failed or not report.dialogues else "passed"
        return report

    def run(self, dialogue: Dialogue, file: str = "") -> DialogueResult:
        tenant = f"dlg{uuid.uuid4().hex[:12]}"
        key = conversation_key(tenant, dialogue.channel, uuid.uuid4().hex[:8])
        self._prepare(tenant, dialogue)
        first_user = next(iter(dialogue.users))
        result = DialogueResult(name=dialogue.name, file=file, passed=True)
        for number, turn in enumerate(dialogue.turns, start=1):
            if turn.wait_minutes is not None:
                self._time_passes(tenant, key, turn.wait_minutes)
            if turn.say is None:
                continue
            self._settle(tenant, key)
            before = {r.id for r in self.workflows.list_runs(tenant, conversation_key=key)}
            reply = self.pipeline.handle(
                Message(
                    tenant_id=tenant,
                    channel=dialogue.channel,
                    conversation_key=key,
                    user_id=turn.user or first_user,
                    text=turn.say,
                    event_id=uuid.uuid4().hex,
                )
            )
            problems = self._check(tenant, key, turn.expect, reply, before)
            if problems:
                result.passed = False
                result.failures.append(
                    TurnFailure(turn=number, say=turn.say, problems=problems, reply=reply.text)
                )
        self._settle(tenant, key)  # nothing of this dialogue still runs after it
        return result

    # -- set-up and time ------------------------------------------------------------------
    def _prepare(self, tenant: str, dialogue: Dialogue) -> None:
        with admin_session(self.settings.database_url) as session:
            create_tenant(session, tenant, tenant)
            if "self_approval" in dialogue.tenant:
                set_self_approval(session, tenant, bool(dialogue.tenant["self_approval"]))
        with tenant_session(self.settings.database_url, tenant) as session:
            for user, role in dialogue.users.items():
                set_role(session, tenant, user, role)
        if dialogue.templates:  # stored as `bmad workflows import` does
            with tenant_session(self.settings.database_url, tenant) as session:
                for body in dialogue.templates.values():
                    template = store.validate(store.parse_text(body))
                    store.save(session, tenant, template, actor="dialogue-test", source="test")

    def _time_passes(self, tenant: str, key: str, minutes: float) -> None:
        """Move the conversation's clock marks back, as if `minutes` had passed."""
        state = self.store.load(tenant, key)
        if state.pending is not None:
            shift = timedelta(minutes=minutes)
            state.pending.asked_at -= shift
            state.pending.expires_at -= shift
            self.store.save(state)

    def _settle(self, tenant: str, key: str) -> None:
        runs = self.workflows.list_runs(tenant, conversation_key=key)
        if runs:
            self.workflows.wait_settled(tenant, [r.id for r in runs], timeout=SETTLE_SECONDS)

    # -- expectations ---------------------------------------------------------------------
    def _check(
        self, tenant: str, key: str, expect: Expectation, reply: Reply, before: set[int]
    ) -> list[str]:
        problems: list[str] = []
        text = reply.text.lower()
        if expect.kind is not None and reply.kind != expect.kind:
            problems.append(f"kind {reply.kind!r}, expected {expect.kind!r}")
        if expect.intent is not None and reply.intent != expect.intent:
            problems.append(f"intent {reply.intent!r}, expected {expect.intent!r}")
        for part in expect.reply_contains:
            if part.lower() not in text:
                problems.append(f"reply lacks {part!r}")
        for part in expect.reply_not_contains:
            if part.lower() in text:
                problems.append(f"reply contains {part!r}")
        runs = self.workflows.list_runs(tenant, conversation_key=key)
        new = [r for r in runs if r.id not in before]
        if expect.nothing_started and new:
            problems.append(f"started {[r.workflow for r in new]}, expected nothing")
        if expect.started is not None:
            problems.extend(_check_started(expect.started, new))
        if expect.started_all is not None:
            problems.extend(_check_all_started(expect.started_all, new))
        if expect.run_status is not None:
            self._settle(tenant, key)
            latest = max(self.workflows.list_runs(tenant, conversation_key=key), key=lambda r: r.id)
            if latest.status != expect.run_status:
                problems.append(f"newest run is {latest.status!r}, expected {expect.run_status!r}")
        if expect.pending is not None:
            pending = self.store.load(tenant, key).pending
            kind = pending.kind if pending else "none"
            if kind != expect.pending:
                problems.append(f"pending {kind!r}, expected {expect.pending!r}")
        return problems


def _check_all_started(expect: list[StartedExpectation], new: list[Any]) -> list[str]:
    if len(new) != len(expect):
        return [f"{len(new)} runs started, expected {len(expect)}"]
    ordered = sorted(new, key=lambda r: r.id)
    return [p for e, run in zip(expect, ordered, strict=True) for p in _check_run(e, run)]


def _check_started(expect: StartedExpectation, new: list[Any]) -> list[str]:
    if len(new) != 1:
        return [f"{len(new)} runs started, expected one"]
    return _check_run(expect, new[0])


def _check_run(expect: StartedExpectation, run: Any) -> list[str]:
    problems: list[str] = []
    if expect.workflow is not None and run.workflow != expect.workflow:
        problems.append(f"workflow {run.workflow!r}, expected {expect.workflow!r}")
    for name, value in expect.inputs.items():
        if run.inputs.get(name) != value:
            problems.append(f"input {name}={run.inputs.get(name)!r}, expected {value!r}")
    for name, part in expect.inputs_contain.items():
        if part.lower() not in str(run.inputs.get(name, "")).lower():
            problems.append(f"input {name}={run.inputs.get(name)!r} lacks {part!r}")
    for name in expect.inputs_absent:
        if name in run.inputs:
            problems.append(f"input {name} present ({run.inputs[name]!r}), expected absent")
    return problems


def throwaway_settings(folder: Path, base: Settings | None = None) -> Settings:
    """An embedded installation in `folder` (SQLite + in-process Redis, eager queue)."""
    from integrations.db.migrate import upgrade

    update = {
        "database_url": f"sqlite:///{folder / 'dialogues.db'}",
        "redis_url": None,
        "queue": "eager",
        "data_dir": str(folder / "data"),
        # The suite describes the embedded assistant: never call a real LLM from it.
        "openai_api_key": None,
        "openai_base_url": None,
    }
    settings = (
        base.model_copy(update=update) if base else Settings(**update, _env_file=None)  # type: ignore[arg-type]
    )
    upgrade(settings.database_url)
    return settings
