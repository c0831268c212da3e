"""One structured log stream (issue 16, point 2): library lines are JSON, secrets are
redacted at any depth, every line of a request carries its request_id, one access line."""

from __future__ import annotations

import json
import logging

import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from integrations.observability.logging import configure_logging, get_logger, redact
from integrations.settings import Settings


def _lines(err: str) -> list[dict]:
    return [json.loads(line) for line in err.splitlines() if line.strip()]


def test_library_lines_are_json(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", json=True)
    logging.getLogger("uvicorn.error").info("Started server process [%d]", 7)
    logging.getLogger("celery.worker.strategy").info("Task %s received", "bmad.run_step[1]")
    logging.getLogger("alembic.runtime.migration").info("Running upgrade")
    logging.getLogger("sqlalchemy.engine").warning("oops")
    lines = _lines(capsys.readouterr().err)
    assert [(x["logger"], x["level"]) for x in lines] == [
        ("uvicorn.error", "info"),
        ("celery.worker.strategy", "info"),
        ("alembic.runtime.migration", "info"),
        ("sqlalchemy.engine", "warning"),
    ]
    assert lines[0]["event"] == "Started server process [7]"


def test_secrets_are_redacted_at_any_depth(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", json=True)
    get_logger("t").info(
        "call",
        payload={"a": [{"b": {"client_secret": "s3cr3t", "ok": 1}}, "Bearer abcdefgh12345"]},
        url="postgresql://user:hunter2@db/bmad",
        note="token xoxb-1234567890-abcdef in text",
        tokens=1200,
    )
    logging.getLogger("lib").warning("params %s", {"api_key": "k-123456"})
    text = capsys.readouterr().err
    for secret in ("s3cr3t", "abcdefgh12345", "hunter2", "xoxb-1234567890", "k-123456"):
        assert secret not in text
    line = _lines(text)[0]
    assert line["payload"]["a"][0]["b"] == {"client_secret": "***", "ok": 1}
    assert line["tokens"] == 1200  # a count is not a secret


def test_redact_leaves_plain_data_alone() -> None:
    data = {"workflow": "feature_delivery", "steps": [1, 2], "nested": {"x": None}}
    assert redact(data) == data


def test_every_line_of_a_request_has_its_request_id(
    embedded_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("INFO", json=True)
    client = TestClient(create_app(embedded_settings))
    capsys.readouterr()
    response = client.get("/readyz", headers={"X-Request-ID": "req-abc.123"})
    assert response.headers["x-request-id"] == "req-abc.123"
    lines = _lines(capsys.readouterr().err)
    assert lines and all(line.get("request_id") == "req-abc.123" for line in lines), lines
    access = [line for line in lines if line["event"] == "http_request"]
    assert len(access) == 1
    assert {k: access[0][k] for k in ("method", "route", "status")} == {
        "method": "GET",
        "route": "/readyz",
        "status": response.status_code,
    }
    bad = client.get("/healthz", headers={"X-Request-ID": "no spaces allowed\\n"})
    assert bad.headers["x-request-id"] != "no spaces allowed\\n"  # ours, not the caller's
