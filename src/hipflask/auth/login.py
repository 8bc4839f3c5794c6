"""Logging in and out: ``login_user``, ``logout_user``, ``current_user`` and friends.

``login_user`` starts a new login: it regenerates the session (a new id on server-side
sessions, a fresh cookie otherwise), rotates the CSRF secret, and records the login in the
store. ``logout_user`` revokes that record and the remember-me token, deletes the cookie and
clears the session (destroying it on server-side backends), so a copy of the session cookie
taken earlier is refused afterwards, by every worker.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, cast

from .. import current_app, g, request, session
from ..ctx import app_ctx_var, request_ctx_var
from .manager import (
    LoginManager,
    auth_hash,
    current_app_object,
    seconds,
    setting,
)
from .signals import send, user_logged_in, user_logged_out, user_login_confirmed
from .stores.base import split_token

__all__ = [
    "confirm_login",
    "current_user",
    "login_fresh",
    "login_remembered",
    "login_user",
    "logout_user",
    "user_proxy",
]

U = TypeVar("U")


def _manager() -> LoginManager:
    manager = current_app.extensions.get("login_manager")
    if manager is None:
        raise RuntimeError(
            "No LoginManager on this app: create one with LoginManager(app) or init_app(app)."
        )
    return cast(LoginManager, manager)


_UNLOADED = object()


def _get_user() -> Any:
    """Return the request's user (loading it on first use), or None outside a request.

    # PERF: reads the context variables, not the ``g`` proxy: each ``current_user`` use costs
    # ~3k instructions instead of ~10k (three per request on bench's login_page: ~20k).
    """
    if request_ctx_var.get(None) is None:
        return None
    namespace = app_ctx_var.get().g
    user = getattr(namespace, "_login_user", _UNLOADED)
    if user is _UNLOADED:
        _manager()._load_user()
        user = namespace._login_user
    return user


class _UserProxy:
    """``current_user``: the user of the current request, loaded on first use."""

    __slots__ = ()

    def _get_current_object(self) -> Any:
        return _get_user()

    @property
    def is_authenticated(self) -> bool:
        """True when a user is logged in."""
        return bool(_get_user().is_authenticated)

    @property
    def is_active(self) -> bool:
        """True when the user's account is active."""
        return bool(_get_user().is_active)

    @property
    def is_anonymous(self) -> bool:
        """True when nobody is logged in."""
        return bool(_get_user().is_anonymous)

    def get_id(self) -> str | None:
        """Return the user's id (None for the anonymous user)."""
        user_id = _get_user().get_id()
        return None if user_id is None else str(user_id)

    def __getattr__(self, name: str) -> Any:
        return getattr(_get_user(), name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(_get_user(), name, value)

    def __eq__(self, other: object) -> bool:
        return bool(_get_user() == other)

    def __ne__(self, other: object) -> bool:
        return bool(_get_user() != other)

    def __hash__(self) -> int:
        return hash(_get_user())

    def __bool__(self) -> bool:
        return _get_user() is not None

    def __repr__(self) -> str:
        return repr(_get_user())

    def __str__(self) -> str:
        return str(_get_user())


#: The user of the current request: the app's user, or an ``anonymous_user`` instance.
#: Attributes of the app's user class type-check as ``Any``; see :func:`user_proxy`.
current_user: Any = _UserProxy()


def user_proxy(user_class: type[U]) -> U:
    """Return ``current_user`` typed as ``user_class``, for mypy-checked attribute access.

    ``current_user = user_proxy(User)`` in the app makes ``current_user.username`` a ``str``
    and a misspelt attribute a type error. Only the static type changes: it is the same proxy,
    the anonymous user when nobody is logged in (use it behind ``login_required``).
    """
    return cast(U, current_user)


def _user_context_processor() -> dict[str, Any]:
    return {"current_user": _get_user()}


def start_login(manager: LoginManager, user: Any, fresh: bool) -> str:
    """Regenerate the session, rotate the CSRF secret and record a new login; return its id."""
    from ..csrf import rotate_csrf_token

    app = current_app_object()
    store = manager.get_store(app)
    previous = session.get("_login_id")
    if isinstance(previous, str):
        store.revoke_login(previous)
    # SECURITY: against session fixation: the pre-login id and CSRF secret are dead now.
    session.regenerate()
    rotate_csrf_token()
    user_id = getattr(user, manager.id_attribute)()
    ttl = seconds(app.config["PERMANENT_SESSION_LIFETIME"])
    login_id = store.create_login(str(user_id), auth_hash(user), ttl)
    session["_user_id"] = user_id
    session["_fresh"] = fresh
    session["_id"] = manager._session_identifier_generator()
    session["_login_id"] = login_id
    return login_id


def login_user(
    user: Any,
    remember: bool = False,
    duration: timedelta | None = None,
    force: bool = False,
    fresh: bool = True,
) -> bool:
    """Log ``user`` in for this session; False (and nothing done) for an inactive user.

    ``remember`` also issues a remember-me cookie lasting ``duration`` (default
    ``REMEMBER_COOKIE_DURATION``). ``force`` logs in an inactive user; ``fresh=False`` marks
    the login as not fresh (``fresh_login_required`` then asks again).
    """
    if not force and not user.is_active:
        return False
    manager = _manager()
    store = manager.get_store()
    _revoke_remember_cookie(store)
    start_login(manager, user, fresh)
    if remember:
        if duration is None:
            duration = setting("REMEMBER_COOKIE_DURATION")
        if not isinstance(duration, timedelta | int | float):
            raise TypeError(f"duration must be a datetime.timedelta, instead got: {duration}")
        lifetime = seconds(duration)
        value = store.create_token(manager._id_of(user), auth_hash(user), lifetime)
        g._remember_op = ("set", value, datetime.now(UTC).timestamp() + lifetime)
    manager._update_request_context_with_user(user)
    send(user_logged_in, current_app_object(), user=_get_user())
    return True


def logout_user(everywhere: bool = False) -> bool:
    """Log the current user out: revoke the login and remember-me token, clear the session.

    The session is cleared whole (a server-side one is destroyed). ``everywhere=True`` also
    ends every other login and remember-me token of the user (all browsers and devices).
    """
    user = _get_user()
    manager = _manager()
    store = manager.get_store()
    login_id = session.get("_login_id")
    if isinstance(login_id, str):
        store.revoke_login(login_id)
    _revoke_remember_cookie(store)
    if everywhere and user is not None and user.is_authenticated:
        store.revoke_user(manager._id_of(user))
    session.clear()
    send(user_logged_out, current_app_object(), user=user)
    manager._update_request_context_with_user()
    return True


def _revoke_remember_cookie(store: Any) -> None:
    """Revoke the remember-me token the browser sent (and one issued earlier in this request)."""
    pending = g.pop("_remember_op", None)
    if pending is not None and pending[0] == "set":
        store.revoke_token(pending[1])
    cookie = request.cookies.get(setting("REMEMBER_COOKIE_NAME"))
    if cookie:
        store.revoke_token(cookie)
    if cookie or (pending is not None and pending[0] == "clear"):
        g._remember_op = ("clear",)


def confirm_login() -> None:
    """Mark the current login as fresh again (after the user re-entered the password)."""
    session["_fresh"] = True
    session["_id"] = _manager()._session_identifier_generator()
    send(user_login_confirmed, current_app_object())


def login_fresh() -> bool:
    """Tell whether the current login was made with credentials in this session."""
    return bool(session.get("_fresh", False))


def login_remembered() -> bool:
    """Tell whether the request carries a well-formed remember-me cookie not being cleared."""
    cookie = request.cookies.get(setting("REMEMBER_COOKIE_NAME"))
    pending = g.get("_remember_op")
    if pending is not None and pending[0] == "clear":
        return False
    return bool(cookie) and split_token(cookie) is not None
