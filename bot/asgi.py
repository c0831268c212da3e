"""ASGI entry point for uvicorn (`bot.asgi:app`)."""

from bot.app import create_app
from integrations.observability.logging import configure_logging
from integrations.settings import get_settings

_settings = get_settings()
configure_logging(_settings.log_level, _settings.log_json)
app = create_app(_settings)
