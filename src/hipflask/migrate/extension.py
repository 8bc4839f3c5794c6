"""The ``Migrate`` extension: where the migrations live and how Alembic is configured.

Alembic is imported when a migration command runs, never here: an app that registers
``Migrate`` only for ``hipflask db`` pays nothing for it in its web processes, and its start-up
logs no Alembic line.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from hipflask import current_app, g

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

    from hipflask import App

__all__ = ["Migrate", "MigrateState"]

ConfigureCallback = Callable[["AlembicConfig"], "AlembicConfig"]


class MigrateState:
    """What ``app.extensions["migrate"]`` holds: the extension, its ``db`` and Alembic options."""

    def __init__(self, migrate: Migrate, db: Any, **configure_args: Any) -> None:
        self.migrate = migrate
        self.db = db
        self.directory = migrate.directory
        #: Keyword arguments of Alembic's ``context.configure()`` (``compare_type``...).
        self.configure_args = configure_args

    @property
    def metadata(self) -> Any:
        """The default database's metadata (the models' tables)."""
        return self.db.metadata

    @property
    def bind_names(self) -> list[str]:
        """The ``SQLALCHEMY_BINDS`` keys, for the multi-database environment."""
        return [key for key in self.db.metadatas if key is not None]


class Migrate:
    """Add the ``db`` command group (Alembic migrations) to an app, as Flask-Migrate 4 does.

    ``directory`` holds the migrations (``hipflask db init`` creates it); ``command`` is the
    group's name under ``hipflask``; ``compare_type`` lets autogenerate see column type changes;
    ``render_as_batch`` writes column changes as batch operations, which SQLite needs. Other
    keyword arguments go to Alembic's ``context.configure()``.

    # NOTE: unlike Flask-Migrate, ``transaction_per_migration`` defaults to True: a failing
    # revision rolls back alone and leaves the database at the last good one (PostgreSQL).
    """

    def __init__(
        self,
        app: App | None = None,
        db: Any = None,
        directory: str | os.PathLike[str] = "migrations",
        command: str = "db",
        compare_type: bool = True,
        render_as_batch: bool = True,
        **kwargs: Any,
    ) -> None:
        self.configure_callbacks: list[ConfigureCallback] = []
        self.db = db
        self.command = command
        self.directory = str(directory)
        kwargs.setdefault("transaction_per_migration", True)
        self.alembic_ctx_kwargs: dict[str, Any] = kwargs
        self.alembic_ctx_kwargs["compare_type"] = compare_type
        self.alembic_ctx_kwargs["render_as_batch"] = render_as_batch
        if app is not None and db is not None:
            self.init_app(app, db, directory)

    def init_app(
        self,
        app: App,
        db: Any = None,
        directory: str | os.PathLike[str] | None = None,
        command: str | None = None,
        compare_type: bool | None = None,
        render_as_batch: bool | None = None,
        **kwargs: Any,
    ) -> None:
        """Register on ``app``: store the state and add the command group to ``app.cli``."""
        from .cli import db as db_group

        self.db = db or self.db
        self.command = command or self.command
        self.directory = str(directory or self.directory)
        self.alembic_ctx_kwargs.update(kwargs)
        if compare_type is not None:
            self.alembic_ctx_kwargs["compare_type"] = compare_type
        if render_as_batch is not None:
            self.alembic_ctx_kwargs["render_as_batch"] = render_as_batch
        app.extensions["migrate"] = MigrateState(self, self.db, **self.alembic_ctx_kwargs)
        app.cli.add_command(db_group, name=self.command)

    def configure(self, func: ConfigureCallback) -> ConfigureCallback:
        """Register ``func(config) -> config``, run on every Alembic config before a command."""
        self.configure_callbacks.append(func)
        return func

    def call_configure_callbacks(self, config: AlembicConfig) -> AlembicConfig:
        """Pass ``config`` through every ``@migrate.configure`` callback."""
        for func in self.configure_callbacks:
            config = func(config)
        return config

    def get_config(
        self,
        directory: str | os.PathLike[str] | None = None,
        x_arg: str | Iterable[str] | None = None,
        opts: Iterable[str] | None = None,
    ) -> AlembicConfig:
        """Return the Alembic config of the migrations in ``directory``.

        ``x_arg`` are ``-x name=value`` arguments for ``env.py`` (also read from ``g.x_arg``,
        where the command line puts them); ``opts`` names options set to True on
        ``config.cmd_opts`` (``autogenerate``).
        """
        from .config import Config

        directory = str(directory if directory is not None else self.directory)
        config = Config(os.path.join(directory, "alembic.ini"))
        config.set_main_option("script_location", directory)
        if config.cmd_opts is None:
            config.cmd_opts = argparse.Namespace()
        for opt in opts or ():
            setattr(config.cmd_opts, opt, True)
        if not hasattr(config.cmd_opts, "x"):
            extra = list(g.get("x_arg", None) or ())
            if isinstance(x_arg, str):
                extra.append(x_arg)
            elif x_arg is not None:
                extra.extend(x_arg)
            config.cmd_opts.x = extra
        return self.call_configure_callbacks(config)


def current_migrate() -> Migrate:
    """Return the current app's :class:`Migrate` (a clear error when it has none)."""
    state = current_app.extensions.get("migrate")
    if state is None:
        raise RuntimeError(
            "The current app has no 'Migrate' extension: create 'Migrate(app, db)' (or call "
            "migrate.init_app(app, db)) before running migration commands."
        )
    migrate: Migrate = state.migrate
    return migrate
