"""The record of an unhandled exception: one ERROR with everything needed to find the cause.

It carries the traceback, the request line, the request headers with secrets redacted (see
:mod:`hipflask.logs.redact`) and the request id that the 500 page shows the user. With
``LOG_FORMAT = "json"`` the request line and headers are fields of the record; in text they
follow the first line of the message, so a plain handler prints them too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .fields import printable, request_fields, safe_path
from .redact import redact_headers, redact_query

if TYPE_CHECKING:
    from ..app import App
    from ..request import Request

__all__ = ["log_exception", "request_line"]


def log_exception(app: App, request: Request, exc: BaseException) -> None:
    """Log ``exc``, raised while answering ``request``, as one ERROR record on ``app.logger``."""
    fields = request_fields(app, request)
    path, method = printable(fields["path"]), printable(fields["method"])
    headers = redact_headers(request.headers)
    line = request_line(request)
    extra = {**fields, "status": 500, "request_line": line, "headers": headers}
    if app.config.get("LOG_FORMAT") == "json":
        app.logger.error("Exception on %s [%s]", path, method, exc_info=exc, extra=extra)
        return
    detail = "\n".join(f"{name}: {printable(value)}" for name, value in headers.items())
    app.logger.error(
        "Exception on %s [%s] (request id %s)\n%s\n%s",
        path,
        method,
        extra["request_id"],
        line,
        detail,
        exc_info=exc,
        extra=extra,
    )


def request_line(request: Request) -> str:
    """Return ``METHOD /path?query PROTOCOL``, secret query values redacted, controls escaped."""
    target = safe_path(request)
    query = redact_query(str(request.environ.get("QUERY_STRING") or ""))
    if query:
        target = f"{target}?{query}"
    protocol = request.environ.get("SERVER_PROTOCOL", "HTTP/1.1")
    return printable(f"{request.method} {target} {protocol}")
