"""Alembic migrations for hipflask apps, with Flask-Migrate 4's API.

Port a Flask app by changing ``from flask_migrate import Migrate`` to
``from hipflask.migrate import Migrate``; ``hipflask db init | migrate | upgrade | ...`` then
work as ``flask db ...`` did. See ``docs/database.md``.

The command functions and ``Config`` load Alembic: they are imported on first use, so that
importing this package (and registering ``Migrate`` on an app) imports no Alembic.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .extension import Migrate, MigrateState

if TYPE_CHECKING:
    from .commands import (
        branches,
        check,
        current,
        downgrade,
        edit,
        heads,
        history,
        init,
        list_templates,
        merge,
        migrate,
        revision,
        show,
        stamp,
        upgrade,
    )
    from .config import Config

__all__ = [
    "Config",
    "Migrate",
    "MigrateState",
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


def __getattr__(name: str) -> Any:
    """Import ``Config`` and the command functions (and so Alembic) when first asked for."""
    if name == "Config":
        from .config import Config

        return Config
    if name in __all__:
        from . import commands

        return getattr(commands, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
