"""A reference signer for the tests: itsdangerous, set up once per key set.

Tokens made here come from itsdangerous itself, not from hipflask's own signer
(``hipflask.sessions.signer``, which signs sessions and CSRF tokens), so tests that plant,
forge or read tokens with it check hipflask against the format it must keep.

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
from collections.abc import Iterable
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner
from itsdangerous import Signer as PlainSigner
from itsdangerous.signer import SigningAlgorithm

from hipflask.sessions.signer import _CLOCK_SKEW, _as_bytes, b64decode, b64encode

__all__ = ["Signer", "b64decode", "b64encode"]


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
