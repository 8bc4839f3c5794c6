"""Where the app reaches the layers above it: config switches and the services it hands out.

The app (layer 2) is built before the services (layer 3: sessions, templating, the test client,
the CLI, the server) and the batteries (layer 4) that are built on it, so it never imports them
itself. Everything it hands out from above (``app.test_client()``, ``app.cli``,
``app.jinja_env``, ``app.session_interface``, ``app.run()``) and every config switch that
installs a battery is looked up here, on first use: this module is the one seam, and
tests/test_layers.py allows no other upward import.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import App
    from .cli.commands import AppGroup
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

    ``CSRF_PROTECT`` installs :class:`~hipflask.csrf.CSRFProtect`; ``SECURITY_HEADERS`` and
    ``HSTS_MAX_AGE`` the hook of :func:`~hipflask.secure_headers.init_security_headers`; under
    gunicorn, a weak ``SECRET_KEY`` installs the refusal of
    :func:`~hipflask.gunicorn_conf.install_secret_key_guard`. A bad value raises ValueError
    naming the setting. Called once, by :meth:`App.finalize <hipflask.App.finalize>`.

    # NOTE: only a switch that is on imports its battery, so the core loads none by itself.
    """
    config = app.config
    if config.get("CSRF_PROTECT") and "csrf" not in app.extensions:
        from .csrf import CSRFProtect

        CSRFProtect(app)
    if config.get("SECURITY_HEADERS") or config.get("HSTS_MAX_AGE") is not None:
        from .secure_headers import init_security_headers

        init_security_headers(app)
    # SECURITY: gunicorn started without hipflask.gunicorn_conf serves whatever it loads; a
    # weak SECRET_KEY then answers 500s rather than forgeable sessions.
    # NOTE: gunicorn's arbiter sets SERVER_SOFTWARE in the environment of its processes.
    if not app.debug and os.environ.get("SERVER_SOFTWARE", "").startswith("gunicorn/"):
        from .gunicorn_conf import install_secret_key_guard

        install_secret_key_guard(app)


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
    from .cli.commands import AppGroup

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
