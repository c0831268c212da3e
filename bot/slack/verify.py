"""Verify a Slack request on its raw bytes before Bolt parses anything.

Bolt parses the body first and checks the signature afterwards, so anyone could make it
choke on malformed or 100k-deep JSON (a 500 with tracebacks) without knowing the signing
secret. Here the signature is checked first (slack_sdk's `SignatureVerifier`, Slack's own
code), then the body is parsed the way Bolt will parse it, with our depth limit; Bolt only
ever sees signed, well-formed bodies.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from slack_sdk.signature import SignatureVerifier

from integrations.security.json_limits import BadJson, loads_object

TIMESTAMP = "x-slack-request-timestamp"
SIGNATURE = "x-slack-signature"


class SlackRefused(ValueError):
    def __init__(self, status: int, code: str) -> None:
        super().__init__(code)
        self.status = status
        self.code = code


def check_slack_request(
    verifier: SignatureVerifier, body: bytes, headers: Mapping[str, str]
) -> dict[str, Any] | None:
    """Raise SlackRefused (401 unsigned, 400 unparsable), or return the parsed JSON body
    (None for a form: a command or a click) for Bolt to dispatch."""
    timestamp, signature = headers.get(TIMESTAMP), headers.get(SIGNATURE)
    if not timestamp or not signature:
        raise SlackRefused(401, "missing_signature")
    if not timestamp.isdigit() or len(timestamp) > 12:
        raise SlackRefused(401, "bad_timestamp")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as err:
        raise SlackRefused(401, "bad_signature") from err
    if not verifier.is_valid(text, timestamp, signature):
        raise SlackRefused(401, "bad_signature")
    return _check_parsable(text, headers.get("content-type"))


def _check_parsable(text: str, content_type: str | None) -> dict[str, Any] | None:
    """Mirror of Bolt's `parse_body`: JSON when declared or when it looks like JSON,
    else a form whose `payload` field, if any, is JSON."""
    if not text:
        return None
    try:
        if content_type == "application/json" or text.startswith("{"):
            return loads_object(text)
        if "payload" in text:
            payload = dict(parse_qsl(text, keep_blank_values=True)).get("payload")
            if payload is not None:
                loads_object(payload)
    except BadJson as err:
        raise SlackRefused(400, err.code) from err
    return None
