"""The request's fields in a log record: id, method, path, endpoint, client and user.

The user id comes from the ``LOG_USER_ID`` setting, a callable run inside the request that
returns the id (or None). Without it, an app with a login manager (``app.extensions
["login_manager"]``, Flask-Login's API) logs the id of the user that manager loaded for the
request; a request that never loaded its user logs none, since logging never loads one itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..ctx import _NO_CTX, _ctx
from ..exceptions import HTTPException
from .request_ids import request_id

if TYPE_CHECKING:
    from ..app import App
    from ..request import Request

__all__ = ["current_request_fields", "printable", "request_fields", "safe_path", "user_id"]


def current_request_fields() -> dict[str, Any] | None:
    """Return the fields of the current request, or None outside a request."""
    ctx = _ctx.get(_NO_CTX)[1]
    return None if ctx is None else request_fields(ctx.app, ctx.request)


def request_fields(app: App, request: Request) -> dict[str, Any]:
    """Return ``request_id``, ``method``, ``path``, ``endpoint``, ``remote_addr``, ``user_id``."""
    return {
        "request_id": request_id(request),
        "method": request.method,
        "path": safe_path(request),
        "endpoint": request.endpoint,
        "remote_addr": request.remote_addr,
        "user_id": user_id(app),
    }


def user_id(app: App) -> str | None:
    """Return the logged-in user's id as a string, or None (anonymous or unknown).

    A ``LOG_USER_ID`` callable that raises gives None: a log record is never lost to it.
    """
    getter = app.config.get("LOG_USER_ID")
    try:
        value = getter() if getter is not None else _login_manager_user_id(app)
    except Exception:
        return None
    return None if value is None else str(value)


def _login_manager_user_id(app: App) -> Any:
    """Read the id of the user the login manager already loaded for this request."""
    if "login_manager" not in app.extensions:
        return None
    from ..ctx import g

    # NOTE: Flask-Login keeps the user it loaded in ``g._login_user``; reading it never loads
    # a user (no session read, no query), so an anonymous or static request costs nothing.
    user = g.get("_login_user")
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.get_id()


def safe_path(request: Request) -> str:
    """Return the request's path; the raw ``PATH_INFO`` when it is not valid UTF-8."""
    try:
        return request.path
    except HTTPException:
        return str(request.environ.get("PATH_INFO", ""))


def printable(text: str) -> str:
    """Return ``text`` with control characters escaped, so it cannot forge a new log line."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)
