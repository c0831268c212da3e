"""The public dialogue suite (tests/dialogues/*.yaml) and the `bmad test dialogues` runner.

The suite runs through the real pipeline on an embedded installation; the runner itself is
checked to fail on a wrong expectation (exit 1, JSON report), so a green suite means
something.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog
from typer.testing import CliRunner

from bot.cli.main import app
from conversations.dialogue_suite import DialogueRunner, dialogue_files, load_dialogues
from integrations.settings import Settings, get_settings

SUITE = Path(__file__).resolve().parents[2] / "dialogues"


def test_the_public_suite_passes(embedded_settings: Settings) -> None:
    report = DialogueRunner(embedded_settings).run_paths([SUITE])
    failed = [d.model_dump() for d in report.dialogues if not d.passed]
    assert not failed, json.dumps(failed, indent=1)[:6000]


def test_the_suite_is_large_and_bilingual() -> None:
    names = [d.name for f in dialogue_files([SUITE]) for d in load_dialogues(f)]
    assert len(names) >= 80
    assert len(set(names)) == len(names), "dialogue names are unique"
    assert sum(n.startswith("en_") for n in names) >= 30
    assert sum(n.startswith("nl_") for n in names) >= 25


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("BMAD_DATABASE_URL", f"sqlite:///{tmp_path / 'unused.db'}")
    monkeypatch.setenv("BMAD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BMAD_LOG_JSON", "false")
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()
    structlog.reset_defaults()


WRONG = """
dialogues:
  - name: passes
    turns:
      - say: hello
        expect: {intent: greet}
  - name: fails
    turns:
      - say: "yes"
        expect: {intent: approve_run, kind: started}
"""


def test_cli_reports_failures_and_exits_non_zero(cli_env: Path) -> None:
    path = cli_env / "wrong.yaml"
    path.write_text(WRONG, encoding="utf-8")
    result = CliRunner().invoke(app, ["test", "dialogues", str(path), "--json"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.output.strip().splitlines()[-1])
    assert report["passed"] == 1 and report["failed"] == 1 and report["status"] == "failed"
    failure = next(d for d in report["dialogues"] if d["name"] == "fails")["failures"][0]
    assert failure["turn"] == 1 and any("intent" in p for p in failure["problems"])


def test_cli_passes_and_refuses_bad_paths(cli_env: Path) -> None:
    good = cli_env / "good.yaml"
    good.write_text(WRONG.split("  - name: fails")[0], encoding="utf-8")
    result = CliRunner().invoke(app, ["test", "dialogues", str(good)])
    assert result.exit_code == 0, result.output
    assert "1 passed, 0 failed" in result.output
    missing = CliRunner().invoke(app, ["test", "dialogues", str(cli_env / "nope.yaml")])
    assert missing.exit_code == 2
    broken = cli_env / "broken.yaml"
    broken.write_text("dialogues: [{name: x}]", encoding="utf-8")
    result = CliRunner().invoke(app, ["test", "dialogues", str(broken), "--json"])
    assert result.exit_code == 1
