"""Secrets in pasted code or diffs (keys, tokens, private keys) with detect-secrets.

Why every language: a leaked key is a finding whatever the file's language, and the
scanner's plugins (AWS, GitHub, Slack, Stripe, private keys, high-entropy strings) are
language-agnostic. The secret itself is never copied into a finding.
"""

from __future__ import annotations

import tempfile
import threading
from functools import lru_cache
from pathlib import Path

from agents.analysis.findings import Finding
from agents.analysis.material import CodeFile

# detect-secrets keeps its plugin settings in a process-global object that
# `default_settings()` sets and clears: concurrent steps (worker threads) take turns.
_SETTINGS_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def version() -> str:
    from importlib.metadata import version as dist_version

    return dist_version("detect-secrets")


def scan(files: list[CodeFile]) -> list[Finding]:
    from detect_secrets import SecretsCollection
    from detect_secrets.settings import default_settings

    out: dict[tuple[str, int], Finding] = {}
    with tempfile.TemporaryDirectory(prefix="bmad-secrets-") as tmp:
        for index, file in enumerate(files):
            path = Path(tmp) / f"f{index}.txt"
            path.write_text(file.text, encoding="utf-8")
            found = SecretsCollection()
            with _SETTINGS_LOCK, default_settings():
                found.scan_file(str(path))
            for secrets in found.data.values():
                for secret in secrets:
                    line = file.line_of(int(secret.line_number or 0))
                    if file.added is not None and line not in file.added:
                        continue
                    out.setdefault(
                        (file.name, line),
                        Finding(
                            file=file.name,
                            line=line,
                            severity="high",
                            tool="detect-secrets",
                            code=str(secret.type),
                            category="secret",
                            message=str(secret.type),
                        ),
                    )
    return list(out.values())
