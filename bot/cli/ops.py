"""Process commands: serve, worker, beat, migrate, doctor."""

from __future__ import annotations

import typer

from bot.cli.context import cli_settings
from bot.doctor import run_doctor
from integrations.db.migrate import upgrade

app = typer.Typer()


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="interface to bind"),
    port: int = typer.Option(8000, help="TCP port"),
    workers: int = typer.Option(1, help="uvicorn worker processes"),
) -> None:
    """Run the HTTP server: Slack endpoints, webhooks, REST API, /healthz, /readyz, /metrics."""
    import uvicorn

    settings = cli_settings()
    uvicorn.run(
        "bot.asgi:app",
        host=host,
        port=port,
        workers=workers,
        log_level=settings.log_level.lower(),
        access_log=False,
    )


@app.command()
def worker(
    concurrency: int = typer.Option(2, help="worker processes"),
    queues: str = typer.Option("bmad", help="comma-separated queue names"),
) -> None:
    """Run a Celery worker (needs BMAD_QUEUE=celery and BMAD_REDIS_URL)."""
    from agents.queue import configure_celery

    settings = cli_settings()
    if settings.queue != "celery":
        typer.secho("BMAD_QUEUE is 'eager': tasks run in-process, no worker needed.", err=True)
        raise typer.Exit(2)
    celery = configure_celery(settings)
    from bot.slack.wiring import wire_worker

    wire_worker(settings)  # Slack turn task + Slack notifier in this worker
    celery.worker_main(
        ["worker", f"--concurrency={concurrency}", f"--queues={queues}", "--loglevel=INFO"]
    )


@app.command()
def beat() -> None:
    """Run Celery beat: approval timeouts, sweeps, digests, retention purge."""
    from agents.queue import configure_celery

    settings = cli_settings()
    if settings.queue != "celery":
        typer.secho("BMAD_QUEUE is 'eager': beat needs BMAD_QUEUE=celery.", err=True)
        raise typer.Exit(2)
    configure_celery(settings).Beat(loglevel="INFO").run()


@app.command()
def migrate() -> None:
    """Apply database migrations (creates the schema on a new database)."""
    settings = cli_settings()
    upgrade(settings.database_url)
    typer.echo("database is up to date")


@app.command()
def doctor() -> None:
    """Print the effective configuration (secrets masked) and check each configured service."""
    raise typer.Exit(run_doctor(cli_settings(), typer.echo))
