"""The request id: taken from ``X-Request-ID`` when the client (or proxy) sent a sane one.

An id is made on first use and kept in the WSGI environ, so every log record of a request, the
access line, the ``X-Request-ID`` response header and the 500 page all quote the same one.
Nothing here runs unless something asks for the id: request logging (``LOG_FORMAT = "json"`` or
``ACCESS_LOG``), an unhandled exception, or your own call to :func:`request_id`.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

from ..ctx import _NO_CTX, _ctx

if TYPE_CHECKING:
    from ..request import Request

__all__ = ["HEADER", "MAX_LENGTH", "new_request_id", "request_id", "sane_request_id"]

#: The request header read, and the response header that echoes the id.
HEADER = "X-Request-ID"
#: The longest incoming id kept; longer ones are replaced by a generated id.
MAX_LENGTH = 128

_ENVIRON_KEY = "hipflask.request_id"
# SECURITY: a client-chosen id ends up in log lines and a response header: letters, digits and
# a few punctuation marks only (what UUIDs, nginx's $request_id and tracing ids use), so it can
# neither split a log line (CR/LF), nor inject markup, quotes or shell metacharacters.
_SANE = re.compile(r"[A-Za-z0-9._:+/=@-]+")


def new_request_id() -> str:
    """Return a fresh id: 32 random hex digits (128 bits, as a UUID4 without the dashes)."""
    return os.urandom(16).hex()


def sane_request_id(value: str | None) -> str | None:
    """Return ``value`` if it is a usable id (1 to 128 safe ASCII characters), else None."""
    # NOTE: the length is checked first, so a 10 kB header costs no regex work.
    if not value or len(value) > MAX_LENGTH or not _SANE.fullmatch(value):
        return None
    return value


def request_id(request: Request | None = None) -> str:
    """Return the id of ``request`` (default: the current one), making it on first use.

    The incoming ``X-Request-ID`` is kept when :func:`sane_request_id` accepts it; otherwise
    (missing, too long, control characters, non-ASCII) a new id replaces it. Raise RuntimeError
    outside a request when no request is given.
    """
    if request is None:
        ctx = _ctx.get(_NO_CTX)[1]
        if ctx is None:
            raise RuntimeError("request_id() needs a request: call it while handling one.")
        request = ctx.request
    environ = request.environ
    value: str | None = environ.get(_ENVIRON_KEY)
    if value is None:
        value = sane_request_id(environ.get("HTTP_X_REQUEST_ID")) or new_request_id()
        environ[_ENVIRON_KEY] = value
    return value
