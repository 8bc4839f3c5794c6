"""Limit declarations (what a decorator or setting asked for) and the limits a request met."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from limits import RateLimitItem
    from limits.strategies import RateLimiter
    from limits.util import WindowStats

    from .. import Response

__all__ = ["Limit", "LimitGroup", "RequestLimit", "parse_limits"]

KeyFunc = Callable[[], str]
LimitValue = str | Callable[[], str]


@lru_cache(maxsize=512)
def parse_limits(value: str) -> tuple[RateLimitItem, ...]:
    """Parse ``"10/minute; 100 per day"`` into limits items; raise ValueError when malformed.

    # PERF: cached, so a dynamic limit returning the same string costs a dict lookup.
    """
    from limits import parse_many

    return tuple(parse_many(value))


class Limit:
    """One rate limit item with the options it was declared with."""

    __slots__ = (
        "cost",
        "deduct_when",
        "error_message",
        "exempt_when",
        "key_func",
        "limit",
        "methods",
        "on_breach",
        "override_defaults",
        "per_method",
        "scope",
        "shared",
    )

    def __init__(self, limit: RateLimitItem, group: LimitGroup) -> None:
        self.limit = limit
        self.key_func = group.key_func
        self.scope = group.scope
        self.shared = group.shared
        self.per_method = group.per_method
        self.methods = group.methods
        self.error_message = group.error_message
        self.exempt_when = group.exempt_when
        self.override_defaults = group.override_defaults
        self.deduct_when = group.deduct_when
        self.on_breach = group.on_breach
        self.cost = group.cost

    def applies_to(self, method: str) -> bool:
        """Tell whether the limit covers ``method`` (HEAD counts as GET: it runs the GET view)."""
        if self.methods is None:
            return True
        method = method.lower()
        return method in self.methods or (method == "head" and "get" in self.methods)

    def scope_for(self, endpoint: str, method: str) -> str:
        """Return the storage scope: the shared scope, else the endpoint; per method if asked."""
        named = self.scope(endpoint) if callable(self.scope) else self.scope
        if self.shared:
            scope = str(named)
        else:
            scope = f"{endpoint}:{named}" if named else endpoint
        if self.per_method:
            method = method.upper()
            scope = f"{scope}:{'GET' if method == 'HEAD' else method}"
        return scope

    def cost_value(self) -> int:
        """Return the cost of this request (``cost`` may be a callable)."""
        return int(self.cost() if callable(self.cost) else self.cost)

    def __repr__(self) -> str:
        return f"<Limit {self.limit}>"


class LimitGroup:
    """A declaration as written: a limit string (or a callable returning one) and its options.

    A static string is parsed here, so a typo fails at import rather than leaving a route
    unprotected; a callable is called and parsed (cached) at each check.
    """

    def __init__(
        self,
        value: LimitValue,
        *,
        key_func: KeyFunc | None = None,
        scope: str | Callable[[str], str] | None = None,
        shared: bool = False,
        per_method: bool = False,
        methods: Sequence[str] | None = None,
        error_message: str | Callable[[], str] | None = None,
        exempt_when: Callable[[], bool] | None = None,
        override_defaults: bool = True,
        deduct_when: Callable[[Response], bool] | None = None,
        on_breach: Callable[[RequestLimit], Response | None] | None = None,
        cost: int | Callable[[], int] = 1,
    ) -> None:
        self.value = value
        self.key_func = key_func
        self.scope = scope
        self.shared = shared
        self.per_method = per_method
        self.methods = None if methods is None else frozenset(m.lower() for m in methods)
        self.error_message = error_message
        self.exempt_when = exempt_when
        self.override_defaults = override_defaults
        self.deduct_when = deduct_when
        self.on_breach = on_breach
        self.cost = cost
        self._static: tuple[Limit, ...] | None = None
        if isinstance(value, str):
            self._static = tuple(Limit(item, self) for item in parse_limits(value))

    @property
    def static(self) -> bool:
        """True when the limits are fixed (a string, not a callable)."""
        return self._static is not None

    def __iter__(self) -> Iterator[Limit]:
        """Yield the limits; a dynamic value raises ValueError when it returns a bad string."""
        if self._static is not None:
            return iter(self._static)
        value: Any = self.value
        return iter([Limit(item, self) for item in parse_limits(value())])

    def __repr__(self) -> str:
        return f"<LimitGroup {self.value!r}>"


class RequestLimit:
    """A limit as it applied to the current request: its key, window, and whether it was breached.

    ``limit`` is the ``limits`` item (``limit.amount``, ``limit.get_expiry()``); ``reset_at``
    (epoch seconds) and ``remaining`` are read from the storage on first use.
    """

    def __init__(
        self,
        limiter: Callable[[], RateLimiter],
        limit: RateLimitItem,
        request_args: Sequence[str],
        breached: bool,
        shared: bool,
    ) -> None:
        self._strategy = limiter
        self.limit = limit
        self.request_args = tuple(request_args)
        self.key = limit.key_for(*request_args)
        self.breached = breached
        self.shared = shared
        self._window: WindowStats | None = None

    @property
    def window(self) -> WindowStats:
        """The ``(reset_time, remaining)`` of the limit's current window."""
        if self._window is None:
            self._window = self._strategy().get_window_stats(self.limit, *self.request_args)
        return self._window

    @property
    def reset_at(self) -> int:
        """When the window resets, in whole seconds since the epoch (rounded up)."""
        return int(self.window[0] + 1)

    @property
    def remaining(self) -> int:
        """How many requests the window still allows."""
        return int(self.window[1])

    def __repr__(self) -> str:
        return f"<RequestLimit {self.limit} key={self.key!r} breached={self.breached}>"
