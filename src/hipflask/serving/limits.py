"""The request limits of ``hipflask run``: waitress, guarded at the edge.

Waitress alone takes a 100 kB request line, any number of headers up to 256 kB in all, waits
two minutes for an idle client, and reads a body sent with both ``Content-Length`` and
``Transfer-Encoding`` as chunked while keeping the connection open. Behind a proxy that reads
the length instead, that last one lets a client smuggle a second request. The server built here
answers those with the status a proxy would give (414, 431, 400 and a closed connection) and
closes a connection whose headers take longer than :attr:`ServerLimits.header_timeout`.
"""

from __future__ import annotations

import dataclasses
import socket
import time
from typing import Any

from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser, ParsingError
from waitress.server import TcpWSGIServer
from waitress.task import ThreadedTaskDispatcher
from waitress.utilities import BadRequest, RequestHeaderFieldsTooLarge

__all__ = ["ServerLimits", "waitress_server"]


@dataclasses.dataclass(frozen=True)
class ServerLimits:
    """The limits ``hipflask run`` puts on each request before the app sees it.

    The sizes match gunicorn's ``limit_request_*`` settings (see docs/deployment.md).
    """

    #: Longest request line (method, target, version), in bytes: 414 beyond.
    request_line: int = 8190
    #: Most header fields in one request: 431 beyond.
    request_fields: int = 100
    #: Longest single header field (name and value), in bytes: 431 beyond.
    request_field_size: int = 8190
    #: All headers together, in bytes: 431 beyond.
    request_header_size: int = 65536
    #: Seconds a client may take to send its request line and headers.
    header_timeout: int = 20
    #: Seconds a connection may stay idle (between requests, or in a stalled body).
    idle_timeout: int = 30


class _URITooLong(BadRequest):  # type: ignore[misc]
    code = 414
    reason = "URI Too Long"


class _GuardedParser(HTTPRequestParser):  # type: ignore[misc]
    """Waitress's request parser with :class:`ServerLimits` checked on the raw header block."""

    limits = ServerLimits()

    def __init__(self, adj: Adjustments) -> None:
        super().__init__(adj)
        self.started = time.time()
        self.refused: BadRequest | None = None

    def received(self, data: bytes) -> int:
        consumed: int = super().received(data)
        if self.refused is not None:
            self.error = self.refused
            self.completed = True
        return consumed

    def parse_header(self, header_plus: bytes) -> None:
        self.refused = self._refusal(header_plus)
        if self.refused is not None:
            # NOTE: waitress parses a stand-in request line the same way before it answers its
            # own "headers too large" error, so the error response has a request to belong to.
            super().parse_header(b"GET / HTTP/1.0\r\n")
            return
        super().parse_header(header_plus)
        # SECURITY: with both headers, a proxy in front may frame the body by its length while
        # waitress reads it as chunked; the rest would be served as a second, smuggled request.
        # The 400 closes the connection (waitress closes after every error response).
        if "CONTENT_LENGTH" in self.headers and (
            self.chunked or "TRANSFER_ENCODING" in self.headers
        ):
            raise ParsingError("Content-Length and Transfer-Encoding in one request")

    def _refusal(self, header_plus: bytes) -> BadRequest | None:
        limits = self.limits
        lines = header_plus.split(b"\r\n")
        if len(lines[0]) > limits.request_line:
            return _URITooLong(f"the request line exceeds {limits.request_line} bytes")
        fields = [line for line in lines[1:] if line and line[:1] not in b" \t"]
        if len(fields) > limits.request_fields:
            return RequestHeaderFieldsTooLarge(f"more than {limits.request_fields} header fields")
        if any(len(line) > limits.request_field_size for line in lines[1:]):
            return RequestHeaderFieldsTooLarge(
                f"a header field exceeds {limits.request_field_size} bytes"
            )
        return None


class _GuardedServer(TcpWSGIServer):  # type: ignore[misc]
    """A waitress server that also closes connections whose headers arrive too slowly."""

    header_timeout = ServerLimits.header_timeout

    def maintenance(self, now: float) -> None:
        super().maintenance(now)
        # SECURITY: waitress's own timeout only closes idle connections, so a client sending a
        # header byte every few seconds (slowloris) would hold a connection for ever.
        cutoff = now - self.header_timeout
        for channel in self.active_channels.values():
            partial = channel.request
            if partial is not None and not partial.headers_finished and partial.started < cutoff:
                channel.will_close = True


def waitress_server(
    wsgi_app: Any, sock: socket.socket, threads: int, limits: ServerLimits | None = None
) -> Any:
    """Return a waitress server for ``wsgi_app`` on the bound ``sock``, enforcing ``limits``.

    Call ``run()`` on it to serve and ``close()`` to stop.
    """
    limits = limits or ServerLimits()
    parser = type("GuardedParser", (_GuardedParser,), {"limits": limits})
    channel = type("GuardedChannel", (HTTPChannel,), {"parser_class": parser})
    server_class = type(
        "GuardedServer",
        (_GuardedServer,),
        {"channel_class": channel, "header_timeout": limits.header_timeout},
    )
    adj = Adjustments(
        sockets=[sock],
        threads=threads,
        ident="hipflask",
        channel_timeout=limits.idle_timeout,
        cleanup_interval=max(1, min(limits.header_timeout, limits.idle_timeout) // 2),
        max_request_header_size=limits.request_header_size,
    )
    dispatcher = ThreadedTaskDispatcher()
    dispatcher.set_thread_count(threads)
    sockinfo = (sock.family, sock.type, sock.proto, sock.getsockname())
    return server_class(
        wsgi_app,
        {},
        True,
        sock,
        dispatcher=dispatcher,
        adj=adj,
        bind_socket=False,
        sockinfo=sockinfo,
    )
