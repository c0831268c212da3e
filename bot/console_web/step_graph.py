"""A workflow's steps as a left-to-right graph for an inline SVG: a step's column is one
past its deepest `needs`, so what can run together stands together, and each edge goes
from a needed step to the step waiting for it. Geometry only; the page template draws it
(a template's steps, or a run's with each box coloured by its status)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from agents.workflows.spec import WorkflowTemplate
from agents.workflows.views import RunView

BOX_W, BOX_H, COL_GAP, ROW_GAP, PAD = 170, 40, 50, 16, 4


@dataclass(frozen=True)
class Node:
    name: str
    needs: list[str]
    detail: str  # kind, and agent.task for agent steps
    status: str = ""  # a run's step status; "" for a template


@dataclass(frozen=True)
class Box:
    name: str
    detail: str
    status: str
    x: int
    y: int


@dataclass(frozen=True)
class Edge:
    x1: int
    y1: int
    x2: int
    y2: int


@dataclass(frozen=True)
class Graph:
    boxes: list[Box]
    edges: list[Edge]
    width: int
    height: int


def template_graph(template: WorkflowTemplate) -> Graph:
    return step_graph(
        [
            Node(
                s.name,
                list(s.needs),
                f"{s.kind}: {s.agent}.{s.task}" if s.kind == "agent" else s.kind,
            )
            for s in template.steps
        ]
    )


def run_graph(run: RunView) -> Graph:
    """The run's steps (compensations that ran included) coloured by status."""
    return step_graph(
        [Node(s.name, s.needs, f"{s.agent or s.kind}: {s.status}", s.status) for s in run.steps]
    )


def step_graph(nodes: Sequence[Node]) -> Graph:
    needs = {n.name: n.needs for n in nodes}
    level: dict[str, int] = {}

    def depth(name: str) -> int:  # templates are validated acyclic
        if name not in level:
            level[name] = 1 + max((depth(n) for n in needs.get(name, [])), default=-1)
        return level[name]

    rows: dict[int, int] = {}
    boxes: dict[str, Box] = {}
    for node in nodes:
        column = depth(node.name)
        row = rows.get(column, 0)
        rows[column] = row + 1
        boxes[node.name] = Box(
            node.name,
            node.detail,
            node.status,
            PAD + column * (BOX_W + COL_GAP),
            PAD + row * (BOX_H + ROW_GAP),
        )
    edges = [
        Edge(a.x + BOX_W, a.y + BOX_H // 2, b.x, b.y + BOX_H // 2)
        for b in boxes.values()
        for a in (boxes[n] for n in needs[b.name] if n in boxes)
    ]
    columns = max(rows, default=0) + 1
    tallest = max(rows.values(), default=1)
    return Graph(
        list(boxes.values()),
        edges,
        2 * PAD + columns * BOX_W + (columns - 1) * COL_GAP,
        2 * PAD + tallest * BOX_H + (tallest - 1) * ROW_GAP,
    )
