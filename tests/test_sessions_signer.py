"""The session signer reads and writes exactly what itsdangerous does, both ways.

Each property runs arbitrary values, keys, salts and (mangled) tokens through our signer and
through itsdangerous' ``TimestampSigner`` / ``Signer`` with ``key_derivation="hmac"``, and through
``URLSafeTimedSerializer`` as Flask configures it, and asserts the same outcome.
"""

from __future__ import annotations

import hashlib
import threading
import time
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from itsdangerous import Signer as ItsSigner

from hipflask import App, session
from hipflask.sessions import SecureCookieSessionInterface
from hipflask.sessions import signer as signing_module
from hipflask.sessions.signer import SessionSigner, b64decode, b64encode

KEYS = st.one_of(st.text(min_size=1, max_size=40), st.binary(min_size=1, max_size=40))
SALTS = st.one_of(st.just("cookie-session"), st.text(max_size=20), st.binary(max_size=20))
VALUES = st.text(max_size=60)
DIGESTS = st.sampled_from(["sha256", "sha1", "sha512"])
# Whatever a client may put in a cookie: bytes of the token alphabet and around it.
TOKEN_TEXT = st.text(alphabet="AZaz09-_.=+/!é\x00 ", max_size=80)


def theirs(
    keys: list[Any], salt: Any, digest: str, timed: bool = True
) -> TimestampSigner | ItsSigner:
    """An itsdangerous signer with the current key last (itsdangerous' order)."""
    kind = TimestampSigner if timed else ItsSigner
    return kind(
        keys[::-1], salt=salt, key_derivation="hmac", digest_method=getattr(hashlib, digest)
    )


def their_timed(signer: TimestampSigner, token: str, max_age: int | None) -> tuple[str, int] | None:
    try:
        value, signed_at = signer.unsign(token, max_age=max_age, return_timestamp=True)
        return value.decode("utf-8"), int(signed_at.timestamp())
    except SignatureExpired:
        return None
    except (BadSignature, UnicodeDecodeError):
        return None


@settings(max_examples=300, deadline=None)
@given(VALUES, KEYS, st.lists(KEYS, max_size=2), SALTS, DIGESTS)
def test_itsdangerous_reads_what_we_sign(
    value: str, key: Any, fallbacks: list[Any], salt: Any, digest: str
) -> None:
    ours = SessionSigner(key, fallbacks, salt, digest)
    signer = theirs([key, *fallbacks], salt, digest)
    assert signer.unsign(ours.sign_timed(value), max_age=60) == value.encode()
    assert signer.unsign(ours.sign_timed_bytes(value.encode()), max_age=60) == value.encode()
    plain = theirs([key, *fallbacks], salt, digest, timed=False)
    assert plain.unsign(ours.sign(value)) == value.encode()


@settings(max_examples=300, deadline=None)
@given(VALUES, KEYS, st.lists(KEYS, max_size=2), SALTS, DIGESTS, st.integers(0, 2))
def test_we_read_what_itsdangerous_signs_with_any_key(
    value: str, key: Any, fallbacks: list[Any], salt: Any, digest: str, which: int
) -> None:
    keys = [key, *fallbacks]
    assume(which < len(keys))
    token = theirs([keys[which]], salt, digest).sign(value).decode()
    result = SessionSigner(key, fallbacks, salt, digest).unsign_timed(token, 60)
    assert result is not None
    assert result[0] == value
    assert abs(result[1] - time.time()) < 5
    # "Signed with a fallback" means: no earlier key verified it.
    assert result[2] == (keys.index(keys[which]) > 0)
    plain = theirs([keys[which]], salt, digest, timed=False).sign(value).decode()
    assert SessionSigner(key, fallbacks, salt, digest).unsign(plain) == (value, result[2])


def mangled(good: str) -> st.SearchStrategy[str]:
    """``good``, cut, with junk inserted, or any text of the token alphabet and around it."""
    return st.one_of(
        TOKEN_TEXT,
        st.builds(lambda cut, junk: good[:cut] + junk + good[cut:], st.integers(0, 90),
                  TOKEN_TEXT),
        st.builds(lambda cut: good[:cut], st.integers(0, 90)),
        st.just(good),
    )  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(st.data(), VALUES, st.sampled_from([None, 0, 30, 3600]))
def test_mangled_and_arbitrary_tokens_verify_exactly_when_itsdangerous_accepts(
    data: st.DataObject, value: str, max_age: int | None
) -> None:
    key, salt = "s" * 32, "cookie-session"
    signer = theirs([key], salt, "sha256")
    assert isinstance(signer, TimestampSigner)
    good = signer.sign(value).decode()
    token = data.draw(mangled(good))
    result = SessionSigner(key, (), salt).unsign_timed(token, max_age)
    expected = their_timed(signer, token, max_age)
    assert (None if result is None else result[:2]) == expected


@settings(max_examples=500, deadline=None)
@given(st.data(), VALUES)
def test_the_bytes_reading_verifies_exactly_when_itsdangerous_accepts(
    data: st.DataObject, value: str
) -> None:
    key, salt = "s" * 32, "wtf-csrf-token"
    signer = theirs([key], salt, "sha256")
    assert isinstance(signer, TimestampSigner)
    token = data.draw(mangled(signer.sign(value).decode()))
    result = SessionSigner(key, (), salt).unsign_timed_bytes(token)
    expected = their_timed(signer, token, None)
    assert result == (None if expected is None else (expected[0].encode(), expected[1], False))


@pytest.mark.parametrize("fallbacks", [(), ("old-" * 8,)])
@pytest.mark.parametrize(
    "respell",
    [
        lambda signature: signature + "=",  # padded
        lambda signature: signature[:10] + "!" + signature[10:] + "=",  # "!" is skipped
        lambda signature: signature + "=\n",
    ],
)
def test_a_signature_spelled_otherwise_than_we_write_it_verifies_as_in_itsdangerous(
    fallbacks: tuple[str, ...], respell: Any
) -> None:
    # The fast comparison with the signature as we write it must fall back to the lenient
    # decoding itsdangerous applies, for every key.
    key = fallbacks[0] if fallbacks else "k" * 32
    reference = theirs([key], "salt", "sha256")
    assert isinstance(reference, TimestampSigner)
    value, stamp, signature = reference.sign("v").decode().split(".")
    token = f"{value}.{stamp}.{respell(signature)}"
    assert reference.unsign(token, return_timestamp=True)[0] == b"v"
    ours = SessionSigner("k" * 32, fallbacks, "salt")
    result = ours.unsign_timed(token, None)
    assert result is not None and (result[0], result[2]) == ("v", bool(fallbacks))
    assert ours.unsign_timed_bytes(token) == (b"v", result[1], bool(fallbacks))
    plain = theirs([key], "salt", "sha256", timed=False).sign("v").decode()
    head, _, plain_signature = plain.rpartition(".")
    assert ours.unsign(f"{head}.{respell(plain_signature)}") == ("v", bool(fallbacks))


def test_old_and_future_tokens_follow_max_age_and_the_clock_skew(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    signer = SessionSigner("k" * 32)
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now - 120)
    old = signer.sign_timed("v")
    monkeypatch.setattr(time, "time", lambda: now + 30)
    future = signer.sign_timed("v")
    monkeypatch.setattr(time, "time", lambda: now)
    assert signer.unsign_timed(old, 60) is None
    assert signer.unsign_timed(old, 300) is not None
    assert signer.unsign_timed(future, 60) is not None  # another server's clock, 30 s ahead
    assert signer.unsign_timed(old, None) is not None


def test_a_session_cookie_from_a_worker_minutes_ahead_is_accepted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = App(__name__)
    app.config["SECRET_KEY"] = "k" * 32

    @app.route("/set")
    def set_value() -> str:
        session["user"] = "ada"
        return "set"

    @app.route("/get")
    def get_value() -> str:
        return str(session.get("user"))

    now = time.time()
    for ahead, expected in ((180, "ada"), (600, "None")):
        ahead_client, client = app.test_client(), app.test_client()
        monkeypatch.setattr(time, "time", lambda ahead=ahead: now + ahead)
        ahead_client.get("/set")  # the worker whose clock runs ahead signs the cookie
        monkeypatch.setattr(time, "time", lambda: now)
        client.set_cookie("session", ahead_client.get_cookie("session").value)  # type: ignore[union-attr]
        assert client.get("/get").text == expected, ahead


def test_session_cookies_round_trip_with_flasks_serializer() -> None:
    app = App(__name__)
    app.config["SECRET_KEY"] = "new-key-" * 4
    app.config["SECRET_KEY_FALLBACKS"] = ["old-key-" * 4]
    interface = SecureCookieSessionInterface()
    serializer = URLSafeTimedSerializer(
        ["old-key-" * 4],
        salt="cookie-session",
        serializer=interface.serializer,
        signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha256},
    )
    data = {"user": "alice", "n": [1, 2, 3], "long": "x" * 300}  # long: the compressed form
    old_cookie = serializer.dumps(data)
    signer = interface.get_signer(app)
    assert signer is not None
    result = signer.unsign_timed(old_cookie, 3600)
    assert result is not None and result[2] is True  # read with the fallback key
    assert interface.load_payload(result[0]) == data
    new_cookie = signer.sign_timed(interface.dump_payload(data))
    assert interface.get_signing_serializer(app).loads(new_cookie) == data


def test_b64_helpers() -> None:
    assert b64encode(b"\xfb\xff") == "-_8"
    assert b64decode("-_8") == b"\xfb\xff"
    with pytest.raises(ValueError):
        b64decode("!!")


# -- remembered tokens (the session signer's cache of verified cookies) ----------------------

#: One remembering signer shared by every example, so later examples hit what earlier ones
#: verified.
REMEMBERING = SessionSigner("s" * 32, (), "cookie-session", remember=True)


@settings(max_examples=500, deadline=None)
@given(st.data(), VALUES, st.sampled_from([None, 0, 30, 3600]))
def test_a_remembering_signer_answers_as_itsdangerous_on_every_call(
    data: st.DataObject, value: str, max_age: int | None
) -> None:
    signer = theirs(["s" * 32], "cookie-session", "sha256")
    assert isinstance(signer, TimestampSigner)
    good = signer.sign(value).decode()
    token = data.draw(mangled(good))
    expected = their_timed(signer, token, max_age)
    for _ in range(2):  # a miss, then (when it verified) a hit
        result = REMEMBERING.unsign_timed(token, max_age)
        assert (None if result is None else result[:2]) == expected
    remembered = REMEMBERING._remembered
    assert remembered is not None
    assert (token in remembered) == (their_timed(signer, token, None) is not None)


def test_a_remembered_token_past_max_age_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    signer = SessionSigner("k" * 32, remember=True)
    now = time.time()
    token = signer.sign_timed("v")
    assert signer.unsign_timed(token, 60) is not None
    assert token in (signer._remembered or {})
    monkeypatch.setattr(signing_module.time, "time", lambda: now + 61)
    assert signer.unsign_timed(token, 60) is None  # a hit, refused by its remembered timestamp
    assert signer.unsign_timed(token, 3600) is not None
    monkeypatch.setattr(signing_module.time, "time", lambda: now - 301)
    assert signer.unsign_timed(token, 3600) is None  # from further ahead than the skew


def test_a_tampered_token_never_hits() -> None:
    signer = SessionSigner("k" * 32, remember=True)
    token = signer.sign_timed("eyJ1c2VyIjoiYWxpY2UifQ")
    assert signer.unsign_timed(token, None) is not None
    payload, stamp, signature = token.split(".")
    for forged in (
        token.swapcase(),
        token + "x",
        token[:-1],
        f"{payload}.{stamp}.{signature[:20]}",
        f"eyJ1c2VyIjoiYm9iIn0.{stamp}.{signature}",
        f"{payload}.{stamp}",
    ):
        assert signer.unsign_timed(forged, None) is None
    assert list(signer._remembered or {}) == [token]


def test_a_new_key_forgets_what_the_old_one_verified() -> None:
    app = App(__name__)
    app.config["SECRET_KEY"] = "old-key-" * 4
    interface = SecureCookieSessionInterface()
    old = interface.get_signer(app)
    assert old is not None
    token = old.sign_timed("eyJ1c2VyIjoiYWxpY2UifQ")
    assert old.unsign_timed(token, None) is not None  # remembered by the old signer
    app.config["SECRET_KEY"] = "new-key-" * 4
    new = interface.get_signer(app)
    assert new is not None and new is not old
    assert new.unsign_timed(token, None) is None
    app.config["SECRET_KEY_FALLBACKS"] = ["old-key-" * 4]
    rotated = interface.get_signer(app)
    assert rotated is not None
    assert rotated.unsign_timed(token, None) == (
        "eyJ1c2VyIjoiYWxpY2UifQ",
        old.unsign_timed(token, None)[1],
        True,
    )  # type: ignore[index]
    app.config["SECRET_KEY_FALLBACKS"] = []
    dropped = interface.get_signer(app)
    assert dropped is not None
    assert dropped.unsign_timed(token, None) is None


def test_a_different_salt_is_a_different_memory() -> None:
    token = SessionSigner("k" * 32, salt="a", remember=True).sign_timed("v")
    assert SessionSigner("k" * 32, salt="a", remember=True).unsign_timed(token, None) is not None
    assert SessionSigner("k" * 32, salt="b", remember=True).unsign_timed(token, None) is None


def test_the_memory_is_bounded() -> None:
    signer = SessionSigner("k" * 32, remember=True)
    limit = signing_module._REMEMBERED
    for index in range(limit + 100):
        assert signer.unsign_timed(signer.sign_timed(f"value-{index}"), None) is not None
        assert len(signer._remembered or {}) <= limit
    long_token = signer.sign_timed("x" * signing_module._REMEMBERED_LENGTH)
    assert signer.unsign_timed(long_token, None) is not None
    assert long_token not in (signer._remembered or {})
    plain = SessionSigner("k" * 32)
    assert plain.unsign_timed(plain.sign_timed("v"), None) is not None
    assert plain._remembered is None  # CSRF tokens, fresh on each request, are not kept


def test_threads_sharing_a_remembering_signer_get_their_own_answers() -> None:
    signer = SessionSigner("k" * 32, remember=True)
    tokens = [signer.sign_timed(f"value-{index}") for index in range(300)]
    failures: list[str] = []

    def work(offset: int) -> None:
        for round_ in range(20):
            for index in range(offset, len(tokens), 7):
                token = tokens[index]
                result = signer.unsign_timed(token, 3600)
                if result is None or result[0] != f"value-{index}":
                    failures.append(f"{index}: {result}")
                if signer.unsign_timed("e" + token[1:], 3600) is not None:  # "dmFs..."
                    failures.append(f"{index}: forged")
            if round_ % 5 == 0:
                signer._remembered.clear()  # type: ignore[union-attr]

    threads = [threading.Thread(target=work, args=(offset,)) for offset in range(7)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
