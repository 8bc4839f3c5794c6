"""Password hashing with Werkzeug's API: argon2id by default, Werkzeug's hashes still verify.

``generate_password_hash(password)`` returns an argon2id hash at OWASP's parameters (m=19 MiB,
t=2, p=1) in the PHC format argon2-cffi writes (``$argon2id$v=19$m=19456,t=2,p=1$...``).
``method="scrypt"`` and ``method="pbkdf2"`` produce Werkzeug's formats
(``scrypt:32768:8:1$salt$hex``, ``pbkdf2:sha256:600000$salt$hex``), with parameters after
colons as Werkzeug takes them. ``check_password_hash`` verifies all of these, bcrypt hashes
(``$2b$...``, as Flask-Bcrypt makes them) and the salted HMAC hashes of Werkzeug before 2.3
(``sha256$salt$hex``), so a ported user table keeps working; :func:`needs_rehash` tells which
hashes to upgrade at the next successful login.

Passwords longer than :data:`MAX_PASSWORD_BYTES` are refused (ValueError when hashing, False
when checking), and parameters read from a stored hash are bounded, so no input costs minutes
of CPU. ``check_password_hash(None, password)`` spends the time of a real check and returns
False: call it for unknown users, so response times do not reveal which accounts exist.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import lru_cache
from typing import Any

__all__ = [
    "DEFAULT_METHOD",
    "MAX_PASSWORD_BYTES",
    "check_password_hash",
    "gen_salt",
    "generate_password_hash",
    "needs_rehash",
]

#: The method of new hashes.
DEFAULT_METHOD = "argon2id"
#: Longer passwords are refused. Far beyond any passphrase; it bounds the work per attempt.
MAX_PASSWORD_BYTES = 4096

SALT_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
# OWASP's password storage cheat sheet (2023): argon2id m=19 MiB t=2 p=1; scrypt N=2^15 r=8
# p=1 (Werkzeug's default); PBKDF2-HMAC-SHA256 600,000 iterations.
ARGON2_PARAMETERS: dict[str, Any] = {
    "time_cost": 2,
    "memory_cost": 19456,
    "parallelism": 1,
    "hash_len": 32,
}
SCRYPT_DEFAULT = (2**15, 8, 1)
PBKDF2_DEFAULT_ITERATIONS = 600_000
# SECURITY: parameters come from stored hashes; bound them so a corrupt or planted row cannot
# make one check cost minutes of CPU or gigabytes of memory.
_MAX_PBKDF2_ITERATIONS = 10_000_000
_MAX_SCRYPT_MEMORY = 1 << 30  # bytes: 128 * n * r * p
_LEGACY_DIGESTS = frozenset({"md5", "sha1", "sha224", "sha256", "sha384", "sha512"})


def gen_salt(length: int) -> str:
    """Return ``length`` random characters of ``SALT_CHARS`` (Werkzeug's salt alphabet)."""
    if length <= 0:
        raise ValueError("Salt length must be at least 1.")
    return "".join(secrets.choice(SALT_CHARS) for _ in range(length))


def generate_password_hash(
    password: str, method: str = DEFAULT_METHOD, salt_length: int = 16
) -> str:
    """Hash ``password`` for storage with ``method`` (``argon2id``, ``scrypt``, ``pbkdf2``).

    ``method`` takes Werkzeug's parameters: ``scrypt:n:r:p``, ``pbkdf2:hash_name`` and
    ``pbkdf2:hash_name:iterations``; ``bcrypt`` and ``bcrypt:rounds`` are accepted too.
    ``salt_length`` counts characters for scrypt and pbkdf2, bytes for argon2id.
    Raise ValueError for an unknown method or a password over :data:`MAX_PASSWORD_BYTES`.
    """
    secret = _encode(password)
    if secret is None:
        raise ValueError(f"The password is longer than {MAX_PASSWORD_BYTES} bytes.")
    name, *args = method.split(":")
    if name in ("argon2id", "argon2"):
        if args:
            raise ValueError("'argon2id' takes no arguments.")
        return str(_argon2(salt_length).hash(secret))
    if name == "bcrypt":
        import bcrypt

        rounds = int(args[0]) if args else 12
        if len(secret) > 72:
            raise ValueError("bcrypt hashes only the first 72 bytes; use argon2id.")
        return bcrypt.hashpw(secret, bcrypt.gensalt(rounds)).decode("ascii")
    salt = gen_salt(salt_length)
    digest, full_method = _werkzeug_hash(method, salt, secret)
    return f"{full_method}${salt}${digest}"


def check_password_hash(pwhash: str | None, password: str) -> bool:
    """Tell whether ``password`` matches ``pwhash``, in constant time.

    ``pwhash`` is any hash :func:`generate_password_hash`, Werkzeug or Flask-Bcrypt made. A
    malformed hash, an unknown method, or a password over the length limit gives False. With
    ``pwhash=None`` (the user does not exist) a dummy hash is checked, so the answer, always
    False, takes as long as for a real account.
    """
    secret = _encode(password)
    if pwhash is None:
        _check(_dummy_hash(), secret or b"")
        return False
    if secret is None or not isinstance(pwhash, str):
        return False
    try:
        return _check(pwhash, secret)
    except (ValueError, TypeError, OverflowError, MemoryError):
        return False


def needs_rehash(pwhash: str, method: str = DEFAULT_METHOD) -> bool:
    """Tell whether ``pwhash`` differs from what ``generate_password_hash(pw, method)`` makes.

    True for hashes of another method, or of the same method with other parameters. Call it
    after a successful check and store a new hash when it says so.
    """
    name = method.split(":", 1)[0]
    if name in ("argon2id", "argon2"):
        if not pwhash.startswith("$argon2id$"):
            return True
        from argon2.exceptions import InvalidHashError

        try:
            return bool(_argon2(16).check_needs_rehash(pwhash))
        except (InvalidHashError, ValueError):
            return True
    if name == "bcrypt":
        rounds = method.split(":")[1] if ":" in method else "12"
        return not pwhash.startswith(("$2b$", "$2a$", "$2y$")) or pwhash[4:6] != rounds.zfill(2)
    full_method = _werkzeug_method(method)
    return pwhash.split("$", 1)[0] != full_method


# -- internals --------------------------------------------------------------------------------


def _encode(password: str) -> bytes | None:
    """Return the password's UTF-8 bytes, or None when it is over the length limit."""
    # NOTE: checked on the characters first, so a huge string is refused before it is encoded.
    if len(password) > MAX_PASSWORD_BYTES:
        return None
    secret = password.encode("utf-8")
    return None if len(secret) > MAX_PASSWORD_BYTES else secret


@lru_cache(maxsize=8)
def _argon2(salt_length: int) -> Any:
    from argon2 import PasswordHasher, Type

    return PasswordHasher(**ARGON2_PARAMETERS, salt_len=salt_length, type=Type.ID)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Return a hash of a random password made like new hashes (for unknown users)."""
    return generate_password_hash(secrets.token_urlsafe(16))


def _check(pwhash: str, secret: bytes) -> bool:
    if pwhash.startswith("$argon2"):
        from argon2.exceptions import VerificationError

        try:
            return bool(_argon2(16).verify(pwhash, secret))
        except (VerificationError, ValueError):
            return False
    if pwhash.startswith(("$2b$", "$2a$", "$2y$")):
        import bcrypt

        # NOTE: bcrypt reads 72 bytes; older versions truncated silently, bcrypt 5 raises.
        return bool(bcrypt.checkpw(secret[:72], pwhash.encode("ascii")))
    method, salt, expected = pwhash.split("$", 2)
    if method in _LEGACY_DIGESTS:
        # Werkzeug < 2.3: an HMAC keyed with the salt (no key stretching; rehash it).
        actual = hmac.new(salt.encode(), secret, method).hexdigest()
    else:
        actual = _werkzeug_hash(method, salt, secret)[0]
    return hmac.compare_digest(actual, expected)


def _werkzeug_method(method: str) -> str:
    """Return ``method`` with Werkzeug's defaults filled in (``pbkdf2`` -> ``pbkdf2:sha256:N``)."""
    name, *args = method.split(":")
    if name == "scrypt":
        n, r, p = _scrypt_parameters(args)
        return f"scrypt:{n}:{r}:{p}"
    if name == "pbkdf2":
        hash_name, iterations = _pbkdf2_parameters(args)
        return f"pbkdf2:{hash_name}:{iterations}"
    raise ValueError(f"Invalid hash method {method!r}.")


def _werkzeug_hash(method: str, salt: str, secret: bytes) -> tuple[str, str]:
    """Return the hex digest and the full method string, as Werkzeug's ``_hash_internal``."""
    name, *args = method.split(":")
    salt_bytes = salt.encode()
    if name == "scrypt":
        n, r, p = _scrypt_parameters(args)
        digest = hashlib.scrypt(secret, salt=salt_bytes, n=n, r=r, p=p, maxmem=132 * n * r * p)
        return digest.hex(), f"scrypt:{n}:{r}:{p}"
    if name == "pbkdf2":
        hash_name, iterations = _pbkdf2_parameters(args)
        digest = hashlib.pbkdf2_hmac(hash_name, secret, salt_bytes, iterations)
        return digest.hex(), f"pbkdf2:{hash_name}:{iterations}"
    raise ValueError(f"Invalid hash method {method!r}.")


def _scrypt_parameters(args: list[str]) -> tuple[int, int, int]:
    if not args:
        return SCRYPT_DEFAULT
    if len(args) != 3:
        raise ValueError("'scrypt' takes 3 arguments.")
    n, r, p = map(int, args)
    if min(n, r, p) < 1 or 128 * n * r * p > _MAX_SCRYPT_MEMORY:
        raise ValueError("scrypt parameters out of range.")
    return n, r, p


def _pbkdf2_parameters(args: list[str]) -> tuple[str, int]:
    if len(args) > 2:
        raise ValueError("'pbkdf2' takes 2 arguments.")
    hash_name = args[0] if args else "sha256"
    iterations = int(args[1]) if len(args) == 2 else PBKDF2_DEFAULT_ITERATIONS
    if not 1 <= iterations <= _MAX_PBKDF2_ITERATIONS:
        raise ValueError("pbkdf2 iterations out of range.")
    return hash_name, iterations
