"""A local stand-in for the GitHub REST API, speaking its wire format.

Why: the agents' GitHub fetch (integrations/github/client.py, httpx) must be tested over
HTTP: the token is checked (`Authorization: Bearer <token>`, 401 otherwise), lists are
paginated with `Link: <...>; rel="next"` headers and `per_page`, and comments are stored.

    with FakeGitHub(token="ghp_x") as gh:
        gh.add_pull("acme/shop", 42, files=[{"filename": "app/db.py", "patch": "@@ ..."}])
        gh.tags["acme/shop"] = ["v1.4.0", "v1.3.0"]
        gh.compares[("acme/shop", "v1.3.0", "v1.4.0")] = ["feat: coupons", "fix: rounding"]
        ... settings.github_api_url = gh.base_url
        gh.requests   # (method, path) of every request, in order
        gh.comments   # {(repo, number): [body, ...]}
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes.http_server import LocalHTTPServer


class FakeGitHub(LocalHTTPServer):
    def __init__(self, token: str, page_size: int | None = None) -> None:
        super().__init__()
        self.token = token
        self.page_size = page_size  # force small pages (overrides per_page) to test paging
        self.pulls: dict[tuple[str, int], dict[str, Any]] = {}
        self.files: dict[tuple[str, int], list[dict[str, Any]]] = {}
        self.tags: dict[str, list[str]] = {}
        self.compares: dict[tuple[str, str, str], list[str]] = {}
        self.comments: dict[tuple[str, int], list[str]] = {}
        self.requests: list[tuple[str, str]] = []
        self.unauthorized = 0
        self._lock = threading.Lock()

    def add_pull(
        self, repo: str, number: int, files: list[dict[str, Any]], title: str = ""
    ) -> None:
        self.pulls[(repo, number)] = {
            "number": number,
            "title": title or f"PR {number}",
            "state": "open",
            "html_url": f"https://github.com/{repo}/pull/{number}",
        }
        self.files[(repo, number)] = [
            {"sha": f"{i:040x}", "status": "modified", "additions": 1, "deletions": 0, **f}
            for i, f in enumerate(files)
        ]

    def make_handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _send(self, status: int, body: Any, link: str = "") -> None:
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(raw)))
                if link:
                    self.send_header("Link", link)
                self.end_headers()
                self.wfile.write(raw)

            def _authorized(self) -> bool:
                header = self.headers.get("Authorization", "")
                if header in (f"Bearer {fake.token}", f"token {fake.token}"):
                    return True
                with fake._lock:
                    fake.unauthorized += 1
                self._send(401, {"message": "Bad credentials", "status": "401"})
                return False

            def _page(self, items: list[Any], path: str, query: dict[str, list[str]]) -> None:
                per_page = fake.page_size or int(query.get("per_page", ["30"])[0])
                page = int(query.get("page", ["1"])[0])
                chunk = items[(page - 1) * per_page : page * per_page]
                link = ""
                if page * per_page < len(items):
                    base = f"{fake.base_url}{path}"
                    link = f'<{base}?per_page={per_page}&page={page + 1}>; rel="next"'
                self._send(200, chunk, link)

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                with fake._lock:
                    fake.requests.append(("GET", parts.path))
                if not self._authorized():
                    return
                query = parse_qs(parts.query)
                segs = parts.path.strip("/").split("/")
                if len(segs) < 3 or segs[0] != "repos":
                    self._send(404, {"message": "Not Found"})
                    return
                repo, rest = f"{segs[1]}/{segs[2]}", segs[3:]
                if rest[:1] == ["pulls"] and len(rest) == 2 and (repo, int(rest[1])) in fake.pulls:
                    self._send(200, fake.pulls[(repo, int(rest[1]))])
                elif rest[:1] == ["pulls"] and rest[2:] == ["files"]:
                    files = fake.files.get((repo, int(rest[1])))
                    if files is None:
                        self._send(404, {"message": "Not Found"})
                    else:
                        self._page(files, parts.path, query)
                elif rest == ["tags"] and repo in fake.tags:
                    self._page([{"name": t} for t in fake.tags[repo]], parts.path, query)
                elif rest[:1] == ["compare"] and len(rest) == 2:
                    base, _, head = rest[1].partition("...")
                    messages = fake.compares.get((repo, base, head))
                    if messages is None:
                        self._send(404, {"message": "Not Found"})
                        return
                    commits = [
                        {"sha": f"{i:040x}", "commit": {"message": m}}
                        for i, m in enumerate(messages)
                    ]
                    self._send(
                        200, {"status": "ahead", "total_commits": len(commits), "commits": commits}
                    )
                elif rest[:1] == ["issues"] and rest[2:] == ["comments"]:
                    bodies = fake.comments.get((repo, int(rest[1])), [])
                    self._page(
                        [{"id": i, "body": b} for i, b in enumerate(bodies)], parts.path, query
                    )
                else:
                    self._send(404, {"message": "Not Found"})

            def do_POST(self) -> None:
                parts = urlsplit(self.path)
                body = json.loads(
                    self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}"
                )
                with fake._lock:
                    fake.requests.append(("POST", parts.path))
                if not self._authorized():
                    return
                segs = parts.path.strip("/").split("/")
                if (
                    len(segs) == 6
                    and segs[0] == "repos"
                    and segs[3] == "issues"
                    and segs[5] == "comments"
                ):
                    key = (f"{segs[1]}/{segs[2]}", int(segs[4]))
                    with fake._lock:
                        fake.comments.setdefault(key, []).append(str(body.get("body", "")))
                    self._send(201, {"id": len(fake.comments[key]), "body": body.get("body")})
                else:
                    self._send(404, {"message": "Not Found"})

        return Handler
