"""The access line: one record per request on ``<app name>.access``, and the id echo.

Installed by :func:`hipflask.logs.setup.configure_logging` when ``LOG_FORMAT = "json"`` or
``ACCESS_LOG`` is on, never otherwise, so an app without them does no per-request work here.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from ..ctx import _cv_request
from .fields import printable, request_fields
from .request_ids import HEADER, request_id

if TYPE_CHECKING:
    from ..app import App
    from ..response import Response

__all__ = ["access_logger", "init_request_logging"]

_START_KEY = "hipflask.request_start"


def access_logger(app: App) -> logging.Logger:
    """Return the access logger: ``<app name>.access``, a child of ``app.logger``.

    Its records reach the app logger's handlers (so the JSON handler too); set its level to
    WARNING (or ``ACCESS_LOG = False``) to silence it.
    """
    return app.logger.getChild("access")


def init_request_logging(app: App, access: bool) -> None:
    """Echo the request id on every response and, when ``access``, log an access line.

    The hooks are the first before_request hook and the last after_request hook to run, so
    the duration spans the hooks and the view and the status is the one sent; a streamed body
    is sent after the line is written. Install once (``app.extensions["request_logging"]``).
    """
    if "request_logging" in app.extensions:
        return
    logger = access_logger(app)
    if access and logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)

    def start_timer() -> None:
        ctx = _cv_request.get()
        ctx.request.environ[_START_KEY] = time.perf_counter()

    def log_request(response: Response) -> Response:
        ctx = _cv_request.get()
        response.headers[HEADER] = request_id(ctx.request)
        if access and logger.isEnabledFor(logging.INFO):
            _log_access(logger, ctx, response)
        return response

    app.extensions["request_logging"] = log_request
    # NOTE: app hooks run in list order before the view and in reverse order after it: index 0
    # is first before and last after.
    if access:
        app.before_request_funcs.setdefault(None, []).insert(0, start_timer)
    app.after_request_funcs.setdefault(None, []).insert(0, log_request)


def _log_access(logger: logging.Logger, ctx: Any, response: Response) -> None:
    started = ctx.request.environ.get(_START_KEY)
    duration = None if started is None else round((time.perf_counter() - started) * 1000, 3)
    fields = request_fields(ctx.app, ctx.request)
    fields["status"] = response.status_code
    fields["duration_ms"] = duration
    logger.info(
        '%s %s "%s %s" %s %sms %s',
        fields["remote_addr"] or "-",
        printable(fields["user_id"] or "-"),
        printable(fields["method"]),
        printable(fields["path"]),
        fields["status"],
        "-" if duration is None else f"{duration:.2f}",
        fields["request_id"],
        extra=fields,
    )
