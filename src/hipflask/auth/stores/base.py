"""The login store interface: who is logged in where, and the remember-me tokens.

A *login* is one browser's logged-in session: a random id kept in the (signed or server-side)
session, and a record here naming the user and an *auth hash* of the user's credentials. A
request is logged in only while its login's record exists and the auth hash still matches, so
deleting a record (logout), all of a user's records ("log out everywhere"), or changing the
password ends every copy of that session cookie, on every worker.

A *remember-me token* is ``selector.validator``: the selector finds the record, and only the
SHA-256 of the validator is stored, so a leaked table cannot be replayed as cookies. Each use
swaps the validator for a new one (compare-and-set); presenting a replaced validator means the
cookie was copied, and revokes every login and token of that user, except within a short grace
period after a rotation, which covers a browser sending two requests with the same cookie.

Record keys are SHA-256 hashes of the login ids, for the same reason. Subclasses implement
the storage primitives; the protocol lives here once.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from typing import NamedTuple

__all__ = ["LoginRecord", "LoginStore", "TokenResult", "TokenRow"]

#: Bytes of randomness: 256 bits for ids and validators, 96 bits for selectors (lookup only).
_ID_BYTES = 32
_SELECTOR_BYTES = 12
# A cookie value longer than this is not ours; refuse it before hashing anything.
_MAX_TOKEN_LENGTH = 128
_TOKEN = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


class LoginRecord(NamedTuple):
    """A stored login: the user's id, the auth hash at login time, and the expiry (epoch)."""

    user_id: str
    auth_hash: str
    expires: float


class TokenRow(NamedTuple):
    """A stored remember-me token (hashes of the current and the previous validator)."""

    user_id: str
    auth_hash: str
    validator_hash: str
    previous_hash: str
    rotated: float
    expires: float


@dataclass(frozen=True)
class TokenResult:
    """What presenting a remember-me cookie gave.

    ``status`` is ``'ok'`` (``cookie`` holds the rotated value to send back), ``'grace'``
    (the validator was replaced moments ago: accept, send no new cookie), ``'theft'`` (a
    replaced validator: the user's logins and tokens were revoked) or ``'invalid'``.
    """

    status: str
    user_id: str | None = None
    auth_hash: str = ""
    cookie: str | None = None
    expires: float = 0.0


def digest(value: str) -> str:
    """Return the SHA-256 hex digest of ``value`` (what the store keeps instead of secrets)."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def split_token(cookie: str) -> tuple[str, str] | None:
    """Return ``(selector, validator)`` of a well-formed cookie value, else None."""
    if not cookie or len(cookie) > _MAX_TOKEN_LENGTH:
        return None
    if _TOKEN.fullmatch(cookie) is None:
        return None
    selector, _, validator = cookie.partition(".")
    return selector, validator


class LoginStore:
    """Logins and remember-me tokens; every method may raise ``ServiceUnavailable`` (503)."""

    # -- the protocol ----------------------------------------------------------------------

    def create_login(self, user_id: str, auth_hash: str, ttl: float) -> str:
        """Record a new login of ``user_id`` for ``ttl`` seconds; return its id."""
        login_id = secrets.token_urlsafe(_ID_BYTES)
        self._insert_login(digest(login_id), user_id, auth_hash, time.time() + ttl)
        return login_id

    def get_login(self, login_id: str, ttl: float) -> LoginRecord | None:
        """Return the login's record, or None when it was revoked or expired.

        A record with less than half of ``ttl`` left is pushed ``ttl`` ahead (a write at most
        every ``ttl / 2`` seconds), so an active session is not cut off mid-use.
        """
        if not login_id or len(login_id) > _MAX_TOKEN_LENGTH:
            return None
        key = digest(login_id)
        record = self._get_login(key)
        now = time.time()
        if record is None or record.expires <= now:
            return None
        if record.expires - now < ttl / 2:
            self._set_login_expiry(key, now + ttl)
        return record

    def revoke_login(self, login_id: str) -> None:
        """Delete one login (logout)."""
        if login_id and len(login_id) <= _MAX_TOKEN_LENGTH:
            self._delete_login(digest(login_id))

    def create_token(self, user_id: str, auth_hash: str, ttl: float) -> str:
        """Store a new remember-me token for ``ttl`` seconds; return the cookie value."""
        selector = secrets.token_urlsafe(_SELECTOR_BYTES)
        validator = secrets.token_urlsafe(_ID_BYTES)
        row = TokenRow(user_id, auth_hash, digest(validator), "", 0.0, time.time() + ttl)
        self._insert_token(selector, row)
        return f"{selector}.{validator}"

    def use_token(self, cookie: str, grace: float) -> TokenResult:
        """Check a remember-me cookie and rotate its validator (see :class:`TokenResult`)."""
        parts = split_token(cookie)
        if parts is None:
            return TokenResult("invalid")
        selector, validator = parts
        presented = digest(validator)
        row = self._get_token(selector)
        now = time.time()
        if row is not None and row.expires > now and _same(row.validator_hash, presented):
            fresh = secrets.token_urlsafe(_ID_BYTES)
            if self._swap_token(selector, presented, digest(fresh), now):
                cookie = f"{selector}.{fresh}"
                return TokenResult("ok", row.user_id, row.auth_hash, cookie, row.expires)
            row = self._get_token(selector)  # NOTE: a concurrent request rotated it first.
        if row is None or row.expires <= now:
            return TokenResult("invalid")
        if _same(row.previous_hash, presented) and now - row.rotated <= grace:
            return TokenResult("grace", row.user_id, row.auth_hash)
        # SECURITY: a validator that was replaced is in two hands: end everything of the user.
        self.revoke_user(row.user_id)
        return TokenResult("theft", row.user_id)

    def revoke_token(self, cookie: str) -> None:
        """Delete the token a remember-me cookie names (logout)."""
        parts = split_token(cookie)
        if parts is not None:
            self._delete_token(parts[0])

    def revoke_user(self, user_id: str) -> None:
        """Delete every login and token of ``user_id`` ("log out everywhere")."""
        self._delete_user(user_id)

    def close(self) -> None:
        """Release connections."""

    # -- primitives of a backend -------------------------------------------------------------

    def _insert_login(self, key: str, user_id: str, auth_hash: str, expires: float) -> None:
        raise NotImplementedError()

    def _get_login(self, key: str) -> LoginRecord | None:
        raise NotImplementedError()

    def _set_login_expiry(self, key: str, expires: float) -> None:
        raise NotImplementedError()

    def _delete_login(self, key: str) -> None:
        raise NotImplementedError()

    def _insert_token(self, selector: str, row: TokenRow) -> None:
        raise NotImplementedError()

    def _get_token(self, selector: str) -> TokenRow | None:
        raise NotImplementedError()

    def _swap_token(self, selector: str, old: str, new: str, now: float) -> bool:
        """Replace the validator hash ``old`` by ``new`` atomically; False if it was not ``old``."""
        raise NotImplementedError()

    def _delete_token(self, selector: str) -> None:
        raise NotImplementedError()

    def _delete_user(self, user_id: str) -> None:
        raise NotImplementedError()


def _same(stored: str, presented: str) -> bool:
    # SECURITY: constant time, though both are hashes: no timing says how much matched.
    return bool(stored) and hmac.compare_digest(stored, presented)
