"""Test helpers: the environ builder, the test client with its cookie jar, the CLI runner.

``hipflask.testing`` is where ``flask.testing`` (and ``werkzeug.test``'s client) port to.
"""

from __future__ import annotations

from .client import (
    CliRunner,
    FlaskClient,
    FlaskCliRunner,
    TestClient,
    TestResponse,
)
from .cookiejar import Cookie
from .environ import EnvironBuilder

__all__ = [
    "CliRunner",
    "Cookie",
    "EnvironBuilder",
    "FlaskCliRunner",
    "FlaskClient",
    "TestClient",
    "TestResponse",
]
