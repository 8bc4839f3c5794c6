"""Sign and verify short values with itsdangerous, set up once per key set.

Tokens are itsdangerous's ``value.timestamp.signature`` with HMAC key derivation, so they
interoperate with ``itsdangerous.TimestampSigner(key_derivation="hmac")`` both ways. What this
module adds is the set-up done once instead of per call: keys are derived when the
:class:`Signer` is built, and the keyed HMAC state is copied for each signature (through
itsdangerous's ``SigningAlgorithm`` extension point) rather than re-keyed.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from binascii import Error as BinasciiError
from binascii import a2b_base64, b2a_base64
from collections.abc import Iterable
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner
from itsdangerous import Signer as PlainSigner
from itsdangerous.signer import SigningAlgorithm

__all__ = ["Signer", "b64decode", "b64encode"]

# NOTE: servers' clocks drift apart; a timestamp this far in the future is still accepted
# (itsdangerous alone refuses any signature from the future).
_CLOCK_SKEW = 60


_TO_URLSAFE = bytes.maketrans(b"+/", b"-_")
_FROM_URLSAFE = bytes.maketrans(b"-_", b"+/")


def b64encode(data: bytes) -> str:
    """Return URL-safe base64 without padding, as itsdangerous writes it."""
    # PERF: binascii directly; base64.urlsafe_b64encode costs three more calls per value.
    return b2a_base64(data, newline=False).translate(_TO_URLSAFE, b"=").decode("ascii")


def b64decode(data: str) -> bytes:
    """Decode URL-safe base64 with or without padding (ValueError when malformed)."""
    try:
        raw = data.encode("ascii").translate(_FROM_URLSAFE)
        return a2b_base64(raw + b"=" * (-len(raw) % 4), strict_mode=True)
    except (BinasciiError, UnicodeError) as exc:
        raise ValueError(f"Invalid base64: {exc}") from None


def _as_bytes(value: str | bytes) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else value


class _KeyedHMAC(SigningAlgorithm):
    """HMAC whose keyed state is built once per key and copied for each signature.

    # PERF: re-keying HMAC costs as much as hashing a short token; copying the keyed state
    # halves the cost of signing and verifying a session cookie.
    """

    def __init__(self, digest: str) -> None:
        self._digest = digest
        self._states: dict[bytes, Any] = {}

    def get_signature(self, key: bytes, value: bytes) -> bytes:
        """Return ``HMAC(key, value)``."""
        state = self._states.get(key)
        if state is None:
            state = self._states[key] = hmac.new(key, digestmod=self._digest)
        mac = state.copy()
        mac.update(value)
        digest: bytes = mac.digest()
        return digest


class Signer:
    """Sign with ``secret_key``; verify with it or any of ``fallback_keys`` (key rotation).

    Each key is derived as ``HMAC(secret, salt)`` (itsdangerous's ``"hmac"`` derivation), so one
    secret used with two salts (session cookies, CSRF tokens) yields unrelated signatures.
    """

    __slots__ = ("_signers",)

    def __init__(
        self,
        secret_key: str | bytes,
        fallback_keys: Iterable[str | bytes] = (),
        salt: str | bytes = b"itsdangerous.Signer",
        digest: str = "sha256",
    ) -> None:
        salt_bytes = _as_bytes(salt)
        algorithm = _KeyedHMAC(digest)
        self._signers = [
            TimestampSigner(
                hmac.digest(_as_bytes(key), salt_bytes, digest),
                salt=salt_bytes,
                key_derivation="none",
                digest_method=getattr(hashlib, digest),
                algorithm=algorithm,
            )
            for key in (secret_key, *fallback_keys)
        ]

    def sign(self, value: str) -> str:
        """Return ``value.signature``."""
        return PlainSigner.sign(self._signers[0], value).decode("utf-8")

    def unsign(self, token: str) -> tuple[str, bool] | None:
        """Return ``(value, signed_with_a_fallback_key)``, or None when the signature is wrong."""
        for index, signer in enumerate(self._signers):
            try:
                value = PlainSigner.unsign(signer, token)
            except BadSignature:
                continue
            return value.decode("utf-8"), index > 0
        return None

    def sign_timed(self, value: str) -> str:
        """Return ``value.timestamp.signature`` for the current time."""
        return self._signers[0].sign(value).decode("utf-8")

    def unsign_timed(self, token: str, max_age: float | None) -> tuple[str, int, bool] | None:
        """Return ``(value, timestamp, signed_with_a_fallback_key)``.

        None when the signature is wrong or the token is older than ``max_age`` seconds.
        """
        limit = None if max_age is None else int(max_age)
        for index, signer in enumerate(self._signers):
            try:
                value, signed_at = signer.unsign(token, max_age=limit, return_timestamp=True)
            except SignatureExpired as exc:
                return self._within_clock_skew(exc, index)
            except BadSignature:
                continue
            return value.decode("utf-8"), int(signed_at.timestamp()), index > 0
        return None

    @staticmethod
    def _within_clock_skew(exc: SignatureExpired, index: int) -> tuple[str, int, bool] | None:
        """Accept a correctly signed token from slightly in the future (another server's clock)."""
        signed_at = exc.date_signed
        if signed_at is None or not isinstance(exc.payload, bytes):
            return None
        stamp = int(signed_at.timestamp())
        if not 0 < stamp - time.time() <= _CLOCK_SKEW:
            return None
        return exc.payload.decode("utf-8"), stamp, index > 0
