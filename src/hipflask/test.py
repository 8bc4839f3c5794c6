"""Werkzeug's ``werkzeug.test``: the environ builder and the test client (``Client``)."""

from __future__ import annotations

from .testing.client import TestClient as Client
from .testing.client import TestResponse
from .testing.environ import EnvironBuilder

__all__ = ["Client", "EnvironBuilder", "TestResponse"]
