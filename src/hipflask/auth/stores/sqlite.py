"""The login store in a SQLite file through :mod:`sqlite3`: the default without a database.

One connection per thread and process, WAL mode (readers never wait for writers), the same
two tables as :class:`~hipflask.auth.stores.sqlalchemy.SQLAlchemyLoginStore`.

# PERF: a logged-in request reads one row here; plain sqlite3 does it in ~30 us where
# SQLAlchemy Core (pool checkout, execution) takes ~90 us even on its fastest path.
"""

from __future__ import annotations

import os
import sqlite3
import time
from contextlib import AbstractContextManager

from ...sessions.connections import SQLiteConnections, transaction
from .base import LoginRecord, LoginStore, TokenRow

__all__ = ["SQLiteLoginStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS {p}logins (
    key TEXT PRIMARY KEY, user_id TEXT NOT NULL, auth_hash TEXT NOT NULL, expires REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS {p}logins_user ON {p}logins (user_id);
CREATE TABLE IF NOT EXISTS {p}tokens (
    selector TEXT PRIMARY KEY, user_id TEXT NOT NULL, auth_hash TEXT NOT NULL,
    validator_hash TEXT NOT NULL, previous_hash TEXT NOT NULL, rotated REAL NOT NULL,
    expires REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS {p}tokens_user ON {p}tokens (user_id);
"""


class SQLiteLoginStore(LoginStore):
    """Logins and tokens in the SQLite file ``path``; shared by the processes of one machine."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        table_prefix: str = "hipflask_auth_",
        timeout: float = 10.0,
        purge_interval: float = 300.0,
    ) -> None:
        self.path = os.fspath(path)
        self.prefix = table_prefix
        self.timeout = timeout
        self.purge_interval = purge_interval
        self.connections = SQLiteConnections(
            self.path,
            schema=_SCHEMA.format(p=table_prefix),
            what="login store",
            timeout=timeout,
        )
        self._next_purge = 0.0

    def _connection(self) -> AbstractContextManager[sqlite3.Connection]:
        return self.connections.connection()

    def _write(self, sql: str, *args: object) -> int:
        with self._connection() as connection:
            rowcount = connection.execute(sql.format(p=self.prefix), args).rowcount
            now = time.time()
            if now >= self._next_purge:
                self._next_purge = now + self.purge_interval
                for table in ("logins", "tokens"):
                    connection.execute(
                        f"DELETE FROM {self.prefix}{table} WHERE expires <= ?", (now,)
                    )
            return rowcount

    def _read(self, sql: str, *args: object) -> tuple[object, ...] | None:
        with self._connection() as connection:
            row: tuple[object, ...] | None = connection.execute(
                sql.format(p=self.prefix), args
            ).fetchone()
            return row

    def _insert_login(self, key: str, user_id: str, auth_hash: str, expires: float) -> None:
        self._write(
            "INSERT INTO {p}logins (key, user_id, auth_hash, expires) VALUES (?, ?, ?, ?)",
            key, user_id, auth_hash, expires,
        )  # fmt: skip

    def _get_login(self, key: str) -> LoginRecord | None:
        row = self._read("SELECT user_id, auth_hash, expires FROM {p}logins WHERE key = ?", key)
        return None if row is None else LoginRecord(*row)  # type: ignore[arg-type]

    def _set_login_expiry(self, key: str, expires: float) -> None:
        self._write("UPDATE {p}logins SET expires = ? WHERE key = ?", expires, key)

    def _delete_login(self, key: str) -> None:
        self._write("DELETE FROM {p}logins WHERE key = ?", key)

    def _insert_token(self, selector: str, row: TokenRow) -> None:
        self._write(
            "INSERT INTO {p}tokens (selector, user_id, auth_hash, validator_hash, previous_hash, "
            "rotated, expires) VALUES (?, ?, ?, ?, ?, ?, ?)",
            selector, *row,
        )  # fmt: skip

    def _get_token(self, selector: str) -> TokenRow | None:
        row = self._read(
            "SELECT user_id, auth_hash, validator_hash, previous_hash, rotated, expires "
            "FROM {p}tokens WHERE selector = ?",
            selector,
        )
        return None if row is None else TokenRow(*row)  # type: ignore[arg-type]

    def _swap_token(self, selector: str, old: str, new: str, now: float) -> bool:
        changed = self._write(
            "UPDATE {p}tokens SET validator_hash = ?, previous_hash = ?, rotated = ? "
            "WHERE selector = ? AND validator_hash = ?",
            new, old, now, selector, old,
        )  # fmt: skip
        return changed == 1

    def _delete_token(self, selector: str) -> None:
        self._write("DELETE FROM {p}tokens WHERE selector = ?", selector)

    def _delete_user(self, user_id: str) -> None:
        with self._connection() as connection, transaction(connection):
            for table in ("logins", "tokens"):
                connection.execute(
                    f"DELETE FROM {self.prefix}{table} WHERE user_id = ?", (user_id,)
                )

    def close(self) -> None:
        """Close every connection this store opened."""
        self.connections.close()
