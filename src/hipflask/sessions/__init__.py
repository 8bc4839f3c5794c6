"""Sessions: the interface, signed cookies, server-side storage and the signer.

``hipflask.sessions`` is where ``flask.sessions`` ports to. Server-side sessions and their stores
live in ``hipflask.sessions.server`` and ``hipflask.sessions.stores``.
"""

from __future__ import annotations

from .base import (
    NullSession,
    SecureCookieSession,
    SessionInterface,
    SessionMixin,
)
from .cookie import SecureCookieSessionInterface, session_interface_for

__all__ = [
    "NullSession",
    "SecureCookieSession",
    "SecureCookieSessionInterface",
    "SessionInterface",
    "SessionMixin",
    "session_interface_for",
]
