# mypy: disallow-untyped-calls=False
# NOTE: kombu is typed only in part; its untyped methods are the ones overridden here.
"""The embedded broker: kombu's SQLAlchemy transport, made at-least-once.

kombu's transport marks a message invisible when a worker takes it and never looks at it again:
a worker killed mid-task (``kill -9``, out of memory, power loss) loses every message it had
taken, the running ones and the prefetched ones, and the table keeps every message forever.
Here, as in kombu's Redis transport, a taken message is leased: acknowledging deletes its row,
a graceful shutdown or a requeue makes it visible again, and a lease older than
``visibility_timeout`` (transport option, one hour by default) is handed to the next worker.
Whichever process opens the broker first, a web process publishing or a worker starting,
creates its tables; processes doing so at the same moment wait for each other (kombu's own
creation raced: the loser's publish failed).
URL: ``hipflask+<SQLAlchemy URL>``, e.g. ``hipflask+sqlite:////srv/app/instance/broker.sqlite``.
"""

from __future__ import annotations

import datetime
import time
from json import loads
from queue import Empty
from typing import Any

from kombu.transport import TRANSPORT_ALIASES
from kombu.transport import sqlalchemy as kombu_sqlalchemy
from kombu.transport.sqlalchemy.models import metadata
from kombu.utils.encoding import bytes_to_str
from sqlalchemy import delete, or_, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import sessionmaker

#: The URL prefix of this transport (``hipflask+sqlite:///...``).
ALIAS = "hipflask"
DEFAULT_VISIBILITY_TIMEOUT = 3600.0
#: Transport options read by the transport itself rather than by SQLAlchemy's create_engine.
TRANSPORT_OPTIONS = ("visibility_timeout", "polling_interval")
#: Tries at creating the tables (each waits for SQLite's lock up to its busy timeout).
CREATE_ATTEMPTS = 5


class Channel(kombu_sqlalchemy.Channel):
    """A channel whose taken messages are leased until acknowledged."""

    def __init__(self, connection: Any, **kwargs: Any) -> None:
        options = connection.client.transport_options
        self.visibility_timeout = float(
            options.get("visibility_timeout", DEFAULT_VISIBILITY_TIMEOUT)
        )
        # delivery tag -> row id of the messages this channel holds a lease on
        self._leases: dict[str, int] = {}
        super().__init__(connection, **kwargs)

    def _engine_from_config(self) -> Any:
        """Create the engine from the transport options that are not the transport's own."""
        # NOTE: kombu passes every option it does not know to create_engine, which refuses them.
        options = self.connection.client.transport_options
        saved = {name: options.pop(name) for name in TRANSPORT_OPTIONS if name in options}
        try:
            return super()._engine_from_config()
        finally:
            options.update(saved)

    def _open(self) -> tuple[Any, Any]:
        """Return the engine and session factory of the broker, creating its tables once."""
        engines = self._engines
        key = self.connection.client.hostname
        if key not in engines:
            with kombu_sqlalchemy._MUTEX:
                if key not in engines:
                    engine = self._engine_from_config()
                    self._create_tables(engine)
                    engines[key] = engine, sessionmaker(bind=engine)
        return engines[key]  # type: ignore[no-any-return]

    def _create_tables(self, engine: Any) -> None:
        """Create the broker's tables unless they exist, safely against other processes.

        kombu checks, then creates: a publisher and a starting worker could both see no table,
        and the second CREATE failed, closing the channel mid-publish. On SQLite the check and
        the creation run in one write transaction, so the second process waits for the first
        and then sees its tables; elsewhere (or when the lock wait runs out) a retry does.
        """
        tables = [self.queue_cls.__table__, self.message_cls.__table__]
        for attempt in range(1, CREATE_ATTEMPTS + 1):
            try:
                with engine.connect() as connection:
                    if engine.dialect.name == "sqlite":
                        connection.exec_driver_sql("BEGIN IMMEDIATE TRANSACTION")
                    metadata.create_all(connection, tables=tables)
                    connection.commit()
                return
            except DBAPIError:
                if attempt == CREATE_ATTEMPTS:
                    raise
                time.sleep(0.1 * attempt)

    def _get_or_create(self, queue: str) -> Any:
        """Return the row of ``queue``, inserting it unless another process did first."""
        session = self.session
        query = session.query(self.queue_cls).filter(self.queue_cls.name == queue)
        found = query.first()
        if found is None:
            session.add(self.queue_cls(queue))
            try:
                session.commit()
            except IntegrityError:  # the same name, inserted by another process meanwhile
                session.rollback()
            found = query.first()
        return found

    def _get(self, queue: str, timeout: float | None = None) -> Any:
        """Take the oldest visible message, or one whose lease expired, and lease it."""
        queue_id = self._get_or_create(queue).id
        message_cls = self.message_cls
        session = self.session
        if session.bind.name == "sqlite":
            session.execute(text("BEGIN IMMEDIATE TRANSACTION"))
        expired = datetime.datetime.now() - datetime.timedelta(seconds=self.visibility_timeout)
        try:
            message = (
                session.query(message_cls)
                .with_for_update()
                .filter(message_cls.queue_id == queue_id)
                .filter(or_(message_cls.visible == True, message_cls.sent_at < expired))  # noqa: E712
                .order_by(message_cls.sent_at, message_cls.id)
                .limit(1)
                .first()
            )
            if message is None:
                raise Empty()
            # NOTE: sent_at becomes the start of the lease (a message taken again after its
            # lease expired is already invisible: set both, or no UPDATE is issued).
            message.visible = False
            message.sent_at = datetime.datetime.now()
            payload = loads(bytes_to_str(message.payload))
            self._leases[payload["properties"]["delivery_tag"]] = message.id
            return payload
        finally:
            session.commit()

    def basic_ack(self, delivery_tag: str, multiple: bool = False) -> None:
        """Acknowledge the message: its row is deleted."""
        super().basic_ack(delivery_tag, multiple=multiple)
        self._finish(delivery_tag, visible=None)

    def basic_reject(self, delivery_tag: str, requeue: bool = False) -> None:
        """Reject the message: deleted, or visible again when ``requeue``."""
        super().basic_reject(delivery_tag, requeue=requeue)
        self._finish(delivery_tag, visible=None)

    def _restore(self, message: Any) -> None:
        """Make a taken message visible again (shutdown, requeue) instead of copying it."""
        if not self._finish(message.delivery_tag, visible=True):
            super()._restore(message)

    def _finish(self, delivery_tag: str, visible: bool | None) -> bool:
        """End the lease on ``delivery_tag``: delete the row, or make it visible again.

        Acknowledgements may come from the worker's pool threads: this uses a connection of its
        own, never the channel's session.
        """
        row_id = self._leases.pop(delivery_tag, None)
        if row_id is None:
            return False
        table = self.message_cls.__table__
        engine, _ = self._open()
        with engine.begin() as connection:
            if visible is None:
                connection.execute(delete(table).where(table.c.id == row_id))
            else:
                connection.execute(update(table).where(table.c.id == row_id).values(visible=True))
        return True


class Transport(kombu_sqlalchemy.Transport):
    """kombu's SQLAlchemy transport with leased messages (see :class:`Channel`)."""

    Channel = Channel


TRANSPORT_ALIASES.setdefault(ALIAS, f"{__name__}:Transport")
