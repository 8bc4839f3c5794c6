"""Bcrypt: Flask-Bcrypt's API producing real 60-character bcrypt hashes."""

from __future__ import annotations

import bcrypt as pybcrypt
import pytest

from hipflask import App
from hipflask import bcrypt as bcrypt_module
from hipflask.bcrypt import Bcrypt, check_password_hash, generate_password_hash
from hipflask.passwords import check_password_hash as check_any_hash


def make_app(**config: object) -> App:
    app = App(__name__)
    app.config.update({"BCRYPT_LOG_ROUNDS": 4, **config})
    return app


def test_flask_bcrypt_pattern_round_trip() -> None:
    bcrypt = Bcrypt(make_app())
    hashed = bcrypt.generate_password_hash("hunter2")
    assert isinstance(hashed, bytes) and len(hashed) == 60
    assert hashed.startswith(b"$2b$04$")
    text = hashed.decode("utf-8")  # what a String(60) column stores
    assert bcrypt.check_password_hash(text, "hunter2")
    assert bcrypt.check_password_hash(hashed, b"hunter2")
    assert not bcrypt.check_password_hash(text, "hunter3")
    assert pybcrypt.checkpw(b"hunter2", hashed)  # a real bcrypt hash
    assert check_any_hash(text, "hunter2")  # and hipflask.passwords reads it


def test_rounds_and_prefix_settings_and_arguments() -> None:
    bcrypt = Bcrypt(make_app(BCRYPT_LOG_ROUNDS=5, BCRYPT_HASH_PREFIX="2a"))
    assert bcrypt.generate_password_hash("pw").startswith(b"$2a$05$")
    assert bcrypt.generate_password_hash("pw", rounds=4).startswith(b"$2a$04$")
    assert bcrypt.generate_password_hash("pw", 4, prefix="2b").startswith(b"$2b$04$")
    assert bcrypt.generate_password_hash("pw", 4, prefix=b"2b").startswith(b"$2b$04$")
    assert Bcrypt().generate_password_hash("pw", 4).startswith(b"$2b$04$")
    with pytest.raises(ValueError, match="non-empty"):
        bcrypt.generate_password_hash("")


def test_flask_bcrypt_made_hashes_verify() -> None:
    """What Flask-Bcrypt stored (pybcrypt.hashpw of the password) verifies unchanged."""
    stored = pybcrypt.hashpw(b"s3cret", pybcrypt.gensalt(4, b"2a")).decode()
    assert Bcrypt(make_app()).check_password_hash(stored, "s3cret")
    assert not Bcrypt(make_app()).check_password_hash(stored, "s3cre")


def test_long_passwords_sharing_72_bytes_do_not_both_verify_with_handling_on() -> None:
    bcrypt = Bcrypt(make_app(BCRYPT_HANDLE_LONG_PASSWORDS=True))
    prefix = "p" * 72
    hashed = bcrypt.generate_password_hash(prefix + "-one")
    assert bcrypt.check_password_hash(hashed, prefix + "-one")
    assert not bcrypt.check_password_hash(hashed, prefix + "-two")
    assert not bcrypt.check_password_hash(hashed, prefix)
    huge = "x" * 1_000_000  # bounded: one SHA-256 pass, then bcrypt of 64 bytes
    assert bcrypt.check_password_hash(bcrypt.generate_password_hash(huge), huge)


def test_without_handling_long_passwords_are_refused_not_truncated() -> None:
    bcrypt = Bcrypt(make_app())
    with pytest.raises(ValueError, match="BCRYPT_HANDLE_LONG_PASSWORDS"):
        bcrypt.generate_password_hash("p" * 73)
    # A hash older bcrypt versions made of a long password (its first 72 bytes) still verifies.
    old = pybcrypt.hashpw(b"p" * 72, pybcrypt.gensalt(4))
    assert bcrypt.check_password_hash(old, "p" * 100)


@pytest.mark.parametrize("pw_hash", ["", "nonsense", "$2b$04$short", b"\xff\xfe"])
def test_malformed_hashes_are_false(pw_hash: str | bytes) -> None:
    assert Bcrypt(make_app()).check_password_hash(pw_hash, "pw") is False


def test_unknown_user_check_costs_a_real_check(monkeypatch: pytest.MonkeyPatch) -> None:
    salts: list[bytes] = []
    real = pybcrypt.hashpw

    def spy(password: bytes, salt: bytes) -> bytes:
        salts.append(salt)
        return real(password, salt)

    bcrypt = Bcrypt(make_app(BCRYPT_LOG_ROUNDS=5))
    assert bcrypt.check_password_hash(None, "pw") is False  # makes the dummy hash once
    monkeypatch.setattr(pybcrypt, "hashpw", spy)
    assert bcrypt.check_password_hash(None, "pw") is False
    assert len(salts) == 1 and salts[0].startswith(b"$2b$05$")


def test_module_functions_use_the_current_apps_settings() -> None:
    app = make_app(BCRYPT_LOG_ROUNDS=5)
    Bcrypt(app)
    assert app.extensions["bcrypt"] is not bcrypt_module._DEFAULT
    with app.app_context():
        hashed = generate_password_hash("pw")
        assert hashed.startswith(b"$2b$05$")
        assert check_password_hash(hashed, "pw")
    assert generate_password_hash("pw", rounds=4).startswith(b"$2b$04$")
    assert not check_password_hash(hashed, "nope")
