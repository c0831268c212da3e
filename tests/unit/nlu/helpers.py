"""Helpers shared by the intent-layer tests."""

from __future__ import annotations

from pathlib import Path

from integrations.settings import Settings
from tests.fakes.openai_server import FakeOpenAI


def llm_settings(tmp_path: Path, server: FakeOpenAI, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "data_dir": str(tmp_path / "data"),
        "openai_base_url": server.base_url,
        "llm_timeout_seconds": 2.0,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]
