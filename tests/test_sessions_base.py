"""The signed-cookie session through the test client and over real HTTP (SECURITY.md #15-#19)."""

from __future__ import annotations

import hashlib
import http.client
import logging
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
from markupsafe import Markup

from hipflask import App, Response, request, session
from hipflask.sessions import (
    NullSession,
    SecureCookieSession,
    SecureCookieSessionInterface,
    SessionInterface,
    session_interface_for,
)
from hipflask.sessions import signer as signing_module
from hipflask.sessions.signer import b64decode
from tests.reference_signer import Signer

KEY = "a-secret-key-that-is-long-enough-123456"


@pytest.fixture
def app() -> App:
    app = App(__name__)
    app.config.update(SECRET_KEY=KEY, TESTING=True)

    @app.route("/count")
    def count() -> str:
        session["n"] = session.get("n", 0) + 1
        return str(session["n"])

    @app.route("/read")
    def read() -> str:
        return repr(dict(session.items()))

    @app.route("/set/<key>/<value>")
    def set_value(key: str, value: str) -> str:
        session[key] = value
        return "ok"

    @app.route("/permanent")
    def permanent() -> str:
        session.permanent = True
        session["p"] = 1
        return "ok"

    @app.route("/clear")
    def clear() -> str:
        session.clear()
        return "cleared"

    @app.route("/untouched")
    def untouched() -> str:
        return "nothing"

    return app


def set_cookies(response: Any) -> list[str]:
    return list(response.headers.getlist("Set-Cookie"))


def session_cookie(response: Any, name: str = "session") -> str:
    headers = [h for h in set_cookies(response) if h.startswith(f"{name}=")]
    assert len(headers) == 1, headers
    return headers[0]


def cookie_value(header: str) -> str:
    return header.split(";", 1)[0].split("=", 1)[1]


# -- the round trip --------------------------------------------------------------------------


def test_counter_round_trip(app: App) -> None:
    client = app.test_client()
    assert [client.get("/count").text for _ in range(3)] == ["1", "2", "3"]


def test_default_cookie_attributes_are_secure(app: App) -> None:
    header = session_cookie(app.test_client().get("/count"))
    attributes = [part.strip() for part in header.split(";")[1:]]
    assert "HttpOnly" in attributes
    assert "SameSite=Lax" in attributes
    assert "Path=/" in attributes
    assert not any(a.startswith(("Expires", "Max-Age", "Domain")) for a in attributes)
    assert "Secure" not in attributes


def test_session_data_is_signed_not_encrypted(app: App) -> None:
    value = cookie_value(session_cookie(app.test_client().get("/set/user/alice")))
    payload = value.split(".")[0]
    assert b"alice" in signing_module.b64decode(payload)


def test_untouched_session_costs_nothing(app: App) -> None:
    client = app.test_client()
    client.get("/count")
    with client:
        response = client.get("/untouched")
        from hipflask.ctx import _cv_request

        assert _cv_request.get()._session is None
    assert set_cookies(response) == []
    assert "Vary" not in response.headers


def test_serving_without_touching_the_session_never_imports_it() -> None:
    code = (
        "import sys\n"
        "from hipflask import App\n"
        "app = App('probe')\n"
        "app.config['SECRET_KEY'] = 'k' * 32\n"
        "app.add_url_rule('/', 'i', lambda: 'x')\n"
        "app.test_client().get('/', headers={'Cookie': 'session=abc'})\n"
        "print('hipflask.sessions' in sys.modules, 'hipflask.sessions.signer' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False False", result.stderr


# -- Vary: Cookie ----------------------------------------------------------------------------


def _getitem(key: str) -> Any:
    try:
        return session[key]
    except KeyError:
        return None


READS: dict[str, Callable[[], Any]] = {
    "get": lambda: session.get("n"),
    "getitem": lambda: _getitem("n"),
    "contains": lambda: "n" in session,
    "len": lambda: len(session),
    "iter": lambda: list(session),
    "keys": lambda: session.keys(),
    "items": lambda: session.items(),
    "values": lambda: session.values(),
    "setdefault": lambda: session.setdefault("n", 1),
    "bool": lambda: bool(session),
    "permanent": lambda: session.permanent,
    "eq": lambda: session == {},
    "pop": lambda: session.pop("missing", None),
}


@pytest.mark.parametrize("name", sorted(READS))
def test_every_read_adds_vary_cookie_once(app: App, name: str) -> None:
    read = READS[name]

    @app.route("/vary")
    def vary() -> Response:
        read()
        response = Response("ok")
        response.headers["Vary"] = "Accept-Encoding"
        return response

    client = app.test_client()
    client.get("/count")
    response = client.get("/vary")
    assert response.headers.getlist("Vary") == ["Accept-Encoding, Cookie"]


@pytest.mark.parametrize("name", sorted(READS))
def test_every_read_marks_the_session_accessed(name: str) -> None:
    app = App(__name__)
    app.config["SECRET_KEY"] = KEY
    with app.test_request_context("/"):
        real = session._get_current_object()  # type: ignore[attr-defined]
        assert real.accessed is False
        READS[name]()
        assert real.accessed is True


def test_vary_cookie_is_not_doubled_when_the_view_set_it(app: App) -> None:
    @app.route("/own-vary")
    def own_vary() -> Response:
        session["x"] = 1
        response = Response("ok")
        response.headers["Vary"] = "Cookie"
        return response

    response = app.test_client().get("/own-vary")
    assert response.headers.getlist("Vary") == ["Cookie"]


def test_refreshing_a_permanent_session_adds_vary(app: App) -> None:
    @app.route("/touch")
    def touch() -> str:
        session.modified = False  # touched (opened) but neither read nor written by the view
        return "ok"

    client = app.test_client()
    client.get("/permanent")
    response = client.get("/touch")
    assert response.headers["Vary"] == "Cookie"
    assert "Max-Age=" in session_cookie(response)


# -- lifetime, permanence, deletion ----------------------------------------------------------


def test_permanent_session_sets_expires_and_max_age(app: App) -> None:
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(minutes=30)
    header = session_cookie(app.test_client().get("/permanent"))
    assert "Max-Age=1800" in header
    expires = header.split("Expires=")[1].split(";")[0]
    parsed = datetime.strptime(expires, "%a, %d %b %Y %H:%M:%S GMT").replace(tzinfo=UTC)
    assert abs((parsed - datetime.now(UTC)).total_seconds() - 1800) < 5


@pytest.mark.parametrize("lifetime", [600, 600.0, timedelta(seconds=600)])
def test_lifetime_accepts_seconds_or_timedelta(app: App, lifetime: Any) -> None:
    app.config["PERMANENT_SESSION_LIFETIME"] = lifetime
    assert app.permanent_session_lifetime == timedelta(seconds=600)
    assert "Max-Age=600" in session_cookie(app.test_client().get("/permanent"))


def test_app_attribute_sets_the_lifetime(app: App) -> None:
    app.permanent_session_lifetime = timedelta(hours=1)
    assert "Max-Age=3600" in session_cookie(app.test_client().get("/permanent"))


def test_refresh_each_request(app: App) -> None:
    client = app.test_client()
    client.get("/permanent")
    assert "Max-Age=" in session_cookie(client.get("/read"))
    app.config["SESSION_REFRESH_EACH_REQUEST"] = False
    assert set_cookies(client.get("/read")) == []


def test_non_permanent_read_sets_no_cookie(app: App) -> None:
    client = app.test_client()
    client.get("/count")
    response = client.get("/read")
    assert set_cookies(response) == []
    assert response.headers["Vary"] == "Cookie"


def test_an_overridden_dump_payload_writes_the_cookie(app: App) -> None:
    class Marked(SecureCookieSessionInterface):
        def dump_payload(self, session: Any) -> str:
            return "x" + super().dump_payload(session)

        def load_payload(self, payload: str) -> dict[str, Any] | None:
            return super().load_payload(payload[1:])

    app.session_interface = Marked()
    client = app.test_client()
    assert [client.get("/count").text for _ in range(2)] == ["1", "2"]
    assert client.get_cookie("session").value.startswith("x")  # type: ignore[union-attr]


def test_the_written_payload_is_dump_payload(app: App) -> None:
    client = app.test_client()
    client.get("/set/user/alice")
    value = client.get_cookie("session").value  # type: ignore[union-attr]
    interface = SecureCookieSessionInterface()
    assert value.split(".")[0] == interface.dump_payload({"user": "alice"})
    client.get("/set/long/" + "x" * 300)  # the compressed form
    value = client.get_cookie("session").value  # type: ignore[union-attr]
    data = {"user": "alice", "long": "x" * 300}
    assert value.rsplit(".", 2)[0] == interface.dump_payload(data)
    assert value.startswith(".")


def test_an_overridden_get_cookie_name_names_the_cookie_read(app: App) -> None:
    class Named(SecureCookieSessionInterface):
        def get_cookie_name(self, app: App) -> str:
            return "named"

    app.session_interface = Named()
    client = app.test_client()
    assert session_cookie(client.get("/count"), "named")
    assert client.get("/count").text == "2"


def test_is_null_session_follows_the_null_session_class(app: App) -> None:
    interface = SecureCookieSessionInterface()
    assert interface.is_null_session(NullSession())
    assert not interface.is_null_session(SecureCookieSession())

    class Everything(SecureCookieSessionInterface):
        null_session_class = SecureCookieSession

    assert Everything().is_null_session(SecureCookieSession())
    assert Everything().is_null_session(NullSession())


def test_an_overridden_should_set_cookie_decides(app: App) -> None:
    class Always(SecureCookieSessionInterface):
        def should_set_cookie(self, app: App, session: Any) -> bool:
            return True

    client = app.test_client()
    client.get("/count")
    app.session_interface = Always()
    assert session_cookie(client.get("/read"))
    assert set_cookies(client.get("/untouched")) == []  # an unopened session is never saved


def test_making_a_session_non_permanent_again(app: App) -> None:
    @app.route("/transient")
    def transient() -> str:
        session.permanent = False
        return "ok"

    client = app.test_client()
    client.get("/permanent")
    header = session_cookie(client.get("/transient"))
    assert "Expires" not in header and "Max-Age" not in header


def test_emptied_session_deletes_the_cookie(app: App) -> None:
    client = app.test_client()
    client.get("/count")
    header = session_cookie(client.get("/clear"))
    assert "Max-Age=0" in header
    assert "Expires=Thu, 01 Jan 1970 00:00:00 GMT" in header
    assert client.get_cookie("session") is None
    assert client.get("/count").text == "1"


def test_popping_a_missing_key_sends_no_cookie(app: App) -> None:
    @app.route("/noop")
    def noop() -> str:
        session.pop("missing", None)
        return "ok"

    assert set_cookies(app.test_client().get("/noop")) == []


def test_expired_cookie_gives_an_empty_session(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    """SECURITY.md #16."""
    app.config["PERMANENT_SESSION_LIFETIME"] = 60
    client = app.test_client()
    now = signing_module.time.time()
    monkeypatch.setattr(signing_module.time, "time", lambda: now - 120)
    client.get("/set/user/alice")
    monkeypatch.setattr(signing_module.time, "time", lambda: now)
    assert client.get("/read").text == "{}"


# -- tampering (SECURITY.md #15) -------------------------------------------------------------


def forge_variants(value: str, other: str) -> list[str]:
    payload, stamp, signature = value.split(".")
    other_payload = other.split(".")[0]
    return [
        value.swapcase(),
        value.upper(),
        value + "x",
        value + ".",
        value[1:],
        value[:-1],
        f"{payload}.{stamp}.{signature[:20]}",
        f"{payload}.{stamp}",
        f"{other_payload}.{stamp}.{signature}",
        f"{payload}x.{stamp}.{signature}",
        f"{payload}.{stamp}A.{signature}",
        "",
        ".",
        "..",
        "garbage",
        "é" * 10,
        "\x00\x01",
        "a" * 5000,
    ]


def test_tampered_cookies_give_an_empty_session_and_200(app: App) -> None:
    client = app.test_client()
    value = cookie_value(session_cookie(client.get("/set/user/alice")))
    other = cookie_value(session_cookie(app.test_client().get("/set/user/admin")))
    for forged in forge_variants(value, other):
        for header in (f'session="{forged}"', f"session={forged}"):
            response = app.test_client().get("/read", environ_overrides={"HTTP_COOKIE": header})
            assert (response.status_code, response.text) == (200, "{}"), forged


def test_cookie_signed_by_another_app_is_refused(app: App) -> None:
    other = App("other")
    other.config["SECRET_KEY"] = "another-secret-key-that-is-long-enough"
    other.add_url_rule("/set", "set", lambda: session.__setitem__("user", "admin") or "ok")
    value = cookie_value(session_cookie(other.test_client().get("/set")))
    response = app.test_client().get("/read", headers={"Cookie": f"session={value}"})
    assert (response.status_code, response.text) == (200, "{}")


def test_forged_session_is_new(app: App) -> None:
    @app.route("/new")
    def new() -> str:
        return str(session.new)

    client = app.test_client()
    assert client.get("/new").text == "True"
    client.get("/count")
    assert client.get("/new").text == "False"
    assert client.get("/new", headers={"Cookie": "session=forged.x.y"}).text == "True"


# -- key rotation (SECURITY.md #19) ----------------------------------------------------------


def test_fallback_key_verifies_and_response_re_signs_with_the_new_key(app: App) -> None:
    client = app.test_client()
    client.get("/set/user/alice")
    old_value = client.get_cookie("session").value
    new_key = "the-new-secret-key-for-this-app-0123456789"
    app.config.update(SECRET_KEY=new_key, SECRET_KEY_FALLBACKS=[KEY])
    response = client.get("/read")
    assert response.text == "{'user': 'alice'}"
    new_value = cookie_value(session_cookie(response))
    assert new_value != old_value
    signer = Signer(new_key, (), "cookie-session")
    assert signer.unsign_timed(new_value, None) is not None
    assert Signer(KEY, (), "cookie-session").unsign_timed(new_value, None) is None
    app.config["SECRET_KEY_FALLBACKS"] = None
    assert client.get("/read").text == "{'user': 'alice'}"
    stale = app.test_client()
    assert stale.get("/read", headers={"Cookie": f"session={old_value}"}).text == "{}"


def test_a_remembered_cookie_is_refused_once_its_key_is_gone(app: App) -> None:
    client = app.test_client()
    client.get("/set/user/alice")
    old_value = client.get_cookie("session").value  # type: ignore[union-attr]
    assert client.get("/read").text == "{'user': 'alice'}"  # verified, and remembered
    app.config["SECRET_KEY"] = "a-completely-different-key-0123456789abc"
    stale = app.test_client()
    assert stale.get("/read", headers={"Cookie": f"session={old_value}"}).text == "{}"
    app.config["SECRET_KEY_FALLBACKS"] = [KEY]
    assert stale.get("/read", headers={"Cookie": f"session={old_value}"}).text == (
        "{'user': 'alice'}"
    )


def test_changing_the_key_invalidates_old_cookies(app: App) -> None:
    client = app.test_client()
    client.get("/set/user/alice")
    app.config["SECRET_KEY"] = "a-completely-different-key-0123456789abc"
    assert client.get("/read").text == "{}"


# -- the secret key --------------------------------------------------------------------------


def test_no_secret_key_reads_an_empty_session_and_writes_name_the_setting() -> None:
    app = App(__name__)
    app.config["TESTING"] = True

    @app.route("/read")
    def read() -> str:
        return f"{session.get('x')}"

    @app.route("/write")
    def write() -> str:
        session["x"] = 1
        return "unreachable"

    @app.route("/untouched")
    def untouched() -> str:
        return "fine"

    client = app.test_client()
    # NOTE: as in Flask: reading works (always empty), writing raises an error naming the key.
    response = client.get("/read", headers={"Cookie": "session=forged"})
    assert (response.status_code, response.text, set_cookies(response)) == (200, "None", [])
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        client.get("/write")
    response = client.get("/untouched")
    assert (response.status_code, set_cookies(response)) == (200, [])
    app.config["TESTING"] = False
    assert client.get("/write").status_code == 500


@pytest.mark.parametrize(
    "operation",
    [
        lambda s: s.__setitem__("x", 1),
        lambda s: s.__delitem__("x"),
        lambda s: s.pop("x", None),
        lambda s: s.popitem(),
        lambda s: s.clear(),
        lambda s: s.update(x=1),
        lambda s: s.setdefault("x", 1),
        lambda s: s.regenerate(),
        lambda s: setattr(s, "permanent", True),
        lambda s: setattr(s, "permanent", False),
    ],
)
def test_null_session_refuses_every_write(operation: Callable[[Any], Any]) -> None:
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        operation(NullSession())


def test_null_session_reads_as_empty() -> None:
    null = NullSession()
    with pytest.raises(KeyError):
        null["x"]
    assert (null.get("x", 1), "x" in null, len(null), list(null), null.permanent) == (
        1, False, 0, [], False
    )  # fmt: skip
    assert (list(null.items()), null.copy(), null.modified) == ([], {}, False)


def test_short_secret_key_logs_a_warning(app: App, caplog: pytest.LogCaptureFixture) -> None:
    app.config["SECRET_KEY"] = "short"
    with caplog.at_level(logging.WARNING):
        app.test_client().get("/count")
        app.test_client().get("/count")
    warnings = [r for r in caplog.records if "SECRET_KEY is 5 bytes" in r.getMessage()]
    assert len(warnings) == 1


def test_bytes_secret_key(app: App) -> None:
    app.config["SECRET_KEY"] = b"\x00" * 32 + b"\xff"
    client = app.test_client()
    assert [client.get("/count").text for _ in range(2)] == ["1", "2"]


# -- data ------------------------------------------------------------------------------------


def test_tagged_values_round_trip(app: App) -> None:
    values = {
        "when": datetime(2024, 5, 17, 8, 30, tzinfo=UTC),
        "raw": b"\x00\x01\xff",
        "pair": (1, "two"),
        "id": UUID("12345678-1234-5678-1234-567812345678"),
        "html": Markup("<em>hi</em>"),
        "tricky": {" t": "not a tuple"},
        "nested": {"list": [1, (2, 3)], "none": None},
    }

    @app.route("/store")
    def store() -> str:
        session.update(values)
        return "ok"

    @app.route("/check")
    def check() -> str:
        loaded = {key: session[key] for key in values}
        assert loaded == values
        assert type(session["pair"]) is tuple and type(session["html"]) is Markup
        return "same"

    client = app.test_client()
    client.get("/store")
    assert client.get("/check").text == "same"


def test_unserializable_value_is_a_clear_error_at_save_time(app: App) -> None:
    @app.route("/bad")
    def bad() -> str:
        session["ok"] = 1
        session["socket"] = object()
        return "view ran"

    with pytest.raises(TypeError, match=r"session\['socket'\] holds a object"):
        app.test_client().get("/bad")


def test_large_session_is_compressed_and_round_trips(app: App) -> None:
    @app.route("/big")
    def big() -> str:
        session["text"] = "repetitive " * 200
        return "ok"

    @app.route("/big/check")
    def big_check() -> str:
        return str(session["text"] == "repetitive " * 200)

    client = app.test_client()
    value = cookie_value(session_cookie(client.get("/big")))
    assert value.startswith(".") and len(value) < 400
    assert client.get("/big/check").text == "True"


def test_oversized_cookie_logs_a_warning(app: App, caplog: pytest.LogCaptureFixture) -> None:
    import os

    @app.route("/huge")
    def huge() -> str:
        session["blob"] = os.urandom(4000).hex()
        return "ok"

    with caplog.at_level(logging.WARNING), pytest.warns(UserWarning, match="'session' cookie"):
        app.test_client().get("/huge")
    assert any("over the 4093-byte limit" in r.getMessage() for r in caplog.records)


def test_session_behaves_like_a_dict(app: App) -> None:
    with app.test_request_context("/"):
        assert session.new is True
        assert session.modified is False
        session["a"] = 1
        assert session.modified is True
        assert session.setdefault("b", 2) == 2
        assert session.pop("a") == 1
        assert session.pop("a", "gone") == "gone"
        with pytest.raises(KeyError):
            session["a"]
        session.update({"c": 3}, d=4)
        del session["c"]
        assert dict(session.items()) == {"b": 2, "d": 4}
        assert session.popitem() == ("d", 4)
        real = session._get_current_object()  # type: ignore[attr-defined]
        real |= {"e": 5}
        assert sorted(session) == ["b", "e"]
        assert session.copy() == {"b": 2, "e": 5}
        assert "SecureCookieSession" in repr(session)
        session.clear()
        assert len(session) == 0


def test_explicit_modified_saves_a_mutated_nested_value(app: App) -> None:
    @app.route("/append")
    def append() -> str:
        cart = session.setdefault("cart", [])
        cart.append(len(cart))
        session.modified = True
        return str(session["cart"])

    client = app.test_client()
    client.get("/append")
    assert client.get("/append").text == "[0, 1]"


def test_regenerate_on_a_cookie_session_sends_a_fresh_cookie(app: App) -> None:
    @app.route("/login")
    def login() -> str:
        session.regenerate()
        return "ok"

    client = app.test_client()
    client.get("/set/user/alice")
    response = client.get("/login")
    assert session_cookie(response)
    assert client.get("/read").text == "{'user': 'alice'}"


# -- configuration ---------------------------------------------------------------------------


def test_cookie_settings_from_config(app: App) -> None:
    app.config.update(
        SESSION_COOKIE_NAME="sid",
        SESSION_COOKIE_DOMAIN="example.com",
        SESSION_COOKIE_PATH="/app",
        SESSION_COOKIE_HTTPONLY=False,
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_PARTITIONED=True,
    )
    client = app.test_client()
    header = session_cookie(client.get("/count", base_url="https://www.example.com"), "sid")
    attributes = {part.strip() for part in header.split(";")[1:]}
    assert attributes == {
        "Domain=example.com",
        "Path=/app",
        "Secure",
        "SameSite=Strict",
        "Partitioned",
    }


def test_samesite_none_and_application_root(app: App) -> None:
    app.config.update(SESSION_COOKIE_SAMESITE=None, APPLICATION_ROOT="/root")
    header = session_cookie(app.test_client().get("/count"))
    assert "SameSite" not in header and "Path=/root" in header


def test_https_request_makes_the_cookie_secure(app: App) -> None:
    client = app.test_client()
    assert "Secure" in session_cookie(client.get("/count", base_url="https://localhost"))
    assert "Secure" not in session_cookie(app.test_client().get("/count"))


def test_https_from_a_trusted_proxy_makes_the_cookie_secure(app: App) -> None:
    response = app.test_client().get("/count", environ_overrides={"wsgi.url_scheme": "https"})
    assert "Secure" in session_cookie(response)


def test_host_prefixed_session_cookie(app: App) -> None:
    app.config.update(SESSION_COOKIE_NAME="__Host-session", APPLICATION_ROOT="/root")
    client = app.test_client()
    header = session_cookie(client.get("/count", base_url="https://localhost"), "__Host-session")
    assert "Secure" in header and "Path=/;" in header + ";" and "Domain" not in header
    assert client.get("/count", base_url="https://localhost").text == "2"
    app.config["SESSION_COOKIE_DOMAIN"] = "example.com"
    with pytest.raises(ValueError, match="__Host-session"):
        app.test_client().get("/count")


def test_secure_prefixed_session_cookie_is_always_secure(app: App) -> None:
    app.config["SESSION_COOKIE_NAME"] = "__Secure-s"
    assert "Secure" in session_cookie(app.test_client().get("/count"), "__Secure-s")


def test_unknown_session_type_is_a_clear_error() -> None:
    app = App(__name__)
    app.config["SESSION_TYPE"] = "memcached"
    with pytest.raises(ValueError, match="Unknown SESSION_TYPE 'memcached'"):
        session_interface_for(app)


def test_default_interface_is_the_signed_cookie(app: App) -> None:
    assert type(app.session_interface) is SecureCookieSessionInterface


def test_custom_interface(app: App) -> None:
    saved: list[dict[str, Any]] = []

    class MemoryInterface(SessionInterface):
        def open_session(self, app: App, request: Any) -> SecureCookieSession:
            return SecureCookieSession({"from": "memory"})

        def save_session(self, app: App, session: Any, response: Response) -> None:
            saved.append(dict(session))

    app.session_interface = MemoryInterface()
    assert app.test_client().get("/count").text == "1"
    assert saved == [{"from": "memory", "n": 1}]


def test_signing_serializer_is_itsdangerous_compatible(app: App) -> None:
    client = app.test_client()
    client.get("/set/user/alice")
    value = client.get_cookie("session").value
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    assert serializer.loads(value) == {"user": "alice"}
    forged = serializer.dumps({"user": "bob", "when": (1, 2)})
    response = app.test_client().get("/read", headers={"Cookie": f"session={forged}"})
    assert response.text == "{'user': 'bob', 'when': (1, 2)}"
    app.config["SECRET_KEY"] = None
    assert app.session_interface.get_signing_serializer(app) is None  # type: ignore[attr-defined]


def test_sha512_digest(app: App) -> None:
    class Strong(SecureCookieSessionInterface):
        digest_method = "sha512"

    app.session_interface = Strong()
    client = app.test_client()
    value = cookie_value(session_cookie(client.get("/count")))
    assert len(value.rsplit(".", 1)[1]) == 86
    assert client.get("/count").text == "2"
    serializer = app.session_interface.get_signing_serializer(app)
    assert serializer.loads(value) == {"n": 1}
    assert serializer.signer_kwargs["digest_method"]().name == hashlib.sha512().name


def test_session_transaction(app: App) -> None:
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["n"] = 41
    assert client.get("/count").text == "42"
    with client.session_transaction() as sess:
        assert sess["n"] == 42


# -- a real HTTP round trip ------------------------------------------------------------------


@pytest.fixture
def served(app: App) -> Iterator[int]:
    @app.route("/cookie/set")
    def cookie_set() -> Response:
        response = Response("set")
        response.set_cookie("theme", "dark; blue", max_age=60, samesite="Strict")
        return response

    @app.route("/cookie/read")
    def cookie_read() -> str:
        return request.cookies.get("theme", "none")

    @app.route("/cookie/delete")
    def cookie_delete() -> Response:
        response = Response("deleted")
        response.delete_cookie("theme")
        return response

    server = make_server("127.0.0.1", 0, app, handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def http_get(port: int, path: str, cookie: str | None = None) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    response = connection.getresponse()
    response.body = response.read()  # type: ignore[attr-defined]
    connection.close()
    return response


@pytest.mark.server
def test_real_http_round_trip(served: int) -> None:
    first = http_get(served, "/count")
    assert first.body == b"1"  # type: ignore[attr-defined]
    assert first.getheader("Vary") == "Cookie"
    cookie = first.getheader("Set-Cookie").split(";")[0]
    assert "HttpOnly" in first.getheader("Set-Cookie")
    assert http_get(served, "/count", cookie).body == b"2"  # type: ignore[attr-defined]
    assert http_get(served, "/count", cookie + "x").body == b"1"  # type: ignore[attr-defined]

    set_response = http_get(served, "/cookie/set")
    header = set_response.getheader("Set-Cookie")
    theme = header.split(";", 1)[0]
    assert theme.startswith('theme="dark\\073') and "Max-Age=60" in header
    assert http_get(served, "/cookie/read", theme).body == b"dark; blue"  # type: ignore[attr-defined]
    deleted = http_get(served, "/cookie/delete").getheader("Set-Cookie")
    assert deleted.startswith("theme=;") and "Max-Age=0" in deleted


# -- remembered cookies and payloads -----------------------------------------------------------


def test_a_request_that_mutates_its_session_leaves_the_next_one_untouched(app: App) -> None:
    @app.route("/scribble")
    def scribble() -> str:
        before = repr(dict(session.items()))
        session["user"] = "mallory"
        session["extra"] = 1
        items = session.get("items")
        if isinstance(items, list):
            items.append("scribbled")  # in place: not saved, and must not leak either
        return before

    client = app.test_client()
    client.get("/set/user/alice")
    value = client.get_cookie("session").value  # type: ignore[union-attr]
    for _ in range(3):
        answer = app.test_client().get("/scribble", headers={"Cookie": f"session={value}"})
        assert answer.text == "{'user': 'alice'}"

    @app.route("/items")
    def items() -> str:
        session["items"] = ["a"]
        return "ok"

    client.get("/items")
    value = client.get_cookie("session").value  # type: ignore[union-attr]
    for _ in range(3):
        answer = app.test_client().get("/scribble", headers={"Cookie": f"session={value}"})
        assert answer.text == "{'user': 'alice', 'items': ['a']}"


def test_a_tag_registered_later_reads_remembered_payloads_anew(app: App) -> None:
    from hipflask.json.tag import JSONTag, TaggedJSONSerializer

    class Wrapped(JSONTag):
        key = " w"

        def check(self, value: Any) -> bool:
            return False

        def to_python(self, value: Any) -> Any:
            return {"unwrapped": value}

    interface = SecureCookieSessionInterface()
    interface.serializer = TaggedJSONSerializer()
    app.session_interface = interface
    client = app.test_client()
    client.get("/set/ w/x")
    assert client.get("/read").text == "{' w': 'x'}"
    assert client.get("/read").text == "{' w': 'x'}"  # remembered
    interface.serializer.register(Wrapped)
    assert client.get("/read").text == "{'unwrapped': 'x'}"


def test_the_written_cookie_goes_through_a_first_registered_tag(app: App) -> None:
    from hipflask.json.tag import JSONTag, TaggedJSONSerializer

    class Upper(JSONTag):
        key = " up"

        def check(self, value: Any) -> bool:
            return isinstance(value, str)

        def to_json(self, value: Any) -> Any:
            return value.upper()

        def to_python(self, value: Any) -> Any:
            return value.lower()

    interface = SecureCookieSessionInterface()
    interface.serializer = TaggedJSONSerializer()
    interface.serializer.register(Upper, index=0)
    app.session_interface = interface
    client = app.test_client()
    client.get("/set/user/alice")
    payload = client.get_cookie("session").value.split(".")[0]  # type: ignore[union-attr]
    assert interface.load_payload(payload) == {"user": "alice"}
    assert b"ALICE" in b64decode(payload)


def test_the_written_cookie_goes_through_a_serializer_subclass(app: App) -> None:
    from hipflask.json.tag import TaggedJSONSerializer

    dumped: list[Any] = []

    class Recording(TaggedJSONSerializer):
        def dumps(self, value: Any) -> str:
            dumped.append(dict(value))
            return super().dumps(value)

    interface = SecureCookieSessionInterface()
    interface.serializer = Recording()
    app.session_interface = interface
    client = app.test_client()
    assert [client.get("/count").text for _ in range(2)] == ["1", "2"]
    assert dumped == [{"n": 1}, {"n": 2}]


def test_remembered_payloads_are_bounded(app: App) -> None:
    from hipflask.sessions import cookie as cookie_module

    interface = app.session_interface
    assert isinstance(interface, SecureCookieSessionInterface)
    for index in range(cookie_module._REMEMBERED + 50):
        payload = interface.dump_payload({"n": index})
        assert interface._load_verified(payload) == {"n": index}
        assert interface._loaded is not None
        assert len(interface._loaded[1]) <= cookie_module._REMEMBERED
    nested = interface.dump_payload({"n": [1]})
    assert interface._load_verified(nested) == {"n": [1]}
    assert nested not in interface._loaded[1]


def test_an_overridden_load_payload_runs_for_every_request(app: App) -> None:
    calls: list[str] = []

    class Counting(SecureCookieSessionInterface):
        def load_payload(self, payload: str) -> dict[str, Any] | None:
            calls.append(payload)
            return super().load_payload(payload)

    app.session_interface = Counting()
    client = app.test_client()
    client.get("/set/user/alice")
    for _ in range(3):
        assert client.get("/read").text == "{'user': 'alice'}"
    assert len(calls) == 3


# -- the cookie header's kept attributes and the Vary fast path ----------------------------------


def test_the_kept_cookie_attributes_follow_config_changes(app: App) -> None:
    client = app.test_client()
    assert "SameSite=Lax" in session_cookie(client.get("/count"))
    assert "SameSite=Lax" in session_cookie(client.get("/count"))  # the kept attributes
    app.config["SESSION_COOKIE_SAMESITE"] = "Strict"
    assert "SameSite=Strict" in session_cookie(client.get("/count"))
    app.config["SESSION_COOKIE_PATH"] = "/p"
    assert "Path=/p" in session_cookie(client.get("/count"))
    assert "Secure" in session_cookie(client.get("/count", base_url="https://localhost"))
    assert "Secure" not in session_cookie(client.get("/count"))
    app.config["SESSION_COOKIE_NAME"] = "other"
    assert session_cookie(client.get("/count"), "other")
    app.config["MAX_COOKIE_SIZE"] = 20
    with pytest.warns(UserWarning, match="over the 20-byte limit"):
        client.get("/count")
    app.config["MAX_COOKIE_SIZE"] = 4093
    header = session_cookie(client.get("/permanent"), "other")
    assert "Max-Age=" in header and "Expires=" in header


@pytest.mark.parametrize(
    "change",
    [
        lambda config: config.__setitem__("SESSION_COOKIE_SAMESITE", "Strict"),
        lambda config: config.update(SESSION_COOKIE_SAMESITE="Strict"),
        lambda config: config.__ior__({"SESSION_COOKIE_SAMESITE": "Strict"}),
        lambda config: config.from_mapping(SESSION_COOKIE_SAMESITE="Strict"),
    ],
)
def test_the_kept_cookie_attributes_follow_every_kind_of_config_change(
    app: App, change: Callable[[Any], Any]
) -> None:
    client = app.test_client()
    assert "SameSite=Lax" in session_cookie(client.get("/count"))
    assert "SameSite=Lax" in session_cookie(client.get("/count"))  # the kept attributes
    change(app.config)
    assert "SameSite=Strict" in session_cookie(client.get("/count"))


def test_an_app_whose_config_is_a_plain_dict_reads_its_settings_each_time(app: App) -> None:
    client = app.test_client()
    assert "SameSite=Lax" in session_cookie(client.get("/count"))
    app.config = dict(app.config)  # type: ignore[assignment]
    assert "SameSite=Lax" in session_cookie(client.get("/count"))
    app.config["SESSION_COOKIE_SAMESITE"] = "Strict"
    assert "SameSite=Strict" in session_cookie(client.get("/count"))
    assert client.get("/count").text == "4"
    app.config["SECRET_KEY"] = "another-key-that-is-long-enough-0123456789"
    assert client.get("/count").text == "1"


def test_a_fallback_list_changed_in_place_is_read_again(app: App) -> None:
    client = app.test_client()
    client.get("/set/user/alice")
    old_value = client.get_cookie("session").value  # type: ignore[union-attr]
    fallbacks: list[str] = []
    app.config.update(SECRET_KEY="the-new-secret-key-for-this-app-0123456789")
    app.config["SECRET_KEY_FALLBACKS"] = fallbacks
    stale = app.test_client()
    cookie = {"Cookie": f"session={old_value}"}
    assert stale.get("/read", headers=cookie).text == "{}"
    assert stale.get("/read", headers=cookie).text == "{}"  # the signer kept
    fallbacks.append(KEY)  # NOTE: the config itself (and its stamp) unchanged
    assert stale.get("/read", headers=cookie).text == "{'user': 'alice'}"


def test_a_fallback_tuple_set_by_update_is_read(app: App) -> None:
    client = app.test_client()
    client.get("/set/user/alice")
    old_value = client.get_cookie("session").value  # type: ignore[union-attr]
    app.config["SECRET_KEY"] = "the-new-secret-key-for-this-app-0123456789"
    stale = app.test_client()
    cookie = {"Cookie": f"session={old_value}"}
    assert stale.get("/read", headers=cookie).text == "{}"
    app.config |= {"SECRET_KEY_FALLBACKS": (KEY,)}
    assert stale.get("/read", headers=cookie).text == "{'user': 'alice'}"
    del app.config["SECRET_KEY_FALLBACKS"]
    app.config.setdefault("SECRET_KEY_FALLBACKS", None)
    assert stale.get("/read", headers=cookie).text == "{}"


def test_a_response_class_with_its_own_cookie_rules_is_asked(app: App) -> None:
    class Small(Response):
        max_cookie_size = 10  # type: ignore[assignment]

        def vary_on(self, header: str) -> None:
            self.headers.add("X-Varied", header)

    app.response_class = Small
    with pytest.warns(UserWarning, match="over the 10-byte limit"):
        response = app.test_client().get("/count")
    assert response.headers["X-Varied"] == "Cookie"
    assert "Vary" not in response.headers


@pytest.mark.parametrize(
    ("existing", "expected"),
    [
        ([], ["Cookie"]),
        ([("vary", "accept")], ["accept, Cookie"]),
        ([("VARY", "cookie")], ["cookie"]),
        ([("Vary", "*")], ["*"]),
    ],
)
def test_vary_cookie_joins_what_the_view_sent(
    app: App, existing: list[tuple[str, str]], expected: list[str]
) -> None:
    @app.route("/own")
    def own() -> Response:
        session["x"] = 1
        return Response("ok", headers=existing)

    assert app.test_client().get("/own").headers.getlist("Vary") == expected


def test_an_opened_session_starts_clean_in_its_class(app: App) -> None:
    kept: list[Any] = []

    class Recording(SecureCookieSession):
        def __init__(self, initial: Any = None, *, new: bool = False) -> None:
            super().__init__(initial, new=new)
            kept.append(initial)

    client = app.test_client()
    client.get("/set/user/alice")
    value = client.get_cookie("session").value  # type: ignore[union-attr]
    for session_class in (SecureCookieSession, Recording):
        interface = SecureCookieSessionInterface()
        interface.session_class = session_class
        app.session_interface = interface
        for _ in range(2):  # the second time, the payload is remembered
            environ = {"HTTP_COOKIE": f"session={value}"}
            with app.test_request_context("/", environ_base=environ) as ctx:
                opened = ctx.session
                assert type(opened) is session_class
                assert (opened.new, opened.modified, opened.accessed) == (False, False, False)
                assert dict(opened) == {"user": "alice"}
    # NOTE: a class of its own gets a copy of the remembered data, never the data itself.
    assert kept == [{"user": "alice"}] * 2 and kept[0] is not kept[1]


def test_the_lifetime_is_read_on_every_request(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    other = App(__name__)
    other.config.update(SECRET_KEY=KEY, PERMANENT_SESSION_LIFETIME=3600)
    other.add_url_rule("/read", "read", lambda: repr(dict(session.items())))
    app.config["PERMANENT_SESSION_LIFETIME"] = 3600
    client = app.test_client()
    now = signing_module.time.time()
    monkeypatch.setattr(signing_module.time, "time", lambda: now - 120)
    client.get("/set/user/alice")
    cookie = {"Cookie": f"session={client.get_cookie('session').value}"}  # type: ignore[union-attr]
    monkeypatch.setattr(signing_module.time, "time", lambda: now)
    for lifetime, expected in (
        (3600, "{'user': 'alice'}"),
        (60, "{}"),
        (timedelta(hours=1), "{'user': 'alice'}"),
    ):
        app.config["PERMANENT_SESSION_LIFETIME"] = lifetime
        assert app.test_client().get("/read", headers=cookie).text == expected
        assert other.test_client().get("/read", headers=cookie).text == "{'user': 'alice'}"
