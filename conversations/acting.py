"""Acting on a complete request: answer directly, or start / control a workflow run.

The dialogue manager decides *that* we act; this module does it and chooses the reply
template. Workflow errors carry user-safe messages (quota, permissions); anything else is
left to the pipeline's error handling.
"""

from __future__ import annotations

from functools import reduce

from agents.roster import list_agents
from agents.workflows.gate import QuotaExceeded
from agents.workflows.loader import list_templates, load_template
from agents.workflows.service import (
    InvalidTransition,
    NotAllowed,
    RunNotFound,
    RunView,
    WorkflowError,
    WorkflowService,
)
from agents.workflows.spec import WorkflowTemplate
from conversations import runs, words
from conversations.named_workflows import HIDDEN, NAMED_INTENT
from conversations.nlu.catalog import OUT_OF_SCOPE, Catalog, Intent
from conversations.nlu.extract import SERVICE_SEPARATOR
from conversations.outcome import Outcome, combined
from conversations.replies import render
from conversations.request_text import join_turns, request_limits
from conversations.state import ConversationState
from conversations.usage import usage_text
from integrations.privacy.forget import LastOwnerKept, refuse_last_owner
from integrations.settings import Settings


def request_inputs(state: ConversationState) -> dict[str, str]:
    """`request_text` (the user's words of this request) and, when earlier turns were
    carried over, `request_context` (newest last): run inputs next to the slots."""
    found: dict[str, str] = {}
    text = join_turns(state.request_turns)
    if text:
        found["request_text"] = text
    context = join_turns(state.request_context)
    if context:
        found["request_context"] = context
    return found


# Intents not worth listing in "what I can do".
MAX_STATUSES = 5  # "what's running?": the active runs, newest first, this many at most
_NOT_OFFERED = frozenset({"greet", "help", OUT_OF_SCOPE})


class Actor:
    def __init__(self, settings: Settings, catalog: Catalog, workflows: WorkflowService) -> None:
        self.settings = settings
        self.catalog = catalog
        self.workflows = workflows

    # -- direct answers ---------------------------------------------------------------
    def capabilities(self, lang: str) -> list[dict[str, str]]:
        return [
            {"intent": name, "description": spec.description.get(lang)}
            for name, spec in self.catalog.intents.items()
            if name not in _NOT_OFFERED
        ]

    def forget(self, state: ConversationState, user_id: str, intent: str) -> Outcome:
        """Forget me (the pipeline deletes), unless the user is the tenant's only owner:
        then nothing is deleted and they are told to name another owner first."""
        try:
            refuse_last_owner(self.settings, state.tenant_id, user_id)
        except LastOwnerKept:
            return Outcome("answer", render("forget_last_owner", state.lang), intent)
        return Outcome("answer", render("forgotten", state.lang), intent, forget=True)

    def reply(self, which: str, state: ConversationState, intent: str) -> Outcome:
        lang = state.lang
        if which == "list_agents":
            agents = [{"name": a.name, "description": a.describe(lang)} for a in list_agents()]
            return Outcome("answer", render("list_agents", lang, agents=agents), intent)
        if which == "list_workflows":
            names = [n for n in self.workflow_names(state.tenant_id) if n not in HIDDEN]
            listed = [
                {"name": n, "description": self.template(state.tenant_id, n).description}
                for n in names
            ]
            return Outcome("answer", render("list_workflows", lang, workflows=listed), intent)
        if which == "usage":
            return Outcome("answer", usage_text(self.settings, state.tenant_id, lang), intent)
        if which == "help":
            text = render("help", lang, capabilities=self.capabilities(lang))
            return Outcome("answer", text, intent)
        return Outcome("answer", render("greet", lang), intent)

    def out_of_scope(self, state: ConversationState) -> Outcome:
        text = render("out_of_scope", state.lang, capabilities=self.capabilities(state.lang))
        return Outcome("answer", text, OUT_OF_SCOPE)

    # -- starting runs ----------------------------------------------------------------
    def start(self, state: ConversationState, user_id: str, intent: str, spec: Intent) -> Outcome:
        """One run; one per service when the request named several ("checkout and
        payments"), each with its own service input, answered in one reply."""
        what = spec.description.get(state.lang)
        started = []
        for slots in _per_service(state.slots):
            workflow, inputs = spec.handler.run_for(slots) or ("", slots)
            started.append(self._start_run(state, user_id, intent, workflow, inputs, what, slots))
        return reduce(combined, started)

    def start_named(self, state: ConversationState, user_id: str, workflow: str) -> Outcome:
        """A workflow the user named ("start the release workflow"), inputs from slots."""
        what = render("named_workflow", state.lang, workflow=workflow)
        return self._start_run(state, user_id, NAMED_INTENT, workflow, dict(state.slots), what)

    def _start_run(
        self,
        state: ConversationState,
        user_id: str,
        intent: str,
        workflow: str,
        inputs: dict[str, str],
        what: str,
        shown: dict[str, str] | None = None,
    ) -> Outcome:
        slots = dict(state.slots if shown is None else shown)
        inputs = {**inputs, **request_inputs(state)}
        try:
            run = self.workflows.start(
                tenant_id=state.tenant_id,
                workflow=workflow,
                inputs=inputs,
                conversation_key=state.conversation_key,
                user_id=user_id,
                lang=state.lang,
            )
        except NotAllowed as err:
            return self._not_allowed(state, intent, err)
        except WorkflowError as err:
            reason = err.message_in(state.lang)
            text = render("run_refused", state.lang, reason=reason)
            upgrade = err.refusal.upgrade_url if isinstance(err, QuotaExceeded) else None
            return Outcome("error", text, intent, upgrade_url=upgrade)
        state.add_run(run.id)
        text = render(
            "started",
            state.lang,
            run_id=run.id,
            workflow=run.workflow,
            what=what,
            slots=slots,
            waiting_approval=bool(run.waiting_approval),
        )
        return Outcome("started", text, intent, run_ids=[run.id])

    def too_long(
        self, state: ConversationState, intent: str, what: str, workflow: str | None = None
    ) -> Outcome | None:
        """The per-task input limit: a clear refusal when the request's text exceeds it."""
        length = len(request_inputs(state).get("request_text", ""))
        limit = request_limits().for_task(intent, workflow)
        if length <= limit:
            return None
        text = render("request_too_long", state.lang, length=length, limit=limit, what=what)
        return Outcome("error", text, intent)

    # -- named workflows --------------------------------------------------------------
    def workflow_names(self, tenant_id: str) -> list[str]:
        return list_templates(self.settings, tenant_id)

    def template(self, tenant_id: str, name: str) -> WorkflowTemplate:
        return load_template(self.settings, tenant_id, name)

    # -- run control ------------------------------------------------------------------
    def find_run(self, action: str, state: ConversationState, run_id: int | None) -> RunView | None:
        """The run a run-control message means: the one it names, else from context."""
        if run_id is not None:
            try:
                return self.workflows.get(state.tenant_id, run_id)
            except RunNotFound:
                return None
        if action in ("approve", "reject"):
            return runs.waiting_run(self.workflows, state)
        if action == "cancel":
            return runs.active_run(self.workflows, state)
        return runs.last_run(self.workflows, state)

    def runs_meant(self, action: str, state: ConversationState, text: str) -> list[RunView]:
        """The runs a run-control message without a number may mean, newest first."""
        return runs.meant(self.workflows, state, action, text)

    def runs_asked_about(self, action: str, state: ConversationState, text: str) -> list[RunView]:
        """The runs a question means: "why was it rejected?" the rejected one(s), when there
        is one; else those the action would mean, else any of the conversation's."""
        verdict = words.named_decision(text)
        decided = runs.decided(self.workflows, state, verdict, text) if verdict else []
        return (
            decided
            or self.runs_meant(action, state, text)
            or self.runs_meant("status", state, text)
        )

    def status_of(
        self, action: str, state: ConversationState, intent: str, text: str, run_id: int | None
    ) -> Outcome:
        """The status of the run(s) a question about approving, rejecting or cancelling
        means; nothing is done to them."""
        if run_id is not None:
            options = [r for r in [self.find_run("status", state, run_id)] if r is not None]
        else:
            # "who approved it?" once nothing waits any more: the run the question is about.
            options = self.runs_asked_about(action, state, text)
        if not options:
            return self.no_run(action, state, intent, run_id)
        return self.statuses(state, intent, options)

    def waiting_run_id(self, state: ConversationState, run_id: int) -> int | None:
        """`run_id` if that run still waits for an approval, else None."""
        run = self.find_run("status", state, run_id)
        return run.id if run is not None and run.waiting_approval else None

    def supersede(self, state: ConversationState, user_id: str, run_id: int) -> Outcome | None:
        """Cancel a run a confirmed correction replaces, if it still waits for approval;
        None when there is nothing to say (it moved on meanwhile, or may not be cancelled:
        then it is left, and its status says so)."""
        run = self.find_run("status", state, run_id)
        if run is None or not run.waiting_approval:
            return None
        try:
            self.workflows.cancel(state.tenant_id, run.id, user_id)
        except WorkflowError:  # decided, gone or not this user's to cancel: say nothing
            return None
        text = render("run_superseded", state.lang, run=run)
        return Outcome("answer", text, "cancel_workflow", run_ids=[run.id])

    def statuses(self, state: ConversationState, intent: str, options: list[RunView]) -> Outcome:
        texts = [self.status_text(run, state.lang) for run in options[:MAX_STATUSES]]
        return Outcome("answer", "\n\n".join(texts), intent, run_ids=[r.id for r in options])

    def decide_each(
        self,
        action: str,
        state: ConversationState,
        user_id: str,
        intent: str,
        options: list[RunView],
        reason: str | None = None,
    ) -> Outcome:
        """Approve or reject every run meant ("approve both"), oldest first, each on its own:
        one reply, a refusal said once when it is the same for every run."""
        outcomes: list[Outcome] = []
        for run in sorted(options, key=lambda r: r.id):
            outcome = self.control(action, state, user_id, intent, run, reason)
            if all(outcome.text != earlier.text for earlier in outcomes):
                outcomes.append(outcome)
        return reduce(combined, outcomes)

    def which_run(
        self, action: str, state: ConversationState, intent: str, options: list[RunView]
    ) -> Outcome:
        text = render("which_run", state.lang, action=action, runs=options)
        return Outcome("answer", text, intent, run_ids=[r.id for r in options])

    def no_run(
        self, action: str, state: ConversationState, intent: str, run_id: int | None
    ) -> Outcome:
        name = "run_not_found" if run_id is not None else f"no_run_{action}"
        return Outcome("answer", render(name, state.lang, run_id=run_id), intent)

    def control(
        self,
        action: str,
        state: ConversationState,
        user_id: str,
        intent: str,
        run: RunView,
        reason: str | None = None,
    ) -> Outcome:
        """`reason`: why, in the user's words, kept with a rejection."""
        if action == "status":
            return Outcome("answer", self.status_text(run, state.lang), intent, run_ids=[run.id])
        try:
            if action == "reject":
                updated = self.workflows.reject(state.tenant_id, run.id, user_id, reason)
            else:
                call = {"approve": self.workflows.approve, "cancel": self.workflows.cancel}[action]
                updated = call(state.tenant_id, run.id, user_id)
        except NotAllowed as err:
            return self._not_allowed(state, intent, err)
        except RunNotFound:
            return self.no_run(action, state, intent, run.id)
        except InvalidTransition:
            text = render("run_not_controllable", state.lang, action=action, run=run)
            return Outcome("answer", text, intent, run_ids=[run.id])
        text = render(f"run_{action}", state.lang, run=updated)
        return Outcome("answer", text, intent, run_ids=[run.id])

    def status_text(self, run: RunView, lang: str) -> str:
        return render("run_status", lang, run=run, active=runs.is_active(run))

    def _not_allowed(self, state: ConversationState, intent: str, err: NotAllowed) -> Outcome:
        if err.code != "not_allowed":  # e.g. four eyes: its own message says who can
            return Outcome("error", err.message_in(state.lang), intent)
        text = render("not_allowed", state.lang, role=err.required_role)
        return Outcome("error", text, intent)


def _per_service(slots: dict[str, str]) -> list[dict[str, str]]:
    """The slots once per service and environment of a list ("checkout, payments" to
    "test, acceptance": four runs), else once. Versions listed one per service ("2.4.1,
    3.0.2") go with their service in order."""
    services = _listed(slots.get("service"))
    environments = _listed(slots.get("environment"))
    versions = [v.strip() for v in slots.get("version", "").split(SERVICE_SEPARATOR.strip())]
    paired = len(versions) > 1 and len(versions) == len(services)
    targets = []
    each_service: list[str | None] = [*services] or [None]
    each_environment: list[str | None] = [*environments] or [None]
    for index, service in enumerate(each_service):
        for environment in each_environment:
            target = dict(slots)
            if service is not None:
                target["service"] = service
            if environment is not None:
                target["environment"] = environment
            if paired:
                target.pop("version", None)
                if versions[index]:
                    target["version"] = versions[index]
            targets.append(target)
    return targets


def _listed(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(SERVICE_SEPARATOR.strip()) if v.strip()]
