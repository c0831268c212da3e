"""An OTLP/HTTP trace receiver: decodes `ExportTraceServiceRequest` protobuf bodies.

Speaks the collector's wire format (POST /v1/traces, application/x-protobuf, optional gzip),
so the real OpenTelemetry exporter of `bmad serve` / `bmad worker` runs unchanged.
"""

from __future__ import annotations

import gzip
import threading
from contextlib import suppress
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from tests.fakes.http_server import LocalHTTPServer
from tests.polling import wait_until


@dataclass(frozen=True)
class ReceivedSpan:
    service: str
    name: str
    trace_id: str
    span_id: str
    parent_span_id: str
    attributes: dict[str, str]


class OTLPReceiver(LocalHTTPServer):
    def __init__(self) -> None:
        super().__init__()
        self.spans: list[ReceivedSpan] = []
        self._lock = threading.Lock()

    def _add(self, body: bytes) -> None:
        request = ExportTraceServiceRequest()
        request.ParseFromString(body)
        with self._lock:
            for resource_spans in request.resource_spans:
                attrs = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
                service = attrs.get("service.name", "")
                for scope in resource_spans.scope_spans:
                    for s in scope.spans:
                        self.spans.append(
                            ReceivedSpan(
                                service=service,
                                name=s.name,
                                trace_id=s.trace_id.hex(),
                                span_id=s.span_id.hex(),
                                parent_span_id=s.parent_span_id.hex(),
                                attributes={
                                    a.key: str(
                                        a.value.string_value
                                        or a.value.int_value
                                        or a.value.bool_value
                                    )
                                    for a in s.attributes
                                },
                            )
                        )

    def wait_for(self, predicate, timeout: float = 30.0) -> list[ReceivedSpan]:  # type: ignore[no-untyped-def]
        """The spans matching `predicate` once there is one; [] if none within `timeout`."""

        def found() -> list[ReceivedSpan]:
            with self._lock:
                return [s for s in self.spans if predicate(s)]

        with suppress(AssertionError):
            return wait_until(found, timeout, "a matching span", interval=0.1)
        return []

    def make_handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                if self.path != "/v1/traces":
                    self.send_response(404)
                    self.end_headers()
                    return
                receiver._add(body)
                reply = ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

        return Handler
