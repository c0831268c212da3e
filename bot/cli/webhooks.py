"""`bmad webhooks`: inbound sources (secrets, tokens, channels, event actions), outbound
endpoints, test deliveries, the delivery log and a manual outbox drain."""

from __future__ import annotations

from datetime import UTC, datetime

import typer

from bot.cli.context import cli_settings, fail, operator, print_json, require_tenant
from bot.webhooks.config import MIN_SECRET_LENGTH, SOURCES, configure_source, list_sources
from bot.webhooks.starts import UnknownAction, workflow_for
from integrations.db.session import tenant_session
from integrations.webhooks_out.crypto import new_secret
from integrations.webhooks_out.endpoints import (
    EndpointError,
    add_endpoint,
    delivery_log,
    get_endpoint,
    list_endpoints,
    replay,
    set_enabled,
)
from integrations.webhooks_out.events import WEBHOOK_EVENTS
from integrations.webhooks_out.probe import EndpointNotFound, send_test_event
from integrations.webhooks_out.worker import drain

webhooks_app = typer.Typer(help="Configure inbound webhooks and outbound endpoints.")
TENANT = typer.Option(..., "--tenant", help="tenant id")


def _actions(pairs: list[str]) -> dict[str, str]:
    actions: dict[str, str] = {}
    for pair in pairs:
        event, sep, action = pair.partition("=")
        if not sep or not event:
            raise fail(f"--on expects EVENT=ACTION (empty ACTION disables), got {pair!r}", 2)
        if action:
            try:
                workflow_for(action, {})
            except UnknownAction as err:
                raise fail(f"{action!r} is not an intent that starts work", 2) from err
        actions[event] = action
    return actions


@webhooks_app.command("configure")
def configure(
    source_arg: str = typer.Argument(None, metavar="[SOURCE]", help="same as --source"),
    tenant: str = TENANT,
    source: str = typer.Option(None, help="generic, alertmanager or github"),
    secret: str = typer.Option(None, help="HMAC secret (generic, github)"),
    generate_secret: bool = typer.Option(False, help="generate an HMAC secret, print it once"),
    generate_token: bool = typer.Option(
        False, help="generate the bearer token (alertmanager), print it once"
    ),
    channel: str = typer.Option(None, help="Slack channel id to post in ('' to clear)"),
    on: list[str] = typer.Option(
        [], "--on", help="EVENT=ACTION, e.g. pull_request=security_review (github)"
    ),
    enabled: bool = typer.Option(None, "--enable/--disable", help="turn the source on or off"),
    api_token: str = typer.Option(
        None, help="github: API token to fetch PR files and compares (stored encrypted)"
    ),
    post_reviews: bool = typer.Option(
        None, "--post-reviews/--no-post-reviews", help="github: post reviews as a PR comment"
    ),
) -> None:
    """Create or update a tenant's inbound webhook source."""
    settings = cli_settings()
    source = source or source_arg
    if source not in SOURCES:
        raise fail(f"source must be one of: {', '.join(SOURCES)}", 2)
    require_tenant(settings, tenant)
    if generate_secret and source == "alertmanager":
        raise fail("alertmanager authenticates with a bearer token: use --generate-token", 2)
    if generate_token and source != "alertmanager":
        raise fail("only alertmanager uses a bearer token: use --generate-secret", 2)
    if secret is not None and len(secret) < MIN_SECRET_LENGTH:
        raise fail(f"--secret must be at least {MIN_SECRET_LENGTH} characters", 2)
    if (api_token is not None or post_reviews is not None) and source != "github":
        raise fail("--api-token and --post-reviews are for the github source", 2)
    new_hmac = new_secret("whsec_") if generate_secret else secret
    token = new_secret("amtok_") if generate_token else None
    with tenant_session(settings.database_url, tenant) as session:
        configure_source(
            session,
            settings,
            tenant,
            source,  # type: ignore[arg-type]
            secret=new_hmac,
            token=token,
            channel=channel,
            event_actions=_actions(on),
            enabled=enabled,
            api_token=api_token,
            post_reviews=post_reviews,
            actor=operator(),
        )
    if generate_secret:
        typer.echo(f"secret: {new_hmac}")
    if token:
        typer.echo(f"token: {token}")
    path = f"/webhooks/{source}/{tenant}"
    typer.secho(f"{source} webhook for {tenant} at {settings.public_url}{path}", err=True)


@webhooks_app.command("show")
def show(tenant: str = TENANT) -> None:
    """The tenant's inbound sources (never their secrets)."""
    settings = cli_settings()
    require_tenant(settings, tenant)
    with tenant_session(settings.database_url, tenant) as session:
        rows = [
            {
                "source": s.source,
                "enabled": s.enabled,
                "secret": s.secret_encrypted is not None,
                "token": s.token_hash is not None,
                "channel": s.channel,
                "on": s.event_actions,
                "api_token": s.api_token_encrypted is not None,
                "post_reviews": s.post_reviews,
            }
            for s in list_sources(session)
        ]
    print_json(rows)


@webhooks_app.command("endpoint-add")
def endpoint_add(
    tenant: str = TENANT,
    url: str = typer.Option(..., help="receiver URL (http or https)"),
    event: list[str] = typer.Option(
        ..., "--event", help=f"subscribe to (repeat): {', '.join(WEBHOOK_EVENTS)}"
    ),
    description: str = typer.Option("", help="what this endpoint is"),
) -> None:
    """Register an outbound endpoint; prints its signing secret once."""
    settings = cli_settings()
    require_tenant(settings, tenant)
    try:
        with tenant_session(settings.database_url, tenant) as session:
            endpoint, secret = add_endpoint(
                session, settings, tenant, url, event, description, actor=operator()
            )
            endpoint_id = endpoint.id
    except EndpointError as err:
        raise fail(str(err), 2) from err
    typer.echo(f"endpoint: {endpoint_id}")
    typer.echo(f"secret: {secret}")


@webhooks_app.command("endpoints")
def endpoints(tenant: str = TENANT) -> None:
    """List outbound endpoints with their state and failure streak."""
    settings = cli_settings()
    require_tenant(settings, tenant)
    with tenant_session(settings.database_url, tenant) as session:
        rows = [
            {
                "id": e.id,
                "url": e.url,
                "events": e.events,
                "enabled": e.enabled,
                "consecutive_failures": e.consecutive_failures,
                "failing_since": e.failing_since,
                "disabled_at": e.disabled_at,
            }
            for e in list_endpoints(session)
        ]
    print_json(rows)


@webhooks_app.command("endpoint-enable")
def endpoint_enable(
    endpoint_id: int = typer.Argument(..., help="endpoint id"),
    tenant: str = TENANT,
    enable: bool = typer.Option(True, "--on/--off", help="enable (default) or disable"),
) -> None:
    """Re-enable an endpoint (its held deliveries go out now) or disable it (they wait)."""
    settings = cli_settings()
    with tenant_session(settings.database_url, tenant) as session:
        endpoint = get_endpoint(session, endpoint_id)
        if endpoint is None:
            raise fail(f"no endpoint {endpoint_id} in tenant {tenant}", 1)
        rearmed = set_enabled(session, endpoint, enable, actor=operator())
    state = f"enabled, {rearmed} pending deliveries queued" if enable else "disabled"
    typer.echo(f"endpoint {endpoint_id} {state}")


@webhooks_app.command("replay")
def replay_cmd(
    since: datetime = typer.Option(..., help="events created at or after (ISO date/time, UTC)"),
    tenant: str = TENANT,
    until: datetime | None = typer.Option(None, help="and before (ISO date/time, UTC)"),
    endpoint: int | None = typer.Option(None, help="only this endpoint (default: all)"),
) -> None:
    """Send the tenant's events since a time again (same webhook-id: receivers dedupe)."""
    settings = cli_settings()
    require_tenant(settings, tenant)
    start = since if since.tzinfo else since.replace(tzinfo=UTC)
    end = until if until is None or until.tzinfo else until.replace(tzinfo=UTC)
    with tenant_session(settings.database_url, tenant) as session:
        if endpoint is not None and get_endpoint(session, endpoint) is None:
            raise fail(f"no endpoint {endpoint} in tenant {tenant}", 1)
        queued = replay(
            session, tenant, since=start, until=end, endpoint_id=endpoint, actor=operator()
        )
    typer.echo(f"{queued} deliveries queued")


@webhooks_app.command("test")
def test(endpoint_id: int = typer.Argument(..., help="endpoint id"), tenant: str = TENANT) -> None:
    """Send a signed test event to an endpoint now and print the receiver's answer."""
    settings = cli_settings()
    try:
        attempt = send_test_event(settings, tenant, endpoint_id)
    except EndpointNotFound as err:
        raise fail(f"no endpoint {endpoint_id} in tenant {tenant}", 1) from err
    if attempt is None:
        raise fail("the test event was not sent", 1)
    print_json(
        {
            "ok": attempt.ok,
            "status_code": attempt.status_code,
            "error": attempt.error,
            "duration_ms": attempt.duration_ms,
        }
    )
    if not attempt.ok:
        raise typer.Exit(1)


@webhooks_app.command("deliveries")
def deliveries(
    tenant: str = TENANT,
    limit: int = typer.Option(20, min=1, max=500, help="how many attempts, newest first"),
) -> None:
    """The delivery log: one line per HTTP attempt."""
    settings = cli_settings()
    with tenant_session(settings.database_url, tenant) as session:
        lines = delivery_log(session, limit)
    out = [
        {
            "at": line.at,
            "endpoint": line.endpoint_id,
            "event": line.event_type,
            "delivery": line.delivery_id,
            "attempt": line.attempt,
            "status_code": line.status_code,
            "ok": line.ok,
            "error": line.error,
            "delivery_status": line.delivery_status,
        }
        for line in lines
    ]
    print_json(out)


@webhooks_app.command("drain")
def drain_cmd() -> None:
    """One pass of the outbox worker: fan out pending events, deliver what is due."""
    settings = cli_settings()
    report = drain(settings, datetime.now(UTC))
    d = report.deliveries
    print_json(
        {
            "dispatched": report.dispatched,
            "delivered": d.delivered,
            "retrying": d.retrying,
            "failed": d.failed,
        }
    )
