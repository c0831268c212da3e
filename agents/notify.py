"""How workflow progress reaches a conversation.

The engine only knows this interface; the console prints, Slack posts in the run's thread,
webhooks deliver to the tenant's endpoints. Implementations must be safe to call from a
Celery worker.
"""

from __future__ import annotations

from typing import cast

from agents import approval_mail
from agents.notice import Notice, Notifier
from integrations.observability.logging import get_logger
from integrations.redis_store import get_redis, key
from integrations.settings import Settings

# --- Delivery: a Redis stream per conversation (always) + a channel notifier (if any) ----------
#
# Why a stream: the console and the HTTP API read a conversation's notices from it, and its
# dedupe key makes re-sending after a crash harmless, so every notice lands exactly once.
# Channel notifiers (Slack, ...) are registered by the edges at start-up (`bmad serve`,
# `bmad worker`), per the middle part of the conversation key ("slack", "dm", "api"...).

_NOTIFIERS: dict[str, Notifier] = {}
STREAM_MAXLEN = 1000
DEDUPE_TTL_SECONDS = 30 * 24 * 3600

# Set-if-new and append in one step, so a retried delivery can never append twice.
_APPEND_ONCE = """
if redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[2]) then
  local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*', 'notice', ARGV[1])
  redis.call('EXPIRE', KEYS[1], ARGV[4])
  return id
end
return false
"""


def register_notifier(channel_kind: str, notifier: Notifier) -> None:
    _NOTIFIERS[channel_kind] = notifier


def unregister_notifier(channel_kind: str) -> None:
    _NOTIFIERS.pop(channel_kind, None)


def channel_kind(conversation_key: str) -> str:
    """`tenant:slack:C1:123.4` -> `slack`."""
    parts = conversation_key.split(":", 2)
    return parts[1] if len(parts) > 1 else ""


def _local_part(tenant_id: str, conversation_key: str) -> str:
    prefix = f"{tenant_id}:"
    return (
        conversation_key[len(prefix) :] if conversation_key.startswith(prefix) else conversation_key
    )


def stream_key(tenant_id: str, conversation_key: str) -> str:
    return key(tenant_id, "notices", _local_part(tenant_id, conversation_key))


class StreamNotifier:
    """Appends notices to the conversation's Redis stream, once per `dedupe_key`."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def notify(self, notice: Notice) -> None:
        self.append(notice)

    def append(self, notice: Notice) -> bool:
        """True when appended now, False when this dedupe key was delivered before."""
        r = get_redis(self.settings.redis_url)
        stream = stream_key(notice.tenant_id, notice.conversation_key)
        if notice.dedupe_key is None:
            r.xadd(stream, {"notice": notice.model_dump_json()}, maxlen=STREAM_MAXLEN)
            r.expire(stream, self.settings.conversation_ttl)
            return True
        seen = key(notice.tenant_id, "notices_sent", notice.dedupe_key)
        added = r.eval(
            _APPEND_ONCE,
            2,
            stream,
            seen,
            notice.model_dump_json(),
            DEDUPE_TTL_SECONDS,
            STREAM_MAXLEN,
            self.settings.conversation_ttl,
        )
        return bool(added)


def deliver(settings: Settings, notice: Notice) -> bool:
    """Record the notice in the stream, then hand it to the channel's notifier, each once.

    A channel notifier is called at most once per dedupe key (a Redis SET NX guards it);
    its failure is logged and does not undo the stream record.
    """
    appended = StreamNotifier(settings).append(notice)
    if notice.kind == "approval_request":  # approvers also get an email (once per notice)
        try:
            approval_mail.email_approvers(settings, notice)
        except Exception:
            get_logger(__name__).exception("approval_email_failed", run_id=notice.run_id)
    notifier = _NOTIFIERS.get(channel_kind(notice.conversation_key))
    if notifier is None:
        return appended
    if notice.dedupe_key is not None:
        guard = key(notice.tenant_id, "notices_channel_sent", notice.dedupe_key)
        if not get_redis(settings.redis_url).set(guard, "1", nx=True, ex=DEDUPE_TTL_SECONDS):
            return appended
    try:
        notifier.notify(notice)
    except Exception:
        get_logger(__name__).exception(
            "notifier_failed", run_id=notice.run_id, kind=channel_kind(notice.conversation_key)
        )
    return appended


def read_notices(
    settings: Settings, tenant_id: str, conversation_key: str, after_id: str = "0"
) -> list[tuple[str, Notice]]:
    """Notices of a conversation newer than `after_id` (stream ids), oldest first."""
    r = get_redis(settings.redis_url)
    # decode_responses=True (get_redis): ids and fields are str
    entries = cast(
        "list[tuple[str, dict[str, str]]]",
        r.xrange(stream_key(tenant_id, conversation_key), min=f"({after_id}", max="+"),
    )
    return [
        (entry_id, Notice.model_validate_json(fields["notice"])) for entry_id, fields in entries
    ]
