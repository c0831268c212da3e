import pytest
from sqlalchemy import select

from integrations.db.models import Role, User
from integrations.db.session import TenantScopeError, session_factory, tenant_session
from integrations.db.tenants import ensure_user, find_user, role_of, set_role
from tests.conftest import make_tenant

pytestmark = pytest.mark.integration


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, embedded_settings) -> str:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        return embedded_settings.database_url
    return request.getfixturevalue("pg_url")


def test_one_tenant_never_sees_another(db_url: str, tenant_id: str) -> None:
    a, b = make_tenant(db_url, tenant_id + "a"), make_tenant(db_url, tenant_id + "b")
    with tenant_session(db_url, a) as s:
        ensure_user(s, a, "U1", display_name="Alice")
    with tenant_session(db_url, b) as s:
        ensure_user(s, b, "U1", display_name="Bob")
        assert [u.display_name for u in s.scalars(select(User))] == ["Bob"]
        assert find_user(s, "U1").display_name == "Bob"  # type: ignore[union-attr]
    with tenant_session(db_url, a) as s:
        assert [u.display_name for u in s.scalars(select(User))] == ["Alice"]


def test_query_without_tenant_is_refused(db_url: str) -> None:
    with session_factory(db_url)() as s, pytest.raises(TenantScopeError):
        s.scalars(select(User)).all()


def test_write_into_another_tenant_is_refused(db_url: str, tenant_id: str) -> None:
    a, b = make_tenant(db_url, tenant_id + "a"), make_tenant(db_url, tenant_id + "b")
    with pytest.raises(TenantScopeError), tenant_session(db_url, a) as s:
        s.add(User(tenant_id=b, external_id="U9", display_name="x", role=Role.member))
    with tenant_session(db_url, b) as s:
        assert find_user(s, "U9") is None


def test_set_role(db_url: str, tenant_id: str) -> None:
    make_tenant(db_url, tenant_id)
    with tenant_session(db_url, tenant_id) as s:
        set_role(s, tenant_id, "U2", Role.admin)
    with tenant_session(db_url, tenant_id) as s:
        assert role_of(s, "U2") is Role.admin
        assert Role.admin.at_least(Role.member) and not Role.member.at_least(Role.admin)


def test_concurrent_creation_of_one_tenant_and_user(pg_url: str, tenant_id: str) -> None:
    """Two first messages of a new workspace at once: both succeed, one row each."""
    from concurrent.futures import ThreadPoolExecutor

    from integrations.db.session import admin_session
    from integrations.db.tenants import create_tenant

    def first_message(_: int) -> str:
        with admin_session(pg_url) as s:
            create_tenant(s, tenant_id, "race")
        with tenant_session(pg_url, tenant_id) as s:
            return ensure_user(s, tenant_id, "U-race").external_id

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(first_message, range(16))) == ["U-race"] * 16
    with tenant_session(pg_url, tenant_id) as s:
        assert len(s.scalars(select(User)).all()) == 1
