"""The offline code review and security review: tools on the user's code, then layout data.

Python gets bandit + ruff + detect-secrets; other languages get the secret scan and an
honest note that no linter for them ran. The template says which tools ran on how many
lines, so "no findings" means "these tools found nothing", never "nothing was read".
"""

from __future__ import annotations

from typing import Any

from agents.analysis import python_checks, secrets
from agents.analysis.findings import Finding, ordered
from agents.analysis.material import CodeFile, from_text
from agents.analysis.words import load
from integrations.observability.logging import get_logger

log = get_logger(__name__)

MAX_FINDINGS = 40


def review(files: list[CodeFile], lang: str) -> dict[str, Any]:
    python = [f for f in files if f.language == "python"]
    others = [f for f in files if f.language != "python"]
    found: list[Finding] = []
    ran: list[str] = []
    failed: list[str] = []
    if python:
        try:
            found += python_checks.check_python(python)
            ran += [f"{tool} {version}" for tool, version in python_checks.versions().items()]
        except Exception as err:  # a tool crashing on odd input: say so, review the rest
            log.warning("analysis_tool_failed", tool="bandit/ruff", error=type(err).__name__)
            failed += ["bandit", "ruff"]
    if files:
        try:
            found += secrets.scan(files)
            ran.append(f"detect-secrets {secrets.version()}")
        except Exception as err:
            log.warning("analysis_tool_failed", tool="detect-secrets", error=type(err).__name__)
            failed.append("detect-secrets")
    hints = load("hints", lang)
    categories = hints.get("categories", {})
    findings = []
    for finding in ordered(_dedupe(found))[:MAX_FINDINGS]:
        known = categories.get(finding.category, {})
        findings.append(
            {
                **finding.as_dict(),
                "name": known.get("name", ""),
                "hint": known.get("hint") or finding.hint or hints.get("default_hint", ""),
            }
        )
    names = list(dict.fromkeys(f["name"] for f in findings if f["name"]))
    return {
        "files": [
            {"name": f.name, "language": f.language, "lines": f.text.count("\n")} for f in files
        ],
        "lines": sum(f.text.count("\n") for f in files),
        "ran": ran,
        "findings": findings,
        "categories": names,
        "counts": {
            s: sum(1 for f in findings if f["severity"] == s) for s in ("high", "medium", "low")
        },
        "other_languages": sorted({f.language for f in others}),
        "unparsable": python_checks.unparsable(python),
        "truncated": len(found) > MAX_FINDINGS,
        "failed": failed,
    }


def review_text(text: str, lang: str, extra: list[CodeFile] | None = None) -> dict[str, Any]:
    return review([*from_text(text), *(extra or [])], lang)


def _dedupe(found: list[Finding]) -> list[Finding]:
    """bandit and ruff may both report one line for one cause; keep one per (line, category)."""
    seen: set[tuple[str, int, str]] = set()
    out = []
    for finding in found:
        key = (finding.file, finding.line, finding.category or finding.code)
        if key in seen:
            continue
        seen.add(key)
        out.append(finding)
    return out
