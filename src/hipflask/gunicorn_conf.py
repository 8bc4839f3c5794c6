"""A gunicorn config that refuses to start what ``hipflask run`` refuses: a weak SECRET_KEY.

::

    gunicorn -c python:hipflask.gunicorn_conf -w 4 -b 127.0.0.1:8000 'myproject:create_app()'

Once a worker has loaded the app, :func:`post_worker_init` runs the check of ``hipflask run``:
a non-debug app whose ``SECRET_KEY`` is missing or shorter than 32 bytes stops gunicorn before
it serves a request; gunicorn prints the reason and exits ("App failed to load").
With your own config file, import the hook into it:
``from hipflask.gunicorn_conf import post_worker_init``.

Started without this config, gunicorn cannot be stopped from the app's side, so the app's setup
falls back on :func:`install_secret_key_guard`: every request is answered with a 500 and the
reason is logged at CRITICAL, rather than serving with a forgeable session.
"""

from __future__ import annotations

from typing import Any, NoReturn

from .app import App
from .exceptions import InternalServerError
from .serving.runner import StartupError, check_secret_key

__all__ = ["install_secret_key_guard", "post_worker_init"]

_CONFIG_HINT = "run gunicorn with -c python:hipflask.gunicorn_conf to stop at start-up instead"


def post_worker_init(worker: Any) -> None:
    """Check the app a gunicorn worker loaded; a weak SECRET_KEY stops gunicorn with the reason."""
    app = worker.wsgi
    if not isinstance(app, App):
        worker.log.warning(
            "hipflask.gunicorn_conf: %r is not a hipflask App; its SECRET_KEY is checked on the "
            "first request instead.",
            app,
        )
        return
    if app.debug:
        return
    try:
        check_secret_key(app)
    except StartupError as exc:
        from gunicorn.errors import AppImportError

        # NOTE: gunicorn prints an AppImportError's message alone, without a traceback, and
        # its master halts instead of restarting the worker again and again.
        raise AppImportError(str(exc)) from None


def install_secret_key_guard(app: App) -> None:
    """Make a non-debug app with a weak SECRET_KEY answer every request with a 500.

    The app's setup calls it under gunicorn; it does nothing when the key is strong. The
    refusal is logged at CRITICAL on every request, so it cannot go unnoticed.
    """
    try:
        check_secret_key(app)
    except StartupError as exc:
        reason = str(exc).removeprefix("Refusing to start: ")
    else:
        return

    def refuse_to_serve() -> NoReturn:
        app.logger.critical("Refusing to serve: %s (%s)", reason, _CONFIG_HINT)
        raise InternalServerError()

    # SECURITY: first in line, so no hook or view runs with a forgeable session.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_to_serve)
