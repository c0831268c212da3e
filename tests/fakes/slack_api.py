"""A local stand-in for the Slack Web API, plus helpers that sign requests as Slack does.

Why: tests must run the real `slack_sdk` WebClient (and Bolt's OAuth flow) end to end -
HTTP, form/JSON bodies, `Retry-After` handling, the two-step file upload - with the only
fake at the network edge. Point `SLACK_API_URL` at `server.api_url` (`http://.../api/`).

    with FakeSlackAPI() as slack:
        slack.rate_limit("chat.postMessage", times=1, retry_after=1)   # 429 first, then ok
        ...
        slack.calls_to("chat.postMessage")   # recorded calls: method, params, token
        slack.wait_for("chat.postMessage", count=1, timeout=5)

Recorded methods answer in Slack's documented shapes: chat.postMessage, chat.update,
chat.postEphemeral, views.publish, files.getUploadURLExternal, the upload URL itself,
files.completeUploadExternal, auth.test, oauth.v2.access, conversations.info, users.info.
Any other method answers `{"ok": true}` and is recorded too, so nothing is silently invented.

Scripting what Slack does in the field:
- `response_url(tag)`: a slash command's / action's response_url on this server; what is
  posted there is recorded as method "response_url";
- `refuse_channel(channel)`: posts there answer `not_in_channel` (or `channel_not_found`);
- `revoke(token)`: every call with that token answers `token_revoked` (or `invalid_auth`);
- `add_file(name, content)`: a shared file whose `url_private_download` only answers with a
  bot token (`Authorization: Bearer`); without one Slack redirects to its sign-in page;
- `users[user_id] = {...}`: users.info profiles.

`sign_request(secret, body)` produces the `X-Slack-Signature` / `X-Slack-Request-Timestamp`
headers exactly as Slack documents (v0 HMAC-SHA256 over `v0:{timestamp}:{body}`), written
out here independently of the SDK so a bug in the app's verification cannot hide itself.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import itertools
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.fakes.http_server import LocalHTTPServer
from tests.polling import wait_until

# -- signing --------------------------------------------------------------------------------


def slack_signature(secret: str, timestamp: str | int, body: str | bytes) -> str:
    raw = body.encode() if isinstance(body, str) else body
    base = f"v0:{timestamp}:".encode() + raw
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def sign_request(
    secret: str, body: str | bytes, *, timestamp: int | None = None, content_type: str = "json"
) -> dict[str, str]:
    """Headers Slack sends with an Events API / slash command / interactivity request."""
    ts = int(time.time()) if timestamp is None else timestamp
    return {
        "X-Slack-Request-Timestamp": str(ts),
        "X-Slack-Signature": slack_signature(secret, ts, body),
        "Content-Type": "application/json"
        if content_type == "json"
        else "application/x-www-form-urlencoded",
    }


# -- the fake Web API -----------------------------------------------------------------------


@dataclass
class SlackCall:
    method: str
    params: dict[str, Any]
    token: str | None
    status: int = 200  # 429 when the fake answered "ratelimited"
    at: float = field(default_factory=time.monotonic)
    response: dict[str, Any] = field(default_factory=dict)  # what the fake answered


@dataclass
class TeamIdentity:
    """What auth.test / oauth.v2.access report for a bot token."""

    team_id: str = "T0FAKE0001"
    team_name: str = "Fake Team"
    bot_user_id: str = "UBOT00001"
    bot_id: str = "BBOT00001"
    app_id: str = "AFAKE00001"
    enterprise_id: str | None = None


class FakeSlackAPI(LocalHTTPServer):
    """Threaded HTTP server on a free local port; use as a context manager."""

    def __init__(self, host: str = "127.0.0.1", identity: TeamIdentity | None = None) -> None:
        super().__init__(host)
        self.identity = identity or TeamIdentity()
        self.calls: list[SlackCall] = []
        self.uploads: dict[str, bytes] = {}
        # oauth.v2.access: code -> installation response overrides (installer, team)
        self.oauth_codes: dict[str, dict[str, Any]] = {}
        self.responders: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {}
        # (method, channel or None) -> [remaining, retry_after]
        self._rate_limits: dict[tuple[str, str | None], list[int]] = {}
        self._ts = itertools.count(1)
        self._lock = threading.RLock()
        self.refused_channels: dict[str, str] = {}
        self.revoked_tokens: dict[str, str] = {}
        self.files: dict[str, tuple[str, bytes]] = {}  # path -> (mimetype, content)
        self.users: dict[str, dict[str, Any]] = {}
        self.gone_urls: set[str] = set()  # response_url paths Slack no longer accepts

    # -- scripting ------------------------------------------------------------------------
    def rate_limit(
        self, method: str, times: int = 1, retry_after: int = 1, *, channel: str | None = None
    ) -> None:
        """Answer the next `times` calls of `method` (for `channel`, if given) with 429 +
        Retry-After, as Slack does when an app posts too fast."""
        with self._lock:
            self._rate_limits[(method, channel)] = [times, retry_after]

    def refuse_channel(self, channel: str, error: str = "not_in_channel") -> None:
        """The bot is not a member of `channel`: posts there fail as Slack's do."""
        with self._lock:
            self.refused_channels[channel] = error

    def revoke(self, token: str, error: str = "token_revoked") -> None:
        with self._lock:
            self.revoked_tokens[token] = error

    def response_url(self, tag: str | None = None) -> str:
        return f"{self.base_url}/response/{tag or uuid.uuid4().hex[:12]}"

    def expire_response_url(self, url: str) -> None:
        """After 30 minutes or 5 answers Slack refuses a response_url."""
        with self._lock:
            self.gone_urls.add(urlsplit(url).path)

    def add_file(
        self,
        name: str,
        content: str | bytes,
        *,
        filetype: str = "text",
        mimetype: str = "text/plain",
    ) -> dict[str, Any]:
        """A file object as Slack puts it in a `file_share` message event."""
        raw = content.encode() if isinstance(content, str) else content
        file_id = f"F{uuid.uuid4().hex[:10].upper()}"
        path = f"/files-pri/{self.identity.team_id}-{file_id}/download/{name}"
        with self._lock:
            self.files[path] = (mimetype, raw)
        return {
            "id": file_id,
            "name": name,
            "title": name,
            "mimetype": mimetype,
            "filetype": filetype,
            "size": len(raw),
            "mode": "hosted",
            "url_private": f"{self.base_url}{path.replace('/download', '')}",
            "url_private_download": f"{self.base_url}{path}",
        }

    def add_oauth_code(self, code: str, *, installer: str, team_id: str, team_name: str) -> None:
        with self._lock:
            self.oauth_codes[code] = {
                "installer": installer,
                "team_id": team_id,
                "team_name": team_name,
            }

    # -- inspection -----------------------------------------------------------------------
    def calls_to(
        self, method: str, *, answered_ok: bool = True, channel: str | None = None
    ) -> list[SlackCall]:
        """Recorded calls of `method` (only those answered 200 unless `answered_ok=False`),
        optionally only those for `channel` (`channel` or `channel_id` parameter)."""
        with self._lock:
            return [c for c in self.calls if self._matches(c, method, answered_ok, channel)]

    def wait_for(
        self, method: str, count: int = 1, timeout: float = 10.0, *, channel: str | None = None
    ) -> list[SlackCall]:
        """Block until `count` successful calls of `method` were recorded (or the timeout);
        returns the calls recorded by then."""

        def enough() -> list[list[SlackCall]]:
            found = self.calls_to(method, channel=channel)
            return [found] if len(found) >= count else []  # wrapped: no calls may be enough

        with contextlib.suppress(AssertionError):
            return wait_until(enough, timeout, f"{count} call(s) of {method}")[0]
        return self.calls_to(method, channel=channel)

    @staticmethod
    def _matches(call: SlackCall, method: str, answered_ok: bool, channel: str | None) -> bool:
        if call.method != method:
            return False
        if answered_ok and (call.status != 200 or call.response.get("ok") is False):
            return False
        if channel is None:
            return True
        return channel in (call.params.get("channel"), call.params.get("channel_id"))

    @property
    def api_url(self) -> str:
        """What to give the WebClient as `base_url` (and SLACK_API_URL)."""
        return f"{self.base_url}/api/"

    # -- answers --------------------------------------------------------------------------
    def _next_ts(self) -> str:
        return f"{1_700_000_000 + next(self._ts)}.{next(self._ts):06d}"

    def _record(
        self,
        method: str,
        params: dict[str, Any],
        token: str | None,
        status: int = 200,
        response: dict[str, Any] | None = None,
    ) -> None:
        with self._lock:
            self.calls.append(SlackCall(method, params, token, status, response=response or {}))

    def _limited(self, method: str, params: dict[str, Any]) -> int | None:
        channel = params.get("channel") or params.get("channel_id")
        with self._lock:
            for scope in ((method, channel), (method, None)):
                limit = self._rate_limits.get(scope)
                if limit and limit[0] > 0:
                    limit[0] -= 1
                    return limit[1]
        return None

    def _refusal(self, method: str, params: dict[str, Any], token: str | None) -> str | None:
        with self._lock:
            if token and token in self.revoked_tokens:
                return self.revoked_tokens[token]
            channel = params.get("channel") or params.get("channel_id")
            posting = method in (
                "chat.postMessage",
                "chat.postEphemeral",
                "chat.update",
                "files.completeUploadExternal",
            )
            if posting and channel in self.refused_channels:
                return self.refused_channels[channel]
        return None

    def answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        ident = self.identity
        if method in self.responders:
            return self.responders[method](params)
        if method == "users.info":
            user = params.get("user")
            profile = self.users.get(str(user))
            if profile is None:
                return {"ok": False, "error": "user_not_found"}
            return {"ok": True, "user": {"id": user, **profile}}
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://fake.slack.test/",
                "team": ident.team_name,
                "user": "bmad",
                "team_id": ident.team_id,
                "user_id": ident.bot_user_id,
                "bot_id": ident.bot_id,
                "is_enterprise_install": False,
            }
        if method == "chat.postMessage":
            ts = self._next_ts()
            message = {"type": "message", "text": params.get("text", ""), "ts": ts}
            return {"ok": True, "channel": params.get("channel"), "ts": ts, "message": message}
        if method == "chat.update":
            return {"ok": True, "channel": params.get("channel"), "ts": params.get("ts")}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": self._next_ts()}
        if method == "views.publish":
            return {"ok": True, "view": {"id": f"V{uuid.uuid4().hex[:8].upper()}"}}
        if method == "files.getUploadURLExternal":
            file_id = f"F{uuid.uuid4().hex[:10].upper()}"
            return {
                "ok": True,
                "upload_url": f"{self.base_url}/upload/{file_id}",
                "file_id": file_id,
            }
        if method == "files.completeUploadExternal":
            files = json.loads(params.get("files") or "[]")
            return {
                "ok": True,
                "files": [{"id": f["id"], "title": f.get("title", "")} for f in files],
            }
        if method == "oauth.v2.access":
            return self._oauth_access(params)
        if method == "conversations.open":
            users = str(params.get("users", "U0")).split(",")
            return {"ok": True, "channel": {"id": f"D{users[0][1:]}"}}
        if method == "conversations.info":
            return {"ok": True, "channel": {"id": params.get("channel"), "is_im": False}}
        return {"ok": True}

    def _oauth_access(self, params: dict[str, Any]) -> dict[str, Any]:
        grant = self.oauth_codes.get(str(params.get("code")))
        if grant is None:
            return {"ok": False, "error": "invalid_code"}
        ident = self.identity
        return {
            "ok": True,
            "access_token": f"xoxb-{grant['team_id']}-{uuid.uuid4().hex[:12]}",
            "token_type": "bot",
            "scope": "app_mentions:read,chat:write,commands,im:history,files:write",
            "bot_user_id": ident.bot_user_id,
            "app_id": ident.app_id,
            "team": {"id": grant["team_id"], "name": grant["team_name"]},
            "enterprise": None,
            "is_enterprise_install": False,
            "authed_user": {"id": grant["installer"]},
        }

    # -- lifecycle ------------------------------------------------------------------------
    def make_handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, body: dict[str, Any], headers: dict[str, str]) -> None:
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(raw)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(raw)

            def do_GET(self) -> None:
                path = urlsplit(self.path).path
                if path.startswith("/files-pri/"):
                    self._download(path)
                    return
                self.do_POST()

            def _download(self, path: str) -> None:
                auth = self.headers.get("Authorization", "")
                token = auth[len("Bearer ") :] if auth.startswith("Bearer ") else ""
                with fake._lock:
                    found = fake.files.get(path)
                    revoked = token in fake.revoked_tokens
                fake._record("file_download", {"path": path}, token or None)
                if found is None:
                    self._send(404, {"ok": False, "error": "file_not_found"}, {})
                    return
                if not token.startswith("xoxb-") or revoked:
                    # What Slack does without a valid token: off to the sign-in page.
                    page = b"<html><body>Sign in to Slack</body></html>"
                    self.send_response(302)
                    self.send_header("Location", f"{fake.base_url}/signin")
                    self.send_header("Content-Type", "text/html")
                    self.send_header("Content-Length", str(len(page)))
                    self.end_headers()
                    self.wfile.write(page)
                    return
                mimetype, raw = found
                self.send_response(200)
                self.send_header("Content-Type", mimetype)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(raw)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                url = urlsplit(self.path)
                if url.path.startswith("/upload/"):
                    file_id = url.path.rsplit("/", 1)[1]
                    with fake._lock:
                        fake.uploads[file_id] = raw
                    fake._record("upload", {"file_id": file_id, "size": len(raw)}, None)
                    self._send(200, {"ok": True}, {})
                    return
                if url.path.startswith("/response/") and url.path in fake.gone_urls:
                    fake._record("response_url", {"url": url.path}, None, 404, {"ok": False})
                    self._send(404, {"ok": False, "error": "expired_url"}, {})
                    return
                if url.path.startswith("/response/"):
                    body = json.loads(raw or b"{}")
                    body["url"] = url.path
                    fake._record("response_url", body, None, 200, {"ok": True})
                    self.send_response(200)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                    return
                if not url.path.startswith("/api/"):
                    self._send(404, {"ok": False, "error": "unknown_method"}, {})
                    return
                method = url.path[len("/api/") :]
                params: dict[str, Any] = dict(parse_qsl(url.query))
                ctype = self.headers.get("Content-Type", "")
                if raw and "json" in ctype:
                    params.update(json.loads(raw))
                elif raw:
                    params.update(dict(parse_qsl(raw.decode())))
                auth = self.headers.get("Authorization", "")
                token = auth[len("Bearer ") :] if auth.startswith("Bearer ") else None
                token = token or params.get("token")
                retry_after = fake._limited(method, params)
                caller = token if isinstance(token, str) else None
                if retry_after is not None:
                    fake._record(method, params, caller, 429)
                    self._send(
                        429,
                        {"ok": False, "error": "ratelimited"},
                        {"Retry-After": str(retry_after)},
                    )
                    return
                refusal = fake._refusal(method, params, caller)
                if refusal is not None:
                    answer = {"ok": False, "error": refusal}
                else:
                    answer = fake.answer(method, params)
                fake._record(method, params, caller, 200, answer)
                self._send(200, answer, {})

        return Handler
