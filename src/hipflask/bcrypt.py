"""Flask-Bcrypt's API: ``Bcrypt(app)``, ``generate_password_hash`` returning bytes, real bcrypt.

Settings (Flask-Bcrypt's names): ``BCRYPT_LOG_ROUNDS`` (12), ``BCRYPT_HASH_PREFIX`` (``'2b'``)
and ``BCRYPT_HANDLE_LONG_PASSWORDS`` (False). bcrypt reads only the first 72 bytes of a
password; with long-password handling on, the password is first reduced to its SHA-256 hex
digest (as Flask-Bcrypt does), so two passwords sharing a 72-byte prefix get different hashes.
With it off (the default, to keep existing hashes valid) hashing a password over 72 bytes
raises ValueError rather than silently ignoring its end, and checking one compares its first
72 bytes, which is what older bcrypt versions hashed.

Hashes are the 60-character ``$2b$12$...`` strings every bcrypt library reads, so they also
verify through :func:`hipflask.passwords.check_password_hash`.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import App

__all__ = ["Bcrypt", "check_password_hash", "generate_password_hash"]

_BCRYPT_LIMIT = 72


class Bcrypt:
    """Hash and check passwords with bcrypt, configured from the app (or with the defaults)."""

    _log_rounds = 12
    _prefix = "2b"
    _handle_long_passwords = False

    def __init__(self, app: App | None = None) -> None:
        if app is not None:
            self.init_app(app)

    def init_app(self, app: App) -> None:
        """Read the ``BCRYPT_*`` settings of ``app`` and register as ``extensions['bcrypt']``."""
        self._log_rounds = int(app.config.get("BCRYPT_LOG_ROUNDS", 12))
        self._prefix = str(app.config.get("BCRYPT_HASH_PREFIX", "2b"))
        self._handle_long_passwords = bool(app.config.get("BCRYPT_HANDLE_LONG_PASSWORDS", False))
        app.extensions["bcrypt"] = self

    def _prepare(self, password: str | bytes) -> bytes:
        secret = password.encode("utf-8") if isinstance(password, str) else bytes(password)
        if self._handle_long_passwords:
            return hashlib.sha256(secret).hexdigest().encode("ascii")
        return secret

    def generate_password_hash(
        self, password: str | bytes, rounds: int | None = None, prefix: str | bytes | None = None
    ) -> bytes:
        """Return the bcrypt hash of ``password`` (bytes; ``.decode()`` it for a text column).

        Raise ValueError for an empty password, and for one over 72 bytes unless long-password
        handling is on.
        """
        import bcrypt

        if not password:
            raise ValueError("Password must be non-empty.")
        secret = self._prepare(password)
        if len(secret) > _BCRYPT_LIMIT:
            raise ValueError(
                "bcrypt hashes only the first 72 bytes of a password; set "
                "BCRYPT_HANDLE_LONG_PASSWORDS = True to hash longer ones whole."
            )
        if isinstance(prefix, str):
            prefix = prefix.encode("ascii")
        salt = bcrypt.gensalt(
            rounds=self._log_rounds if rounds is None else rounds,
            prefix=prefix or self._prefix.encode("ascii"),
        )
        return bytes(bcrypt.hashpw(secret, salt))

    def check_password_hash(self, pw_hash: str | bytes | None, password: str | bytes) -> bool:
        """Tell whether ``password`` matches ``pw_hash``, in constant time.

        A malformed hash gives False. ``pw_hash=None`` (an unknown user) checks a dummy hash
        at this instance's rounds and gives False, taking as long as a real check.
        """
        import bcrypt

        secret = self._prepare(password)[:_BCRYPT_LIMIT]
        if pw_hash is None:
            bcrypt.hashpw(secret, _dummy_hash(self._log_rounds))
            return False
        expected = pw_hash.encode("utf-8") if isinstance(pw_hash, str) else bytes(pw_hash)
        try:
            actual = bcrypt.hashpw(secret, expected)
        except ValueError:
            return False
        return hmac.compare_digest(actual, expected)


@lru_cache(maxsize=4)
def _dummy_hash(rounds: int) -> bytes:
    import secrets

    import bcrypt

    return bytes(bcrypt.hashpw(secrets.token_bytes(16).hex().encode(), bcrypt.gensalt(rounds)))


def _current() -> Bcrypt:
    """Return the current app's :class:`Bcrypt`, or one with the defaults."""
    from . import current_app, has_app_context

    if has_app_context():
        found: Any = current_app.extensions.get("bcrypt")
        if isinstance(found, Bcrypt):
            return found
    return _DEFAULT


_DEFAULT = Bcrypt()


def generate_password_hash(password: str | bytes, rounds: int | None = None) -> bytes:
    """Hash with the current app's :class:`Bcrypt` settings (the defaults outside an app)."""
    return _current().generate_password_hash(password, rounds)


def check_password_hash(pw_hash: str | bytes | None, password: str | bytes) -> bool:
    """Check with the current app's :class:`Bcrypt` settings (the defaults outside an app)."""
    return _current().check_password_hash(pw_hash, password)
