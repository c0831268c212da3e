"""SSRF guard for every URL a tenant gives us to call (outbound webhooks, deploy hooks).

A tenant admin must not be able to make our servers call into our own network: the
cloud metadata service (169.254.169.254, metadata.google.internal), PostgreSQL on
localhost:5432, 10.x hosts. So a URL is refused unless it is `https://` and every address
its host resolves to is a public unicast address. Numeric disguises (`2130706433`,
`0x7f.1`, `0.0.0.0`) are resolved like any name, so they are caught by the same rule.

The check runs at registration (a clear error for the admin) and again right before each
call, because DNS can change in between (rebinding). At call time `pin` also fixes the
connection to the address that was checked (the URL gets the IP, `Host` and TLS SNI keep
the name, so the certificate is still verified for the name): a second DNS answer between
check and connect cannot send the request elsewhere. Redirects are never followed by the
callers, so a public URL cannot bounce a request inward.

`BMAD_WEBHOOK_ALLOW_PRIVATE=1` turns the guard off (and allows http) for development and
tests with local receivers only.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from integrations.settings import Settings

Resolver = Callable[..., list[tuple[Any, ...]]]
# Names that mean "this cloud's metadata service" without resolving publicly.
BLOCKED_NAMES = frozenset({"localhost", "metadata.google.internal", "metadata", "instance-data"})
MAX_URL = 2000


class UnsafeUrl(ValueError):
    """Refused; `code` says why (machine-readable), the message is for the admin."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


# IPv6 forms that carry an IPv4 address a gateway may reach: NAT64 (RFC 6052, RFC 8215).
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address inside a mapped, NAT64, 6to4 or IPv4-compatible IPv6 address: on an
    IPv6-only cluster with NAT64, 64:ff9b::a9fe:a9fe reaches 169.254.169.254."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if any(ip in net for net in _NAT64) or (ip in _IPV4_COMPATIBLE and int(ip) > 1):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _public(address: str) -> bool:
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None and not (inner.is_global and not inner.is_multicast):
            return False
    return ip.is_global and not ip.is_multicast


def check_url(settings: Settings, url: str, resolve: Resolver = socket.getaddrinfo) -> list[str]:
    """Raise UnsafeUrl unless `url` may be called from our servers right now; returns the
    checked addresses (none with the development switch on)."""
    parts = urlsplit(url)
    allow_private = settings.webhook_allow_private
    schemes = ("https", "http") if allow_private else ("https",)
    if len(url) > MAX_URL or parts.scheme not in schemes or not parts.hostname:
        raise UnsafeUrl("https_required", "the URL must be an https:// URL with a host name")
    if parts.username or parts.password:
        raise UnsafeUrl("credentials_in_url", "the URL must not carry a user name or password")
    if allow_private:
        return []
    host = parts.hostname.rstrip(".").lower()
    if host in BLOCKED_NAMES or host.endswith((".localhost", ".internal", ".local")):
        raise UnsafeUrl("private_address", f"{host} is an internal host name")
    try:
        port = parts.port or 443
        infos = resolve(host, port, proto=socket.IPPROTO_TCP)
    except (OSError, ValueError, UnicodeError) as err:
        raise UnsafeUrl("unresolvable", f"{host} does not resolve") from err
    addresses = {str(info[4][0]) for info in infos}
    if not addresses:
        raise UnsafeUrl("unresolvable", f"{host} does not resolve")
    for address in sorted(addresses):
        if not _public(address):
            raise UnsafeUrl("private_address", f"{host} resolves to a non-public address")
    return sorted(addresses)


@dataclass(frozen=True)
class Pinned:
    """How to call a checked URL so the connection goes to the checked address."""

    url: str
    headers: dict[str, str] = field(default_factory=dict)
    extensions: dict[str, Any] = field(default_factory=dict)


def pin(settings: Settings, url: str, resolve: Resolver = socket.getaddrinfo) -> Pinned:
    addresses = check_url(settings, url, resolve)
    if not addresses:  # development switch: call as given
        return Pinned(url)
    parts = urlsplit(url)
    address = addresses[0]
    host = f"[{address}]" if ":" in address else address
    netloc = f"{host}:{parts.port}" if parts.port else host
    hostname = parts.hostname or ""
    return Pinned(
        url=urlunsplit(parts._replace(netloc=netloc)),
        headers={"Host": f"{hostname}:{parts.port}" if parts.port else hostname},
        extensions={"sni_hostname": hostname},
    )
