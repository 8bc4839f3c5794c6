"""Where logins and remember-me tokens live: SQL (SQLAlchemy Core) or Redis.

:func:`store_for` picks the store of an app: ``AUTH_STORE`` when set (a :class:`LoginStore`
instance, or ``'sqlalchemy'``, ``'redis'``, ``'sqlite'``), else the app's database when a
hipflask.db extension is configured (``app.extensions['sqlalchemy']``), else Redis when
``SESSION_TYPE = 'redis'``, else a SQLite file in the instance folder.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from .base import LoginRecord, LoginStore, TokenResult, TokenRow

if TYPE_CHECKING:
    from ...app import App

__all__ = ["LoginRecord", "LoginStore", "TokenResult", "TokenRow", "store_for"]


def store_for(app: App) -> LoginStore:
    """Build the login store the app's settings ask for (see the module's docstring)."""
    config = app.config
    choice: Any = config.get("AUTH_STORE")
    if isinstance(choice, LoginStore):
        return choice
    if choice is None:
        if "sqlalchemy" in app.extensions:
            choice = "sqlalchemy"
        elif config.get("SESSION_TYPE") == "redis":
            choice = "redis"
        else:
            choice = "sqlite"
    if choice == "sqlalchemy":
        from .sqlalchemy import SQLAlchemyLoginStore

        db = app.extensions["sqlalchemy"]
        # PERF: the login check reads on the request's db.session connection, which the user
        # loader then reuses: one pool checkout per request instead of two (~70k instructions
        # less on bench's login_page: 1.33M -> 1.26M).
        scoped = getattr(db, "session", None)
        reader = None if scoped is None else (lambda: scoped.connection())
        return SQLAlchemyLoginStore(lambda: db.engine, metadata=db.metadata, login_reader=reader)
    if choice == "redis":
        from .redis import RedisLoginStore

        return RedisLoginStore(
            config.get("AUTH_REDIS_URL")
            or config.get("SESSION_REDIS_URL")
            or "redis://127.0.0.1:6379/0",
            prefix=config.get("AUTH_KEY_PREFIX") or "hipflask:auth:",
            timeout=float(config.get("SESSION_REDIS_TIMEOUT") or 0.5),
        )
    if choice == "sqlite":
        return sqlite_store(
            config.get("AUTH_SQLITE_PATH") or os.path.join(app.instance_path, "auth.sqlite3")
        )
    raise ValueError(
        f"Unknown AUTH_STORE {choice!r}: use 'sqlalchemy', 'redis', 'sqlite' or a LoginStore."
    )


def sqlite_store(path: str | os.PathLike[str]) -> LoginStore:
    """Return a store in the SQLite file ``path`` (WAL mode, shared by processes)."""
    from .sqlite import SQLiteLoginStore

    return SQLiteLoginStore(path)
