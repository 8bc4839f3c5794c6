"""The ``RATELIMIT_*`` settings, resolved once per app into the state the hooks read."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .backend import Backend
from .wrappers import LimitGroup

if TYPE_CHECKING:
    from .. import App
    from .wrappers import KeyFunc

__all__ = ["DEFAULT_SETTINGS", "HEADERS", "AppLimits", "ExemptionScope", "HeaderNames"]


class HEADERS(enum.Enum):
    """The rate limit headers, keys of ``header_name_mapping``."""

    RESET = "X-RateLimit-Reset"
    REMAINING = "X-RateLimit-Remaining"
    LIMIT = "X-RateLimit-Limit"
    RETRY_AFTER = "Retry-After"


HeaderNames = HEADERS


class ExemptionScope(enum.IntFlag):
    """What ``limiter.exempt(..., flags=)`` exempts a view or blueprint from."""

    NONE = 0
    APPLICATION = enum.auto()  # the application-wide limits
    DEFAULT = enum.auto()  # the default limits
    META = enum.auto()  # accepted for Flask-Limiter parity; meta limits are not implemented
    DESCENDENTS = enum.auto()  # a blueprint's nested blueprints too
    ANCESTORS = enum.auto()  # the limits of the blueprint's parents


#: The settings this battery reads, with their defaults (Flask-Limiter's names).
DEFAULT_SETTINGS: dict[str, Any] = {
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_KEY_FUNC": None,
    "RATELIMIT_KEY_PREFIX": "",
    "RATELIMIT_DEFAULT": None,  # "200 per day; 50 per hour"
    "RATELIMIT_DEFAULTS_PER_METHOD": False,
    "RATELIMIT_DEFAULTS_EXEMPT_WHEN": None,
    "RATELIMIT_DEFAULTS_DEDUCT_WHEN": None,
    "RATELIMIT_DEFAULTS_COST": 1,
    "RATELIMIT_APPLICATION": None,  # shared by every route
    "RATELIMIT_APPLICATION_PER_METHOD": False,
    "RATELIMIT_APPLICATION_EXEMPT_WHEN": None,
    "RATELIMIT_APPLICATION_DEDUCT_WHEN": None,
    "RATELIMIT_APPLICATION_COST": 1,
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_STORAGE_OPTIONS": {},
    "RATELIMIT_STRATEGY": "fixed-window",
    "RATELIMIT_HEADERS_ENABLED": False,
    "RATELIMIT_HEADER_LIMIT": HEADERS.LIMIT.value,
    "RATELIMIT_HEADER_REMAINING": HEADERS.REMAINING.value,
    "RATELIMIT_HEADER_RESET": HEADERS.RESET.value,
    "RATELIMIT_HEADER_RETRY_AFTER": HEADERS.RETRY_AFTER.value,
    "RATELIMIT_HEADER_RETRY_AFTER_VALUE": "delta-seconds",  # or "http-date"
    "RATELIMIT_SWALLOW_ERRORS": False,
    "RATELIMIT_IN_MEMORY_FALLBACK": None,
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": False,
    "RATELIMIT_FAIL_ON_FIRST_BREACH": True,
    "RATELIMIT_ON_BREACH_CALLBACK": None,
}

_HEADER_SETTINGS = {
    HEADERS.LIMIT: "RATELIMIT_HEADER_LIMIT",
    HEADERS.REMAINING: "RATELIMIT_HEADER_REMAINING",
    HEADERS.RESET: "RATELIMIT_HEADER_RESET",
    HEADERS.RETRY_AFTER: "RATELIMIT_HEADER_RETRY_AFTER",
}


class AppLimits:
    """One limiter's state on one app: settings, limits and the storage backend.

    Each value is the constructor's argument when it was given, else the app's setting
    (Flask-Limiter's precedence).
    """

    def __init__(self, app: App, options: Mapping[str, Any]) -> None:
        config = app.config

        def setting(option: str, name: str) -> Any:
            value = options.get(option)
            if value is None or (isinstance(value, str | list | tuple) and not value):
                value = config.get(name, DEFAULT_SETTINGS[name])
            return value

        self.enabled = bool(setting("enabled", "RATELIMIT_ENABLED"))
        #: The limits resolved per (endpoint, view name, method, generation); see Limiter.
        self.resolved: dict[tuple[str, str, str, int], list[Any]] = {}
        key_func = setting("key_func", "RATELIMIT_KEY_FUNC")
        if key_func is None:
            raise TypeError("Limiter needs a key_func (or the RATELIMIT_KEY_FUNC setting).")
        self.key_func: KeyFunc = key_func
        self.key_prefix = str(setting("key_prefix", "RATELIMIT_KEY_PREFIX") or "")
        self.headers_enabled = bool(setting("headers_enabled", "RATELIMIT_HEADERS_ENABLED"))
        mapping = options.get("header_name_mapping") or {}
        self.header_names = {
            header: mapping.get(header) or config.get(name, DEFAULT_SETTINGS[name])
            for header, name in _HEADER_SETTINGS.items()
        }
        self.retry_after = setting("retry_after", "RATELIMIT_HEADER_RETRY_AFTER_VALUE")
        if self.retry_after not in ("delta-seconds", "http-date"):
            raise ValueError(
                "RATELIMIT_HEADER_RETRY_AFTER_VALUE must be 'delta-seconds' or 'http-date', "
                f"not {self.retry_after!r}."
            )
        self.swallow_errors = bool(setting("swallow_errors", "RATELIMIT_SWALLOW_ERRORS"))
        self.fail_on_first_breach = bool(
            setting("fail_on_first_breach", "RATELIMIT_FAIL_ON_FIRST_BREACH")
        )
        self.on_breach = setting("on_breach", "RATELIMIT_ON_BREACH_CALLBACK")
        self.default_limits = _groups(
            setting("default_limits", "RATELIMIT_DEFAULT"),
            per_method=setting("default_limits_per_method", "RATELIMIT_DEFAULTS_PER_METHOD"),
            exempt_when=setting("default_limits_exempt_when", "RATELIMIT_DEFAULTS_EXEMPT_WHEN"),
            deduct_when=setting("default_limits_deduct_when", "RATELIMIT_DEFAULTS_DEDUCT_WHEN"),
            cost=setting("default_limits_cost", "RATELIMIT_DEFAULTS_COST"),
        )
        self.application_limits = _groups(
            setting("application_limits", "RATELIMIT_APPLICATION"),
            scope="global",
            shared=True,
            per_method=setting("application_limits_per_method", "RATELIMIT_APPLICATION_PER_METHOD"),
            exempt_when=setting(
                "application_limits_exempt_when", "RATELIMIT_APPLICATION_EXEMPT_WHEN"
            ),
            deduct_when=setting(
                "application_limits_deduct_when", "RATELIMIT_APPLICATION_DEDUCT_WHEN"
            ),
            cost=setting("application_limits_cost", "RATELIMIT_APPLICATION_COST"),
        )
        self.fallback_limits = _groups(
            setting("in_memory_fallback", "RATELIMIT_IN_MEMORY_FALLBACK")
        )
        fallback = bool(
            setting("in_memory_fallback_enabled", "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED")
        ) or bool(self.fallback_limits)
        storage_options = {
            **config.get("RATELIMIT_STORAGE_OPTIONS", {}),
            **(options.get("storage_options") or {}),
        }
        self.backend = Backend(
            setting("storage_uri", "RATELIMIT_STORAGE_URI"),
            storage_options,
            setting("strategy", "RATELIMIT_STRATEGY"),
            fallback,
        )


def _groups(value: Any, **options: Any) -> list[LimitGroup]:
    """Turn a setting (``"a; b"``, a callable, or a list of either) into limit groups."""
    if not value:
        return []
    values: Iterable[Any] = [value] if isinstance(value, str) or callable(value) else value
    return [LimitGroup(item, **options) for item in values]
