"""The login signals, named and sent as Flask-Login's (sender: the app; ``user=`` where one)."""

from __future__ import annotations

from typing import Any

from blinker import Namespace

__all__ = [
    "session_protected",
    "user_accessed",
    "user_loaded_from_cookie",
    "user_loaded_from_request",
    "user_logged_in",
    "user_logged_out",
    "user_login_confirmed",
    "user_needs_refresh",
    "user_unauthorized",
]

_signals = Namespace()

#: Sent by ``login_user`` (``user=``).
user_logged_in = _signals.signal("logged-in")
#: Sent by ``logout_user`` (``user=``).
user_logged_out = _signals.signal("logged-out")
#: Sent when a remember-me cookie logged the user in (``user=``).
user_loaded_from_cookie = _signals.signal("loaded-from-cookie")
#: Sent when the request loader returned a user (``user=``).
user_loaded_from_request = _signals.signal("loaded-from-request")
#: Sent by ``confirm_login``.
user_login_confirmed = _signals.signal("login-confirmed")
#: Sent by ``LoginManager.unauthorized``.
user_unauthorized = _signals.signal("unauthorized")
#: Sent by ``LoginManager.needs_refresh``.
user_needs_refresh = _signals.signal("needs-refresh")
#: Sent when the user is loaded for a request.
user_accessed = _signals.signal("accessed")
#: Sent when session protection changed the session.
session_protected = _signals.signal("session-protected")


def send(signal: Any, sender: Any, **kwargs: Any) -> None:
    """Send ``signal`` when somebody listens (free otherwise)."""
    # PERF: blinker's send() costs ~1 us even without receivers; most apps connect none.
    if signal.receivers:
        signal.send(sender, **kwargs)
