import pytest

from integrations.redis_store import get_redis, global_key, key


def test_keys_carry_the_tenant() -> None:
    assert key("T123", "conv", "abc") == "bmad:T123:conv:abc"
    assert global_key("slack", "event", "Ev1") == "bmad:_global:slack:event:Ev1"


@pytest.mark.parametrize("bad", ["", "a:b"])
def test_invalid_tenant_rejected(bad: str) -> None:
    with pytest.raises(ValueError):
        key(bad, "x")


def test_embedded_redis_is_shared_within_the_process() -> None:
    a = get_redis(None)
    a.set("bmad:test:shared", "1")
    assert get_redis(None).get("bmad:test:shared") == "1"
