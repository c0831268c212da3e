"""Alembic environment: the URL comes from the caller (`bmad migrate`), never from a file."""

from __future__ import annotations

from alembic import context
from sqlalchemy import pool

import integrations.db.models  # noqa: F401 - registers every table on Base.metadata
from integrations.db.base import Base
from integrations.db.session import make_engine

config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    url = config.get_main_option("sqlalchemy.url")
    connectable = config.attributes.get("connection")
    if connectable is not None:
        _run(connectable, url)
        return
    engine = make_engine(url)
    engine.pool = pool.NullPool(engine.pool._creator)  # one-shot: no pooled connections left
    with engine.connect() as connection:
        _run(connection, url)


def _run(connection, url: str) -> None:  # type: ignore[no-untyped-def]
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
