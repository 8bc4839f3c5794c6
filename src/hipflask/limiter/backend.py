"""The storage of one app's limits, its strategy, and the in-memory fallback while it is down."""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from limits.storage import Storage
    from limits.strategies import RateLimiter

__all__ = ["STRATEGIES", "Backend", "logger"]

#: The strategies ``RATELIMIT_STRATEGY`` accepts.
STRATEGIES = ("fixed-window", "moving-window", "sliding-window-counter")

#: Every log line of the limiter: breaches (INFO), storage failures and recoveries.
logger = logging.getLogger("hipflask.limiter")

# NOTE: an unreachable Redis must cost a bounded time per request, never a hang.
_REDIS_TIMEOUTS = {"socket_connect_timeout": 1.0, "socket_timeout": 1.0}
_MAX_RECHECK_EXPONENT = 5  # re-ping a dead storage after 1, 2, 4 ... 32 seconds, then every 32


class Backend:
    """Hold the storage named by a URI and the strategy counting in it.

    With ``fallback`` on, a storage failure switches counting to a process-local memory
    storage (``dead``) until a ping, tried with exponential back-off, finds the storage back.
    """

    def __init__(self, uri: str, options: dict[str, Any], strategy: str, fallback: bool) -> None:
        from limits.storage import MemoryStorage, storage_from_string
        from limits.strategies import STRATEGIES as CLASSES

        if strategy not in STRATEGIES:
            raise ValueError(
                f"RATELIMIT_STRATEGY must be one of {', '.join(STRATEGIES)}, not {strategy!r}."
            )
        options = dict(options)
        if uri.split(":", 1)[0] in {"redis", "rediss", "redis+unix"}:
            for name, value in _REDIS_TIMEOUTS.items():
                options.setdefault(name, value)
        self.uri = uri
        self.storage: Storage = storage_from_string(uri, **options)  # type: ignore[assignment]
        self.strategy: RateLimiter = CLASSES[strategy](self.storage)
        self.fallback: RateLimiter | None = None
        if fallback:
            self.fallback = CLASSES[strategy](MemoryStorage())
        base = self.storage.base_exceptions
        self.errors: tuple[type[BaseException], ...] = (
            *(base if isinstance(base, tuple) else (base,)),
            OSError,
        )
        self.dead = False
        self._rechecks = 0
        self._next_check = 0.0
        self._lock = threading.Lock()

    @property
    def limiter(self) -> RateLimiter:
        """The strategy to count with now: the fallback's while the storage is dead."""
        if self.dead and self.fallback is not None:
            return self.fallback
        return self.strategy

    def current(self) -> RateLimiter:
        """Return :attr:`limiter` (a callable, for the request limits that read windows later)."""
        return self.limiter

    def fall_back(self, exc: BaseException) -> bool:
        """Count in memory from now on, after ``exc``; False without a fallback (or if on)."""
        with self._lock:
            if self.fallback is None or self.dead:
                return False
            self.dead = True
            self._rechecks = 0
            self._next_check = time.monotonic() + 1
        logger.warning(
            "Rate limit storage %s unreachable (%s): counting in memory until it recovers.",
            _safe_uri(self.uri),
            exc,
        )
        return True

    def recovered(self) -> bool:
        """While dead, ping the storage when the back-off allows; True once it answers again."""
        now = time.monotonic()
        with self._lock:
            if not self.dead or now < self._next_check:
                return False
            self._rechecks = min(self._rechecks + 1, _MAX_RECHECK_EXPONENT)
            self._next_check = now + 2**self._rechecks
        if not self.storage.check():
            return False
        with self._lock:
            self.dead = False
        logger.info("Rate limit storage %s recovered.", _safe_uri(self.uri))
        return True

    def reset(self) -> None:
        """Clear every counter of the storage (and of the fallback)."""
        for strategy in (self.strategy, self.fallback):
            if strategy is None:
                continue
            try:
                strategy.storage.reset()
            except NotImplementedError:
                logger.warning("The rate limit storage %s cannot be reset.", _safe_uri(self.uri))
        logger.info("Rate limit storage %s reset: every limit cleared.", _safe_uri(self.uri))


def _safe_uri(uri: str) -> str:
    """Return ``uri`` without its password, fit for a log line."""
    scheme, sep, rest = uri.partition("://")
    if "@" in rest:
        rest = "***@" + rest.rsplit("@", 1)[1]
    return f"{scheme}{sep}{rest}"
