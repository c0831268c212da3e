"""Fixtures for the intent-layer tests.

`nlu_classifier` trains the catalog model once per test session (a few seconds); tests
that need a cascade build one around it with their own settings.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog

from conversations.nlu.classifier import IntentClassifier
from conversations.nlu.training import train_from_catalog
from integrations.settings import Settings
from tests.fakes.openai_server import FakeOpenAI


@pytest.fixture(autouse=True)
def _fresh_logging() -> None:
    """Start from structlog's defaults: a test elsewhere may have configured it onto a
    captured stream that is closed by now (bot.asgi configures logging at import)."""
    structlog.reset_defaults()


@pytest.fixture(scope="session")
def nlu_classifier() -> IntentClassifier:
    structlog.reset_defaults()
    return train_from_catalog()


@pytest.fixture
def nlu_settings(tmp_path: Path) -> Settings:
    """Embedded settings: no LLM configured."""
    return Settings(data_dir=str(tmp_path / "data"), _env_file=None)


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server
