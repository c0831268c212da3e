"""Once the intent model is loaded, what start-up built is frozen out of the garbage
collector's walks (issue 13: full collections over it cost the Slack ack path ~40 us a
request) - once per process. In a process of its own: the test process's heap is not ours
to freeze."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.e2e.slack_support import ROOT, clean_env

SCRIPT = """
import gc, json, sys
from bot.warmup import warm_intent_model
from integrations.settings import Settings

settings = Settings(
    _env_file=None,
    database_url="sqlite:///" + sys.argv[1] + "/bmad.db",
    redis_url=None,
    data_dir=sys.argv[1],
    model_dir=sys.argv[1] + "/models",
)
before = gc.get_freeze_count()
first = warm_intent_model(settings)
frozen = gc.get_freeze_count()
garbage = [[] for _ in range(1000)]  # new objects after start-up: not frozen later
second = warm_intent_model(settings)
print(json.dumps([before, first, frozen, second, gc.get_freeze_count()]))
"""


def test_the_start_up_heap_is_frozen_once_when_the_model_is_loaded(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path)],
        cwd=ROOT,
        env={**clean_env(), "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    before, first, frozen, second, after = json.loads(done.stdout.strip().splitlines()[-1])
    assert before == 0
    assert first and second
    assert frozen > 50_000  # the modules, the app's imports and the model
    assert after == frozen  # a second warm-up (a later /readyz) freezes nothing more
