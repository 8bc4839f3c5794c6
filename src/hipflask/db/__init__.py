"""SQLAlchemy 2 for hipflask apps, with Flask-SQLAlchemy 3.1's API.

Port a Flask app by changing ``from flask_sqlalchemy import SQLAlchemy`` to
``from hipflask.db import SQLAlchemy``. See ``docs/database.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .extension import SQLAlchemy
from .model import Model
from .pagination import Pagination
from .query import Query
from .record_queries import QueryInfo, get_recorded_queries
from .session import Session

if TYPE_CHECKING:
    from .track_modifications import before_models_committed, models_committed

__all__ = [
    "Model",
    "Pagination",
    "Query",
    "QueryInfo",
    "SQLAlchemy",
    "Session",
    "before_models_committed",
    "get_recorded_queries",
    "models_committed",
]


def __getattr__(name: str) -> Any:
    # PERF: the signals load on first use; importing hipflask.signals makes every app send its
    # signals (see hipflask.signals), which only SQLALCHEMY_TRACK_MODIFICATIONS needs.
    if name in ("before_models_committed", "models_committed"):
        from . import track_modifications

        return getattr(track_modifications, name)
    raise AttributeError(f"module 'hipflask.db' has no attribute {name!r}")
