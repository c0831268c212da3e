"""One finding of an offline check, in the shape every review template lays out."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}


@dataclass(frozen=True)
class Finding:
    file: str
    line: int
    severity: str  # high | medium | low
    tool: str  # bandit | ruff | detect-secrets
    code: str  # B608, F821, "AWS Access Key", ...
    category: str  # a key of prompts/analysis/hints.<lang>.yaml categories, or ""
    message: str  # the tool's own words (English, quoted as the tool said it)
    hint: str = ""

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}"

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "location": self.location}


def ordered(findings: list[Finding]) -> list[Finding]:
    return sorted(
        findings, key=lambda f: (SEVERITY_ORDER.get(f.severity, 3), f.file, f.line, f.code)
    )
