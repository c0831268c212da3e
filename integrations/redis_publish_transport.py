"""kombu's Redis transport, with one redis client per channel instead of one per message.

Why: kombu's Redis channel builds a new `redis.Redis` for every message it puts
(`Channel.conn_or_acquire`), and building one costs ~150 us of CPU (redis-py fills its
table of ~170 response callbacks) - a third of a Celery publish. The Slack ack path
publishes every batch of acks on a broker connection of its own, so that cost was paid per
batch on the web process. A `redis.Redis` keeps no state of its own between commands (each
command borrows a connection from the pool), so one client on the channel's pool serves
every publish alike. Everything else is kombu's, unchanged; consuming (the asynchronous
client BRPOP uses) is not touched.
"""

from __future__ import annotations

from typing import Any

from kombu import Connection
from kombu.transport import redis as kombu_redis


class _Channel(kombu_redis.Channel):
    _sync_client: Any = None

    def _create_client(self, asynchronous: bool = False) -> Any:
        if asynchronous:
            return super()._create_client(asynchronous=True)
        if self._sync_client is None:
            self._sync_client = super()._create_client()
        return self._sync_client


class PublishTransport(kombu_redis.Transport):
    Channel = _Channel


def publish_transport(connection: Connection) -> type[PublishTransport] | None:
    """The transport to publish on when `connection` is a plain Redis one (redis://,
    rediss://); None (the configured one) for any other broker: Sentinel, memory."""
    return PublishTransport if connection.get_transport_cls() is kombu_redis.Transport else None
