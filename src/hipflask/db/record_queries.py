"""``SQLALCHEMY_RECORD_QUERIES``: keep each query of the current app context, with its timing."""

from __future__ import annotations

import dataclasses
import inspect
from time import perf_counter
from typing import Any

import sqlalchemy as sa
import sqlalchemy.event as sa_event

from hipflask import current_app, g, has_app_context

__all__ = ["QueryInfo", "get_recorded_queries"]

_KEY = "_hipflask_db_queries"


@dataclasses.dataclass
class QueryInfo:
    """One query run in the current app context."""

    #: The SQL sent to the database.
    statement: str | None
    #: The parameters sent with it.
    parameters: Any
    #: ``time.perf_counter()`` when it started and ended.
    start_time: float
    end_time: float
    #: ``module:line (function)`` of the app's code that ran it, or ``"<unknown>"``.
    location: str

    @property
    def duration(self) -> float:
        """Seconds the query took."""
        return self.end_time - self.start_time


def get_recorded_queries() -> list[QueryInfo]:
    """Return the queries recorded in the current app context (empty when recording is off)."""
    queries: list[QueryInfo] = g.get(_KEY, [])
    return queries


def listen(engine: sa.engine.Engine) -> None:
    """Record the queries this engine runs inside an app context."""
    if sa_event.contains(engine, "before_cursor_execute", _before):
        return
    sa_event.listen(engine, "before_cursor_execute", _before)
    sa_event.listen(engine, "after_cursor_execute", _after)


def _before(
    connection: Any, cursor: Any, statement: Any, parameters: Any, context: Any, many: Any
) -> None:
    if has_app_context() and context is not None:
        context._hipflask_start_time = perf_counter()


def _after(
    connection: Any, cursor: Any, statement: Any, parameters: Any, context: Any, many: Any
) -> None:
    start = getattr(context, "_hipflask_start_time", None)
    if start is None or not has_app_context():
        return
    g.setdefault(_KEY, []).append(
        QueryInfo(statement, parameters, start, perf_counter(), _caller_location())
    )


def _caller_location() -> str:
    """Find the innermost frame of the app's own package (the code that ran the query)."""
    package = current_app.import_name.partition(".")[0]
    frame = inspect.currentframe()
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if module == package or module.startswith(package + "."):
            return f"{module}:{frame.f_lineno} ({frame.f_code.co_name})"
        frame = frame.f_back
    return "<unknown>"
