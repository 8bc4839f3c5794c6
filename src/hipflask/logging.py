"""The app's logger: named after the app, with a default handler only when none is configured."""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING, TextIO, cast

from .ctx import _NO_CTX, LocalProxy, _ctx

if TYPE_CHECKING:
    from .app import App


def _errors_stream() -> TextIO:
    request_ctx = _ctx.get(_NO_CTX)[1]
    if request_ctx is not None:
        return cast(TextIO, request_ctx.request.environ["wsgi.errors"])
    return sys.stderr


#: The request's ``wsgi.errors`` during a request (the server's error log), else the current
#: ``sys.stderr``: the stream of the default handler, as in Flask.
wsgi_errors_stream = cast(TextIO, LocalProxy(_errors_stream, "wsgi_errors_stream"))

#: The handler hipflask adds when the app's logger has none; remove it to take over.
default_handler = logging.StreamHandler(wsgi_errors_stream)
default_handler.setFormatter(
    logging.Formatter("[%(asctime)s] %(levelname)s in %(module)s: %(message)s")
)


def has_level_handler(logger: logging.Logger) -> bool:
    """Tell whether a handler up the logger's hierarchy handles its effective level."""
    level = logger.getEffectiveLevel()
    current: logging.Logger | None = logger
    while current is not None:
        if any(handler.level <= level for handler in current.handlers):
            return True
        if not current.propagate:
            break
        current = current.parent
    return False


def create_logger(app: App) -> logging.Logger:
    """Return the app's logger, set to DEBUG in debug mode, with the default handler if needed."""
    logger = logging.getLogger(app.name)
    if app.debug and not logger.level:
        logger.setLevel(logging.DEBUG)
    if not has_level_handler(logger):
        logger.addHandler(default_handler)
    return logger
