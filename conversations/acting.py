"""Acting on a complete request: answer directly, or start / control a workflow run.

The dialogue manager decides *that* we act; this module does it and chooses the reply
template. Workflow errors carry user-safe messages (quota, permissions); anything else is
left to the pipeline's error handling.
"""

from __future__ import annotations

from agents.roster import list_agents
from agents.workflows.service import (
    InvalidTransition,
    NotAllowed,
    RunNotFound,
    RunView,
    WorkflowError,
    WorkflowService,
)
from conversations import runs
from conversations.nlu.catalog import OUT_OF_SCOPE, Catalog, Intent
from conversations.outcome import Outcome
from conversations.replies import render
from conversations.state import ConversationState
from conversations.usage import usage_text
from integrations.settings import Settings

# Intents not worth listing in "what I can do".
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

    def reply(self, which: str, state: ConversationState, intent: str) -> Outcome:
        lang = state.lang
        if which == "list_agents":
            agents = [{"name": a.name, "description": a.describe(lang)} for a in list_agents()]
            return Outcome("answer", render("list_agents", lang, agents=agents), intent)
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
        handler = spec.handler
        slots = dict(state.slots)
        if handler.kind == "agent_task":
            workflow = "single_task"
            inputs: dict[str, str | None] = {"agent": handler.agent, "task": handler.task, **slots}
        else:
            workflow = handler.workflow_for(slots) or ""
            inputs = slots
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
            return Outcome("error", render("run_refused", state.lang, reason=reason), intent)
        state.add_run(run.id)
        text = render(
            "started",
            state.lang,
            run_id=run.id,
            workflow=run.workflow,
            what=spec.description.get(state.lang),
            slots=slots,
            waiting_approval=bool(run.waiting_approval),
        )
        return Outcome("started", text, intent, run_ids=[run.id])

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

    def no_run(
        self, action: str, state: ConversationState, intent: str, run_id: int | None
    ) -> Outcome:
        name = "run_not_found" if run_id is not None else f"no_run_{action}"
        return Outcome("answer", render(name, state.lang, run_id=run_id), intent)

    def control(
        self, action: str, state: ConversationState, user_id: str, intent: str, run: RunView
    ) -> Outcome:
        if action == "status":
            return Outcome("answer", self.status_text(run, state.lang), intent, run_ids=[run.id])
        call = {
            "approve": self.workflows.approve,
            "reject": self.workflows.reject,
            "cancel": self.workflows.cancel,
        }[action]
        try:
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
        text = render("not_allowed", state.lang, role=err.required_role)
        return Outcome("error", text, intent)
