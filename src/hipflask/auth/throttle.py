"""Login throttling: failures per account and per client address slow down, then 429.

The login view calls it::

    throttle = LoginThrottle(app)

    @app.post("/login")
    def login():
        username = request.form["username"]
        throttle.check(username)                 # may wait a little, or raise 429
        user = User.query.filter_by(username=username).first()
        if not check_password_hash(user.password if user else None, request.form["password"]):
            throttle.record_failure(username)
            ...
        throttle.reset(username)
        login_user(user)

Counting uses the ``limits`` library (moving windows), in the storage of the app's
:class:`hipflask.limiter.Limiter` when it has one (the same Redis, counted across workers and
machines), else ``RATELIMIT_STORAGE_URI``, else process memory; ``AUTH_THROTTLE_STORAGE_URI``
(e.g. ``'redis://127.0.0.1:6379/0'``) chooses a storage of its own. After
``AUTH_THROTTLE_DELAY_AFTER`` failures in the window, each attempt waits
``AUTH_THROTTLE_DELAY`` seconds, doubling per further failure up to
``AUTH_THROTTLE_MAX_DELAY``; at ``AUTH_THROTTLE_ACCOUNT_LIMIT`` failures of one account, or
``AUTH_THROTTLE_ADDRESS_LIMIT`` failures from one address, attempts get
:class:`~hipflask.exceptions.TooManyRequests` (429) with ``Retry-After`` until the oldest
failure leaves the window.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .. import current_app, request
from ..exceptions import TooManyRequests

if TYPE_CHECKING:
    from ..app import App

__all__ = ["DEFAULT_SETTINGS", "LoginThrottle", "LoginThrottled"]

#: The settings of the throttle, with their defaults.
DEFAULT_SETTINGS: dict[str, Any] = {
    "AUTH_THROTTLE_ENABLED": True,
    "AUTH_THROTTLE_STORAGE_URI": None,  # None: the app's Limiter's storage, else memory
    "AUTH_THROTTLE_KEY_PREFIX": "hipflask-login",
    "AUTH_THROTTLE_ACCOUNT_LIMIT": "10 per 15 minutes",
    "AUTH_THROTTLE_ADDRESS_LIMIT": "100 per 15 minutes",
    "AUTH_THROTTLE_DELAY_AFTER": 3,
    "AUTH_THROTTLE_DELAY": 0.25,
    "AUTH_THROTTLE_MAX_DELAY": 2.0,
}


class LoginThrottled(TooManyRequests):
    """429 for a throttled login attempt, with ``Retry-After`` (seconds)."""

    description = "Too many failed logins. Try again later."

    def __init__(self, retry_after: int) -> None:
        super().__init__()
        self.retry_after = retry_after

    def get_headers(self) -> list[tuple[str, str]]:
        """Add ``Retry-After``."""
        return [("Retry-After", str(self.retry_after))]


class LoginThrottle:
    """Count failed logins per account and per address; slow down and refuse past limits."""

    #: How the throttle waits (replace it in tests to observe the delays).
    sleep: Callable[[float], None] = staticmethod(time.sleep)

    def __init__(self, app: App | None = None) -> None:
        self._lock = threading.Lock()
        if app is not None:
            self.init_app(app)

    def init_app(self, app: App) -> None:
        """Register as ``app.extensions['login_throttle']``; limits are parsed on first use."""
        app.extensions["login_throttle"] = self
        app.extensions.pop("login_throttle_state", None)

    def _state(self) -> tuple[Any, Any, Any, dict[str, Any]]:
        """Return the limiter, the account and address limits and the settings of the app."""
        app: Any = current_app
        state = app.extensions.get("login_throttle_state")
        if state is None:
            with self._lock:
                state = app.extensions.get("login_throttle_state")
                if state is None:
                    state = _build(app.config, _limiter_storage(app))
                    app.extensions["login_throttle_state"] = state
        return state  # type: ignore[no-any-return]

    def _keys(self, username: str | None) -> list[tuple[Any, str, str]]:
        _, account, address, config = self._state()
        prefix = config["AUTH_THROTTLE_KEY_PREFIX"]
        keys = [(address, prefix, f"address:{request.remote_addr}")]
        if username is not None:
            name = username.strip().casefold().encode("utf-8", "replace")
            # NOTE: hashed, so any username makes a short key of fixed shape.
            keys.append((account, prefix, f"account:{hashlib.sha256(name).hexdigest()}"))
        return keys

    def failures(self, username: str | None = None) -> int:
        """Return the most failures counted for ``username`` or the client's address."""
        limiter = self._state()[0]
        most = 0
        for limit, *ids in self._keys(username):
            stats = limiter.get_window_stats(limit, *ids)
            most = max(most, limit.amount - stats.remaining)
        return most

    def check(self, username: str | None = None) -> float:
        """Refuse (429) or delay an attempt; return the seconds it waited.

        Raise :class:`LoginThrottled` (a 429 with ``Retry-After``) when the account or the
        client's address reached its limit.
        """
        limiter, _, _, config = self._state()
        if not config["AUTH_THROTTLE_ENABLED"]:
            return 0.0
        worst = 0
        for limit, *ids in self._keys(username):
            stats = limiter.get_window_stats(limit, *ids)
            failures = limit.amount - stats.remaining
            if stats.remaining <= 0:
                raise LoginThrottled(max(1, int(stats.reset_time - time.time()) + 1))
            worst = max(worst, failures)
        over = worst - int(config["AUTH_THROTTLE_DELAY_AFTER"])
        if over < 0:
            return 0.0
        delay = min(
            float(config["AUTH_THROTTLE_MAX_DELAY"]),
            float(config["AUTH_THROTTLE_DELAY"]) * 2.0**over,
        )
        self.sleep(delay)
        return delay

    def record_failure(self, username: str | None = None) -> None:
        """Count a failed attempt against ``username`` and the client's address."""
        limiter = self._state()[0]
        for limit, *ids in self._keys(username):
            limiter.hit(limit, *ids)

    def reset(self, username: str | None = None) -> None:
        """Forget the failures of ``username`` (after a successful login); the address's stay."""
        limiter = self._state()[0]
        if username is not None:
            limit, *ids = self._keys(username)[1]
            limiter.clear(limit, *ids)


def _limiter_storage(app: App) -> Any:
    """Return the ``limits`` storage of the app's first Limiter, or None without one."""
    registry = app.extensions.get("limiter") or {}
    for limiter in registry:
        return limiter.storage
    return None


def _build(config: Any, shared: Any = None) -> tuple[Any, Any, Any, dict[str, Any]]:
    from limits import parse
    from limits.storage import storage_from_string
    from limits.strategies import MovingWindowRateLimiter

    settings = {name: config.get(name, default) for name, default in DEFAULT_SETTINGS.items()}
    uri = settings["AUTH_THROTTLE_STORAGE_URI"]
    if uri is None and shared is not None:
        # NOTE: the limiter's own storage object: one Redis connection pool, one set of counters.
        storage = shared
    else:
        storage = storage_from_string(uri or config.get("RATELIMIT_STORAGE_URI") or "memory://")
    return (
        MovingWindowRateLimiter(storage),
        parse(settings["AUTH_THROTTLE_ACCOUNT_LIMIT"]),
        parse(settings["AUTH_THROTTLE_ADDRESS_LIMIT"]),
        settings,
    )
