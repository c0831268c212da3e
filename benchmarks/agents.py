"""Offline analysis cost: the code review (bandit + ruff + detect-secrets) per KB of code.

The material is this repository's own Python (whole modules of agents/, real code, not
generated), pasted as one fenced block of about 1, 10 and 50 KB, with a SQL concatenation
and an `eval` appended so every run has findings. Each size is reviewed REPEAT times; the
median is reported, as
ms per KB and in total (a fixed part is starting ruff and bandit's plugin load).

    .venv/bin/python -m benchmarks.agents

Prints one JSON line.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

from agents.analysis.code_review import review_text

ROOT = Path(__file__).resolve().parents[1]
SIZES_KB = (1, 10, 50)
REPEAT = 5
VULNERABLE = (
    "\n\ndef lookup(cur, user_id):\n"
    '    cur.execute("SELECT * FROM users WHERE id = " + user_id)\n'
    "    return eval(user_id)\n"
)


def _code(kb: int) -> str:
    """Whole modules of our own code (so it parses), smallest first, until about `kb` KB."""
    paths = sorted(
        (
            p
            for p in (ROOT / "agents").rglob("*.py")
            if p.stat().st_size > 300 and "```" not in p.read_text(encoding="utf-8")
        ),
        key=lambda p: p.stat().st_size,
    )
    out: list[str] = []
    size = 0
    for path in paths:
        text = path.read_text(encoding="utf-8").replace("from __future__ import annotations\n", "")
        if size and size + len(text.encode()) > kb * 1000 * 1.2:
            continue
        out.append(text)
        size += len(text.encode())
        if size >= kb * 1000:
            break
    return "\n".join(out) + VULNERABLE


def main() -> None:
    review_text("```python\nx = 1\n```", "en")  # imports and plugin discovery, not timed
    results = {}
    for kb in SIZES_KB:
        code = _code(kb)
        request = f"Please review:\n```python\n{code}\n```"
        times = []
        findings = 0
        for _ in range(REPEAT):
            started = time.perf_counter()
            result = review_text(request, "en")
            times.append(time.perf_counter() - started)
            findings = len(result["findings"])
            assert not result["unparsable"], "the material must parse"
        median = statistics.median(times)
        actual_kb = len(code.encode()) / 1000
        results[f"{kb}kb"] = {
            "kb": round(actual_kb, 1),
            "lines": code.count("\n"),
            "median_ms": round(median * 1000, 1),
            "ms_per_kb": round(median * 1000 / actual_kb, 2),
            "findings": findings,
        }
    print(json.dumps({"benchmark": "agents_offline_review", "repeat": REPEAT, **results}))


if __name__ == "__main__":
    main()
