"""End to end from a chat message: pasted code reaches the offline review as `request_text`
and the run's result names the real findings (no model configured)."""

from __future__ import annotations

import pytest

from agents.workflows.service import WorkflowService
from integrations.settings import Settings
from tests.unit.conversations.chat_helper import Chat

CODE = """```python
def find_user(cur, user_id):
    cur.execute("SELECT * FROM users WHERE id = " + user_id)
    return eval(user_id)
```"""


@pytest.mark.parametrize(
    ("ask", "sql", "label"),
    [
        ("Can you review this code?", "SQL injection", "Offline analysis"),
        ("Kun je deze code reviewen?", "SQL-injectie", "Offline analyse"),
    ],
)
def test_pasted_code_in_chat_gets_a_review_naming_sql_injection_and_eval(
    embedded_settings: Settings, tenant_id: str, ask: str, sql: str, label: str
) -> None:
    chat = Chat(embedded_settings, tenant_id)
    message = f"{ask}\n{CODE}"
    reply = chat.say(message)
    assert reply.run_ids, reply.text
    chat.settle(reply.run_ids)
    run = WorkflowService(embedded_settings).get(tenant_id, reply.run_ids[0])
    assert run.inputs["request_text"] == message
    output = "\n".join(s.output or "" for s in run.steps)
    assert sql in output and "B608" in output
    assert "eval/exec" in output and "B307" in output
    assert label in output
