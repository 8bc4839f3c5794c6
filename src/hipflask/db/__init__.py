"""SQLAlchemy 2 for hipflask apps, with Flask-SQLAlchemy 3.1's API.

Port a Flask app by changing ``from flask_sqlalchemy import SQLAlchemy`` to
``from hipflask.db import SQLAlchemy``. See ``docs/database.md``.
"""

from __future__ import annotations

from .extension import SQLAlchemy
from .model import Model
from .pagination import Pagination
from .query import Query
from .record_queries import QueryInfo, get_recorded_queries
from .session import Session
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
