"""Every text we render (chat replies, Slack texts, emails, billing texts, agent prompts, console
pages) comes from one template environment factory, so escaping rules live in one place."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FACTORY = ROOT / "integrations" / "templating.py"


def _builds_environment(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name in ("Environment", "SandboxedEnvironment"):
                return True
    return False


def test_only_the_factory_builds_a_jinja_environment() -> None:
    builders = sorted(
        str(path.relative_to(ROOT))
        for package in ("bot", "conversations", "agents", "integrations")
        for path in (ROOT / package).rglob("*.py")
        if _builds_environment(path)
    )
    assert builders == ["integrations/templating.py"]


def test_the_factory_escapes_per_channel() -> None:
    from integrations.templating import template_environment

    html = template_environment(None, escape="html").from_string("{{ v }}")
    mrkdwn = template_environment(None, escape="mrkdwn").from_string("{{ v }}")
    plain = template_environment(None, escape="none").from_string("{{ v }}")
    assert html.render(v="<b>") == "&lt;b&gt;"
    assert mrkdwn.render(v="<b>") == "&lt;b&gt;"  # Slack's escaping: & < > only
    assert plain.render(v="<b>") == "<b>"
