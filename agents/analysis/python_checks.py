"""bandit (security) and ruff (correctness) on Python code, as the user's files.

Why real tools: a reviewer trusts "B608 SQL injection at app.py:12" because a well-kept
analyser found it, not because a template said "check for injection". Both run on a temp
directory holding each piece of code under its own name; findings map back to the lines
the user sees, and for diffs only lines the change adds are reported.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import tempfile
import threading
from functools import lru_cache
from pathlib import Path

from agents.analysis.findings import Finding
from agents.analysis.material import CodeFile

RUFF_RULES = "F,E9,B,E722"
# bandit's plugin registry is process-global and not documented as thread-safe; steps run
# in worker threads, so one bandit run at a time (it takes milliseconds per KB).
_BANDIT_LOCK = threading.Lock()
RUFF_TIMEOUT_SECONDS = 30.0
# bandit's import-level notes (subprocess/pickle imported) repeat what the call findings say.
BANDIT_SKIP = {"B404", "B403", "B410", "B405", "B406", "B408"}
BANDIT_CATEGORY = {
    "B608": "sql_injection",
    "B307": "code_injection",
    "B102": "code_injection",
    "B602": "command_injection",
    "B605": "command_injection",
    "B604": "command_injection",
    "B609": "command_injection",
    "B603": "subprocess",
    "B607": "subprocess",
    "B105": "hardcoded_secret",
    "B106": "hardcoded_secret",
    "B107": "hardcoded_secret",
    "B301": "deserialization",
    "B302": "deserialization",
    "B506": "deserialization",
    "B501": "tls",
    "B502": "tls",
    "B503": "tls",
    "B324": "weak_crypto",
    "B303": "weak_crypto",
    "B311": "weak_random",
    "B104": "network",
    "B113": "timeout",
    "B201": "debug",
    "B101": "assert",
    "B110": "swallowed_error",
    "B112": "swallowed_error",
    "B310": "ssrf",
    "B108": "temp_file",
}
RUFF_CATEGORY = {"F821": "undefined_name", "E722": "swallowed_error", "B006": "mutable_default"}


@lru_cache(maxsize=1)
def versions() -> dict[str, str]:
    from importlib.metadata import version

    return {"bandit": version("bandit"), "ruff": version("ruff")}


def check_python(files: list[CodeFile]) -> list[Finding]:
    """Findings of bandit and ruff in `files` (all Python)."""
    if not files:
        return []
    with tempfile.TemporaryDirectory(prefix="bmad-review-") as tmp:
        paths = _write(Path(tmp), files)
        found = _bandit(paths) + _ruff(Path(tmp), paths)
    return [f for f in found if f is not None]


def unparsable(files: list[CodeFile]) -> list[str]:
    """Names of files Python cannot parse (the tools then see nothing in them)."""
    import ast

    bad = []
    for file in files:
        try:
            ast.parse(file.text)
        except (SyntaxError, ValueError):
            bad.append(file.name)
    return bad


def _write(tmp: Path, files: list[CodeFile]) -> dict[Path, CodeFile]:
    paths: dict[Path, CodeFile] = {}
    for index, file in enumerate(files):
        path = tmp / f"f{index}" / (Path(file.name).name or "code.py")
        if path.suffix != ".py":
            path = path.with_suffix(".py")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(file.text, encoding="utf-8")
        paths[path.resolve()] = file
    return paths


def _keep(file: CodeFile, line: int) -> int | None:
    shown = file.line_of(line)
    if file.added is not None and shown not in file.added:
        return None
    return shown


def _bandit(paths: dict[Path, CodeFile]) -> list[Finding]:
    from bandit.core import config, manager

    logging.getLogger("bandit").setLevel(logging.ERROR)  # its own chatter is not ours to log
    with _BANDIT_LOCK:
        bandit = manager.BanditManager(config.BanditConfig(), "file", quiet=True)
        bandit.discover_files([str(p) for p in paths])
        bandit.run_tests()
        issues = bandit.get_issue_list()
    out = []
    for issue in issues:
        if issue.test_id in BANDIT_SKIP:
            continue
        file = paths.get(Path(issue.fname).resolve())
        if file is None:
            continue
        line = _keep(file, int(issue.lineno))
        if line is None:
            continue
        out.append(
            Finding(
                file=file.name,
                line=line,
                severity=str(issue.severity).lower(),
                tool="bandit",
                code=issue.test_id,
                category=BANDIT_CATEGORY.get(issue.test_id, ""),
                message=issue.text,
            )
        )
    return out


_RUFF_BIN_LOCK = threading.Lock()


def _ruff_bin() -> str:
    """Found once, under a lock: `find_ruff_bin` reads `sysconfig`, whose first use is not
    thread-safe on Python 3.11 (concurrent first calls see EXE = None)."""
    with _RUFF_BIN_LOCK:
        return _find_ruff_bin()


@lru_cache(maxsize=1)
def _find_ruff_bin() -> str:
    try:
        from ruff.__main__ import find_ruff_bin

        return str(find_ruff_bin())
    except (ImportError, FileNotFoundError):
        return str(Path(sys.executable).with_name("ruff"))


def _ruff(tmp: Path, paths: dict[Path, CodeFile]) -> list[Finding]:
    command = [
        _ruff_bin(),
        "check",
        "--isolated",
        "--no-cache",
        "--exit-zero",
        "--output-format",
        "json",
        "--select",
        RUFF_RULES,
        str(tmp),
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=RUFF_TIMEOUT_SECONDS, check=False
    )
    try:
        items = json.loads(done.stdout or "[]")
    except json.JSONDecodeError:
        return []
    out = []
    for item in items:
        file = paths.get(Path(item.get("filename", "")).resolve())
        code = str(item.get("code") or "")
        if file is None or not code:
            continue
        line = _keep(file, int((item.get("location") or {}).get("row") or 0))
        if line is None:
            continue
        fix = (item.get("fix") or {}).get("message") or ""
        out.append(
            Finding(
                file=file.name,
                line=line,
                severity="medium" if code.startswith(("F821", "E9")) else "low",
                tool="ruff",
                code=code,
                category=RUFF_CATEGORY.get(code, ""),
                message=str(item.get("message") or ""),
                hint=fix,
            )
        )
    return out
