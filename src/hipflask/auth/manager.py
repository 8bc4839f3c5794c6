"""``LoginManager``: loads the user of each request and answers the ones that need a login.

It keeps Flask-Login 0.6's attributes and callbacks. What it adds is server-side state (see
:mod:`hipflask.auth.stores`): a session is logged in only while its login record exists and
the user's credentials are unchanged, and remember-me cookies are revocable tokens.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from .. import abort, current_app, g, redirect, request, session
from ..ctx import app_ctx_var, request_ctx_var
from .mixins import AnonymousUserMixin
from .signals import (
    send,
    session_protected,
    user_accessed,
    user_loaded_from_cookie,
    user_loaded_from_request,
    user_needs_refresh,
    user_unauthorized,
)
from .stores import LoginStore, store_for
from .urls import login_url, make_next_param

if TYPE_CHECKING:
    from ..app import App
    from ..response import Response
    from ..sessions import SessionMixin

__all__ = ["DEFAULT_SETTINGS", "LoginManager", "auth_hash"]

#: The settings this package reads, with their defaults (Flask-Login's names where it has one).
DEFAULT_SETTINGS: dict[str, Any] = {
    "LOGIN_DISABLED": False,
    "USE_SESSION_FOR_NEXT": False,
    "FORCE_HOST_FOR_REDIRECTS": None,
    "REMEMBER_COOKIE_NAME": "remember_token",
    "REMEMBER_COOKIE_DURATION": timedelta(days=30),
    "REMEMBER_COOKIE_DOMAIN": None,
    "REMEMBER_COOKIE_PATH": "/",
    "REMEMBER_COOKIE_SECURE": False,  # the cookie is Secure on HTTPS requests anyway
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "AUTH_STORE": None,  # None: the app's database, else Redis sessions' server, else SQLite
    "AUTH_SQLITE_PATH": None,  # None: <instance folder>/auth.sqlite3
    "AUTH_REDIS_URL": None,  # None: SESSION_REDIS_URL
    "AUTH_KEY_PREFIX": "hipflask:auth:",
    "AUTH_REMEMBER_GRACE": 10.0,  # seconds an outgoing validator stays usable (parallel requests)
}

#: The session keys of a login.
SESSION_KEYS = ("_user_id", "_fresh", "_id", "_login_id", "_remember_seconds")


def auth_hash(user: Any) -> str:
    """Return the SHA-256 of the user's auth secret (the password hash), or ``''`` without one."""
    getter = getattr(user, "get_auth_secret", None)
    secret = getter() if callable(getter) else None
    return hashlib.sha256(secret.encode("utf-8")).hexdigest() if secret else ""


def setting(name: str) -> Any:
    """Return a setting of the current app, or its default."""
    return current_app.config.get(name, DEFAULT_SETTINGS[name])


def seconds(value: timedelta | float | int) -> float:
    """Return a duration setting in seconds."""
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def current_app_object() -> App:
    """Return the app behind ``current_app`` (the sender of signals)."""
    return cast("App", cast(Any, current_app)._get_current_object())


class LoginManager:
    """Flask-Login's ``LoginManager``: ``LoginManager(app)`` or ``init_app(app)`` later."""

    def __init__(self, app: App | None = None, add_context_processor: bool = True) -> None:
        #: The class of ``current_user`` when nobody is logged in.
        self.anonymous_user: Callable[[], Any] = AnonymousUserMixin
        #: The endpoint (or URL) unauthorized requests are sent to; None: answer 401.
        self.login_view: str | None = None
        #: ``login_view`` per blueprint name.
        self.blueprint_login_views: dict[str | None, str | None] = {}
        self.login_message: str | None = "Please log in to access this page."
        self.login_message_category = "message"
        #: The endpoint ``fresh_login_required`` sends stale logins to; None: answer 401.
        self.refresh_view: str | None = None
        self.needs_refresh_message: str | None = (
            "To protect your account, please reauthenticate to access this page."
        )
        self.needs_refresh_message_category = "message"
        #: ``'basic'``, ``'strong'`` or None (the ``SESSION_PROTECTION`` setting wins).
        self.session_protection: str | None = "basic"
        self.localize_callback: Callable[[str], str] | None = None
        self.unauthorized_callback: Callable[[], Any] | None = None
        self.needs_refresh_callback: Callable[[], Any] | None = None
        self.id_attribute = "get_id"
        self._user_callback: Callable[[str], Any] | None = None
        self._request_callback: Callable[[Any], Any] | None = None
        if app is not None:
            self.init_app(app, add_context_processor)

    def setup_app(self, app: App, add_context_processor: bool = True) -> None:
        """Deprecated alias of :meth:`init_app` (kept for old Flask-Login code)."""
        self.init_app(app, add_context_processor)

    def init_app(self, app: App, add_context_processor: bool = True) -> None:
        """Attach to ``app``: the remember-cookie hook, and ``current_user`` in templates."""
        app.extensions["login_manager"] = self
        try:
            app.login_manager = self  # type: ignore[attr-defined]
        except AttributeError:
            pass
        app.after_request(self._update_remember_cookie)
        if "sqlalchemy" in app.extensions and app.config.get("AUTH_STORE") in (None, "sqlalchemy"):
            # NOTE: declares the tables on db.metadata now (no connection is made), so that
            # migrations generated before any request include them instead of dropping them.
            self.get_store(app)
        if add_context_processor:
            from .login import _user_context_processor

            app.context_processor(_user_context_processor)

    # -- callbacks ---------------------------------------------------------------------------

    def user_loader(self, callback: Callable[[str], Any]) -> Callable[[str], Any]:
        """Register the function returning the user of an id (or None)."""
        self._user_callback = callback
        return callback

    def request_loader(self, callback: Callable[[Any], Any]) -> Callable[[Any], Any]:
        """Register the function returning the user of a request (API keys), or None."""
        self._request_callback = callback
        return callback

    def unauthorized_handler(self, callback: Callable[[], Any]) -> Callable[[], Any]:
        """Register what :meth:`unauthorized` returns instead of its redirect or 401."""
        self.unauthorized_callback = callback
        return callback

    def needs_refresh_handler(self, callback: Callable[[], Any]) -> Callable[[], Any]:
        """Register what :meth:`needs_refresh` returns instead of its redirect or 401."""
        self.needs_refresh_callback = callback
        return callback

    # -- answers -----------------------------------------------------------------------------

    def unauthorized(self) -> Any:
        """Answer a request that needs a login: redirect to the login view, or 401.

        Flashes ``login_message`` and passes the current URL as ``next`` (or in the session
        with ``USE_SESSION_FOR_NEXT``). Without a login view it raises a 401 through
        ``abort``, so the app's error handling (JSON for API clients) answers.
        """
        send(user_unauthorized, current_app_object())
        if self.unauthorized_callback is not None:
            return self.unauthorized_callback()
        login_view = self._login_view_for(request.blueprints)
        if not login_view:
            abort(401)
        return self._redirect_to(login_view, self.login_message, self.login_message_category)

    def _login_view_for(self, blueprints: list[str]) -> str | None:
        """Return the login view of the innermost blueprint that has one, else the app's."""
        views = self.blueprint_login_views
        for name in blueprints:
            if views.get(name):  # NOTE: a blueprint mapped to None uses the app's view
                return views[name]
        # NOTE: set_login_view() files the app's own view under None, as Flask-Login does.
        return views.get(None) or self.login_view

    def needs_refresh(self) -> Any:
        """Answer a request that needs a fresh login: redirect to ``refresh_view``, or 401."""
        send(user_needs_refresh, current_app_object())
        if self.needs_refresh_callback is not None:
            return self.needs_refresh_callback()
        if not self.refresh_view:
            abort(401)
        return self._redirect_to(
            self.refresh_view, self.needs_refresh_message, self.needs_refresh_message_category
        )

    def _redirect_to(self, view: str, message: str | None, category: str) -> Response:
        if message:
            from .. import flash

            localize = self.localize_callback
            flash(localize(message) if localize is not None else message, category)
        if setting("USE_SESSION_FOR_NEXT"):
            target = login_url(view)
            session["_id"] = self._session_identifier_generator()
            session["next"] = make_next_param(target, request.url)
        else:
            target = login_url(view, next_url=request.url)
        return redirect(target)

    # -- the store ---------------------------------------------------------------------------

    def get_store(self, app: App | None = None) -> LoginStore:
        """Return the login store of ``app`` (the current app by default), built on first use."""
        if app is None:
            app = current_app_object()
        store: LoginStore | None = app.extensions.get("auth_store")
        if store is None:
            store = app.extensions["auth_store"] = store_for(app)
        return store

    def revoke_user(self, user_or_id: Any) -> None:
        """End every login and remember-me token of a user ("log out everywhere").

        Takes a user or a user id; use it after a password reset by email, or from an admin.
        """
        user_id = user_or_id if isinstance(user_or_id, str | int) else self._id_of(user_or_id)
        self.get_store().revoke_user(str(user_id))

    def _id_of(self, user: Any) -> str:
        return str(getattr(user, self.id_attribute)())

    # -- loading the user --------------------------------------------------------------------

    def _update_request_context_with_user(self, user: Any = None) -> None:
        app_ctx_var.get().g._login_user = self.anonymous_user() if user is None else user

    def _load_user(self) -> None:
        """Find the request's user: session, then remember-me cookie, then request loader."""
        if self._user_callback is None and self._request_callback is None:
            raise Exception(
                "Missing user_loader or request_loader. Refer to "
                "https://flask-login.readthedocs.io/#how-it-works for more info."
            )
        # PERF: the context's app and session, not the proxies, for the reads below: with the
        # identifier cache, 31k instructions instead of 46k (store and loader aside).
        context = request_ctx_var.get()
        app: App = context.app
        send(user_accessed, app)
        user = None
        current = context.session
        if "_user_id" in current:
            user = self._user_from_session(app, current)
        if user is None:
            cookie = request.cookies.get(setting("REMEMBER_COOKIE_NAME"))
            if cookie and g.get("_remember_op") is None:
                user = self._user_from_remember_cookie(app, cookie)
        if user is None and self._request_callback is not None:
            user = self._request_callback(request)
            if user is not None:
                send(user_loaded_from_request, app, user=user)
        self._update_request_context_with_user(user)

    def _user_from_session(self, app: App, current: SessionMixin) -> Any:
        if self._session_protection_failed(app, current):
            return None
        login_id = current.get("_login_id")
        user_id = str(current["_user_id"])
        store = self.get_store(app)
        ttl = seconds(app.config["PERMANENT_SESSION_LIFETIME"])
        user = None
        if isinstance(login_id, str) and self._user_callback is not None:
            record = store.get_login(login_id, ttl)
            if record is not None and record.user_id == user_id:
                user = self._user_callback(user_id)
                if user is not None and not hmac.compare_digest(record.auth_hash, auth_hash(user)):
                    # SECURITY: the password changed since this login: end it.
                    store.revoke_login(login_id)
                    user = None
        if user is None:
            forget_login()
        return user

    def _user_from_remember_cookie(self, app: App, cookie: str) -> Any:
        store = self.get_store(app)
        result = store.use_token(cookie, float(setting("AUTH_REMEMBER_GRACE")))
        user = None
        if result.user_id is not None and result.status in ("ok", "grace"):
            if self._user_callback is not None:
                user = self._user_callback(result.user_id)
            if user is None or not hmac.compare_digest(result.auth_hash, auth_hash(user)):
                # SECURITY: a deleted user, or a password changed since: the token is dead.
                store.revoke_token(cookie)
                user = None
        if result.status == "theft":
            app.logger.warning(
                "A replaced remember-me token was presented for user %r: the cookie was "
                "copied. All of this user's logins and tokens are revoked.",
                result.user_id,
            )
        if user is None:
            g._remember_op = ("clear",)
            return None
        from .login import start_login

        start_login(self, user, fresh=False)
        if result.cookie is not None:
            g._remember_op = ("set", result.cookie, result.expires)
        send(user_loaded_from_cookie, app, user=user)
        return user

    # -- session protection (Flask-Login's) --------------------------------------------------

    def _session_identifier_generator(self) -> str:
        current = request_ctx_var.get().request
        return session_identifier(current.remote_addr, current.headers.get("User-Agent"))

    def _session_protection_failed(self, app: App, current: SessionMixin) -> bool:
        mode = app.config.get("SESSION_PROTECTION", self.session_protection)
        if mode not in ("basic", "strong"):
            return False
        if self._session_identifier_generator() == current.get("_id"):
            return False
        if mode == "basic" or current.permanent:
            if current.get("_fresh"):
                current["_fresh"] = False
            send(session_protected, app)
            return False
        forget_login()
        g._remember_op = ("clear",)
        send(session_protected, app)
        return True

    # -- the remember-me cookie --------------------------------------------------------------

    def _update_remember_cookie(self, response: Response) -> Response:
        """Set or delete the remember-me cookie as this request decided (after-request hook)."""
        # PERF: runs after every request: the ``g`` object itself, not its proxy (~5k less).
        operation = app_ctx_var.get().g.pop("_remember_op", None)
        if operation is None:
            return response
        name = setting("REMEMBER_COOKIE_NAME")
        path = setting("REMEMBER_COOKIE_PATH")
        domain = setting("REMEMBER_COOKIE_DOMAIN")
        # SECURITY: Secure on every HTTPS request, so the token never travels in clear text.
        secure = bool(setting("REMEMBER_COOKIE_SECURE")) or request.is_secure
        httponly = bool(setting("REMEMBER_COOKIE_HTTPONLY"))
        samesite = setting("REMEMBER_COOKIE_SAMESITE")
        if operation[0] == "set":
            expires = datetime.fromtimestamp(operation[2], UTC)
            max_age = max(0, int(operation[2] - datetime.now(UTC).timestamp()))
            response.set_cookie(
                name, operation[1], max_age, expires, path, domain, secure, httponly, samesite
            )
        else:
            response.delete_cookie(
                name, path, domain, secure=secure, httponly=httponly, samesite=samesite
            )
        return response


def session_identifier(remote_addr: str | None, user_agent: str | None) -> str:
    """Return Flask-Login's session identifier: SHA-512 of ``'<address>|<user agent>'``."""
    key = (remote_addr, user_agent)
    identifier = _IDENTIFIERS.get(key)
    if identifier is None:
        identifier = hashlib.sha512(f"{remote_addr}|{user_agent}".encode()).hexdigest()
        # SECURITY: clients choose these strings: the cache holds short ones only, and a
        # bounded number of them (cleared whole when full), so it cannot grow past ~1 MB.
        if len(user_agent or "") <= _CACHED_AGENT_LENGTH:
            if len(_IDENTIFIERS) >= _IDENTIFIERS_KEPT:
                _IDENTIFIERS.clear()
            _IDENTIFIERS[key] = identifier
    return identifier


# PERF: the identifiers of recent clients, so a returning client's requests skip the SHA-512
# (1.4k instructions instead of 8.6k per logged-in request).
_IDENTIFIERS: dict[tuple[str | None, str | None], str] = {}
_IDENTIFIERS_KEPT = 1024
_CACHED_AGENT_LENGTH = 512


def forget_login() -> None:
    """Remove the login's keys from the session."""
    for key in SESSION_KEYS:
        session.pop(key, None)
