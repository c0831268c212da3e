"""ASGI entry point for uvicorn (`bot.asgi:app`)."""

from bot.app import create_app
from integrations.observability.errors import configure_sentry
from integrations.observability.logging import configure_logging
from integrations.observability.tracing import configure_tracing
from integrations.settings import get_settings, require_deployment_keys

_settings = get_settings()
require_deployment_keys(_settings)  # also when uvicorn loads the app without `bmad serve`
# Lines logged on the event loop are written once per turn of the loop: the access line of
# every request was the largest cost left on the Slack ack path (see log_writer).
configure_logging(_settings.log_level, _settings.log_json, loop_batched=True)
configure_tracing("bmad-web")  # per process: each `serve --workers N` child imports this
configure_sentry(_settings, "web")
app = create_app(_settings)
