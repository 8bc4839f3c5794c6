"""tests/reference_signer.py: itsdangerous set up once, key rotation, clock skew."""

from __future__ import annotations

import hashlib

import pytest
from itsdangerous import BadSignature, TimestampSigner
from itsdangerous import Signer as ItsSigner

from tests import reference_signer as signing
from tests.reference_signer import Signer, b64decode, b64encode

KEY = "k" * 40


@pytest.mark.parametrize("digest", ["sha256", "sha512"])
def test_tokens_interoperate_with_itsdangerous(digest: str) -> None:
    ours = Signer(KEY, (), "salt", digest)
    theirs = TimestampSigner(
        KEY, salt="salt", key_derivation="hmac", digest_method=getattr(hashlib, digest)
    )
    assert theirs.unsign(ours.sign_timed("value"), max_age=10) == b"value"
    token = theirs.sign("other").decode()
    result = ours.unsign_timed(token, 10)
    assert result is not None and result[0] == "other" and result[2] is False
    plain = ItsSigner(
        KEY, salt="salt", key_derivation="hmac", digest_method=getattr(hashlib, digest)
    )
    assert plain.unsign(ours.sign("v")) == b"v"


def test_salt_separates_signatures() -> None:
    token = Signer(KEY, (), "a").sign("v")
    assert Signer(KEY, (), "b").unsign(token) is None
    assert Signer(KEY, (), "a").unsign(token) == ("v", False)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t.swapcase(),
        lambda t: t + "A",
        lambda t: t[:-1],
        lambda t: t[:-10],
        # NOTE: the last character's low bits are padding ("A" and "B" there can decode alike).
        lambda t: t[:-5] + ("A" if t[-5] != "A" else "B") + t[-4:],
        lambda t: t.replace(".", ""),
        lambda t: "",
        lambda t: "é" + t,
        lambda t: t + "\x00",
    ],
)
def test_a_changed_token_never_verifies(mangle: object) -> None:
    signer = Signer(KEY)
    token = signer.sign_timed("payload")
    assert signer.unsign_timed(mangle(token), None) is None  # type: ignore[operator]


def test_fallback_keys_verify_and_are_reported() -> None:
    old = Signer("old" * 12).sign_timed("v")
    rotated = Signer("new" * 12, ["older" * 8, "old" * 12])
    assert rotated.unsign_timed(old, 10) is not None
    assert rotated.unsign_timed(old, 10)[2] is True  # type: ignore[index]
    assert rotated.unsign_timed(rotated.sign_timed("v"), 10)[2] is False  # type: ignore[index]
    assert Signer("new" * 12).unsign_timed(old, 10) is None


def test_max_age_and_clock_skew(monkeypatch: pytest.MonkeyPatch) -> None:
    signer = Signer(KEY)
    now = signing.time.time()
    monkeypatch.setattr(signing.time, "time", lambda: now - 100)
    old = signer.sign_timed("v")
    monkeypatch.setattr(signing.time, "time", lambda: now + 3600)
    future = signer.sign_timed("v")
    monkeypatch.setattr(signing.time, "time", lambda: now)
    assert signer.unsign_timed(old, 50) is None
    assert signer.unsign_timed(old, 200) is not None
    assert signer.unsign_timed(future, 10_000) is None
    assert signer.unsign_timed(old, None) is not None


def test_a_garbled_timestamp_is_refused() -> None:
    signer = Signer(KEY)
    # NOTE: itsdangerous reads a garbled stamp as time 0, so a lifetime refuses it.
    for stamp in ("!!", "A", "é"):
        assert signer.unsign_timed(signer.sign(f"v.{stamp}"), 3600) is None
    assert signer.unsign_timed(signer.sign("no-timestamp"), None) is None


def test_base64_helpers() -> None:
    for data in (b"", b"\xff\xfe", b"abc", bytes(range(256))):
        assert b64decode(b64encode(data)) == data
        assert "=" not in b64encode(data)
    with pytest.raises(ValueError):
        b64decode("a")
    with pytest.raises(ValueError):
        b64decode("é")


def test_itsdangerous_rejects_what_we_reject() -> None:
    token = Signer(KEY, (), "salt").sign_timed("v")
    theirs = TimestampSigner(KEY, salt="salt", key_derivation="hmac", digest_method=hashlib.sha256)
    with pytest.raises(BadSignature):
        theirs.unsign(token[:-3])


def test_a_token_from_slightly_in_the_future_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    signer = Signer(KEY)
    now = signing.time.time()
    monkeypatch.setattr(signing.time, "time", lambda: now + 30)
    ahead = signer.sign_timed("v")
    monkeypatch.setattr(signing.time, "time", lambda: now)
    result = signer.unsign_timed(ahead, 3600)
    assert result is not None and result[0] == "v"
