"""Flask's ``flask.globals``: the context-local proxies and the context variables."""

from __future__ import annotations

from .ctx import (
    _cv_app,
    _cv_request,
    app_ctx,
    app_ctx_var,
    current_app,
    g,
    request,
    request_ctx,
    request_ctx_var,
    session,
)

__all__ = [
    "_cv_app",
    "_cv_request",
    "app_ctx",
    "app_ctx_var",
    "current_app",
    "g",
    "request",
    "request_ctx",
    "request_ctx_var",
    "session",
]
