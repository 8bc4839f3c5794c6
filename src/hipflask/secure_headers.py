"""The security headers switch (a battery: installed only when its settings are on).

``SECURITY_HEADERS = True`` adds to every response that does not set them itself::

    X-Content-Type-Options: nosniff
    X-Frame-Options: SAMEORIGIN
    Content-Security-Policy: frame-ancestors 'self'
    Referrer-Policy: strict-origin-when-cross-origin
    Cross-Origin-Opener-Policy: same-origin

and ``HSTS_MAX_AGE = 31536000`` adds ``Strict-Transport-Security`` to HTTPS responses. The
``SECURITY_*`` and ``HSTS_*`` settings (see ``DEFAULT_CONFIG``) change or drop each value.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from .config import DEFAULT_CONFIG
from .ctx import request
from .datastructures import check_header_value

if TYPE_CHECKING:
    from .app import App
    from .response import Response

_FRAME_ANCESTORS = {"SAMEORIGIN": "frame-ancestors 'self'", "DENY": "frame-ancestors 'none'"}


def init_security_headers(app: App) -> None:
    """Add the headers ``SECURITY_HEADERS`` and ``HSTS_MAX_AGE`` ask for to every response.

    The app's setup calls it on the first request when either is on; the settings are read
    then, once. The hook runs after every other ``after_request`` hook, error responses
    included, and never replaces a header the view or a hook set.
    """
    if "security_headers" in app.extensions:
        return
    headers = security_headers(app.config) if _get(app.config, "SECURITY_HEADERS") else []
    hsts = strict_transport_security(app.config)

    def add_security_headers(response: Response) -> Response:
        for name, value in headers:
            response.headers.setdefault(name, value)
        # SECURITY: RFC 6797 7.2: never over plain HTTP, where an attacker could forge it.
        if hsts is not None and request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", hsts)
        return response

    app.extensions["security_headers"] = add_security_headers
    # NOTE: app hooks run in reverse order of registration, so index 0 runs last.
    app.after_request_funcs.setdefault(None, []).insert(0, add_security_headers)


def security_headers(config: dict[str, Any]) -> list[tuple[str, str]]:
    """Return the ``(name, value)`` pairs the ``SECURITY_*`` settings ask for (HSTS aside).

    Raise ValueError for a ``SECURITY_FRAME_OPTIONS`` other than SAMEORIGIN, DENY or None, and
    for a value that is not a valid header.
    """
    pairs: list[tuple[str, str]] = []
    if _get(config, "SECURITY_CONTENT_TYPE_NOSNIFF"):
        pairs.append(("X-Content-Type-Options", "nosniff"))
    frame_options = _get(config, "SECURITY_FRAME_OPTIONS")
    if frame_options is not None:
        frame_options = str(frame_options).upper()
        if frame_options not in _FRAME_ANCESTORS:
            raise ValueError(
                "SECURITY_FRAME_OPTIONS must be 'SAMEORIGIN', 'DENY' or None, "
                f"not {frame_options!r}."
            )
        pairs.append(("X-Frame-Options", frame_options))
        # NOTE: browsers obey frame-ancestors over X-Frame-Options; a view with its own
        # Content-Security-Policy keeps it whole, so only responses without one get this.
        pairs.append(("Content-Security-Policy", _FRAME_ANCESTORS[frame_options]))
    for key, name in (
        ("SECURITY_REFERRER_POLICY", "Referrer-Policy"),
        ("SECURITY_CROSS_ORIGIN_OPENER_POLICY", "Cross-Origin-Opener-Policy"),
    ):
        value = _get(config, key)
        if value is not None:
            pairs.append((name, value))
    return [(name, check_header_value(str(value))) for name, value in pairs]


def strict_transport_security(config: dict[str, Any]) -> str | None:
    """Return the ``Strict-Transport-Security`` value of the ``HSTS_*`` settings, or None."""
    max_age = _get(config, "HSTS_MAX_AGE")
    if max_age is None:
        return None
    if isinstance(max_age, timedelta):
        max_age = int(max_age.total_seconds())
    if isinstance(max_age, bool) or not isinstance(max_age, int) or max_age < 0:
        raise ValueError(f"HSTS_MAX_AGE must be seconds (an int >= 0) or None, not {max_age!r}.")
    value = f"max-age={max_age}"
    if _get(config, "HSTS_INCLUDE_SUBDOMAINS"):
        value += "; includeSubDomains"
    if _get(config, "HSTS_PRELOAD"):
        value += "; preload"
    return value


def _get(config: dict[str, Any], key: str) -> Any:
    """Read a setting, with the default of DEFAULT_CONFIG for apps whose defaults lack it."""
    return config.get(key, DEFAULT_CONFIG[key])
