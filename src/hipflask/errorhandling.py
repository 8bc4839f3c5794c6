"""The app's error handling: handler lookup, the 500 answer, and logging what nothing handled.

These functions are methods of :class:`~hipflask.app.App`, bound in its class body
(``handle_exception = errorhandling.handle_exception``), so subclasses override them as before.
They run only when a hook or a view raised; the request pipeline itself stays in ``app.py``.
"""

from __future__ import annotations

from collections.abc import Callable

from .exceptions import HTTPException, InternalServerError, RequestRedirect

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .app import App
    from .ctx import RequestContext
    from .response import Response


def _propagates_exceptions(self: App) -> bool:
    """Tell whether errors are re-raised: ``PROPAGATE_EXCEPTIONS``, or ``TESTING`` when None."""
    propagate = self.config["PROPAGATE_EXCEPTIONS"]
    return bool(self.testing if propagate is None else propagate)


def handle_user_exception(self: App, ctx: RequestContext, exc: Exception) -> Any:
    """Find a handler for an exception raised by a hook or a view; re-raise when none."""
    if isinstance(exc, HTTPException):
        return self.handle_http_exception(ctx, exc)
    handler = self._find_error_handler(exc, ctx.request._scopes)
    if handler is None:
        raise exc
    return handler(exc)


def handle_http_exception(self: App, ctx: RequestContext, exc: HTTPException) -> Any:
    """Run the registered handler for an HTTP error, or return the error as the response."""
    if isinstance(exc, RequestRedirect):
        return exc
    handler = self._find_error_handler(exc, ctx.request._scopes)
    if handler is None:
        if exc.code >= 500 or exc.code in (400, 413):
            from .logs.fields import printable, safe_path

            path = printable(safe_path(ctx.request))
            self.logger.info("%s %s -> %s", ctx.request.method, path, exc)
        return exc
    return handler(exc)


def _find_error_handler(
    self: App, exc: BaseException, scopes: tuple[str | None, ...]
) -> Callable[[Any], Any] | None:
    if not self.error_handler_spec:
        return None
    exc_class = type(exc)
    code = exc.code if isinstance(exc, HTTPException) else None
    for c in (code, None) if code is not None else (None,):
        for scope in scopes:
            handler_map = self.error_handler_spec.get(scope, {}).get(c)
            if not handler_map:
                continue
            for cls in exc_class.__mro__:
                handler = handler_map.get(cls)
                if handler is not None:
                    return handler
    return None


def handle_exception(self: App, ctx: RequestContext, exc: Exception) -> Response:
    """Answer an exception nothing handled: log it and return a 500 (or re-raise in tests)."""
    if self._signals_active:
        self._send_signal("got_request_exception", exception=exc)
    if isinstance(exc, HTTPException):
        return self.finalize_request(ctx, exc, from_error_handler=True)
    if self._propagates_exceptions():
        raise exc
    self.log_exception(ctx, exc)
    from .logs.request_ids import request_id

    server_error: Any = InternalServerError(
        original_exception=exc, request_id=request_id(ctx.request)
    )
    handler = self._find_error_handler(server_error, ctx.request._scopes)
    if handler is not None:
        server_error = handler(server_error)
    elif self.debug:
        server_error = self._debug_error_page(exc)
    return self.finalize_request(ctx, server_error, from_error_handler=True)


def log_exception(self: App, ctx: RequestContext, exc: BaseException) -> None:
    """Log an unhandled exception: traceback, request line, redacted headers, request id."""
    from .logs.errors import log_exception

    log_exception(self, ctx.request, exc)


def _debug_error_page(self: App, exc: BaseException) -> Response:
    import traceback
    from html import escape

    trace = "".join(traceback.format_exception(exc))
    body = (
        "<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error (debug)</title>\n"
        f"<h1>{escape(type(exc).__name__)}: {escape(str(exc))}</h1>\n"
        f"<pre>{escape(trace)}</pre>\n"
        "<p>This page is shown because debug mode is on. Never enable it in production.\n"
    )
    return self.response_class(body, 500)
