"""Engines and sessions.

Every ORM query runs inside `tenant_session(tenant_id)`: a `do_orm_execute` hook adds
`tenant_id = :tenant` to every `TenantScoped` entity in the statement, and a flush hook
refuses to write a row of another tenant. Cross-tenant work (listing tenants, sweepers)
must say so with `admin_session()`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import CursorResult, Engine, Result, create_engine, event, text
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker, with_loader_criteria

from integrations.db.base import TenantScoped

TENANT_KEY = "tenant_id"
ALL_TENANTS_KEY = "all_tenants"


class TenantScopeError(RuntimeError):
    """A query or write was attempted without (or outside) its tenant."""


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            hide_parameters=True,  # errors must not log SQL parameters (user text)
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(
        url,
        pool_pre_ping=True,
        hide_parameters=True,  # errors must not log SQL parameters (user text)
        pool_size=10,
        max_overflow=20,
        connect_args={"connect_timeout": 3},
    )


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.close()


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    return make_engine(url)


@lru_cache(maxsize=8)
def session_factory(url: str) -> sessionmaker[Session]:
    return sessionmaker(engine_for(url), expire_on_commit=False)


@event.listens_for(Session, "do_orm_execute")
def _scope_queries(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    info = state.session.info
    if info.get(ALL_TENANTS_KEY):
        return
    tenant = info.get(TENANT_KEY)
    if tenant is None:
        if _touches_tenant_tables(state):
            raise TenantScopeError("query on tenant data outside tenant_session()")
        return
    state.statement = state.statement.options(
        with_loader_criteria(
            TenantScoped,
            lambda cls: cls.tenant_id == tenant,
            include_aliases=True,
            track_closure_variables=False,
        )
    )


def _touches_tenant_tables(state: ORMExecuteState) -> bool:
    return any(
        isinstance(m.class_, type) and issubclass(m.class_, TenantScoped) for m in state.all_mappers
    )


@event.listens_for(Session, "before_flush")
def _check_writes(session: Session, _ctx: Any, _instances: Any) -> None:
    if session.info.get(ALL_TENANTS_KEY):
        return
    tenant = session.info.get(TENANT_KEY)
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, TenantScoped):
            if tenant is None:
                raise TenantScopeError("write of tenant data outside tenant_session()")
            if obj.tenant_id is None:
                obj.tenant_id = tenant
            elif obj.tenant_id != tenant:
                raise TenantScopeError("write to another tenant's data refused")


@contextmanager
def tenant_session(database_url: str, tenant_id: str) -> Iterator[Session]:
    """A unit of work for one tenant: commits on success, rolls back on any error."""
    with session_factory(database_url)() as session:
        session.info[TENANT_KEY] = tenant_id
        with session.begin():
            yield session


@contextmanager
def admin_session(database_url: str) -> Iterator[Session]:
    """A unit of work across tenants, for operators and background sweeps only."""
    with session_factory(database_url)() as session:
        session.info[ALL_TENANTS_KEY] = True
        with session.begin():
            yield session


def rowcount(result: Result[Any]) -> int:
    """Rows an UPDATE or DELETE matched. `Session.execute` is typed as returning `Result`;
    for those statements it is a `CursorResult`, which has the count."""
    return cast(CursorResult[Any], result).rowcount


def ping(database_url: str) -> None:
    with engine_for(database_url).connect() as conn:
        conn.execute(text("SELECT 1"))
