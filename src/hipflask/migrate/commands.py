"""The migration operations as Python functions (``upgrade()``, ``migrate(message=...)``, ...).

Each runs the Alembic command of the same name on the current app's migrations, and needs an
app context. As in Flask-Migrate, an Alembic ``CommandError`` (or a RuntimeError) is logged and
ends the process with status 1; call Alembic's own ``alembic.command`` to handle it yourself.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar

from alembic import command
from alembic.util import CommandError

from .config import Config
from .extension import current_migrate

__all__ = [
    "branches",
    "check",
    "current",
    "downgrade",
    "edit",
    "heads",
    "history",
    "init",
    "list_templates",
    "merge",
    "migrate",
    "revision",
    "show",
    "stamp",
    "upgrade",
]

F = TypeVar("F", bound=Callable[..., Any])
Directory = str | os.PathLike[str] | None

log = logging.getLogger("hipflask.migrate")


def catch_errors(func: F) -> F:
    """Log an Alembic CommandError or RuntimeError and exit with status 1."""

    @wraps(func)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (CommandError, RuntimeError) as exc:
            log.error("Error: %s", exc)
            sys.exit(1)

    return wrapped  # type: ignore[return-value]


@catch_errors
def list_templates() -> None:
    """Print the migration environment templates ``init`` can use."""
    command.list_templates(Config())


@catch_errors
def init(
    directory: Directory = None,
    multidb: bool = False,
    template: str | None = None,
    package: bool = False,
) -> None:
    """Create the migrations folder (refuses when it exists and is not empty)."""
    migrate_ext = current_migrate()
    directory = str(directory if directory is not None else migrate_ext.directory)
    base_config = Config()
    base_config.set_main_option("script_location", directory)
    base_config.config_file_name = os.path.join(directory, "alembic.ini")
    config = migrate_ext.call_configure_callbacks(base_config)
    if template is None:
        template = "hipflask-multidb" if multidb else "hipflask"
    if os.path.isdir(directory) and os.listdir(directory):
        raise CommandError(
            f"Directory {directory!r} already exists and is not empty: 'db init' runs once per "
            "project and never overwrites it. Use 'db migrate' after changing the models, or "
            "give another folder with --directory."
        )
    command.init(config, directory, template=template, package=package)


@catch_errors
def revision(
    directory: Directory = None,
    message: str | None = None,
    autogenerate: bool = False,
    sql: bool = False,
    head: str = "head",
    splice: bool = False,
    branch_label: str | None = None,
    version_path: str | None = None,
    rev_id: str | None = None,
) -> Any:
    """Create a revision file (empty, or from the model changes with ``autogenerate``)."""
    opts = ["autogenerate"] if autogenerate else None
    config = current_migrate().get_config(directory, opts=opts)
    return command.revision(
        config,
        message,
        autogenerate=autogenerate,
        sql=sql,
        head=head,
        splice=splice,
        branch_label=branch_label,
        version_path=version_path,
        rev_id=rev_id,
    )


@catch_errors
def migrate(
    directory: Directory = None,
    message: str | None = None,
    sql: bool = False,
    head: str = "head",
    splice: bool = False,
    branch_label: str | None = None,
    version_path: str | None = None,
    rev_id: str | None = None,
    x_arg: str | Iterable[str] | None = None,
) -> Any:
    """Write a revision from the model changes; return it, or ``[]`` when nothing changed."""
    config = current_migrate().get_config(directory, opts=["autogenerate"], x_arg=x_arg)
    return command.revision(
        config,
        message,
        autogenerate=True,
        sql=sql,
        head=head,
        splice=splice,
        branch_label=branch_label,
        version_path=version_path,
        rev_id=rev_id,
    )


@catch_errors
def edit(directory: Directory = None, revision: str = "current") -> None:
    """Open a revision file in ``$EDITOR``."""
    command.edit(current_migrate().get_config(directory), revision)


@catch_errors
def merge(
    directory: Directory = None,
    revisions: str | list[str] | tuple[str, ...] = "",
    message: str | None = None,
    branch_label: str | None = None,
    rev_id: str | None = None,
) -> Any:
    """Create a revision that merges several heads."""
    config = current_migrate().get_config(directory)
    return command.merge(
        config, revisions, message=message, branch_label=branch_label, rev_id=rev_id
    )


@catch_errors
def upgrade(
    directory: Directory = None,
    revision: str = "head",
    sql: bool = False,
    tag: str | None = None,
    x_arg: str | Iterable[str] | None = None,
) -> None:
    """Upgrade the database to ``revision`` (the latest by default)."""
    config = current_migrate().get_config(directory, x_arg=x_arg)
    command.upgrade(config, revision, sql=sql, tag=tag)


@catch_errors
def downgrade(
    directory: Directory = None,
    revision: str = "-1",
    sql: bool = False,
    tag: str | None = None,
    x_arg: str | Iterable[str] | None = None,
) -> None:
    """Downgrade the database to ``revision`` (one step back by default)."""
    config = current_migrate().get_config(directory, x_arg=x_arg)
    if sql and revision == "-1":
        revision = "head:-1"
    command.downgrade(config, revision, sql=sql, tag=tag)


@catch_errors
def show(directory: Directory = None, revision: str = "head") -> None:
    """Print a revision."""
    command.show(current_migrate().get_config(directory), revision)


@catch_errors
def history(
    directory: Directory = None,
    rev_range: str | None = None,
    verbose: bool = False,
    indicate_current: bool = False,
) -> None:
    """Print the revisions in chronological order."""
    config = current_migrate().get_config(directory)
    command.history(config, rev_range, verbose=verbose, indicate_current=indicate_current)


@catch_errors
def heads(
    directory: Directory = None, verbose: bool = False, resolve_dependencies: bool = False
) -> None:
    """Print the current head revisions."""
    config = current_migrate().get_config(directory)
    command.heads(config, verbose=verbose, resolve_dependencies=resolve_dependencies)


@catch_errors
def branches(directory: Directory = None, verbose: bool = False) -> None:
    """Print the branch points."""
    command.branches(current_migrate().get_config(directory), verbose=verbose)


@catch_errors
def current(directory: Directory = None, verbose: bool = False) -> None:
    """Print the database's current revision."""
    command.current(current_migrate().get_config(directory), verbose=verbose)


@catch_errors
def stamp(
    directory: Directory = None,
    revision: str = "head",
    sql: bool = False,
    tag: str | None = None,
    purge: bool = False,
) -> None:
    """Set the database's revision without running migrations."""
    config = current_migrate().get_config(directory)
    command.stamp(config, revision, sql=sql, tag=tag, purge=purge)


@catch_errors
def check(directory: Directory = None) -> None:
    """Exit with status 1 when the models differ from the migrations (a new one is needed)."""
    command.check(current_migrate().get_config(directory))
