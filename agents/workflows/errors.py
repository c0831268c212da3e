"""Errors the workflow service reports to its callers, with a code and a user-safe message.

Why messages from a YAML catalog: the conversation layer, the API and the CLI show them
as they are; the code lets a caller pick its own wording per language.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

CATALOG = Path(__file__).resolve().parents[2] / "prompts" / "workflows" / "errors.{lang}.yaml"


@lru_cache(maxsize=4)
def _messages(lang: str) -> dict[str, str]:
    path = Path(str(CATALOG).format(lang=lang))
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def error_message(code: str, lang: str = "en", **values: Any) -> str:
    template = _messages(lang).get(code) or _messages("en").get(code) or code
    return template.format(**values)


class WorkflowError(Exception):
    code = "workflow_error"

    def __init__(self, code: str | None = None, **values: Any) -> None:
        self.code = code or self.code
        self.values = values
        self.message = error_message(self.code, **values)
        super().__init__(self.message)

    def message_in(self, lang: str) -> str:
        return error_message(self.code, lang, **self.values)


class RunNotFound(WorkflowError):
    code = "run_not_found"


class NotAllowed(WorkflowError):
    code = "not_allowed"

    def __init__(self, required_role: str, code: str | None = None, **values: Any) -> None:
        self.required_role = required_role
        super().__init__(code, required_role=required_role, **values)


class InvalidTransition(WorkflowError):
    code = "invalid_transition"
