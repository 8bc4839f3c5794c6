"""ProxyFix: trust ``X-Forwarded-*`` headers from a known number of reverse proxies.

Behind nginx, the WSGI server sees the proxy's address and plain HTTP. Wrapping the app::

    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)

rewrites the environ from the headers the proxy sets, so ``request.remote_addr``,
``request.scheme``, ``request.host`` and ``url_for(..., _external=True)`` are right. Each count
is the number of proxies that set that header; only that many values, counted from the right,
are trusted (the leftmost values come from the client and can be forged). The semantics are
Werkzeug's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["ProxyFix"]

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

_SCHEMES = frozenset(("http", "https", "ws", "wss"))


class ProxyFix:
    """Wrap a WSGI app to apply the ``X-Forwarded-*`` headers of ``x_*`` trusted proxies.

    A count of 0 ignores that header. A header with fewer values than its count is ignored
    entirely: the request did not come through all the proxies, so none of its values are
    trustworthy. The original values are kept in ``environ["hipflask.proxy_fix.orig"]``.
    """

    def __init__(
        self,
        app: WSGIApp,
        x_for: int = 1,
        x_proto: int = 1,
        x_host: int = 0,
        x_port: int = 0,
        x_prefix: int = 0,
    ) -> None:
        for name, count in (
            ("x_for", x_for),
            ("x_proto", x_proto),
            ("x_host", x_host),
            ("x_port", x_port),
            ("x_prefix", x_prefix),
        ):
            if count < 0:
                raise ValueError(f"{name} must be 0 or a positive number of proxies.")
        self.app = app
        self.x_for = x_for
        self.x_proto = x_proto
        self.x_host = x_host
        self.x_port = x_port
        self.x_prefix = x_prefix

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        """Rewrite the environ from the trusted headers, then call the wrapped app."""
        get = environ.get
        environ["hipflask.proxy_fix.orig"] = {
            "REMOTE_ADDR": get("REMOTE_ADDR"),
            "wsgi.url_scheme": get("wsgi.url_scheme"),
            "HTTP_HOST": get("HTTP_HOST"),
            "SERVER_NAME": get("SERVER_NAME"),
            "SERVER_PORT": get("SERVER_PORT"),
            "SCRIPT_NAME": get("SCRIPT_NAME"),
        }
        x_for = _trusted_value(self.x_for, get("HTTP_X_FORWARDED_FOR"))
        if x_for:
            environ["REMOTE_ADDR"] = x_for
        x_proto = _trusted_value(self.x_proto, get("HTTP_X_FORWARDED_PROTO"))
        if x_proto and x_proto.lower() in _SCHEMES:
            environ["wsgi.url_scheme"] = x_proto.lower()
        x_host = _trusted_value(self.x_host, get("HTTP_X_FORWARDED_HOST"))
        if x_host:
            _set_host(environ, x_host)
        x_port = _trusted_value(self.x_port, get("HTTP_X_FORWARDED_PORT"))
        if x_port and x_port.isdigit() and 0 < int(x_port) < 65536:
            _set_port(environ, x_port)
        x_prefix = _trusted_value(self.x_prefix, get("HTTP_X_FORWARDED_PREFIX"))
        if x_prefix:
            prefix = x_prefix.strip("/")
            environ["SCRIPT_NAME"] = f"/{prefix}" if prefix else ""
        return self.app(environ, start_response)


def _trusted_value(trusted: int, header: str | None) -> str | None:
    """Return the value the outermost trusted proxy appended, or None.

    # SECURITY: the client controls everything left of what our proxies appended, so take the
    # ``trusted``-th value from the right and ignore a header too short to have passed them all.
    """
    if not (trusted and header):
        return None
    values = [value.strip() for value in header.split(",")]
    if len(values) < trusted:
        return None
    return values[-trusted] or None


def _set_host(environ: dict[str, Any], host: str) -> None:
    environ["HTTP_HOST"] = environ["SERVER_NAME"] = host
    # NOTE: "]" ends an IPv6 literal without a port, like "[::1]".
    if ":" in host and not host.endswith("]"):
        environ["SERVER_NAME"], environ["SERVER_PORT"] = host.rsplit(":", 1)


def _set_port(environ: dict[str, Any], port: str) -> None:
    host = environ.get("HTTP_HOST")
    if host:
        if ":" in host and not host.endswith("]"):
            host = host.rsplit(":", 1)[0]
        environ["HTTP_HOST"] = f"{host}:{port}"
    environ["SERVER_PORT"] = port
