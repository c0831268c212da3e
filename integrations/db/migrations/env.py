"""Alembic environment: the URL comes from the caller (`bmad migrate`), never from a file."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine, pool

import integrations.db.models  # noqa: F401 - registers every table on Base.metadata
from integrations.db.base import Base

config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    url = config.get_main_option("sqlalchemy.url")
    if url is None:  # integrations.db.migrate always sets it
        raise RuntimeError("alembic: sqlalchemy.url is not set")
    connectable = config.attributes.get("connection")
    if connectable is not None:
        _run(connectable, url)
        return
    # One-shot (NullPool: no pooled connection left behind), and without the app's SQLite
    # pragmas: batch mode recreates a table, and with foreign keys on, dropping the old
    # table would cascade into its children's rows.
    engine = create_engine(url, poolclass=pool.NullPool, hide_parameters=True)
    with engine.connect() as connection:
        _run(connection, url)


def _run(connection: Connection, url: str) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=url.startswith("sqlite"),  # SQLite needs batch mode for ALTER
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()


run_migrations()
