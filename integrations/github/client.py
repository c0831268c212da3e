"""The GitHub REST API as the agents need it: a pull request and its files, a compare
between two tags, the repository's tags, and one issue comment.

Why httpx and not a GitHub SDK: five GET/POST calls with `Link`-header pagination; the
base URL is `GITHUB_API_URL` so GitHub Enterprise and the tests' stand-in work alike.
Errors leave as `GitHubError` with a short code; the token never appears in one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx

from integrations.settings import Settings

API_VERSION = "2022-11-28"
PER_PAGE = 100
MAX_PAGES = 30  # GitHub itself lists at most 3000 files of a pull request
NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')


class GitHubError(RuntimeError):
    """`code`: unauthorized | not_found | rate_limited | unavailable."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class GitHubClient:
    def __init__(self, settings: Settings, token: str, timeout: float = 20.0) -> None:
        self._http = httpx.Client(
            base_url=settings.github_api_url.rstrip("/"),
            timeout=timeout,
            headers={
                "Authorization": f"Bearer {token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": API_VERSION,
                "User-Agent": "bmad-agents",
            },
        )

    def __enter__(self) -> GitHubClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self._http.close()

    def pull(self, repo: str, number: int) -> dict[str, Any]:
        return self._get(f"/repos/{repo}/pulls/{number}").json()

    def pull_files(self, repo: str, number: int) -> Iterator[dict[str, Any]]:
        yield from self._pages(f"/repos/{repo}/pulls/{number}/files")

    def tags(self, repo: str) -> list[str]:
        return [str(t.get("name", "")) for t in self._pages(f"/repos/{repo}/tags", max_pages=2)]

    def compare(self, repo: str, base: str, head: str) -> dict[str, Any]:
        return self._get(f"/repos/{repo}/compare/{base}...{head}").json()

    def comments(self, repo: str, number: int) -> Iterator[dict[str, Any]]:
        yield from self._pages(f"/repos/{repo}/issues/{number}/comments", max_pages=10)

    def comment(self, repo: str, number: int, body: str) -> dict[str, Any]:
        return self._send("POST", f"/repos/{repo}/issues/{number}/comments", {"body": body}).json()

    def _pages(self, path: str, max_pages: int = MAX_PAGES) -> Iterator[dict[str, Any]]:
        url: str | None = path
        params: dict[str, Any] | None = {"per_page": PER_PAGE}
        for _ in range(max_pages):
            if url is None:
                return
            response = self._get(url, params)
            items = response.json()
            if not isinstance(items, list):
                raise GitHubError("unavailable")
            yield from items
            found = NEXT.search(response.headers.get("link", ""))
            url, params = (found.group(1), None) if found else (None, None)

    def _get(self, url: str, params: dict[str, Any] | None = None) -> httpx.Response:
        return self._send("GET", url, params=params)

    def _send(
        self,
        method: str,
        url: str,
        body: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
    ) -> httpx.Response:
        try:
            response = self._http.request(method, url, json=body, params=params)
        except httpx.HTTPError:
            raise GitHubError("unavailable") from None
        if (
            response.status_code in (401, 403)
            and response.headers.get("x-ratelimit-remaining") == "0"
        ):
            raise GitHubError("rate_limited")
        if response.status_code in (401, 403):
            raise GitHubError("unauthorized")
        if response.status_code == 404:
            raise GitHubError("not_found")
        if response.status_code == 429:
            raise GitHubError("rate_limited")
        if response.status_code >= 400:
            raise GitHubError("unavailable")
        return response
