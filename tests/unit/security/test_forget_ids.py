"""Exact id matching for forgetting: whole values or the last `:`-segment only."""

from integrations.privacy.forget import swap_id


def test_swap_id_is_exact() -> None:
    assert swap_id("ann", "ann", "anon-1") == "anon-1"
    assert swap_id("joanne", "ann", "anon-1") == "joanne"
    assert swap_id("T1:dm:ann", "ann", "anon-1") == "T1:dm:anon-1"
    assert swap_id("webhook:ann", "ann", "anon-1") == "webhook:anon-1"
    assert swap_id("T1:dm:joanne", "ann", "anon-1") == "T1:dm:joanne"
    # a user whose id is also a namespace word does not rewrite other people's keys
    assert swap_id("T1:dm:U1", "dm", "anon-2") == "T1:dm:U1"
    assert swap_id("ann:x", "ann", "anon-1") == "ann:x"
