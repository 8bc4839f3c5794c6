"""Values of the WSGI environ as text: PEP 3333's latin-1 strings decoded, the server's host.

A WSGI server hands the path and the query string over as latin-1 "bytes as str"; these
functions turn them into the UTF-8 text the client meant.
"""

from __future__ import annotations

from .exceptions import BadRequest

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def _server_host(environ: dict[str, Any]) -> str:
    """Return ``SERVER_NAME:SERVER_PORT``, for a request that sent no Host header."""
    name = str(environ.get("SERVER_NAME") or "localhost")
    if ":" in name and name[0] != "[":
        name = f"[{name}]"  # NOTE: an IPv6 server address, bracketed as in a Host header
    port = environ.get("SERVER_PORT")
    return f"{name}:{port}" if port else name


def _decode_wsgi_str(value: str) -> str:
    """Turn a PEP 3333 latin-1 "bytes as str" value into real text, or raise 400."""
    if value.isascii():
        return value
    try:
        return value.encode("latin-1").decode("utf-8")
    except UnicodeError:
        raise BadRequest("The URL is not valid UTF-8.") from None


def _decode_wsgi_str_lenient(value: str) -> str:
    """Like ``_decode_wsgi_str`` but replace undecodable bytes (query strings are best-effort)."""
    if value.isascii():
        return value
    return value.encode("latin-1", "replace").decode("utf-8", "replace")
