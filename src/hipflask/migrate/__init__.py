"""Alembic migrations for hipflask apps, with Flask-Migrate 4's API.

Port a Flask app by changing ``from flask_migrate import Migrate`` to
``from hipflask.migrate import Migrate``; ``hipflask db init | migrate | upgrade | ...`` then
work as ``flask db ...`` did. See ``docs/database.md``.
"""

from __future__ import annotations

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
from .extension import Config, Migrate, MigrateState

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
