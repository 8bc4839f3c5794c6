"""Build the Celery configuration of an app from its config, with hipflask's defaults.

Pure Python: nothing here imports Celery, so an app that declares tasks but never sends one
never pays for it.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hipflask import App

#: Flask-style convenience settings and the Celery setting each one fills.
CONVENIENCE_NAMES = {
    "CELERY_BROKER_URL": "broker_url",
    "CELERY_RESULT_BACKEND": "result_backend",
    "CELERY_TASK_ALWAYS_EAGER": "task_always_eager",
}

#: Settings that hipflask defaults differently from Celery (the user's config always wins).
DEFAULTS: dict[str, Any] = {
    # NOTE: at-least-once: a message is acknowledged after its task ran, and a worker that dies
    # mid-task leaves it to another worker. Tasks must therefore be idempotent (docs/tasks.md).
    "task_acks_late": True,
    "task_reject_on_worker_lost": True,
    "broker_connection_retry_on_startup": True,
    "worker_hijack_root_logger": False,
}

#: The embedded broker: hipflask's leased variant of kombu's SQLAlchemy transport, on SQLite.
SQLITE_BROKER = "hipflask+sqlite:///"


def celery_config(app: App) -> dict[str, Any]:
    """Return the Celery settings of ``app``: ``CELERY`` over the convenience names over defaults.

    The defaults put the embedded broker and the result database in the instance folder, so a
    worker and the web processes of one machine share them with no server to run.
    """
    instance = app.instance_path
    os.makedirs(instance, exist_ok=True)
    config: dict[str, Any] = {
        **DEFAULTS,
        "broker_url": SQLITE_BROKER + os.path.join(instance, "celery-broker.sqlite"),
        "result_backend": "db+sqlite:///" + os.path.join(instance, "celery-results.sqlite"),
        "beat_schedule_filename": os.path.join(instance, "celery-beat-schedule"),
    }
    for name, key in CONVENIENCE_NAMES.items():
        if app.config.get(name) is not None:
            config[key] = app.config[name]
    explicit = app.config.get("CELERY") or {}
    if not isinstance(explicit, dict):
        raise TypeError(f"CELERY must be a dict of Celery settings, not {type(explicit).__name__}.")
    config.update(explicit)
    if str(config["broker_url"]).startswith((SQLITE_BROKER, "sqla+sqlite:///")):
        _embedded_defaults(config)
    return config


def _embedded_defaults(config: dict[str, Any]) -> None:
    """Fit the SQLite broker: one worker process with threads, patient with the file's lock."""
    config.setdefault("worker_pool", "threads")
    config.setdefault("worker_concurrency", 4)
    options = dict(config.get("broker_transport_options") or {})
    # NOTE: the web processes and the worker write the one file; SQLite's 5 s default wait
    # for its lock is too short when a worker drains a burst of tasks.
    options.setdefault("connect_args", {"timeout": 30})
    config["broker_transport_options"] = options
