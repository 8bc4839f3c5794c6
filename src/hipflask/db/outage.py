"""Answer 503 when the database connection is lost or the server is unreachable.

A view that loses its connection (server restart, ``pg_terminate_backend``, network cut)
gets SQLAlchemy's ``DBAPIError`` with ``connection_invalidated`` set; a server that refuses
connections raises ``OperationalError`` before any statement ran. Both are outages, not bugs:
the session is rolled back, one warning is logged, and the client gets ``503 Service
Unavailable`` with ``Retry-After``. SQLAlchemy has already invalidated the pool, so the next
request connects afresh. Every other database error goes on to the usual 500 handling.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy.exc as sa_exc

from hipflask import current_app, request
from hipflask.exceptions import ServiceUnavailable

if TYPE_CHECKING:
    from .extension import SQLAlchemy

__all__ = ["is_outage", "make_outage_handler"]

RETRY_AFTER = "5"


def is_outage(exc: BaseException) -> bool:
    """Tell whether a database error means the connection was lost or could not be opened."""
    if not isinstance(exc, sa_exc.DBAPIError):
        return isinstance(exc, sa_exc.TimeoutError)
    if exc.connection_invalidated:
        return True
    return isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError) and not exc.statement


def make_outage_handler(db: SQLAlchemy) -> Any:
    """Return the error handler that :meth:`SQLAlchemy.init_app` registers for ``DBAPIError``."""

    def handle_database_error(exc: sa_exc.SQLAlchemyError) -> Any:
        if not is_outage(exc):
            raise exc
        try:
            db.session.rollback()
        except sa_exc.SQLAlchemyError:
            db.session.remove()
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        current_app.logger.warning(
            "Database unavailable on %s %s: %s: %s; answered 503",
            request.method,
            request.path,
            type(exc).__name__,
            reason,
        )
        error = ServiceUnavailable(description="The database is unavailable. Try again shortly.")
        response = current_app.make_response(error)
        response.headers["Retry-After"] = RETRY_AFTER
        return response

    return handle_database_error
