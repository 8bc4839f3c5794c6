"""The fixed security headers and HSTS: their values, computed once from the settings.

With the defaults (``SECURITY_HEADERS = True``), every response that does not set them itself
gets::

    X-Content-Type-Options: nosniff
    X-Frame-Options: DENY
    Content-Security-Policy: frame-ancestors 'none'    (only when no policy is set)
    Referrer-Policy: strict-origin-when-cross-origin
    Cross-Origin-Opener-Policy: same-origin

and ``HSTS_MAX_AGE = 31536000`` adds ``Strict-Transport-Security`` to HTTPS responses. Each
``SECURITY_*`` setting changes its value or, set to None (False for the nosniff switch), drops
it; ``SECURITY_HEADERS = False`` drops them all.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ..config import DEFAULT_CONFIG
from ..headers import check_header_value

__all__ = ["frame_ancestors", "security_headers", "setting", "strict_transport_security"]

_FRAME_ANCESTORS = {"SAMEORIGIN": "frame-ancestors 'self'", "DENY": "frame-ancestors 'none'"}


def security_headers(config: dict[str, Any]) -> list[tuple[str, str]]:
    """Return the ``(name, value)`` pairs the ``SECURITY_*`` settings ask for (HSTS aside).

    The ``Content-Security-Policy: frame-ancestors`` pair is not among them: see
    :func:`frame_ancestors`. Raise ValueError for a ``SECURITY_FRAME_OPTIONS`` other than
    SAMEORIGIN, DENY or None, and for a value that is not a valid header.
    """
    if not setting(config, "SECURITY_HEADERS"):
        return []
    pairs: list[tuple[str, str]] = []
    if setting(config, "SECURITY_CONTENT_TYPE_NOSNIFF"):
        pairs.append(("X-Content-Type-Options", "nosniff"))
    frame_options = _frame_options(config)
    if frame_options is not None:
        pairs.append(("X-Frame-Options", frame_options))
    for key, name in (
        ("SECURITY_REFERRER_POLICY", "Referrer-Policy"),
        ("SECURITY_CROSS_ORIGIN_OPENER_POLICY", "Cross-Origin-Opener-Policy"),
    ):
        value = setting(config, key)
        if value is not None:
            pairs.append((name, value))
    return [(name, check_header_value(str(value))) for name, value in pairs]


def frame_ancestors(config: dict[str, Any]) -> str | None:
    """Return the CSP ``frame-ancestors`` directive matching ``SECURITY_FRAME_OPTIONS``, or None.

    # NOTE: browsers obey frame-ancestors over X-Frame-Options; a response with a policy of
    # its own keeps it whole, so only responses without one get this directive.
    """
    if not setting(config, "SECURITY_HEADERS"):
        return None
    frame_options = _frame_options(config)
    return None if frame_options is None else _FRAME_ANCESTORS[frame_options]


def _frame_options(config: dict[str, Any]) -> str | None:
    frame_options = setting(config, "SECURITY_FRAME_OPTIONS")
    if frame_options is None:
        return None
    frame_options = str(frame_options).upper()
    if frame_options not in _FRAME_ANCESTORS:
        raise ValueError(
            f"SECURITY_FRAME_OPTIONS must be 'SAMEORIGIN', 'DENY' or None, not {frame_options!r}."
        )
    return frame_options


def strict_transport_security(config: dict[str, Any]) -> str | None:
    """Return the ``Strict-Transport-Security`` value of the ``HSTS_*`` settings, or None."""
    max_age = setting(config, "HSTS_MAX_AGE")
    if max_age is None:
        return None
    if isinstance(max_age, timedelta):
        max_age = int(max_age.total_seconds())
    if isinstance(max_age, bool) or not isinstance(max_age, int) or max_age < 0:
        raise ValueError(f"HSTS_MAX_AGE must be seconds (an int >= 0) or None, not {max_age!r}.")
    value = f"max-age={max_age}"
    if setting(config, "HSTS_INCLUDE_SUBDOMAINS"):
        value += "; includeSubDomains"
    if setting(config, "HSTS_PRELOAD"):
        value += "; preload"
    return value


def setting(config: dict[str, Any], key: str) -> Any:
    """Read a setting, with the default of DEFAULT_CONFIG for apps whose config lacks it."""
    return config.get(key, DEFAULT_CONFIG[key])
