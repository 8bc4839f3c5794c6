"""Where server-side sessions live: the :class:`SessionStore` interface, SQLite and Redis.

A record is a mapping of field names to serialized values (strings), so a save can merge only
the fields a request changed onto the stored record. Every call is atomic on its own: two
overlapping requests that change different fields both keep their change, the later write wins
for a field both changed, and a record deleted by one request is never resurrected by a
save of the other. A store that cannot be reached raises
:class:`~hipflask.exceptions.ServiceUnavailable` (503) after a bounded time.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Collection, Mapping
from contextlib import AbstractContextManager
from typing import Any, TypeVar

from ..exceptions import ServiceUnavailable
from .connections import SQLiteConnections, redis_client, redis_outages, transaction

__all__ = ["CircuitBreaker", "RedisStore", "SQLiteStore", "SessionStore"]

T = TypeVar("T")


class SessionStore:
    """The interface of a server-side session store; ``ttl`` is in seconds."""

    def load(self, sid: str) -> dict[str, str] | None:
        """Return the record's fields, or None when it does not exist or expired."""
        raise NotImplementedError()

    def save(
        self,
        sid: str,
        changed: Mapping[str, str],
        deleted: Collection[str],
        ttl: int,
        *,
        create: bool,
    ) -> bool:
        """Merge ``changed`` and ``deleted`` fields onto the record and set its expiry.

        Without ``create`` a missing record stays missing. Return False when no record
        exists afterwards (it was missing, or the save emptied it).
        """
        raise NotImplementedError()

    def touch(self, sid: str, ttl: int) -> bool:
        """Push the record's expiry ``ttl`` seconds ahead; False when it does not exist."""
        raise NotImplementedError()

    def delete(self, sid: str) -> None:
        """Destroy the record (no error when it does not exist)."""
        raise NotImplementedError()

    def count(self) -> int:
        """Return the number of live records (for tests and monitoring; may be slow)."""
        raise NotImplementedError()

    def close(self) -> None:
        """Release connections."""


class SQLiteStore(SessionStore):
    """Sessions in a SQLite file: for one machine, several processes and threads.

    Each thread of each process has its own connection; the database runs in WAL mode so
    readers never wait for writers, and every save is one ``BEGIN IMMEDIATE`` transaction.
    Expired records are never returned and are purged lazily, at most every ``purge_interval``
    seconds per process.
    """

    table = "hipflask_sessions"

    def __init__(
        self, path: str | os.PathLike[str], *, timeout: float = 5.0, purge_interval: float = 300.0
    ) -> None:
        self.path = os.fspath(path)
        self.timeout = timeout
        self.purge_interval = purge_interval
        schema = (
            f"CREATE TABLE IF NOT EXISTS {self.table} (id TEXT PRIMARY KEY, "
            "data TEXT NOT NULL, expires REAL NOT NULL) WITHOUT ROWID;\n"
            f"CREATE INDEX IF NOT EXISTS {self.table}_expires ON {self.table} (expires);"
        )
        self.connections = SQLiteConnections(
            self.path, schema=schema, what="session store", timeout=timeout
        )
        self._next_purge = 0.0

    def _connection(self) -> AbstractContextManager[sqlite3.Connection]:
        return self.connections.connection()

    def load(self, sid: str) -> dict[str, str] | None:
        """Return the record's fields, or None when it does not exist or expired."""
        with self._connection() as connection:
            row = connection.execute(
                f"SELECT data FROM {self.table} WHERE id = ? AND expires > ?", (sid, time.time())
            ).fetchone()
        if row is None:
            return None
        data: dict[str, str] = json.loads(row[0])
        return data

    def save(
        self,
        sid: str,
        changed: Mapping[str, str],
        deleted: Collection[str],
        ttl: int,
        *,
        create: bool,
    ) -> bool:
        """Merge the changes onto the record inside one write transaction."""
        with self._connection() as connection, transaction(connection):
            now = time.time()
            row = connection.execute(
                f"SELECT data FROM {self.table} WHERE id = ? AND expires > ?", (sid, now)
            ).fetchone()
            if row is None and not create:
                return False
            fields: dict[str, str] = json.loads(row[0]) if row is not None else {}
            fields.update(changed)
            for key in deleted:
                fields.pop(key, None)
            if not fields:
                connection.execute(f"DELETE FROM {self.table} WHERE id = ?", (sid,))
                return False
            connection.execute(
                f"INSERT INTO {self.table} (id, data, expires) VALUES (?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET data = excluded.data, expires = excluded.expires",
                (sid, json.dumps(fields, separators=(",", ":")), now + ttl),
            )
            if now >= self._next_purge:
                self._next_purge = now + self.purge_interval
                connection.execute(f"DELETE FROM {self.table} WHERE expires <= ?", (now,))
            return True

    def touch(self, sid: str, ttl: int) -> bool:
        """Push the record's expiry ahead."""
        with self._connection() as connection:
            now = time.time()
            cursor = connection.execute(
                f"UPDATE {self.table} SET expires = ? WHERE id = ? AND expires > ?",
                (now + ttl, sid, now),
            )
        return cursor.rowcount > 0

    def delete(self, sid: str) -> None:
        """Destroy the record."""
        with self._connection() as connection:
            connection.execute(f"DELETE FROM {self.table} WHERE id = ?", (sid,))

    def purge(self) -> int:
        """Delete every expired record now; return how many were deleted."""
        with self._connection() as connection:
            cursor = connection.execute(
                f"DELETE FROM {self.table} WHERE expires <= ?", (time.time(),)
            )
        return cursor.rowcount

    def count(self) -> int:
        """Return the number of live records."""
        with self._connection() as connection:
            row = connection.execute(
                f"SELECT COUNT(*) FROM {self.table} WHERE expires > ?", (time.time(),)
            ).fetchone()
        return int(row[0])

    def close(self) -> None:
        """Close every connection this store opened."""
        self.connections.close()


class CircuitBreaker:
    """Fail calls at once, for ``cooldown`` seconds, after ``failures`` outages in a row.

    Without it a hung store ties up a server thread for the full timeout of every call, and the
    threads pile up until requests that never touch the store wait too. Once open, the breaker
    answers 503 without calling; after the cool-down it lets one call through (the others still
    fail fast): success closes it, another outage opens it for one more cool-down.
    """

    def __init__(self, failures: int = 3, cooldown: float = 5.0) -> None:
        self.failures = failures
        self.cooldown = cooldown
        self._lock = threading.Lock()
        self._count = 0
        self._open_until = 0.0
        self._probing = False

    @property
    def is_open(self) -> bool:
        """True while calls fail without reaching the store."""
        return self._count >= self.failures and time.monotonic() < self._open_until

    def call(self, func: Callable[[], T], outages: tuple[type[Exception], ...]) -> T:
        """Return ``func()``; raise :class:`ServiceUnavailable` for an outage or while open."""
        probe = self._admit()
        try:
            result = func()
        except outages as exc:
            with self._lock:
                self._count += 1
                if self._count >= self.failures:
                    self._open_until = time.monotonic() + self.cooldown
            raise ServiceUnavailable(f"The session store is unavailable: {exc}") from exc
        finally:
            if probe:
                self._probing = False
        with self._lock:
            self._count = 0
        return result

    def _admit(self) -> bool:
        """Refuse the call while open; return True when it is the probe after a cool-down."""
        with self._lock:
            if self._count < self.failures:
                return False
            if time.monotonic() < self._open_until or self._probing:
                raise ServiceUnavailable(
                    "The session store is unavailable (it timed out repeatedly); "
                    "try again in a few seconds."
                )
            self._probing = True
            return True


# Atomic merge: KEYS[1] the record; ARGV: ttl, create ('1'/'0'), n, n field/value pairs, then the
# fields to delete. Returns 1 when the record exists afterwards, 0 otherwise.
_SAVE_SCRIPT = """
if ARGV[2] ~= '1' and redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local n = tonumber(ARGV[3])
for i = 0, n - 1 do redis.call('HSET', KEYS[1], ARGV[4 + 2 * i], ARGV[5 + 2 * i]) end
for i = 4 + 2 * n, #ARGV do redis.call('HDEL', KEYS[1], ARGV[i]) end
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('EXPIRE', KEYS[1], ARGV[1])
return 1
"""


class RedisStore(SessionStore):
    """Sessions in Redis hashes, one per session: for several machines.

    The record's TTL is the session's lifetime, so Redis expires it by itself. Socket timeouts
    are short and a call is retried once, so when Redis is down or hung a request fails with
    503 within about ``4 * timeout`` seconds, and succeeds again as soon as Redis is back.
    After ``breaker_failures`` outages in a row, calls fail at once for ``breaker_cooldown``
    seconds (see :class:`CircuitBreaker`).
    """

    def __init__(
        self,
        url: str = "redis://127.0.0.1:6379/0",
        *,
        prefix: str = "hipflask:session:",
        timeout: float = 0.5,
        client: Any = None,
        breaker_failures: int = 3,
        breaker_cooldown: float = 5.0,
    ) -> None:
        self.prefix = prefix
        self._errors = redis_outages()
        if client is None:
            client = redis_client(url, timeout=timeout)
        self.client = client
        self.breaker = CircuitBreaker(breaker_failures, breaker_cooldown)
        self._save = client.register_script(_SAVE_SCRIPT)

    def _call(self, func: Callable[[], T]) -> T:
        return self.breaker.call(func, self._errors)

    def load(self, sid: str) -> dict[str, str] | None:
        """Return the record's fields, or None when it does not exist or expired."""
        fields = self._call(lambda: self.client.hgetall(self.prefix + sid))
        if not fields:
            return None
        return {_text(key): _text(value) for key, value in fields.items()}

    def save(
        self,
        sid: str,
        changed: Mapping[str, str],
        deleted: Collection[str],
        ttl: int,
        *,
        create: bool,
    ) -> bool:
        """Merge the changes onto the hash in one atomic script."""
        args: list[Any] = [ttl, "1" if create else "0", len(changed)]
        for key, value in changed.items():
            args += (key, value)
        args.extend(deleted)
        return bool(self._call(lambda: self._save(keys=[self.prefix + sid], args=args)))

    def touch(self, sid: str, ttl: int) -> bool:
        """Push the record's expiry ahead."""
        return bool(self._call(lambda: self.client.expire(self.prefix + sid, ttl)))

    def delete(self, sid: str) -> None:
        """Destroy the record."""
        self._call(lambda: self.client.delete(self.prefix + sid))

    def count(self) -> int:
        """Return the number of records under the prefix (a SCAN: slow on a big database)."""
        pattern = _glob_escape(self.prefix) + "*"
        return self._call(lambda: sum(1 for _ in self.client.scan_iter(pattern, count=1000)))

    def close(self) -> None:
        """Close the connection pool."""
        self.client.close()


def _text(value: str | bytes) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else value


def _glob_escape(text: str) -> str:
    return "".join("\\" + char if char in "*?[]\\" else char for char in text)
