"""Outbound lanes: one post per second per channel, channels independent, a 429 pauses
only its own lane, and two processes (two clients of one Redis) share the pace."""

import uuid

import fakeredis
from freezegun import freeze_time

from integrations.slack.lanes import Lane, OutboundLanes


def _lanes(server: fakeredis.FakeServer | None = None) -> OutboundLanes:
    client = fakeredis.FakeRedis(server=server or fakeredis.FakeServer(), decode_responses=True)
    return OutboundLanes(client, scope=uuid.uuid4().hex[:8])


def _team() -> str:
    return f"t{uuid.uuid4().hex[:8]}"


def test_a_busy_channel_does_not_hold_back_another() -> None:
    lanes, team = _lanes(), _team()
    busy, quiet = Lane(team, "post", "C1"), Lane(team, "post", "D2")
    with freeze_time("2026-11-26 12:00:00") as clock:
        for i in range(30):
            lanes.enqueue(busy, f"busy-{i}")
        lanes.enqueue(quiet, "dm")
        first = [c.job for c in lanes.claim()]
        assert sorted(first) == ["busy-0", "dm"]  # the DM goes with the burst's first post
        assert lanes.claim() == []  # the burst waits for its next slot, nobody sleeps
        clock.tick(1.0)
        assert [c.job for c in lanes.claim()] == ["busy-1"]
        assert lanes.pending(busy) == 28


def test_a_429_pauses_only_its_lane_for_retry_after() -> None:
    lanes, team = _lanes(), _team()
    limited, other = Lane(team, "post", "C1"), Lane(team, "post", "C2")
    with freeze_time("2026-11-26 12:00:00") as clock:
        lanes.enqueue(limited, "a")
        (claimed,) = lanes.claim()
        lanes.pause(claimed, 5)  # Slack said Retry-After: 5
        lanes.enqueue(other, "b")
        lanes.enqueue(limited, "c")
        assert [c.job for c in lanes.claim()] == ["b"]
        clock.tick(4.5)
        assert lanes.claim() == []
        clock.tick(0.6)
        assert [c.job for c in lanes.claim()] == ["a"]  # the same call, first again


def test_two_processes_share_lanes_and_pace() -> None:
    server, scope, team = fakeredis.FakeServer(), uuid.uuid4().hex[:8], _team()
    a = OutboundLanes(fakeredis.FakeRedis(server=server, decode_responses=True), scope)
    b = OutboundLanes(fakeredis.FakeRedis(server=server, decode_responses=True), scope)
    lane = Lane(team, "post", "C1")
    with freeze_time("2026-11-26 12:00:00") as clock:
        a.enqueue(lane, "from-a")
        b.enqueue(lane, "from-b")
        assert [c.job for c in b.claim()] == ["from-a"]
        assert a.claim() == []  # one post per second for the channel, whoever sends
        clock.tick(1.0)
        assert [c.job for c in a.claim()] == ["from-b"]


def test_updates_and_ephemerals_are_not_paced() -> None:
    lanes, team = _lanes(), _team()
    lane = Lane(team, "chat_update", "C1")
    with freeze_time("2026-11-26 12:00:00"):
        for i in range(3):
            lanes.enqueue(lane, f"u{i}")
        got = [c.job for c in lanes.claim()] + [c.job for c in lanes.claim()]
        got += [c.job for c in lanes.claim()]
    assert got == ["u0", "u1", "u2"]


def test_a_job_whose_sender_died_goes_back_to_its_lane() -> None:
    lanes, team = _lanes(), _team()
    lane = Lane(team, "post", "C1")
    with freeze_time("2026-11-26 12:00:00") as clock:
        lanes.enqueue(lane, "first")
        lanes.enqueue(lane, "second")
        (_lost,) = lanes.claim()  # ... and the process dies before sending it
        clock.tick(60)
        assert lanes.reap() == 0  # still leased: maybe a slow upload
        clock.tick(61)
        assert lanes.reap() == 1
        assert [c.job for c in lanes.claim()] == ["first"]  # first again, order kept
        (again,) = lanes.claim() or [None]  # paced: nothing more this second
        assert again is None


def test_a_finished_job_is_never_sent_again() -> None:
    lanes, team = _lanes(), _team()
    lane = Lane(team, "post", "C1")
    with freeze_time("2026-11-26 12:00:00") as clock:
        lanes.enqueue(lane, "only")
        (claimed,) = lanes.claim()
        lanes.done(claimed)
        clock.tick(600)
        assert lanes.reap() == 0
        assert lanes.claim() == []


def test_a_paused_lane_says_for_how_long() -> None:
    lanes, team = _lanes(), _team()
    lane = Lane(team, "post", "C1")
    with freeze_time("2026-11-26 12:00:00") as clock:
        assert lanes.paused_for(lane) == 0.0
        lanes.enqueue(lane, "a")
        (claimed,) = lanes.claim()
        lanes.pause(claimed, 3)
        assert lanes.paused_for(lane) == 3.0
        clock.tick(3.5)
        assert lanes.paused_for(lane) == 0.0
