"""A local OpenID Connect provider: discovery, authorize, token, JWKS; RS256 ID tokens.

Why: the console's sign-in runs Authlib for real (discovery, state, nonce, code exchange,
signature and claim checks), so the stand-in has to speak the protocol: the authorization
endpoint redirects back with a code, the token endpoint wants the client's credentials
(HTTP Basic or form) and the same redirect_uri, and answers with an ID token signed by a key
published at `jwks_uri`. `person` holds the claims of whoever "signs in" next (e.g. Slack's
`https://slack.com/team_id`); `forge` makes the next token lie in one way, to prove the
console refuses it.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler
from typing import Any, Literal
from urllib.parse import parse_qs, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from tests.fakes.http_server import LocalHTTPServer

Forgery = Literal["", "foreign_key", "audience", "nonce", "issuer", "expired"]


class FakeOIDCProvider(LocalHTTPServer):
    def __init__(self, client_id: str, client_secret: str, host: str = "127.0.0.1") -> None:
        super().__init__(host)
        self.client_id = client_id
        self.client_secret = client_secret
        self.key = RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig"})
        self.person: dict[str, Any] = {"sub": "nobody"}
        self.forge: Forgery = ""
        self.token_requests = 0
        self._codes: dict[str, dict[str, str]] = {}
        self._lock = threading.Lock()

    def metadata(self) -> dict[str, Any]:
        base = self.base_url
        return {
            "issuer": base,
            "authorization_endpoint": f"{base}/authorize",
            "token_endpoint": f"{base}/token",
            "jwks_uri": f"{base}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "scopes_supported": ["openid", "profile", "email"],
        }

    def id_token(self, nonce: str) -> str:
        now = int(time.time())
        claims = {
            "iss": self.base_url,
            "aud": self.client_id,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            **self.person,
        }
        key = self.key
        if self.forge == "foreign_key":  # same kid, a key the provider never published
            key = RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig"})
        elif self.forge == "audience":
            claims["aud"] = "some-other-app"
        elif self.forge == "nonce":
            claims["nonce"] = "replayed"
        elif self.forge == "issuer":
            claims["iss"] = "https://evil.example"
        elif self.forge == "expired":
            claims["iat"], claims["exp"] = now - 7200, now - 3600
        return jwt.encode({"alg": "RS256", "kid": "k1"}, claims, key)

    def make_handler(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _json(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/.well-known/openid-configuration":
                    self._json(200, provider.metadata())
                elif url.path == "/jwks":
                    self._json(200, KeySet([provider.key]).as_dict(private=False))
                elif url.path == "/authorize":
                    self._authorize(query)
                else:
                    self._json(404, {"error": "not_found"})

            def _authorize(self, query: dict[str, str]) -> None:
                if query.get("client_id") != provider.client_id or "openid" not in query.get(
                    "scope", ""
                ).split(" "):
                    self._json(400, {"error": "invalid_request"})
                    return
                code = secrets.token_urlsafe(16)
                with provider._lock:
                    provider._codes[code] = {
                        "nonce": query.get("nonce", ""),
                        "redirect_uri": query.get("redirect_uri", ""),
                    }
                back = urlencode({"code": code, "state": query.get("state", "")})
                self.send_response(302)
                self.send_header("Location", f"{query.get('redirect_uri', '')}?{back}")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if urlsplit(self.path).path != "/token":
                    self._json(404, {"error": "not_found"})
                    return
                with provider._lock:
                    provider.token_requests += 1
                    grant = provider._codes.pop(form.get("code", ""), None)  # one use
                if not self._client_ok(form):
                    self._json(401, {"error": "invalid_client"})
                elif grant is None or grant["redirect_uri"] != form.get("redirect_uri"):
                    self._json(400, {"error": "invalid_grant"})
                else:
                    self._json(
                        200,
                        {
                            "access_token": secrets.token_urlsafe(24),
                            "token_type": "Bearer",
                            "expires_in": 3600,
                            "id_token": provider.id_token(grant["nonce"]),
                        },
                    )

            def _client_ok(self, form: dict[str, str]) -> bool:
                auth = self.headers.get("Authorization", "")
                if auth.startswith("Basic "):
                    pair = base64.b64decode(auth[6:]).decode()
                    client_id, _, secret = pair.partition(":")
                else:
                    client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
                return client_id == provider.client_id and secret == provider.client_secret

        return Handler
