"""Cookies: the grammar (``parse_cookie``, ``dump_cookie``), then end to end through the test
client: set, read, delete, prefixes, refusals (#17, #18)."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hipflask import App, Response, request, session
from hipflask import cookies as cookie_grammar
from hipflask.cookies import _first_cookie, dump_cookie, parse_cookie
from hipflask.dates import parse_date

PLUS_TWO = timezone(timedelta(hours=2))


# --- parse_cookie -------------------------------------------------------------------------------


def test_parse_cookie_basic() -> None:
    assert parse_cookie("a=1; b=two; c=") == {"a": "1", "b": "two", "c": ""}
    assert parse_cookie(None) == {}
    assert parse_cookie("") == {}
    assert parse_cookie("  a = 1 ;b=2") == {"a": "1", "b": "2"}
    assert parse_cookie("token=abc=def==") == {"token": "abc=def=="}


def test_parse_cookie_nameless_piece_cannot_shadow_a_host_cookie() -> None:
    """SECURITY.md #17."""
    assert parse_cookie("=__Host-s=evil; __Host-s=good") == {"__Host-s": "good"}
    assert parse_cookie("=evil; =x=y") == {}


def test_parse_cookie_first_duplicate_wins() -> None:
    """SECURITY.md #17."""
    assert parse_cookie("s=a; s=b") == {"s": "a"}
    assert parse_cookie('s="a"; s=b') == {"s": "a"}


def test_parse_cookie_skips_junk() -> None:
    assert parse_cookie(";;; a=1;; ; noequals; b=2 ;") == {"a": "1", "b": "2"}


def test_parse_cookie_unquotes() -> None:
    assert parse_cookie('a="hello world"') == {"a": "hello world"}
    assert parse_cookie(r'a="say \"hi\" \\ bye"') == {"a": 'say "hi" \\ bye'}
    assert parse_cookie(r'a="x\054y\073z"') == {"a": "x,y;z"}
    assert parse_cookie(r'a="caf\303\251"') == {"a": "café"}
    assert parse_cookie('a=""') == {"a": ""}
    assert parse_cookie('a="') == {"a": '"'}
    assert parse_cookie('a="unterminated; b=2') == {"a": '"unterminated', "b": "2"}


def test_parse_cookie_non_ascii() -> None:
    assert parse_cookie("a=café") == {"a": "café"}
    assert parse_cookie("a=日本") == {"a": "日本"}
    wsgi = "a=café".encode().decode("latin-1")
    assert parse_cookie(wsgi) == {"a": "café"}
    assert parse_cookie("a=\xff\xfe") == {"a": "\xff\xfe"}


def test_parse_cookie_is_bounded() -> None:
    header = "; ".join(f"c{i}={i}" for i in range(1000))
    cookies = parse_cookie(header)
    assert len(cookies) == cookie_grammar.MAX_COOKIES
    assert cookies["c0"] == "0"


def test_parse_cookie_survives_8kb_of_garbage() -> None:
    """SECURITY.md #17."""
    for garbage in ("=" * 8192, ";" * 8192, '"' * 8192, "\\" * 8192, 'a="\\' * 2048):
        assert isinstance(parse_cookie(garbage), dict)


def test_parse_cookie_handles_each_escape_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hostile escapes are decoded in one pass; an unclosed quote is kept as it is."""
    decoded: list[str] = []
    decode = cookie_grammar._unescape_cookie_char

    def counting(match: re.Match[str]) -> str:
        decoded.append(match.group(1))
        return decode(match)

    monkeypatch.setattr(cookie_grammar, "_unescape_cookie_char", counting)
    unclosed = 'a="' + "\\0" * 50_000
    assert parse_cookie(unclosed) == {"a": unclosed[2:]}
    assert decoded == []
    assert parse_cookie('a="' + "\\0" * 50_000 + '"') == {"a": "0" * 50_000}
    assert len(decoded) == 50_000
    assert parse_cookie('a="' + "\\060" * 1000 + "\\" + '"') == {"a": "0" * 1000 + "\\"}


@given(st.text(max_size=300))
def test_fuzz_parse_cookie(header: str) -> None:
    cookies = parse_cookie(header)
    assert isinstance(cookies, dict)
    assert all(isinstance(k, str) and k and isinstance(v, str) for k, v in cookies.items())


COOKIE_PIECES = st.lists(
    st.tuples(
        st.sampled_from(["s", " s", "s ", "t", "", "=s", "x y"]),
        st.sampled_from(["=", "", "= "]),
        st.one_of(st.text(alphabet='ab"\\0 =', max_size=8), st.just('"a\\054b"')),
    ),
    max_size=6,
)


@given(COOKIE_PIECES, st.sampled_from(["s", "t", "x y", "z"]), st.sampled_from([";", "; "]))
def test_first_cookie_reads_what_parse_cookie_reads(
    pieces: list[tuple[str, str, str]], name: str, separator: str
) -> None:
    """The session's one-cookie reader agrees with the full parser (the fast path's guard)."""
    header = separator.join(key + equals + value for key, equals, value in pieces)
    assert _first_cookie(header, name) == parse_cookie(header).get(name)


@given(st.text(max_size=200), st.sampled_from(["s", "a", "é"]))
def test_fuzz_first_cookie_matches_parse_cookie(header: str, name: str) -> None:
    assert _first_cookie(header, name) == parse_cookie(header).get(name)


@pytest.mark.parametrize(
    "header",
    [
        "s=1",
        " s = 1 ",
        's="a\\073b"',
        "=s=evil",
        "s",
        "s=",
        "t=1",
        "s=a=b",
        "s=1;",
        ";s=1",
        "s=1; s=2",
    ],
)
def test_a_header_of_one_cookie_reads_as_parse_cookie_reads_it(header: str) -> None:
    assert _first_cookie(header, "s") == parse_cookie(header).get("s")


def test_first_cookie_stops_where_parse_cookie_does() -> None:
    limit = cookie_grammar.MAX_COOKIES
    header = "; ".join(f"c{index}=v" for index in range(limit + 5))
    assert _first_cookie(header, f"c{limit - 1}") == "v"
    assert _first_cookie(header, f"c{limit}") is None
    assert parse_cookie(header).get(f"c{limit}") is None
    assert _first_cookie(None, "s") is None


# --- dump_cookie --------------------------------------------------------------------------------


def test_dump_cookie_defaults() -> None:
    assert dump_cookie("a", "1") == "a=1; Path=/"
    assert dump_cookie("a") == "a=; Path=/"
    assert dump_cookie("a", "1", path=None) == "a=1"


def test_dump_cookie_attribute_order() -> None:
    header = dump_cookie(
        "sid",
        "v",
        max_age=60,
        expires=datetime(2030, 1, 2, 3, 4, 5),
        path="/app",
        domain=".example.com",
        secure=True,
        httponly=True,
        samesite="lax",
        partitioned=True,
    )
    assert header == (
        "sid=v; Domain=example.com; Expires=Wed, 02 Jan 2030 03:04:05 GMT; Max-Age=60; "
        "Secure; HttpOnly; Path=/app; SameSite=Lax; Partitioned"
    )


def test_max_age_sets_expires() -> None:
    header = dump_cookie("a", "1", max_age=timedelta(hours=1))
    assert "Max-Age=3600" in header
    expires = header.split("Expires=")[1].split(";")[0]
    parsed = parse_date(expires)
    assert parsed is not None
    assert abs((parsed - datetime.now(UTC)).total_seconds() - 3600) < 5


def test_delete_style_cookie() -> None:
    header = dump_cookie("a", expires=0, max_age=0)
    assert header == "a=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/"


@pytest.mark.parametrize(
    ("expires", "rendered"),
    [
        (datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC), "Wed, 02 Jan 2030 03:04:05 GMT"),
        (datetime(2030, 1, 2, 5, 4, 5, tzinfo=PLUS_TWO), "Wed, 02 Jan 2030 03:04:05 GMT"),
        (1893553445, "Wed, 02 Jan 2030 03:04:05 GMT"),
        (1893553445.9, "Wed, 02 Jan 2030 03:04:05 GMT"),
        ("Wed, 02 Jan 2030 03:04:05 GMT", "Wed, 02 Jan 2030 03:04:05 GMT"),
        ("Wednesday, 02-Jan-30 03:04:05 GMT", "Wed, 02 Jan 2030 03:04:05 GMT"),
    ],
)  # fmt: skip
def test_expires_forms(expires: object, rendered: str) -> None:
    assert f"Expires={rendered};" in dump_cookie("a", expires=expires)  # type: ignore[arg-type]


def test_expires_string_must_be_a_date() -> None:
    with pytest.raises(ValueError, match="expires"):
        dump_cookie("a", expires="tomorrow; Domain=evil.example")


@pytest.mark.parametrize(
    "value",
    [
        "has space",
        "semi;colon",
        "com,ma",
        'quo"te',
        "back\\slash",
        "café",
        "tab\there",
        "\x7f",
        "日本",
    ],
)
def test_values_outside_cookie_octets_are_quoted_and_round_trip(value: str) -> None:
    """SECURITY.md #18: quoted, never a new attribute."""
    header = dump_cookie("a", value)
    rendered = header.split("; Path=/")[0]
    assert rendered.startswith('a="')
    assert rendered.isascii()
    assert ";" not in rendered and "," not in rendered and " " not in rendered
    assert parse_cookie(rendered) == {"a": value}


def test_cookie_octets_are_not_quoted() -> None:
    value = "abc-._~!#$%&'()*+/:<=>?@[]^`{|}"
    assert dump_cookie("a", value, path=None) == f"a={value}"


@given(st.text(max_size=100).filter(lambda v: not any(c in v for c in "\r\n\0")))
def test_fuzz_cookie_round_trip(value: str) -> None:
    header = dump_cookie("k", value, path=None, max_size=0)
    assert header.isascii()
    assert parse_cookie(header) == {"k": value}


@pytest.mark.parametrize(
    "key",
    ["", "a b", "a;b", "a,b", "a=b", "a\rb", "a\nb", "a\x00", 'a"b', "a\\b", "é", "a\tb", "(a)"],
)
def test_illegal_cookie_names_raise(key: str) -> None:
    """SECURITY.md #18."""
    with pytest.raises(ValueError, match="cookie name"):
        dump_cookie(key, "v")


@pytest.mark.parametrize("value", ["a\r\nSet-Cookie: x=y", "a\nb", "a\rb", "a\x00b"])
def test_line_breaks_in_values_raise(value: str) -> None:
    """SECURITY.md #18 and #24."""
    with pytest.raises(ValueError, match="CR, LF or NUL"):
        dump_cookie("a", value)


@pytest.mark.parametrize("field", ["path", "domain"])
@pytest.mark.parametrize("bad", ["/a;b", "/a\rb", "/a\nb", "/a\x00b"])
def test_attribute_injection_raises(field: str, bad: str) -> None:
    with pytest.raises(ValueError, match=field):
        dump_cookie("a", "v", **{field: bad})  # type: ignore[arg-type]


def test_path_is_percent_encoded_and_domain_normalised() -> None:
    assert "Path=/my%20dir/%C3%A9" in dump_cookie("a", path="/my dir/é")
    assert "Domain=example.com;" in dump_cookie("a", domain="example.com:8080")
    assert "Domain=xn--bcher-kva.example;" in dump_cookie("a", domain="bücher.example")
    with pytest.raises(ValueError):
        dump_cookie("a", domain="a b.example")


@pytest.mark.parametrize(
    ("given", "written"), [("strict", "Strict"), ("LAX", "Lax"), ("none", "None")]
)
def test_samesite_is_normalised(given: str, written: str) -> None:
    assert dump_cookie("a", samesite=given).endswith(f"SameSite={written}")


def test_samesite_none_without_secure_is_allowed() -> None:
    assert dump_cookie("a", samesite="None") == "a=; Path=/; SameSite=None"


@pytest.mark.parametrize("samesite", ["", "Lax; Secure", "always", "strict\r\n"])
def test_unknown_samesite_raises(samesite: str) -> None:
    """SECURITY.md #18."""
    with pytest.raises(ValueError, match="SameSite"):
        dump_cookie("a", samesite=samesite)


def test_partitioned_implies_secure() -> None:
    assert dump_cookie("a", partitioned=True) == "a=; Secure; Path=/; Partitioned"


def test_host_prefix_rules() -> None:
    assert dump_cookie("__Host-s", "v", secure=True) == "__Host-s=v; Secure; Path=/"
    with pytest.raises(ValueError, match="__Host-s"):
        dump_cookie("__Host-s", "v")
    with pytest.raises(ValueError, match="path='/'"):
        dump_cookie("__Host-s", "v", secure=True, path="/app")
    with pytest.raises(ValueError, match="no domain"):
        dump_cookie("__Host-s", "v", secure=True, domain="example.com")
    with pytest.raises(ValueError):
        dump_cookie("__Host-s", "v", secure=True, path=None)
    with pytest.raises(ValueError):
        dump_cookie("__host-s", "v")


def test_secure_prefix_rules() -> None:
    assert dump_cookie("__Secure-s", "v", secure=True, path="/x") == "__Secure-s=v; Secure; Path=/x"
    with pytest.raises(ValueError, match="secure=True"):
        dump_cookie("__Secure-s", "v")
    with pytest.raises(ValueError):
        dump_cookie("__SECURE-s", "v")


def test_oversized_cookie_is_logged_but_returned(caplog: pytest.LogCaptureFixture) -> None:
    with (
        caplog.at_level(logging.WARNING, logger="hipflask.http"),
        pytest.warns(UserWarning, match="'big' cookie"),
    ):
        header = dump_cookie("big", "x" * 5000)
    assert header.startswith("big=xxx")
    assert len(header) > 5000
    assert any("big" in record.getMessage() for record in caplog.records)
    caplog.clear()
    with (
        caplog.at_level(logging.WARNING, logger="hipflask.http"),
        pytest.warns(UserWarning, match="'small' cookie"),
    ):
        dump_cookie("small", "x" * 100, max_size=50)
        dump_cookie("off", "x" * 5000, max_size=0)
    assert len(caplog.records) == 1
    assert "'small'" in caplog.records[0].getMessage()


# --- end to end ---------------------------------------------------------------------------------

KEY = "a-secret-key-that-is-long-enough-123456"


@pytest.fixture
def app() -> App:
    app = App(__name__)
    app.config.update(SECRET_KEY=KEY, TESTING=True)

    @app.route("/read/<name>")
    def read(name: str) -> str:
        return request.cookies.get(name, "<missing>")

    @app.route("/all")
    def read_all() -> Any:
        return dict(request.cookies.items())

    @app.route("/session")
    def read_session() -> str:
        return str(session.get("user"))

    return app


def respond_with(app: App, **cookie: Any) -> Response:
    """Call a view that sets the cookie described by ``cookie`` and return the response."""

    def view() -> Response:
        response = Response("ok")
        response.set_cookie(**cookie)
        return response

    endpoint = f"set{len(app.view_functions)}"
    app.add_url_rule(f"/{endpoint}", endpoint, view)
    return app.test_client().get(f"/{endpoint}")


def set_cookie_header(response: Any) -> str:
    (header,) = response.headers.getlist("Set-Cookie")
    return str(header)


def test_set_read_delete_round_trip(app: App) -> None:
    @app.route("/set")
    def set_theme() -> Response:
        response = Response("set")
        response.set_cookie("theme", "dark")
        return response

    @app.route("/delete")
    def delete_theme() -> Response:
        response = Response("deleted")
        response.delete_cookie("theme")
        return response

    client = app.test_client()
    client.get("/set")
    assert client.get("/read/theme").text == "dark"
    header = set_cookie_header(client.get("/delete"))
    assert header.startswith("theme=;")
    assert "Max-Age=0" in header and "Expires=Thu, 01 Jan 1970 00:00:00 GMT" in header
    assert client.get("/read/theme").text == "<missing>"


def test_every_attribute(app: App) -> None:
    header = set_cookie_header(
        respond_with(
            app,
            key="k",
            value="v",
            max_age=timedelta(hours=1),
            path="/shop",
            domain="example.com",
            secure=True,
            httponly=True,
            samesite="strict",
            partitioned=True,
        )
    )
    parts = [part.strip() for part in header.split(";")]
    assert parts[0] == "k=v"
    assert {"Max-Age=3600", "Path=/shop", "Domain=example.com", "Secure", "HttpOnly"} <= set(parts)
    assert {"SameSite=Strict", "Partitioned"} <= set(parts)
    assert any(part.startswith("Expires=") for part in parts)


@pytest.mark.parametrize(
    "expires",
    [
        datetime(2031, 1, 2, 3, 4, 5, tzinfo=UTC),
        datetime(2031, 1, 2, 3, 4, 5),
        datetime(2031, 1, 2, 3, 4, 5, tzinfo=UTC).timestamp(),
        int(datetime(2031, 1, 2, 3, 4, 5, tzinfo=UTC).timestamp()),
        "Thu, 02 Jan 2031 03:04:05 GMT",
    ],
)
def test_expires_accepts_datetime_timestamp_or_http_date(app: App, expires: Any) -> None:
    header = set_cookie_header(respond_with(app, key="k", value="v", expires=expires))
    assert "Expires=Thu, 02 Jan 2031 03:04:05 GMT" in header


@pytest.mark.parametrize(
    "value", ["a b", "semi;colon", 'quote"d', "back\\slash", "comma,", "naïve ☃", "=eq="]
)
def test_values_that_need_it_are_quoted_and_read_back(app: App, value: str) -> None:
    @app.route("/set")
    def set_value() -> Response:
        response = Response("ok")
        response.set_cookie("v", value)
        return response

    client = app.test_client()
    header = set_cookie_header(client.get("/set"))
    assert header.startswith('v="') or value == "=eq="
    assert client.get("/read/v").text == value


@pytest.mark.parametrize(
    "cookie",
    [
        {"key": "bad name", "value": "x"},
        {"key": "semi;colon", "value": "x"},
        {"key": "cr\rlf", "value": "x"},
        {"key": "new\nline", "value": "x"},
        {"key": "", "value": "x"},
        {"key": "eq=", "value": "x"},
        {"key": "k", "value": "line\r\nSet-Cookie: admin=1"},
        {"key": "k", "value": "nul\x00"},
        {"key": "k", "value": "v", "path": "/a;b"},
        {"key": "k", "value": "v", "path": "/a\r\nX: y"},
        {"key": "k", "value": "v", "domain": "example.com; Secure"},
        {"key": "k", "value": "v", "samesite": "sometimes"},
        {"key": "__Host-k", "value": "v"},
        {"key": "__Host-k", "value": "v", "secure": True, "path": "/app"},
        {"key": "__Host-k", "value": "v", "secure": True, "domain": "example.com"},
        {"key": "__Secure-k", "value": "v"},
        {"key": "__host-k", "value": "v"},
    ],
)
def test_injection_and_prefix_violations_are_refused(app: App, cookie: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        respond_with(app, **cookie)


def test_valid_prefixed_cookies(app: App) -> None:
    assert "Secure" in set_cookie_header(respond_with(app, key="__Host-k", value="v", secure=True))
    assert "Secure" in set_cookie_header(
        respond_with(app, key="__Secure-k", value="v", secure=True, domain="example.com")
    )


def test_refused_cookie_is_a_500_in_production(app: App) -> None:
    app.config["TESTING"] = False
    assert respond_with(app, key="k", value="a\r\nb").status_code == 500


def test_oversized_cookie_logs_and_warns(app: App, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING), pytest.warns(UserWarning, match="'big' cookie") as w:
        response = respond_with(app, key="big", value="x" * 4100)
    assert response.status_code == 200
    assert any("4093" in record.getMessage() for record in caplog.records)
    assert "4093" in str(w[0].message)


def test_max_cookie_size_comes_from_the_config(app: App, caplog: pytest.LogCaptureFixture) -> None:
    app.config["MAX_COOKIE_SIZE"] = 100
    with caplog.at_level(logging.WARNING), pytest.warns(UserWarning, match="100-byte"):
        respond_with(app, key="mid", value="x" * 200)
    assert any("over the 100-byte limit" in record.getMessage() for record in caplog.records)
    caplog.clear()
    app.config["MAX_COOKIE_SIZE"] = 0
    with caplog.at_level(logging.WARNING):
        respond_with(app, key="huge", value="x" * 5000)
    assert not caplog.records


def test_path_none_leaves_the_path_attribute_out(app: App) -> None:
    header = set_cookie_header(respond_with(app, key="k", value="v", path=None))
    assert header == "k=v"
    header = set_cookie_header(respond_with(app, key="k", value="v"))
    assert header == "k=v; Path=/"


@pytest.mark.parametrize(
    ("header", "name", "expected"),
    [
        ("=__Host-s=evil; __Host-s=good", "__Host-s", "good"),
        ("s=a; s=b", "s", "a"),
        ('q="quoted value"', "q", "quoted value"),
        (";;; a=1 ;; ; b=2;", "b", "2"),
        ("a=1; garbage; ===; b", "a", "1"),
        ("name=caf\xc3\xa9", "name", "café"),
        ("name=\xff\xfe", "name", "\xff\xfe"),
        ("x=" + "%" * 3000, "x", "%" * 3000),
    ],
)
def test_real_world_cookie_headers_parse_without_raising(
    app: App, header: str, name: str, expected: str
) -> None:
    response = app.test_client().get(f"/read/{name}", environ_overrides={"HTTP_COOKIE": header})
    assert (response.status_code, response.text) == (200, expected)


def test_getlist_returns_every_duplicate_in_order() -> None:
    app = App(__name__)

    @app.route("/")
    def both() -> dict[str, object]:
        return {
            "first": request.cookies["s"],
            "all": request.cookies.getlist("s"),
            "host": request.cookies.getlist("__Host-s"),
        }

    header = "s=a; t=1; s=b; =__Host-s=evil; __Host-s=good; s=c"
    response = app.test_client().get("/", environ_overrides={"HTTP_COOKIE": header})
    assert response.json == {"first": "a", "all": ["a", "b", "c"], "host": ["good"]}


@pytest.mark.parametrize(
    "header",
    [
        "\x00\x01\x02" * 3000,
        "; ".join(f"c{i}={'v' * 20}" for i in range(400)),
        '"' * 8192,
        "=" * 8192,
        "a=" + '"' * 8190,
        "\\" * 8192,
    ],
)
def test_eight_kilobytes_of_garbage_is_never_a_500(app: App, header: str) -> None:
    client = app.test_client()
    assert client.get("/all", environ_overrides={"HTTP_COOKIE": header}).status_code == 200
    response = client.get("/session", environ_overrides={"HTTP_COOKIE": header})
    assert (response.status_code, response.text) == (200, "None")


def test_session_cookie_first_of_duplicates_wins(app: App) -> None:
    @app.route("/login/<user>")
    def login(user: str) -> str:
        session["user"] = user
        return "ok"

    alice = app.test_client()
    alice.get("/login/alice")
    good = alice.get_cookie("session").value
    mallory = app.test_client()
    mallory.get("/login/mallory")
    evil = mallory.get_cookie("session").value
    header = f"=session={evil}; session={good}; session={evil}"
    response = app.test_client().get("/session", environ_overrides={"HTTP_COOKIE": header})
    assert response.text == "alice"


def test_reading_plain_cookies_does_not_add_vary(app: App) -> None:
    response = app.test_client().get("/read/x", headers={"Cookie": "x=1"})
    assert "Vary" not in response.headers


def test_reading_the_session_adds_vary(app: App) -> None:
    response = app.test_client().get("/session", headers={"Cookie": "x=1"})
    assert response.headers.getlist("Vary") == ["Cookie"]
