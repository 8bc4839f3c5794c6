"""Engine options from the app's config, and the production defaults applied to them.

Defaults (each only when the option or setting is not given):

- every server database: ``pool_pre_ping=True``, so a connection the server closed (restart,
  idle timeout, ``pg_terminate_backend``) is replaced at checkout instead of failing a request;
- PostgreSQL (psycopg, psycopg2) and MySQL/MariaDB (PyMySQL, mysqlclient): a 10 s
  ``connect_timeout``, so an unreachable host fails requests quickly (503) instead of letting
  them hang for the system's TCP timeout;
- MySQL/MariaDB: ``pool_recycle=7200`` and ``charset=utf8mb4``, as Flask-SQLAlchemy;
- SQLite files: a relative path lives in the instance folder (created); every new connection
  runs ``SQLALCHEMY_SQLITE_PRAGMAS``, by default ``journal_mode=WAL`` (readers do not block the
  writer) and ``busy_timeout=5000`` (a writer waits up to 5 s for the lock instead of failing
  with "database is locked"), so several worker processes can share one file;
- in-memory SQLite: one shared connection (``StaticPool``) usable from every thread.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
import sqlalchemy.event as sa_event
import sqlalchemy.pool as sa_pool

if TYPE_CHECKING:
    from hipflask import App

__all__ = ["DEFAULT_SQLITE_PRAGMAS", "engine_options_from_config", "make_engine"]

DEFAULT_SQLITE_PRAGMAS: dict[str, object] = {"journal_mode": "WAL", "busy_timeout": 5000}

CONNECT_TIMEOUT = 10
_TIMEOUT_DRIVERS = {
    "postgresql",
    "postgresql+psycopg",
    "postgresql+psycopg2",
    "mysql",
    "mysql+pymysql",
    "mysql+mysqldb",
    "mariadb+pymysql",
    "mariadb+mysqldb",
}

_PRAGMA_NAME = re.compile(r"[A-Za-z_]+\Z")
_PRAGMA_VALUE = re.compile(r"[A-Za-z0-9_\-]+\Z")


def engine_options_from_config(
    app: App, defaults: Mapping[str, Any]
) -> dict[str | None, dict[str, Any]]:
    """Return the options of every engine, by bind key (None for the default engine)."""
    config = app.config
    uri = config.setdefault("SQLALCHEMY_DATABASE_URI", None)
    echo = config.setdefault("SQLALCHEMY_ECHO", False)
    binds = config.setdefault("SQLALCHEMY_BINDS", {})
    options: dict[str | None, dict[str, Any]] = {}
    for key, value in binds.items():
        options[key] = dict(defaults)
        if isinstance(value, str | sa.engine.URL):
            options[key]["url"] = value
        else:
            options[key].update(value)
    basic = {**defaults, **config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})}
    if uri is not None:
        basic["url"] = uri
    if "url" in basic:
        options.setdefault(None, {}).update(basic)
    if not options:
        raise RuntimeError(
            "Either 'SQLALCHEMY_DATABASE_URI' or 'SQLALCHEMY_BINDS' must be set in app.config "
            "before calling db.init_app(app) (for example 'sqlite:///app.db')."
        )
    for engine_options in options.values():
        engine_options.setdefault("echo", echo)
        engine_options.setdefault("echo_pool", echo)
    return options


def make_engine(app: App, options: dict[str, Any]) -> sa.engine.Engine:
    """Create one engine with the driver defaults above (no connection is opened yet)."""
    options = dict(options)
    url = sa.engine.make_url(options.pop("url"))
    pragmas: Mapping[str, object] | None = None
    if url.drivername.startswith("sqlite"):
        url, pragmas = _sqlite_defaults(app, url, options)
    else:
        options.setdefault("pool_pre_ping", True)
        if url.drivername in _TIMEOUT_DRIVERS and "connect_timeout" not in url.query:
            connect_args = options.setdefault("connect_args", {})
            connect_args.setdefault("connect_timeout", CONNECT_TIMEOUT)
        if url.drivername.startswith(("mysql", "mariadb")):
            options.setdefault("pool_recycle", 7200)
            if "charset" not in url.query:
                url = url.update_query_dict({"charset": "utf8mb4"})
    engine = sa.create_engine(url, **options)
    if pragmas:
        sa_event.listen(engine, "connect", _pragma_setter(pragmas))
    return engine


def _sqlite_defaults(
    app: App, url: sa.engine.URL, options: dict[str, Any]
) -> tuple[sa.engine.URL, Mapping[str, object]]:
    database = url.database
    pragmas: Mapping[str, object] = app.config.setdefault(
        "SQLALCHEMY_SQLITE_PRAGMAS", DEFAULT_SQLITE_PRAGMAS
    )
    if not database or database == ":memory:" or url.query.get("mode") == "memory":
        options.setdefault("poolclass", sa_pool.StaticPool)
        options.setdefault("connect_args", {}).setdefault("check_same_thread", False)
        return url, {key: value for key, value in pragmas.items() if key != "journal_mode"}
    if not (os.path.isabs(database) or database.startswith("file:")):
        os.makedirs(app.instance_path, exist_ok=True)
        url = url.set(database=os.path.join(app.instance_path, database))
    return url, pragmas


def _pragma_setter(pragmas: Mapping[str, object]) -> Any:
    statements = []
    for name, value in pragmas.items():
        # SECURITY: pragmas cannot take bound parameters; only plain words reach the SQL.
        if not _PRAGMA_NAME.match(name) or not _PRAGMA_VALUE.match(str(value)):
            raise ValueError(f"SQLALCHEMY_SQLITE_PRAGMAS: invalid pragma {name!r}={value!r}.")
        statements.append(f"PRAGMA {name}={value}")

    def set_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            for statement in statements:
                cursor.execute(statement)
        finally:
            cursor.close()

    return set_pragmas
