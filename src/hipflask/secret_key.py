"""The strength of ``SECRET_KEY``: what makes it weak, and the start-up warning about it.

An app that never signs anything (no session, no flash, no CSRF form) serves without a key, as
in Flask. A key that is set but weak (shorter than :data:`MIN_SECRET_KEY_BYTES`, or one of the
well-known :data:`PLACEHOLDER_KEYS`) lets anyone forge its session cookies: a non-debug app
logs a WARNING about it once per process, when it starts (``hipflask run``, ``app.run()``) or
at :meth:`App.finalize() <hipflask.App.finalize>` (every other server). The strict mode,
``gunicorn -c python:hipflask.gunicorn_conf``, refuses to start instead.
"""

from __future__ import annotations

import weakref

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .app import App

__all__ = ["MIN_SECRET_KEY_BYTES", "PLACEHOLDER_KEYS", "warn_weak_secret_key", "weak_reason"]

#: The shortest key not worth a warning: 32 random bytes are out of reach of brute force.
MIN_SECRET_KEY_BYTES = 32

#: Keys copied from tutorials and templates, compared case-insensitively. Any key on this list
#: is public: whoever knows it forges sessions, whatever its length.
PLACEHOLDER_KEYS = frozenset(
    (
        "change-me",
        "change_me",
        "changeme",
        "default",
        "dev",
        "development",
        "insecure",
        "keyboard cat",
        "password",
        "replace-me",
        "secret",
        "secret-key",
        "secret_key",
        "secretkey",
        "super-secret",
        "super-secret-key",
        "supersecret",
        "test",
        "your-secret-key",
        "your_secret_key",
    )
)

_warned: weakref.WeakSet[Any] = weakref.WeakSet()


def weak_reason(secret: str | bytes | None) -> str | None:
    """Return why ``secret`` is unfit to sign with ("missing", "too short", ...), or None."""
    if not secret:
        return "missing"
    raw = secret.encode("utf-8") if isinstance(secret, str) else secret
    if raw.strip().lower().decode("utf-8", "replace") in PLACEHOLDER_KEYS:
        return "a well-known placeholder"
    if len(raw) < MIN_SECRET_KEY_BYTES:
        return f"too short ({len(raw)} bytes)"
    return None


def warn_weak_secret_key(app: App) -> None:
    """Log a WARNING on ``app.logger`` when its SECRET_KEY is set but weak; once per app.

    Debug and testing apps are skipped, and so is an app without a key: it serves what needs
    no signing, and every use of the session or CSRF raises an error naming SECRET_KEY.
    """
    if app.debug or app.testing or app in _warned:
        return
    secret = app.config.get("SECRET_KEY")
    reason = weak_reason(secret) if secret else None
    if reason is None:
        return
    _warned.add(app)
    app.logger.warning(
        "SECRET_KEY is %s: anyone can forge this app's session cookies and CSRF tokens. Use at "
        "least %d random bytes, e.g. python -c 'import secrets; print(secrets.token_hex(32))'.",
        reason,
        MIN_SECRET_KEY_BYTES,
    )
