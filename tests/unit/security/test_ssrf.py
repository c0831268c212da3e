"""The SSRF guard: internal targets refused at registration and again at delivery."""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from integrations.db.events import enqueue_event
from integrations.db.models import WebhookDelivery
from integrations.db.session import tenant_session
from integrations.security.ssrf import UnsafeUrl, check_url, pin
from integrations.settings import Settings
from integrations.webhooks_out.endpoints import EndpointError, add_endpoint
from integrations.webhooks_out.worker import drain
from tests.conftest import make_tenant
from tests.fakes.http_server import LocalHTTPServer

INTERNAL = [
    "https://169.254.169.254/latest/meta-data/",
    "https://metadata.google.internal/computeMetadata/v1/",
    "https://0.0.0.0/",
    "https://2130706433/",
    "https://0x7f.1/",
    "https://10.1.2.3/hook",
    "https://localhost:5432/",
    "https://127.0.0.1/",
    "https://[::1]/",
    "https://[::ffff:169.254.169.254]/",
    # IPv4 addresses inside IPv6 transition forms (found by QA): NAT64, 6to4, IPv4-compatible
    "https://[64:ff9b::a9fe:a9fe]/",
    "https://[2002:a9fe:a9fe::1]/",
    "https://[::a9fe:a9fe]/",
    "https://224.0.0.1/",
    "https://192.168.1.10/",
    "https://user:pw@example.com/",
    "http://example.com/hook",
    "ftp://example.com/",
]


def _public_dns(host: str, port: int, **_kw: Any) -> list[tuple[Any, ...]]:
    return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port))]


def _private_dns(host: str, port: int, **_kw: Any) -> list[tuple[Any, ...]]:
    return [
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", port)),
    ]


@pytest.mark.parametrize("url", INTERNAL)
def test_internal_targets_are_refused(embedded_settings: Settings, url: str) -> None:
    with pytest.raises(UnsafeUrl):
        check_url(embedded_settings, url)


def test_public_https_passes_and_one_private_address_is_enough_to_refuse(
    embedded_settings: Settings,
) -> None:
    check_url(embedded_settings, "https://hooks.example.com/x", resolve=_public_dns)
    with pytest.raises(UnsafeUrl) as err:
        check_url(embedded_settings, "https://hooks.example.com/x", resolve=_private_dns)
    assert err.value.code == "private_address"


def test_the_call_is_pinned_to_the_checked_address(embedded_settings: Settings) -> None:
    """A second DNS answer between check and connect cannot redirect the call: the URL
    carries the checked IP, Host and TLS SNI keep the name (certificate still checked)."""
    target = pin(embedded_settings, "https://hooks.example.com:8443/x?y=1", resolve=_public_dns)
    assert target.url == "https://93.184.216.34:8443/x?y=1"
    assert target.headers == {"Host": "hooks.example.com:8443"}
    assert target.extensions == {"sni_hostname": "hooks.example.com"}
    dev = embedded_settings.model_copy(update={"webhook_allow_private": True})
    assert pin(dev, "http://127.0.0.1:9/x").url == "http://127.0.0.1:9/x"


def test_development_switch_allows_local_receivers(embedded_settings: Settings) -> None:
    dev = embedded_settings.model_copy(update={"webhook_allow_private": True})
    check_url(dev, "http://127.0.0.1:8080/hook")
    with pytest.raises(UnsafeUrl):
        check_url(dev, "ftp://127.0.0.1/")


@pytest.mark.parametrize("url", INTERNAL[:8])
def test_registration_refuses_internal_targets(
    embedded_settings: Settings, tenant_id: str, url: str
) -> None:
    make_tenant(embedded_settings.database_url, tenant_id)
    with (
        pytest.raises(EndpointError),
        tenant_session(embedded_settings.database_url, tenant_id) as session,
    ):
        add_endpoint(session, embedded_settings, tenant_id, url, ["run.failed"])


class _Receiver(LocalHTTPServer):
    def __init__(self) -> None:
        super().__init__()
        self.hits = 0

    def make_handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                receiver.hits += 1
                self.send_response(200)
                self.end_headers()

        return Handler


def test_delivery_checks_again_so_a_target_that_turned_internal_gets_nothing(
    embedded_settings: Settings, tenant_id: str
) -> None:
    """Registered while it was allowed (think: DNS then pointed outside); at delivery the
    address is internal, so nothing is sent and the attempt is recorded as blocked."""
    make_tenant(embedded_settings.database_url, tenant_id)
    dev = embedded_settings.model_copy(update={"webhook_allow_private": True})
    with _Receiver() as receiver:
        with tenant_session(dev.database_url, tenant_id) as session:
            add_endpoint(session, dev, tenant_id, receiver.base_url + "/hook", ["run.failed"])
            enqueue_event(session, tenant_id, "run.failed", {"run_id": 1})
        report = drain(embedded_settings, datetime.now(UTC))
        assert receiver.hits == 0
        assert [a.error for a in report.deliveries.attempts] == ["blocked: https_required"]
        with tenant_session(dev.database_url, tenant_id) as session:
            rows = list(session.query(WebhookDelivery))
        assert rows and rows[0].status != "delivered"
