"""Where the app reaches the layers above it: config switches and the services it hands out.

The app (layer 2) is built before the services (layer 3: sessions, templating, the test client,
the CLI, the server) and the batteries (layer 4) that are built on it, so it never imports them
itself. Everything it hands out from above (``app.test_client()``, ``app.cli``,
``app.jinja_env``, ``app.session_interface``, ``app.run()``) and every config switch that
installs a battery is looked up here, on first use: this module is the one seam, and
tests/test_layers.py allows no other upward import.
"""

from __future__ import annotations

import sys

from .secret_key import warn_weak_secret_key

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .app import App
    from .cli.appgroup import AppGroup
    from .sessions.base import SessionInterface

__all__ = [
    "cli_group",
    "cli_runner_class",
    "environ_builder_class",
    "finalize",
    "jinja_environment",
    "run",
    "session_interface",
    "test_client_class",
]


def finalize(app: App) -> None:
    """Install the batteries the app's config switches ask for.

    ``CSRF_PROTECT`` installs :class:`~hipflask.csrf.CSRFProtect`; ``SECURITY_HEADERS`` (on by
    default), ``CONTENT_SECURITY_POLICY`` and ``HSTS_MAX_AGE`` the hook of
    :func:`~hipflask.secure_headers.init_security_headers`; a weak ``SECRET_KEY`` logs the
    warning of :func:`~hipflask.secret_key.warn_weak_secret_key` (once per process, whatever
    the server); ``LOGGING``, ``LOG_FORMAT``, ``ACCESS_LOG`` and ``LOG_USER_ID`` call
    :func:`~hipflask.logs.setup.configure_logging`. A bad value raises ValueError naming the
    setting.
    Called once, by :meth:`App.finalize <hipflask.App.finalize>`.

    # NOTE: only a switch that is on imports its battery; the security headers are on by
    # default, so that small battery loads at the first request (``import hipflask`` stays lean).
    """
    config = app.config
    if config.get("CSRF_PROTECT") and "csrf" not in app.extensions:
        from .csrf import CSRFProtect

        CSRFProtect(app)
    # NOTE: a view marked by @csp means the battery is imported already, so it costs nothing.
    if (
        config.get("SECURITY_HEADERS")
        or config.get("HSTS_MAX_AGE") is not None
        or config.get("CONTENT_SECURITY_POLICY")
        or "hipflask.secure_headers" in sys.modules
    ):
        from .secure_headers import init_security_headers

        init_security_headers(app)
    warn_weak_secret_key(app)
    # NOTE: last, so the access line's after_request hook runs after every other one.
    if config.get("LOG_FORMAT", "text") != "text" or any(
        config.get(key) is not None for key in ("LOGGING", "ACCESS_LOG", "LOG_USER_ID")
    ):
        from .logs.setup import configure_logging

        configure_logging(app)


def session_interface(app: App) -> SessionInterface:
    """Return the session backend ``SESSION_TYPE`` chooses."""
    from .sessions.cookie import session_interface_for

    return session_interface_for(app)


def jinja_environment(app: App) -> Any:
    """Return a new Jinja2 environment for ``app``."""
    from .templating import create_environment

    return create_environment(app)


def cli_group(name: str) -> AppGroup:
    """Return a new click group for the commands of an app or blueprint."""
    from .cli.appgroup import AppGroup

    return AppGroup(name)


def environ_builder_class() -> type[Any]:
    """Return the class ``app.test_request_context()`` builds its environ with."""
    from .testing.environ import EnvironBuilder

    return EnvironBuilder


def test_client_class() -> type[Any]:
    """Return the default class of ``app.test_client()``."""
    from .testing.client import TestClient

    return TestClient


def cli_runner_class() -> type[Any]:
    """Return the default class of ``app.test_cli_runner()``."""
    from .testing.client import CliRunner

    return CliRunner


def run(app: App, **options: Any) -> None:
    """Serve ``app`` with the development server (``app.run()``)."""
    from .serving.runner import run_app

    run_app(app, **options)
