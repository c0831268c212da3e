"""Multiprocess metrics mode: on for the worker and `serve --workers N`, with a clean dir."""

from __future__ import annotations

from pathlib import Path

import pytest


def test_multiprocess_metrics_only_where_several_processes_share_a_port(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from integrations.observability.multiproc import ENV, prepare_for_command

    monkeypatch.delenv(ENV, raising=False)
    assert prepare_for_command(["serve", "--port", "8000"]) is None
    assert prepare_for_command(["chat"]) is None
    monkeypatch.setenv(ENV, str(tmp_path))
    (tmp_path / "counter_123.db").write_bytes(b"stale")
    assert prepare_for_command(["serve", "--workers", "2"]) == str(tmp_path)
    assert not list(tmp_path.glob("*.db"))  # a previous life's samples are not summed in
    assert prepare_for_command(["worker", "--concurrency=2"]) == str(tmp_path)
