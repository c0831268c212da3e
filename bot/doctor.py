"""`bmad doctor`: effective configuration with secrets masked, and a check of each service."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

from pydantic import SecretStr

from bot.health import service_checks
from integrations.settings import Settings, missing_deployment_keys


def mask_url(url: str | None) -> str | None:
    """Hide the password in a URL (postgresql://user:pw@host -> postgresql://user:***@host)."""
    if not url:
        return url
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


def effective_configuration(settings: Settings) -> dict[str, str]:
    shown: dict[str, str] = {}
    for name, value in settings.model_dump().items():
        if isinstance(getattr(settings, name), SecretStr):
            shown[name] = "***" if value is not None else "(not set)"
        elif name.endswith("_url"):
            shown[name] = mask_url(value) or "(not set)"
        else:
            shown[name] = "(not set)" if value is None else str(value)
    return shown


def feature_notes(settings: Settings) -> list[str]:
    notes = []
    if settings.slack_signing_secret is None:
        notes.append("slack: SLACK_SIGNING_SECRET not set - Slack routes are not mounted")
    if not settings.llm_configured:
        notes.append("llm: no OPENAI_API_KEY/OPENAI_BASE_URL - agents write offline drafts")
    if settings.redis_url is None:
        notes.append("redis: BMAD_REDIS_URL not set - embedded in-process store (one process)")
    return notes


def run_doctor(settings: Settings, echo: Callable[[str], None]) -> int:
    echo("configuration:")
    for name, value in effective_configuration(settings).items():
        echo(f"  {name} = {value}")
    echo("services:")
    failed = 0
    for check in service_checks(settings):
        state = "reachable" if check.ok else "UNREACHABLE"
        echo(f"  {check.name}: {state} ({check.detail})")
        failed += not check.ok
    missing = missing_deployment_keys(settings)
    for name in missing:
        echo(f"  keys: {name} NOT SET - serve, worker and beat refuse to start without it")
    if not missing:
        echo("  keys: ok" if settings.shared_deployment else "  keys: ok (embedded key files)")
    failed += len(missing)
    for line in people_report(settings):
        echo(line)
    for note in feature_notes(settings):
        echo(f"note: {note}")
    return 1 if failed else 0


def people_report(settings: Settings) -> list[str]:
    """How many users no email can reach (approval, quota and digest emails skip them)."""
    from integrations.db.session import admin_session
    from integrations.email.addresses import count_without_email

    try:
        with admin_session(settings.database_url) as session:
            count = count_without_email(session)
    except Exception:  # unmigrated or unreachable: the services check above said so
        return []
    hint = " (bmad users set-email USER ADDRESS --tenant T)" if count else ""
    return [f"  users without an email address: {count}{hint}"]
