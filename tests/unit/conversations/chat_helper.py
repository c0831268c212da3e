"""A tiny driver for multi-turn conversations through the real turn pipeline."""

from __future__ import annotations

import uuid

from conversations.message import Message, conversation_key
from conversations.pipeline import get_pipeline
from conversations.reply import Reply
from conversations.state import ConversationState
from conversations.store import StateStore
from integrations.db.models import Role
from integrations.db.session import tenant_session
from integrations.db.tenants import set_role
from integrations.redis_store import get_redis
from integrations.settings import Settings
from tests.conftest import make_tenant


class Chat:
    def __init__(
        self, settings: Settings, tenant_id: str, user: str = "u1", role: Role = Role.owner
    ) -> None:
        self.settings = settings
        self.tenant_id = tenant_id
        self.user = user
        self.key = conversation_key(tenant_id, "console", uuid.uuid4().hex[:8])
        make_tenant(settings.database_url, tenant_id)
        with tenant_session(settings.database_url, tenant_id) as session:
            set_role(session, tenant_id, user, role)
        self.pipeline = get_pipeline(settings)

    def as_user(self, user: str, role: Role) -> Chat:
        """Another user in the same conversation (e.g. an approver in the thread)."""
        other = Chat(self.settings, self.tenant_id, user, role)
        other.key = self.key
        return other

    def settle(self, run_ids: list[int]) -> None:
        from agents.workflows.service import WorkflowService

        WorkflowService(self.settings).wait_settled(self.tenant_id, run_ids, timeout=60)

    def say(self, text: str, event_id: str | None = None) -> Reply:
        return self.pipeline.handle(
            Message(
                tenant_id=self.tenant_id,
                channel="console",
                conversation_key=self.key,
                user_id=self.user,
                text=text,
                event_id=event_id or uuid.uuid4().hex,
            )
        )

    def state(self) -> ConversationState:
        store = StateStore(get_redis(self.settings.redis_url), self.settings.conversation_ttl)
        return store.load(self.tenant_id, self.key)
