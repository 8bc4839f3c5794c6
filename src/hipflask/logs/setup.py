"""The logging settings, read once by ``app.finalize()`` (through :mod:`hipflask.wiring`).

``LOGGING``
    A :func:`logging.config.dictConfig` dict, applied once, before anything else here.
    ``version`` defaults to 1 and ``disable_existing_loggers`` to False (the stdlib's True would
    silence ``app.logger`` and every library logger created before start-up).
``LOG_FORMAT``
    ``"text"`` (the default) or ``"json"``: the JSON handler then replaces the default handler
    of ``app.logger``. Handlers you configured yourself keep their formatter; give them
    :class:`~hipflask.logs.JSONFormatter`.
``ACCESS_LOG``
    True or False; None (the default) means on with ``LOG_FORMAT = "json"`` unless ``TESTING``.
``LOG_USER_ID``
    None or a callable returning the logged-in user's id (see :mod:`hipflask.logs.fields`).

Any bad value raises ValueError naming the setting; ``app.finalize()`` logs it once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..logging import default_handler
from .access import init_request_logging
from .jsonformat import json_handler

if TYPE_CHECKING:
    from ..app import App

__all__ = ["FORMATS", "apply_dict_config", "configure_logging"]

FORMATS = ("text", "json")


def configure_logging(app: App) -> None:
    """Apply ``LOGGING``, ``LOG_FORMAT``, ``ACCESS_LOG`` and ``LOG_USER_ID`` to ``app``."""
    config = app.config
    log_format = config.get("LOG_FORMAT", "text")
    if log_format not in FORMATS:
        raise ValueError(f"LOG_FORMAT must be 'text' or 'json', not {log_format!r}.")
    access = config.get("ACCESS_LOG")
    if access not in (None, True, False):
        raise ValueError(f"ACCESS_LOG must be True, False or None, not {access!r}.")
    getter = config.get("LOG_USER_ID")
    if getter is not None and not callable(getter):
        raise ValueError(f"LOG_USER_ID must be a callable returning the user id, not {getter!r}.")
    if config.get("LOGGING") is not None:
        apply_dict_config(config["LOGGING"])
    if access is None:
        access = log_format == "json" and not config.get("TESTING")
    if log_format == "json":
        logger = app.logger
        if default_handler in logger.handlers:
            logger.removeHandler(default_handler)
            logger.addHandler(json_handler)
    if log_format == "json" or access:
        init_request_logging(app, access)


def apply_dict_config(settings: Any) -> None:
    """Run :func:`logging.config.dictConfig` on the ``LOGGING`` setting.

    Raise ValueError naming ``LOGGING`` when it is not a dict or dictConfig refuses it.
    """
    if not isinstance(settings, dict):
        raise ValueError(f"LOGGING must be a logging.config.dictConfig dict, not {settings!r}.")
    import logging.config

    settings = {"version": 1, "disable_existing_loggers": False, **settings}
    try:
        logging.config.dictConfig(settings)
    except (ValueError, TypeError, AttributeError, ImportError) as exc:
        raise ValueError(f"LOGGING is not a valid logging configuration: {exc}") from exc
