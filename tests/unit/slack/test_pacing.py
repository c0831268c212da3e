"""Per-channel pacing: slots one interval apart per channel, channels independent, shared
by every client of the same Redis (two pacers stand in for two processes)."""

import uuid

import fakeredis
from freezegun import freeze_time

from integrations.slack.pacing import ChannelPacer


def _server_client() -> fakeredis.FakeRedis:
    return fakeredis.FakeRedis(server=fakeredis.FakeServer(), decode_responses=True)


def test_slots_are_one_interval_apart_per_channel() -> None:
    client = _server_client()
    pacer = ChannelPacer(client, interval_seconds=1.0)
    team = f"t{uuid.uuid4().hex[:8]}"
    with freeze_time("2026-11-26 12:00:00"):
        waits = [pacer.reserve(team, "C1") for _ in range(3)]
        other = pacer.reserve(team, "C2")
    assert waits == [0.0, 1.0, 2.0]
    assert other == 0.0


def test_two_processes_share_the_pace() -> None:
    server = fakeredis.FakeServer()
    a = ChannelPacer(fakeredis.FakeRedis(server=server, decode_responses=True), 1.0)
    b = ChannelPacer(fakeredis.FakeRedis(server=server, decode_responses=True), 1.0)
    team = f"t{uuid.uuid4().hex[:8]}"
    with freeze_time("2026-11-26 12:00:00"):
        assert a.reserve(team, "C1") == 0.0
        assert b.reserve(team, "C1") == 1.0


def test_a_quiet_channel_posts_at_once_again() -> None:
    pacer = ChannelPacer(_server_client(), 1.0)
    team = f"t{uuid.uuid4().hex[:8]}"
    with freeze_time("2026-11-26 12:00:00") as frozen:
        pacer.reserve(team, "C1")
        pacer.reserve(team, "C1")
        frozen.tick(5)
        assert pacer.reserve(team, "C1") == 0.0
