"""The ``hipflask db`` command group: Flask-Migrate's commands, options and exit codes.

A command that fails (an Alembic error, a broken revision's SQL error) prints the reason and
exits with status 1; ``db check`` exits with 1 when the models need a new migration.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from types import ModuleType
from typing import Any, TypeVar

import click
from sqlalchemy.exc import SQLAlchemyError

from hipflask import g
from hipflask.cli import with_appcontext

__all__ = ["db"]

F = TypeVar("F", bound=Callable[..., Any])

_directory = click.option(
    "-d", "--directory", default=None, help='Migration script directory (default is "migrations")'
)
_x_arg = click.option(
    "-x", "--x-arg", multiple=True, help="Additional arguments consumed by custom env.py scripts"
)


def _commands() -> ModuleType:
    """Return :mod:`.commands`, imported when a command runs: it loads Alembic."""
    from . import commands

    return commands


def _database_errors_exit(func: F) -> F:
    """Turn a database error (a broken revision, say) into a message and status 1."""

    @wraps(func)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", None) or exc).strip()
            raise click.ClickException(f"the database refused the migration: {reason}") from exc

    return wrapped  # type: ignore[return-value]


@click.group()
@_x_arg
@with_appcontext
def db(x_arg: tuple[str, ...]) -> None:
    """Perform database migrations (Alembic)."""
    g.x_arg = x_arg


@db.command()
@with_appcontext
def list_templates() -> None:
    """List the available migration environment templates."""
    _commands().list_templates()


@db.command()
@_directory
@click.option("--multidb", is_flag=True, help="Support several databases (SQLALCHEMY_BINDS)")
@click.option("-t", "--template", default=None, help="Repository template to use")
@click.option("--package", is_flag=True, help="Write empty __init__.py files")
@with_appcontext
def init(directory: str | None, multidb: bool, template: str | None, package: bool) -> None:
    """Create a new migration repository."""
    _commands().init(directory, multidb, template, package)


def _revision_options(func: F) -> F:
    for option in reversed(
        (
            _directory,
            click.option("-m", "--message", default=None, help="Revision message"),
            click.option("--sql", is_flag=True, help="Print SQL instead of running it"),
            click.option("--head", default="head", help="Base revision of the new one"),
            click.option("--splice", is_flag=True, help="Allow a non-head revision as the head"),
            click.option("--branch-label", default=None, help="Branch label of the new revision"),
            click.option("--version-path", default=None, help="Where to write the revision"),
            click.option("--rev-id", default=None, help="Revision id to use instead of a new one"),
        )
    ):
        func = option(func)
    return func


def _report_no_change(result: Any) -> None:
    if result == []:
        click.echo("No changes in schema detected; no revision written.")


@db.command()
@_revision_options
@click.option("--autogenerate", is_flag=True, help="Fill the revision from the model changes")
@with_appcontext
@_database_errors_exit
def revision(autogenerate: bool, **options: Any) -> None:
    """Create a new revision file."""
    _report_no_change(_commands().revision(autogenerate=autogenerate, **options))


@db.command()
@_revision_options
@_x_arg
@with_appcontext
@_database_errors_exit
def migrate(x_arg: tuple[str, ...], **options: Any) -> None:
    """Autogenerate a revision from the model changes (none when nothing changed)."""
    _report_no_change(_commands().migrate(x_arg=x_arg, **options))


@db.command()
@_directory
@click.argument("revision", default="head")
@with_appcontext
def edit(directory: str | None, revision: str) -> None:
    """Edit a revision file."""
    _commands().edit(directory, revision)


@db.command()
@_directory
@click.option("-m", "--message", default=None, help="Merge revision message")
@click.option("--branch-label", default=None, help="Branch label of the merge revision")
@click.option("--rev-id", default=None, help="Revision id to use instead of a new one")
@click.argument("revisions", nargs=-1)
@with_appcontext
def merge(directory: str | None, message: str | None, branch_label: str | None,
          rev_id: str | None, revisions: tuple[str, ...]) -> None:  # fmt: skip
    """Merge two revisions together, creating a new revision."""
    _commands().merge(directory, revisions, message, branch_label, rev_id)


def _apply_options(func: F) -> F:
    func = _x_arg(func)
    func = click.option("--tag", default=None, help="Tag passed to env.py")(func)
    func = click.option("--sql", is_flag=True, help="Print SQL instead of running it")(func)
    return _directory(func)


@db.command()
@_apply_options
@click.argument("revision", default="head")
@with_appcontext
@_database_errors_exit
def upgrade(directory: str | None, sql: bool, tag: str | None, x_arg: tuple[str, ...],
            revision: str) -> None:  # fmt: skip
    """Upgrade to a later version (the latest by default)."""
    _commands().upgrade(directory, revision, sql, tag, x_arg)


@db.command()
@_apply_options
@click.argument("revision", default="-1")
@with_appcontext
@_database_errors_exit
def downgrade(directory: str | None, sql: bool, tag: str | None, x_arg: tuple[str, ...],
              revision: str) -> None:  # fmt: skip
    """Revert to a previous version (one step back by default)."""
    _commands().downgrade(directory, revision, sql, tag, x_arg)


@db.command()
@_directory
@click.argument("revision", default="head")
@with_appcontext
def show(directory: str | None, revision: str) -> None:
    """Show the revision denoted by the given symbol."""
    _commands().show(directory, revision)


@db.command()
@_directory
@click.option("-r", "--rev-range", default=None, help="Range of revisions, [start]:[end]")
@click.option("-v", "--verbose", is_flag=True, help="Use more verbose output")
@click.option("-i", "--indicate-current", is_flag=True, help="Mark the current revision")
@with_appcontext
@_database_errors_exit
def history(directory: str | None, rev_range: str | None, verbose: bool,
            indicate_current: bool) -> None:  # fmt: skip
    """List changeset scripts in chronological order."""
    _commands().history(directory, rev_range, verbose, indicate_current)


@db.command()
@_directory
@click.option("-v", "--verbose", is_flag=True, help="Use more verbose output")
@click.option("--resolve-dependencies", is_flag=True, help="Treat dependencies as down revisions")
@with_appcontext
def heads(directory: str | None, verbose: bool, resolve_dependencies: bool) -> None:
    """Show current available heads in the script directory."""
    _commands().heads(directory, verbose, resolve_dependencies)


@db.command()
@_directory
@click.option("-v", "--verbose", is_flag=True, help="Use more verbose output")
@with_appcontext
def branches(directory: str | None, verbose: bool) -> None:
    """Show current branch points."""
    _commands().branches(directory, verbose)


@db.command()
@_directory
@click.option("-v", "--verbose", is_flag=True, help="Use more verbose output")
@with_appcontext
@_database_errors_exit
def current(directory: str | None, verbose: bool) -> None:
    """Display the current revision of the database."""
    _commands().current(directory, verbose)


@db.command()
@_directory
@click.option("--sql", is_flag=True, help="Print SQL instead of running it")
@click.option("--tag", default=None, help="Tag passed to env.py")
@click.option("--purge", is_flag=True, help="Delete the version table before stamping")
@click.argument("revision", default="head")
@with_appcontext
@_database_errors_exit
def stamp(directory: str | None, sql: bool, tag: str | None, purge: bool, revision: str) -> None:
    """Set the revision in the database without running migrations."""
    _commands().stamp(directory, revision, sql, tag, purge)


@db.command()
@_directory
@with_appcontext
@_database_errors_exit
def check(directory: str | None) -> None:
    """Check whether the models need a new migration (exit status 1 when they do)."""
    _commands().check(directory)
