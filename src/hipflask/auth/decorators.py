"""``login_required`` and ``fresh_login_required``, as Flask-Login's (OPTIONS always passes)."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from .. import current_app, request
from ..ctx import request_ctx_var
from .login import _get_user, _manager, current_user, login_fresh

__all__ = ["EXEMPT_METHODS", "fresh_login_required", "login_required"]

F = TypeVar("F", bound=Callable[..., Any])

#: Methods that never need a login (CORS preflight requests carry no cookies).
EXEMPT_METHODS = {"OPTIONS"}


def _login_denied() -> Any:
    """Return the answer for a request that needs a login, or None when it may go on."""
    # PERF: the request context's objects, not the proxies: with _get_user's, this check
    # costs 14k instructions instead of 33k (bench login_page, store and loader aside).
    context = request_ctx_var.get(None)
    if context is None:
        method, config = request.method, current_app.config  # NOTE: raises outside a request
    else:
        method, config = context.request.method, context.app.config
    if method in EXEMPT_METHODS or config.get("LOGIN_DISABLED"):
        return None
    if not _get_user().is_authenticated:
        return _manager().unauthorized()
    return None


def _fresh_login_denied() -> Any:
    if request.method in EXEMPT_METHODS or current_app.config.get("LOGIN_DISABLED"):
        return None
    if not current_user.is_authenticated:
        return _manager().unauthorized()
    if not login_fresh():
        return _manager().needs_refresh()
    return None


def _guard(check: Callable[[], Any], func: F) -> F:
    if inspect.iscoroutinefunction(func):

        @wraps(func)
        async def async_view(*args: Any, **kwargs: Any) -> Any:
            denied = check()
            if denied is not None:
                return denied
            return await func(*args, **kwargs)

        return cast(F, async_view)

    @wraps(func)
    def view(*args: Any, **kwargs: Any) -> Any:
        denied = check()
        if denied is not None:
            return denied
        return func(*args, **kwargs)

    return cast(F, view)


def login_required(func: F) -> F:
    """Let only logged-in users call the view; others get ``LoginManager.unauthorized()``.

    OPTIONS requests and ``LOGIN_DISABLED = True`` (for tests) pass unchecked.
    """
    return _guard(_login_denied, func)


def fresh_login_required(func: F) -> F:
    """Like :func:`login_required`, and the login must be fresh (not from a remember cookie).

    A stale login gets ``LoginManager.needs_refresh()``.
    """
    return _guard(_fresh_login_denied, func)
