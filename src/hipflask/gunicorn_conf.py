"""A strict gunicorn config: it refuses to start an app whose SECRET_KEY is missing or weak.

::

    gunicorn -c python:hipflask.gunicorn_conf -w 4 -b 127.0.0.1:8000 'myproject:create_app()'

Once a worker has loaded the app, :func:`post_worker_init` checks it: a non-debug app whose
``SECRET_KEY`` is missing, shorter than 32 bytes or a well-known placeholder (see
:mod:`hipflask.secret_key`) stops gunicorn before it serves a request; gunicorn prints the
reason and exits ("App failed to load"). With your own config file, import the hook into it:
``from hipflask.gunicorn_conf import post_worker_init``.

This is the opt-in strict mode. Plain gunicorn serves the app as Flask would: without a key,
only what needs no signing works, and a weak key logs a WARNING once per worker process, at
:meth:`App.finalize() <hipflask.App.finalize>`.
"""

from __future__ import annotations

from typing import Any

from .app import App
from .serving.runner import StartupError, check_secret_key

__all__ = ["post_worker_init"]


def post_worker_init(worker: Any) -> None:
    """Check the app a gunicorn worker loaded; a weak SECRET_KEY stops gunicorn with the reason."""
    app = worker.wsgi
    if not isinstance(app, App):
        worker.log.warning(
            "hipflask.gunicorn_conf: %r is not a hipflask App; its SECRET_KEY is not checked.",
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
