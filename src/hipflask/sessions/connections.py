"""Connections to the stores of server-side state, shared by sessions and the login store.

:class:`SQLiteConnections` keeps one :mod:`sqlite3` connection per thread and process on a file
in WAL mode; :func:`redis_client` makes a Redis client whose calls end within a bounded time.
Both fail closed: an outage raises :class:`~hipflask.exceptions.ServiceUnavailable` (503)
rather than letting a request run without knowing its session or who is logged in.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from ..exceptions import ServiceUnavailable

__all__ = ["SQLiteConnections", "fail_closed", "redis_client", "redis_outages", "transaction"]

T = TypeVar("T")


class SQLiteConnections:
    """One connection per thread and process on the SQLite file ``path``, in WAL mode.

    ``schema`` (SQL statements, ``CREATE ... IF NOT EXISTS``) runs once per process, when the
    first connection opens; ``what`` names the store in the 503's message.
    """

    def __init__(
        self, path: str | os.PathLike[str], *, schema: str, what: str, timeout: float
    ) -> None:
        self.path = os.fspath(path)
        self.schema = schema
        self.what = what
        self.timeout = timeout
        self._local = threading.local()
        self._lock = threading.Lock()
        self._opened: list[sqlite3.Connection] = []
        self._initialized = False

    @contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        """Yield this thread's connection; an outage in the block raises ServiceUnavailable."""
        try:
            yield self._connect()
        except (sqlite3.OperationalError, OSError) as exc:
            # NOTE: "database is locked" past the busy timeout, a full disk, an unreadable file:
            # the request fails closed (503) instead of proceeding without its data.
            raise ServiceUnavailable(f"The {self.what} is unavailable: {exc}") from exc

    def _connect(self) -> sqlite3.Connection:
        local = self._local
        pid = os.getpid()
        connection: sqlite3.Connection | None = getattr(local, "connection", None)
        # NOTE: a forked worker inherits its parent's thread-local connection; never share it.
        if connection is None or local.pid != pid:
            if not self._initialized and os.path.dirname(self.path):
                os.makedirs(os.path.dirname(self.path), exist_ok=True)
            connection = sqlite3.connect(
                self.path, timeout=self.timeout, isolation_level=None, check_same_thread=False
            )
            connection.execute("PRAGMA synchronous=NORMAL")
            if not self._initialized:
                self._create_schema(connection)
            local.connection, local.pid = connection, pid
            with self._lock:
                self._opened.append(connection)
        return connection

    def _create_schema(self, connection: sqlite3.Connection) -> None:
        """Switch the file to WAL and create the tables, once per file across processes.

        # NOTE: ``PRAGMA journal_mode=WAL`` needs the only lock on the file, and two processes
        # asking for it at once can get "database is locked" at once: SQLite skips the busy
        # timeout where waiting could deadlock. So the first users of a new file take turns
        # (an advisory lock on a side file), a file already in WAL mode is left alone, and a
        # lock lost anyway is retried until ``timeout``.
        """
        with self._lock, _file_lock(self.path + "-init.lock", self.timeout):
            deadline = time.monotonic() + self.timeout
            while True:
                try:
                    mode = connection.execute("PRAGMA journal_mode").fetchone()[0]
                    if str(mode).lower() != "wal":
                        connection.execute("PRAGMA journal_mode=WAL")
                    connection.executescript(self.schema)
                    break
                except sqlite3.OperationalError as exc:
                    if "locked" not in str(exc) or time.monotonic() > deadline:
                        raise
                    time.sleep(0.01)
            self._initialized = True

    def close(self) -> None:
        """Close every connection opened here."""
        with self._lock:
            opened, self._opened = self._opened, []
        for connection in opened:
            connection.close()
        self._local = threading.local()


@contextmanager
def transaction(connection: sqlite3.Connection) -> Iterator[None]:
    """Run the block in one ``BEGIN IMMEDIATE`` transaction: committed, or rolled back."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


@contextmanager
def _file_lock(path: str, timeout: float) -> Iterator[None]:
    """Hold an exclusive advisory lock on ``path`` (created if missing) for the block.

    Raise :class:`sqlite3.OperationalError` past ``timeout``. Where ``fcntl`` is missing
    (Windows), hold nothing: the caller's retry loop is the only guard there.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    # NOTE: a side file, never the database itself: closing any descriptor of the database
    # would drop the POSIX locks SQLite holds on it in this process.
    with open(path, "a") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise sqlite3.OperationalError("database is locked (initializing)") from None
                time.sleep(0.005)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def redis_client(url: str, *, timeout: float, **options: Any) -> Any:
    """Return a Redis client whose calls fail after ``timeout`` seconds, retried once.

    With a down or hung Redis a call so fails within about ``4 * timeout`` seconds (connect
    and read, twice), and succeeds again as soon as Redis is back. ``options`` go to
    ``redis.Redis.from_url`` (``decode_responses=True``...).
    """
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    return redis.Redis.from_url(
        url,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=Retry(NoBackoff(), 1),
        **options,
    )


def redis_outages() -> tuple[type[Exception], ...]:
    """Return the exceptions of an unreachable or hung Redis (not those of a bad command)."""
    import redis

    return (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


def fail_closed(func: Callable[[], T], outages: tuple[type[Exception], ...], what: str) -> T:
    """Return ``func()``; turn an exception in ``outages`` into ServiceUnavailable (503)."""
    try:
        return func()
    except outages as exc:
        raise ServiceUnavailable(f"The {what} is unavailable: {exc}") from exc
