"""Process commands: serve, worker, beat, migrate, doctor."""

from __future__ import annotations

import typer

from bot.cli.context import cli_settings, fail, process_settings
from bot.doctor import run_doctor
from integrations.db.migrate import upgrade
from integrations.settings import Settings

app = typer.Typer()


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="interface to bind"),
    port: int = typer.Option(8000, help="TCP port"),
    workers: int = typer.Option(1, help="uvicorn worker processes"),
) -> None:
    """Run the HTTP server: Slack endpoints, webhooks, REST API, /healthz, /readyz, /metrics."""
    import uvicorn

    settings = process_settings()
    if workers > 1 and settings.redis_url is None:
        # Conversation memory, event dedupe and locks would live in each process apart.
        raise fail(
            "bmad serve --workers > 1 needs BMAD_REDIS_URL: without it every worker process "
            "keeps its own conversation memory and event dedupe",
            2,
        )
    uvicorn.run(
        "bot.asgi:app",
        host=host,
        port=port,
        workers=workers,
        log_level=settings.log_level.lower(),
        log_config=None,  # uvicorn's lines go through our JSON root logger
        access_log=False,  # bot.access_log writes one line per request (with request_id)
        server_header=False,  # no software name or version in responses
    )


@app.command()
def worker(
    concurrency: int = typer.Option(2, help="worker processes"),
    queues: str | None = typer.Option(
        None,
        help="comma-separated queue names; default: BMAD_CELERY_QUEUE and BMAD_CELERY_TURN_QUEUE "
        "(give only the turn queue for dedicated chat workers)",
    ),
    metrics_port: int | None = typer.Option(
        None,
        help="Prometheus metrics of all pool processes (default BMAD_WORKER_METRICS_PORT; 0 = off)",
    ),
) -> None:
    """Run a Celery worker (needs BMAD_QUEUE=celery and BMAD_REDIS_URL)."""
    from agents import celery_signals
    from agents.queue import configure_celery
    from bot.warmup import warm_intent_model
    from integrations.observability.errors import configure_sentry

    settings = _needs_broker(process_settings(), "worker")
    celery = configure_celery(settings)
    celery_signals.connect()
    configure_sentry(settings, "worker")  # its transport restarts in each forked pool child
    _serve_worker_metrics(settings.worker_metrics_port if metrics_port is None else metrics_port)
    from bot.slack.wiring import slack_can_post, wire_worker
    from bot.webhooks.results import register_webhook_notifier

    wire_worker(settings)  # Slack turn task + Slack notifier in this worker
    if slack_can_post(settings):  # webhook-started runs report to their Slack channel
        register_webhook_notifier(settings)
    # Load the intent model before the pool forks: every child has it from the start, and
    # Celery says "ready" only after this returned.
    if not warm_intent_model(settings):
        raise fail("the intent model could not be loaded; see the log above", 1)
    names = queues or ",".join(settings.worker_queues)
    celery.worker_main(  # --quiet: no banner (plain text on stdout); logs are JSON
        [
            "--quiet",
            "worker",
            f"--concurrency={concurrency}",
            f"--queues={names}",
            f"--loglevel={settings.log_level.upper()}",
        ]
    )


def _serve_worker_metrics(port: int) -> None:
    """Started before the pool forks; a busy port is reported, never fatal for the worker."""
    if port <= 0:
        return
    from integrations.observability.logging import get_logger
    from integrations.observability.multiproc import serve_metrics

    try:
        serve_metrics(port)
    except OSError as err:
        get_logger(__name__).warning("worker_metrics_port_unavailable", port=port, error=str(err))
    else:
        get_logger(__name__).info("worker_metrics_serving", port=port)


@app.command()
def beat() -> None:
    """Run Celery beat: approval timeouts, sweeps, digests, retention purge."""
    from agents import celery_signals
    from agents.beat_leader import LeaderScheduler
    from agents.queue import configure_celery
    from integrations.observability.errors import configure_sentry
    from integrations.observability.tracing import configure_tracing

    settings = _needs_broker(process_settings(), "beat")
    celery_signals.connect()
    configure_tracing("bmad-beat")
    configure_sentry(settings, "beat")
    # Leader election in Redis: a second beat idles until the first one's lease lapses.
    configure_celery(settings).Beat(
        loglevel=settings.log_level.upper(), quiet=True, scheduler=LeaderScheduler
    ).run()


def _needs_broker(settings: Settings, command: str) -> Settings:
    """worker and beat talk to the broker: refuse to start without one, naming the setting."""
    if settings.redis_url is None:
        raise fail(
            f"bmad {command} needs BMAD_REDIS_URL (the Celery broker) and BMAD_QUEUE=celery", 2
        )
    if settings.queue != "celery":
        raise fail(
            f"bmad {command} needs BMAD_QUEUE=celery (BMAD_QUEUE is 'eager': tasks run in-process)",
            2,
        )
    return settings


@app.command("worker-ping")
def worker_ping(
    node: str = typer.Option("", help="worker node name; default celery@<this host>"),
    timeout: float = typer.Option(5.0, help="seconds to wait for the answer"),
) -> None:
    """Health check of a worker (compose / Kubernetes): exit 0 when it answers a ping."""
    import socket

    from agents.queue import configure_celery

    settings = process_settings()
    if settings.queue != "celery":
        raise typer.Exit(2)
    destination = node or f"celery@{socket.gethostname()}"
    replies = configure_celery(settings).control.ping([destination], timeout=timeout)
    if not any(destination in reply for reply in replies or []):
        typer.secho(f"{destination}: no answer", err=True)
        raise typer.Exit(1)
    typer.echo(f"{destination}: ok")


@app.command()
def migrate() -> None:
    """Apply database migrations (creates the schema on a new database)."""
    settings = cli_settings()
    upgrade(settings.database_url)
    typer.echo("database is up to date")
    # Train the intent model once, here, into BMAD_MODEL_DIR: replicas and workers load it
    # in seconds instead of each training it at start.
    from conversations.nlu.training import load_or_train, model_path

    load_or_train(settings)
    typer.echo(f"intent model: {model_path(settings)}")


@app.command()
def doctor() -> None:
    """Print the effective configuration (secrets masked) and check each configured service."""
    raise typer.Exit(run_doctor(cli_settings(), typer.echo))
