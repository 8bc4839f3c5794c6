"""Serving an app: the waitress runner and reloader, TLS through gunicorn.

The gunicorn config (``gunicorn -c python:hipflask.gunicorn_conf``) stays a top-level module so
that the documented command line keeps working.
"""

from __future__ import annotations

from .runner import (
    RequestLogger,
    StartupError,
    check_secret_key,
    check_startup,
    is_running_from_reloader,
    run_app,
    serve,
    serve_wsgi,
)

__all__ = [
    "RequestLogger",
    "StartupError",
    "check_secret_key",
    "check_startup",
    "is_running_from_reloader",
    "run_app",
    "serve",
    "serve_wsgi",
]
