"""The hipflask demo: accounts in a database, a welcome task, sessions, forms and CSRF.

``make demo`` upgrades the database, starts a task worker and serves the app on
http://127.0.0.1:5000. Everything runs on the embedded defaults, with nothing else installed:
the users and the outbox in SQLite (``instance/demo.sqlite3``, or ``DATABASE_URL`` for
PostgreSQL), created by the migrations in ``examples/demo/migrations``; the sessions in SQLite,
server-side; the task queue in SQLite too.

It shows registration with validation errors next to the fields, login with remember-me (a
revocable token, rotated on each use), logout here or on every device, a profile behind
``login_required``, CSRF on every form and on a ``fetch()`` call, flash messages, a
``last_user`` cookie, and, under ``/sessions``, one page per session feature.

The secret key comes from ``HIPFLASK_SECRET_KEY``, else from ``instance/secret_key`` (32 random
bytes, made on the first run; ``instance/`` is git-ignored).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from hipflask import App, Response, send_from_directory
from hipflask.csrf import CSRFError

from . import accounts, pages
from .extensions import csrf, db, login_manager, migrate, tasks, throttle
from .sessions_demo import sessions_demo

HERE = Path(__file__).resolve().parent
#: The demo's migrations: ``hipflask --app examples/demo/hipflask_demo db upgrade`` applies them.
MIGRATIONS = HERE.parent / "migrations"


def create_app(config: Mapping[str, Any] | None = None, instance_path: str | None = None) -> App:
    """Create the demo app; ``config`` overrides the settings, ``instance_path`` the folder of
    its local files (``DEMO_INSTANCE_PATH``, else ``examples/demo/instance``); tests pass their
    own."""
    instance_path = instance_path or os.environ.get("DEMO_INSTANCE_PATH")
    app = App(__name__, instance_path=instance_path or str(HERE.parent / "instance"))
    app.config.from_mapping(
        SQLALCHEMY_DATABASE_URI=os.environ.get("DATABASE_URL", "sqlite:///demo.sqlite3"),
        SESSION_TYPE="sqlite",
        SESSION_SQLITE_PATH=os.path.join(app.instance_path, "sessions.sqlite3"),
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=30),
        REMEMBER_COOKIE_DURATION=timedelta(days=14),
    )
    # HIPFLASK_* environment variables override the defaults (HIPFLASK_SESSION_TYPE=redis, ...).
    app.config.from_prefixed_env()
    if config:
        app.config.update(config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_secret_key(app.instance_path)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS))
    login_manager.init_app(app)
    login_manager.login_view = "login"
    login_manager.login_message_category = "info"
    throttle.init_app(app)
    csrf.init_app(app)
    tasks.init_app(app)
    register_views(app)
    app.register_blueprint(sessions_demo, url_prefix="/sessions")
    return app


def load_secret_key(instance_path: str) -> str:
    """Return ``HIPFLASK_SECRET_KEY``, else the key in ``instance/secret_key`` (made once)."""
    key = os.environ.get("HIPFLASK_SECRET_KEY")
    if key:
        return key
    path = os.path.join(instance_path, "secret_key")
    if not os.path.exists(path):
        os.makedirs(instance_path, exist_ok=True)
        draft = f"{path}.{os.getpid()}.tmp"
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write(secrets.token_hex(32))
        try:
            # NOTE: link() fails when the file exists, so two processes starting at once agree
            # on whichever key landed first, and nobody ever reads a half-written file.
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(draft)
    with open(path, encoding="ascii") as file:
        return file.read().strip()


def favicon() -> Response:
    """Serve the icon browsers ask for at ``/favicon.ico`` (an SVG, which they all draw)."""
    return send_from_directory(HERE / "static", "favicon.svg", mimetype="image/svg+xml")


def register_views(app: App) -> None:
    """Register the demo's views and error pages on ``app``."""
    app.add_url_rule("/", view_func=pages.index)
    app.add_url_rule("/echo", view_func=pages.echo)
    app.add_url_rule("/outbox", view_func=pages.outbox)
    app.add_url_rule("/api/ping", view_func=pages.ping, methods=["POST"])
    app.add_url_rule("/favicon.ico", view_func=favicon)
    app.add_url_rule("/register", view_func=accounts.register, methods=["GET", "POST"])
    app.add_url_rule("/login", view_func=accounts.login, methods=["GET", "POST"])
    app.add_url_rule("/profile", view_func=accounts.profile)
    app.add_url_rule("/logout", view_func=accounts.logout, methods=["POST"])
    app.add_url_rule("/logout-everywhere", view_func=accounts.logout_everywhere, methods=["POST"])
    app.register_error_handler(CSRFError, pages.csrf_error)
    for code in (404, 405):
        app.register_error_handler(code, pages.http_error)
    app.register_error_handler(500, pages.server_error)
