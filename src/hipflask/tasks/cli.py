"""The ``hipflask worker`` and ``hipflask beat`` commands, added to ``app.cli`` by ``Tasks``.

Every option after the command name is Celery's own (``-c``, ``--pool``, ``-l``, ``-Q``,
``--help``...), passed through unchanged.
"""

from __future__ import annotations

from typing import Any

import click

from hipflask import current_app
from hipflask.cli import with_appcontext

_PASS_THROUGH: dict[str, Any] = {"ignore_unknown_options": True, "allow_extra_args": True}


def _celery_argv(command: str, args: tuple[str, ...]) -> list[str]:
    """Return Celery's argv for ``command``, logging at INFO unless a level is given."""
    argv = [command, *args]
    if not any(arg.startswith(("-l", "--loglevel")) for arg in args):
        argv += ["--loglevel", "INFO"]
    return argv


@click.command("worker", context_settings=_PASS_THROUGH, add_help_option=False)
@click.argument("celery_args", nargs=-1, type=click.UNPROCESSED)
@with_appcontext
def worker_command(celery_args: tuple[str, ...]) -> None:
    """Run a Celery worker for the app; Celery's options pass through (-c, -P, -l, -Q, --help).

    SIGTERM stops it gracefully: it finishes the running tasks, then exits.
    """
    celery = current_app.extensions["tasks"].celery
    celery.worker_main(_celery_argv("worker", celery_args))


@click.command("beat", context_settings=_PASS_THROUGH, add_help_option=False)
@click.argument("celery_args", nargs=-1, type=click.UNPROCESSED)
@with_appcontext
def beat_command(celery_args: tuple[str, ...]) -> None:
    """Send the periodic tasks of the beat_schedule setting when due (Celery's options)."""
    celery = current_app.extensions["tasks"].celery
    celery.start(_celery_argv("beat", celery_args))
