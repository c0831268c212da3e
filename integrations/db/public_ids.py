"""Opaque public ids (`run_…`, `aud_…`, `whe_…`, `evt_…`) for rows that leave the service.

Why: the primary keys are global sequences. In a URL or a webhook payload they would tell
every tenant how busy the whole service is and invite guessing a neighbour's ids. Rows
that are addressed from outside carry a second, random id; the integer key stays internal
(joins, ordering, cursors resolved back to it).

UUIDv7 (time-ordered, 74 random bits) keeps index inserts local like a sequence would.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import uuid_utils

PUBLIC_ID_LENGTH = 40  # the column size: a prefix of up to 6 characters, "_" and 32 hex


def new_public_id(prefix: str) -> str:
    return f"{prefix}_{uuid_utils.uuid7().hex}"


def public_id_factory(prefix: str) -> Callable[[], str]:
    """A column default that gives each new row its own id."""
    return lambda: new_public_id(prefix)


def public_id_pattern(prefix: str) -> str:
    """The regular expression a well-formed id of this kind matches (for path/query checks)."""
    return rf"^{re.escape(prefix)}_[0-9a-f]{{32}}$"
