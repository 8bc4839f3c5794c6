"""Test helpers: the environ builder, the test client with its cookie jar, the CLI runner.

``hipflask.testing`` is where ``flask.testing`` (and ``werkzeug.test``'s client) port to.
"""

from __future__ import annotations

from .client import (
    CliRunner,
    EnvironBuilder,
    FlaskClient,
    FlaskCliRunner,
    TestClient,
    TestResponse,
)
from .cookiejar import Cookie

__all__ = [
    "CliRunner",
    "Cookie",
    "EnvironBuilder",
    "FlaskCliRunner",
    "FlaskClient",
    "TestClient",
    "TestResponse",
]
