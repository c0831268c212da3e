"""Files shared with the bot: text-like ones become part of the request, others get a reply.

Why: "review this" with a .py file attached is one request - the file is what to review.
Slack sends a `file_share` message with the files' `url_private_download`; that URL only
answers with the bot token (`Authorization: Bearer`), and the token is sent only to
Slack's own file host (or the configured SLACK_API_URL's host: the test stand-in), never
to a URL a payload could point elsewhere. How the text joins the request, and which
files are text, is the same for every channel (`conversations.attachments`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel

from conversations.attachments import Attachment, fenced, is_text_like, with_files
from integrations.observability.logging import get_logger
from integrations.settings import Settings

log = get_logger(__name__)

SLACK_FILE_HOSTS = frozenset({"files.slack.com"})
DOWNLOAD_TIMEOUT = 10.0


class SlackFile(Attachment):
    """The part of Slack's file object a turn needs (no content, no token)."""

    id: str = ""
    url: str = ""

    @classmethod
    def from_event(cls, raw: dict[str, Any]) -> SlackFile:
        return cls(
            id=str(raw.get("id", "")),
            name=str(raw.get("name") or raw.get("title") or "file")[:200],
            filetype=str(raw.get("filetype", "")).lower(),
            mimetype=str(raw.get("mimetype", "")).lower(),
            size=int(raw.get("size") or 0),
            url=str(raw.get("url_private_download") or raw.get("url_private") or ""),
        )


class Refused(BaseModel):
    name: str
    reason: str  # "file_not_text" or "file_unreadable" (text keys)


def _allowed_host(settings: Settings, url: str) -> bool:
    parts = urlsplit(url)
    api_host = urlsplit(settings.slack_api_url).hostname
    return parts.scheme in ("https", "http") and (
        parts.hostname in SLACK_FILE_HOSTS or parts.hostname == api_host
    )


def download_text(settings: Settings, file: SlackFile, token: str) -> str | None:
    """The file's text, or None when it cannot be fetched or is not UTF-8 text."""
    if not file.url or not _allowed_host(settings, file.url):
        return None
    try:
        response = httpx.get(
            file.url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=DOWNLOAD_TIMEOUT,
            follow_redirects=False,
        )
    except httpx.HTTPError as err:
        log.warning("slack_file_download_failed", error=type(err).__name__)
        return None
    # Without a valid token Slack answers with a redirect or its HTML sign-in page.
    if response.status_code != 200 or "text/html" in response.headers.get("content-type", ""):
        log.warning("slack_file_download_refused", status=response.status_code)
        return None
    if len(response.content) > settings.slack_file_max_bytes:
        return None
    try:
        return response.content.decode("utf-8")
    except UnicodeDecodeError:
        return None


def request_with_files(
    settings: Settings, token: str, user_text: str, files: list[SlackFile], max_chars: int
) -> tuple[str, list[Refused]]:
    """The user's text followed by each readable file in a fenced block (within
    `max_chars`), and the files that could not be used."""
    blocks: list[str] = []
    refused: list[Refused] = []
    for file in files:
        if not is_text_like(file) or file.size > settings.slack_file_max_bytes:
            refused.append(Refused(name=file.name, reason="file_not_text"))
            continue
        content = download_text(settings, file, token)
        if content is None:
            refused.append(Refused(name=file.name, reason="file_unreadable"))
            continue
        blocks.append(fenced(file.name, content))
    return with_files(user_text, blocks, max_chars), refused
