"""Authentication with Flask-Login's API: port with ``flask_login`` -> ``hipflask.auth``.

See docs/auth.md for the pattern, the security model, and what differs from Flask-Login.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .decorators import EXEMPT_METHODS, fresh_login_required, login_required
from .login import (
    confirm_login,
    current_user,
    login_fresh,
    login_remembered,
    login_user,
    logout_user,
    user_proxy,
)
from .manager import LoginManager
from .mixins import AnonymousUserMixin, UserMixin
from .signals import (
    session_protected,
    user_accessed,
    user_loaded_from_cookie,
    user_loaded_from_request,
    user_logged_in,
    user_logged_out,
    user_login_confirmed,
    user_needs_refresh,
    user_unauthorized,
)
from .throttle import LoginThrottle, LoginThrottled
from .urls import (
    is_safe_redirect_url,
    login_url,
    make_next_param,
    safe_next_url,
    set_login_view,
)

if TYPE_CHECKING:
    from .testing import FlaskLoginClient

__all__ = [
    "EXEMPT_METHODS",
    "AnonymousUserMixin",
    "FlaskLoginClient",
    "LoginManager",
    "LoginThrottle",
    "LoginThrottled",
    "UserMixin",
    "confirm_login",
    "current_user",
    "fresh_login_required",
    "is_safe_redirect_url",
    "login_fresh",
    "login_remembered",
    "login_required",
    "login_url",
    "login_user",
    "logout_user",
    "make_next_param",
    "safe_next_url",
    "session_protected",
    "set_login_view",
    "user_accessed",
    "user_loaded_from_cookie",
    "user_loaded_from_request",
    "user_logged_in",
    "user_logged_out",
    "user_login_confirmed",
    "user_needs_refresh",
    "user_proxy",
    "user_unauthorized",
]


def __getattr__(name: str) -> Any:
    # PERF: the test client imports click (~30 ms); only tests need it.
    if name == "FlaskLoginClient":
        from .testing import FlaskLoginClient

        return FlaskLoginClient
    raise AttributeError(f"module 'hipflask.auth' has no attribute {name!r}")
