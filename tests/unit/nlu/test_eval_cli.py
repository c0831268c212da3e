"""`bmad nlu eval`: figures, the final JSON line, and clear errors for bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import structlog
from typer.testing import CliRunner

from bot.cli.main import app
from conversations.nlu.classifier import IntentClassifier
from conversations.nlu.evaluate import EvalRow, load_jsonl, score
from conversations.nlu.training import model_path, save
from integrations.settings import Settings
from tests.fakes.openai_server import FakeOpenAI, FakeReply, structured_reply

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from integrations.settings import get_settings

    monkeypatch.setenv("BMAD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.setenv("BMAD_LOG_JSON", "false")
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()
    # The CLI configured logging onto CliRunner's stream, which is closed now.
    structlog.reset_defaults()


def write_jsonl(path: Path, rows: list[dict[str, str]]) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


def last_json(output: str) -> dict[str, object]:
    return json.loads(output.strip().splitlines()[-1])


def test_eval_data_reports_the_figures(env: Path, nlu_classifier: IntentClassifier) -> None:
    # The session's trained model, cached where the CLI looks: no second training.
    save(nlu_classifier, model_path(Settings(_env_file=None, data_dir=str(env / "data"))))
    data = write_jsonl(
        env / "eval.jsonl",
        [
            {"text": "deploy checkout to staging", "intent": "deploy", "lang": "en"},
            {"text": "zet payments op productie", "intent": "deploy", "lang": "nl"},
            {"text": "goedemorgen", "intent": "greet", "lang": "nl"},
            {"text": "how tall is the tallest tree", "intent": "out_of_scope", "lang": "en"},
            # A deliberately wrong label, so a perfect score would be suspicious.
            {"text": "plan the next sprint", "intent": "forget_me", "lang": "en"},
        ],
    )
    result = runner.invoke(app, ["nlu", "eval", "--data", str(data), "--json"])
    assert result.exit_code == 0, result.output
    report = last_json(result.output)
    for key in ("n", "in_scope_accuracy", "oos_recall", "oos_precision", "accuracy_by_lang"):
        assert key in report
    for key in ("p50_ms", "p99_ms", "train_seconds"):
        assert isinstance(report[key], float | int)
    assert report["n"] == 5
    assert report["in_scope_accuracy"] == 0.75  # 3 of 4 in-scope
    assert report["oos_recall"] == 1.0
    assert report["accuracy_by_lang"] == {"en": pytest.approx(2 / 3, abs=1e-3), "nl": 1.0}
    assert report["top_confusions"] == [
        {"expected": "forget_me", "predicted": "plan_sprint", "count": 1}
    ]
    assert report["llm"] is False and report["model_cached"] is True


def test_eval_clinc_format(env: Path) -> None:
    def split(prefix: str, n: int) -> list[list[str]]:
        pairs = [[f"{prefix} what is my account balance {i}", "balance"] for i in range(n)] + [
            [f"{prefix} please book a flight to city {i}", "book_flight"] for i in range(n)
        ]
        return pairs

    data = {
        "train": split("", 12),
        "oos_train": [[f"tell me a joke number {i}", "oos"] for i in range(12)],
        "val": split("hey", 4),
        "oos_val": [[f"sing a song {i}", "oos"] for i in range(4)],
        "test": split("hi", 4),
        "oos_test": [[f"what is the weather {i}", "oos"] for i in range(4)],
    }
    path = env / "clinc.json"
    path.write_text(json.dumps(data))
    result = runner.invoke(app, ["nlu", "eval", "--clinc150", str(path), "--json"])
    assert result.exit_code == 0, result.output
    report = last_json(result.output)
    assert report["n"] == 12 and report["dataset"] == "clinc150"
    assert report["in_scope_accuracy"] == 1.0
    assert 0.0 <= report["threshold"] <= 1.0 and len(report["curve"]) > 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nlu", "eval"], "exactly one"),
        (["nlu", "eval", "--data", "missing.jsonl"], "missing.jsonl"),
        (["nlu", "eval", "--data", "bad.jsonl"], "bad.jsonl:2"),
        (["nlu", "eval", "--clinc150", "bad.jsonl"], "CLINC150"),
        (["nlu", "eval", "--data", "bad.jsonl", "--llm"], "bad.jsonl:2"),
        (["nlu", "eval", "--data", "bad.jsonl", "--encoder", "bert"], "minilm or none"),
    ],
)
def test_bad_input_is_reported_without_traceback(
    env: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    monkeypatch.chdir(env)
    (env / "bad.jsonl").write_text('{"text": "hi", "intent": "greet"}\nnot json\n')
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_llm_flag_needs_an_llm(env: Path) -> None:
    data = write_jsonl(env / "e.jsonl", [{"text": "hi", "intent": "greet", "lang": "en"}])
    result = runner.invoke(app, ["nlu", "eval", "--data", str(data), "--llm"])
    assert result.exit_code == 2 and "OPENAI" in result.output


def test_score_handles_missing_classes() -> None:
    rows = [EvalRow(text="a", intent="greet", lang="en")]
    report = score(rows, ["greet"])
    assert report["oos_recall"] is None and report["oos_precision"] is None
    assert report["in_scope_accuracy"] == 1.0


def test_eval_with_llm_uses_the_router(
    env: Path, monkeypatch: pytest.MonkeyPatch, nlu_classifier: IntentClassifier
) -> None:
    save(nlu_classifier, model_path(Settings(_env_file=None, data_dir=str(env / "data"))))
    answers = {"hi there": "greet", "ship it to the moon": "out_of_scope"}

    def responder(request: dict[str, Any]) -> FakeReply:
        text = request["messages"][-1]["content"]
        return structured_reply("RouteIntent", {"intent": answers[text], "confidence": 0.9})

    data = write_jsonl(
        env / "e.jsonl",
        [
            {"text": "hi there", "intent": "greet", "lang": "en"},
            {"text": "ship it to the moon", "intent": "deploy", "lang": "en"},
        ],
    )
    with FakeOpenAI() as server:
        server.responder = responder
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("BMAD_NLU_LLM_THRESHOLD", "1.0")  # every message goes to the LLM
        result = runner.invoke(app, ["nlu", "eval", "--data", str(data), "--llm", "--json"])
    assert result.exit_code == 0, result.output
    report = last_json(result.output)
    assert server.calls == 2
    assert report["llm"] is True and report["llm_tokens"] > 0
    assert report["in_scope_accuracy"] == 0.5  # the router's (scripted) mistake counts


def test_train_and_parse(env: Path, nlu_classifier: IntentClassifier) -> None:
    path = model_path(Settings(_env_file=None, data_dir=str(env / "data")))
    save(nlu_classifier, path)
    result = runner.invoke(app, ["nlu", "train"])
    assert result.exit_code == 0 and str(path) in result.output
    result = runner.invoke(app, ["nlu", "parse", "zet checkout op productie"])
    assert result.exit_code == 0, result.output
    parsed = last_json(result.output)
    assert parsed["intent"] == "deploy"
    assert parsed["slots"] == {"service": "checkout", "environment": "production"}


def test_score_reports_in_scope_accuracy_by_length() -> None:
    rows = [
        EvalRow(text="deploy checkout", intent="deploy"),
        EvalRow(text="x" * 200, intent="deploy"),
        EvalRow(text="y" * 400, intent="deploy"),
        EvalRow(text="z" * 500, intent="review_code"),
        EvalRow(text="w" * 301, intent="out_of_scope"),
    ]
    report = score(rows, ["deploy", "review_code", "deploy", "deploy", "out_of_scope"])
    by_length = report["by_length"]
    assert set(by_length) == {"<=80", "81-300", ">300"}
    assert by_length["<=80"]["in_scope_accuracy"] == 1.0
    assert by_length["81-300"]["in_scope_accuracy"] == 0.0
    assert by_length[">300"] == {
        "n": 3,
        "n_in_scope": 2,
        "in_scope_accuracy": 0.5,
        "oos_recall": 1.0,
    }


def test_the_realistic_dev_set_is_in_the_repository() -> None:
    """Point 7's development set: >= 150 Slack-style messages, EN and NL, long ones,
    near-miss out-of-scope ones; split into a tuning half and a held-out half."""
    folder = Path(__file__).resolve().parents[3] / "benchmarks" / "data" / "realistic"
    tune, held = load_jsonl(folder / "tune.jsonl"), load_jsonl(folder / "heldout.jsonl")
    rows = tune + held
    assert len(rows) >= 150
    assert {r.lang for r in rows} == {"en", "nl"}
    assert 3 * sum(len(r.text) > 300 for r in rows) >= len(rows)
    assert sum(r.intent == "out_of_scope" for r in rows) >= 30
    assert not {r.text for r in tune} & {r.text for r in held}
