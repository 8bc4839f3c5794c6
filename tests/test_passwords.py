"""Password hashing: argon2id by default, Werkzeug's formats produced and verified."""

from __future__ import annotations

import hashlib
import hmac
import re

import pytest
import werkzeug.security  # only to make reference hashes: the ported user table

from hipflask import passwords
from hipflask.passwords import (
    MAX_PASSWORD_BYTES,
    check_password_hash,
    generate_password_hash,
    needs_rehash,
)

# Cheap parameters keep the suite fast; the format is what these tests are about.
FAST_SCRYPT = "scrypt:1024:8:1"
FAST_PBKDF2 = "pbkdf2:sha256:1000"


def test_default_is_argon2id_at_owasp_parameters() -> None:
    hashed = generate_password_hash("correct horse")
    assert hashed.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert check_password_hash(hashed, "correct horse")
    assert not check_password_hash(hashed, "correct horsE")
    assert not needs_rehash(hashed)
    assert generate_password_hash("correct horse") != hashed  # salted


def test_scrypt_in_werkzeugs_exact_format() -> None:
    hashed = generate_password_hash("pw", method="scrypt")
    match = re.fullmatch(r"scrypt:32768:8:1\$([A-Za-z0-9]{16})\$([0-9a-f]{128})", hashed)
    assert match is not None
    expected = hashlib.scrypt(
        b"pw", salt=match[1].encode(), n=32768, r=8, p=1, maxmem=132 * 32768 * 8
    ).hex()
    assert match[2] == expected
    assert werkzeug.security.check_password_hash(hashed, "pw")  # Werkzeug reads ours too


def test_pbkdf2_in_werkzeugs_exact_format() -> None:
    hashed = generate_password_hash("pw", method="pbkdf2:sha256", salt_length=8)
    match = re.fullmatch(r"pbkdf2:sha256:600000\$([A-Za-z0-9]{8})\$([0-9a-f]{64})", hashed)
    assert match is not None
    assert match[2] == hashlib.pbkdf2_hmac("sha256", b"pw", match[1].encode(), 600000).hex()
    assert generate_password_hash("pw", method="pbkdf2").startswith("pbkdf2:sha256:600000$")
    assert werkzeug.security.check_password_hash(hashed, "pw")


@pytest.mark.parametrize(
    "method",
    ["scrypt", FAST_SCRYPT, "pbkdf2", FAST_PBKDF2, "pbkdf2:sha512:2000", "pbkdf2:sha1:1000"],
)
def test_every_werkzeug_made_hash_verifies(method: str) -> None:
    for password in ["pw", "ünïcødé ✓", " spaces ", "x" * 300]:
        hashed = werkzeug.security.generate_password_hash(password, method=method)
        assert check_password_hash(hashed, password)
        assert not check_password_hash(hashed, password + "!")
        assert needs_rehash(hashed)


def test_werkzeug_2_salted_hmac_hashes_verify_and_need_rehash() -> None:
    digest = hmac.new(b"salt123", b"pw", "sha256").hexdigest()
    legacy = f"sha256$salt123${digest}"
    assert check_password_hash(legacy, "pw")
    assert not check_password_hash(legacy, "px")
    assert needs_rehash(legacy)


def test_bcrypt_hashes_verify_and_need_rehash() -> None:
    import bcrypt

    hashed = bcrypt.hashpw(b"pw", bcrypt.gensalt(4)).decode()
    assert check_password_hash(hashed, "pw")
    assert not check_password_hash(hashed, "px")
    assert needs_rehash(hashed)
    ours = generate_password_hash("pw", method="bcrypt:4")
    assert len(ours) == 60 and check_password_hash(ours, "pw")
    assert not needs_rehash(ours, method="bcrypt:4") and needs_rehash(ours, method="bcrypt:5")


def test_needs_rehash_follows_the_target_method() -> None:
    scrypt = generate_password_hash("pw", method="scrypt")
    assert not needs_rehash(scrypt, method="scrypt")
    assert needs_rehash(scrypt, method="scrypt:65536:8:1")
    old = werkzeug.security.generate_password_hash("pw", method="pbkdf2:sha256:260000")
    assert needs_rehash(old, method="pbkdf2")
    assert not needs_rehash(generate_password_hash("pw", method="pbkdf2"), method="pbkdf2")
    weak_argon = "$argon2id$v=19$m=8,t=1,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"
    assert needs_rehash(weak_argon)


@pytest.mark.parametrize(
    "pwhash",
    [
        "",
        "garbage",
        "$$",
        "scrypt$salt$00",
        "md4$salt$00",
        "plain$$pw",  # Werkzeug < 3 plaintext: never accepted
        "pbkdf2:sha256:notanumber$salt$00",
        "pbkdf2:nohash:1000$salt$00",
        "scrypt:1:2$salt$00",
        "$argon2id$v=19$garbage",
        "$2b$04$tooshort",
    ],
)
def test_malformed_hashes_are_false_never_an_error(pwhash: str) -> None:
    assert check_password_hash(pwhash, "pw") is False


def test_parameters_of_a_stored_hash_are_bounded() -> None:
    """A planted row with absurd parameters is refused, not minutes of CPU or GBs of memory."""
    assert not check_password_hash("pbkdf2:sha256:999999999999$salt$00", "pw")
    assert not check_password_hash("scrypt:1048576:64:64$salt$00", "pw")


def test_a_one_megabyte_password_is_refused() -> None:
    huge = "a" * 1_000_000
    with pytest.raises(ValueError, match="longer than"):
        generate_password_hash(huge)
    hashed = generate_password_hash("a" * MAX_PASSWORD_BYTES, method=FAST_PBKDF2)
    assert check_password_hash(hashed, "a" * MAX_PASSWORD_BYTES)
    assert not check_password_hash(hashed, huge)
    # Multi-byte characters count in bytes: 2,000 'é' are 4,000 bytes, 2,100 are over.
    assert check_password_hash(generate_password_hash("é" * 2000, FAST_PBKDF2), "é" * 2000)
    with pytest.raises(ValueError):
        generate_password_hash("é" * 2100)


def test_unknown_user_check_does_the_work_of_a_real_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """``check_password_hash(None, pw)`` verifies a dummy argon2id hash, then says False."""
    verified: list[str] = []
    real_check = passwords._check

    def spy(pwhash: str, secret: bytes) -> bool:
        verified.append(pwhash)
        return real_check(pwhash, secret)

    monkeypatch.setattr(passwords, "_check", spy)
    assert check_password_hash(None, "anything") is False
    assert check_password_hash(None, "x" * 1_000_000) is False
    assert len(verified) == 2
    assert all(h.startswith("$argon2id$v=19$m=19456,t=2,p=1$") for h in verified)


def test_comparisons_are_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    compared: list[tuple[str, str]] = []
    real = hmac.compare_digest

    def spy(a: str, b: str) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(passwords.hmac, "compare_digest", spy)
    hashed = generate_password_hash("pw", method=FAST_PBKDF2)
    assert check_password_hash(hashed, "pw") and not check_password_hash(hashed, "px")
    assert len(compared) == 2


def test_bad_methods_and_salts_raise() -> None:
    with pytest.raises(ValueError, match="Invalid hash method"):
        generate_password_hash("pw", method="md5")
    with pytest.raises(ValueError):
        generate_password_hash("pw", method="scrypt:1:2")
    with pytest.raises(ValueError):
        generate_password_hash("pw", method=FAST_PBKDF2, salt_length=0)
    with pytest.raises(ValueError):
        generate_password_hash("pw", method="argon2id:3")
