"""The agent roster, read from `roster.yaml` (data, so descriptions are not Python strings).

Why a data file: the conversation layer shows descriptions per language (`list_agents`),
and the workflow engine checks that a step's agent can do its task, from the same source.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel

ROSTER_FILE = Path(__file__).with_name("roster.yaml")


class TaskInfo(BaseModel):
    name: str
    schema_name: str
    inputs: list[str]


class AgentInfo(BaseModel):
    key: str
    name: str
    description: dict[str, str]
    tasks: dict[str, TaskInfo]

    def describe(self, lang: str = "en") -> str:
        return self.description.get(lang) or self.description["en"]


@lru_cache(maxsize=1)
def _load() -> dict[str, AgentInfo]:
    raw = yaml.safe_load(ROSTER_FILE.read_text(encoding="utf-8"))["agents"]
    return {
        key: AgentInfo(
            key=key,
            name=body["name"],
            description=body["description"],
            tasks={
                task: TaskInfo(name=task, schema_name=spec["schema"], inputs=spec["inputs"])
                for task, spec in body["tasks"].items()
            },
        )
        for key, body in raw.items()
    }


def list_agents() -> list[AgentInfo]:
    """Every agent, in roster order (the Orchestrator last)."""
    return list(_load().values())


def get_agent(key: str) -> AgentInfo | None:
    return _load().get(key)


def get_task(agent: str, task: str) -> TaskInfo | None:
    info = get_agent(agent)
    return info.tasks.get(task) if info else None
