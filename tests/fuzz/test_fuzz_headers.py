"""Fuzz the request headers the framework parses: Host, Accept, Range, If-None-Match,
If-Modified-Since, If-Range, Content-Type, Authorization and Cookie."""

from __future__ import annotations

import base64
import io
from datetime import UTC, datetime
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from hipflask import App, request, send_file, session

from . import FUZZ, KEY, any_header, call, declared, environ, header_text

DATA = bytes(range(256)) * 4
MODIFIED = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


def make_app(**config: Any) -> App:
    app = App(__name__)
    app.config.update(TESTING=True, SECRET_KEY=KEY, **config)

    @app.route("/")
    def echo() -> dict[str, Any]:
        accept = request.accept_mimetypes
        return {
            "host": request.host,
            "url": request.url,
            "best": accept.best_match(["text/html", "application/json"]),
            "quality": accept["application/json"],
            "prefers_json": request.prefers_json,
            "mimetype": request.mimetype,
            "params": request.mimetype_params,
            "length": request.content_length,
            "auth": repr(request.authorization),
            "user": getattr(request.authorization, "username", None),
            "cookies": request.cookies.to_dict(flat=False),
            "session": dict(session),
            "referrer": request.referrer,
            "origin": request.origin,
            "route": request.access_route,
        }

    @app.route("/file")
    def file() -> Any:
        return send_file(
            io.BytesIO(DATA), mimetype="application/octet-stream", last_modified=MODIFIED
        )

    return app


APP = make_app()
TRUSTING = make_app(TRUSTED_HOSTS=["example.com", ".example.org"])

hosts = any_header | st.sampled_from(
    ["example.com", "example.com:80", "a.example.org:x", "[::1]:8080", "[::1", "ex ample", ":", ""]
)


@FUZZ
@given(host=hosts, trusting=st.booleans())
def test_any_host(host: str, trusting: bool) -> None:
    status, _, _ = call(TRUSTING if trusting else APP, environ(HTTP_HOST=host))
    assert declared(status), (host, status)


accept_values = any_header | st.lists(
    st.tuples(
        st.sampled_from(["text/html", "application/json", "*/*", "text/*", "*", "a/b/c", ""]),
        st.sampled_from(["", ";q=0.5", ";q=x", ";q=", ";q=1e9", ";level=1", ";q=-1", ";q=nan"]),
    ).map("".join),
    max_size=6,
).map(", ".join)


@FUZZ
@given(accept=accept_values)
def test_any_accept(accept: str) -> None:
    status, _, _ = call(APP, environ(HTTP_ACCEPT=accept))
    assert declared(status), (accept, status)


range_values = any_header | st.lists(
    st.tuples(
        st.integers(-5, 2000).map(str) | st.just(""), st.integers(-5, 2000).map(str) | st.just("")
    ).map("-".join),
    min_size=1,
    max_size=8,
).map(lambda ranges: "bytes=" + ",".join(ranges))
dates = any_header | st.sampled_from(
    [
        "Tue, 02 Jan 2024 03:04:05 GMT",
        "Tuesday, 02-Jan-24 03:04:05 GMT",
        "Tue Jan  2 03:04:05 2024",
        "Tue, 31 Feb 2024 25:61:61 GMT",
        "Tue, 02 Jan 99999 03:04:05 GMT",
        "0",
    ]
)
etags = any_header | st.sampled_from(['"x"', 'W/"x"', "*", '"a", W/"b"', "W/", '"', ",,"])


@FUZZ
@given(
    range_=range_values,
    if_range=st.none() | etags | dates,
    if_none_match=st.none() | etags,
    if_modified_since=st.none() | dates,
    method=st.sampled_from(["GET", "HEAD"]),
)
def test_any_conditional_or_range_request(
    range_: str,
    if_range: str | None,
    if_none_match: str | None,
    if_modified_since: str | None,
    method: str,
) -> None:
    headers = {
        "HTTP_RANGE": range_,
        "HTTP_IF_RANGE": if_range,
        "HTTP_IF_NONE_MATCH": if_none_match,
        "HTTP_IF_MODIFIED_SINCE": if_modified_since,
    }
    env = environ(PATH_INFO="/file", REQUEST_METHOD=method)
    env.update({name: value for name, value in headers.items() if value is not None})
    status, response_headers, body = call(APP, env)
    assert status in (200, 206, 304, 412, 416), (headers, status)
    if status == 206 and "multipart" not in response_headers.get("Content-Type", ""):
        first, _, last = response_headers["Content-Range"][6:].partition("/")[0].partition("-")
        assert body == (DATA[int(first) : int(last) + 1] if method == "GET" else b"")


authorizations = any_header | st.tuples(
    st.sampled_from(["Basic ", "Bearer ", "Digest ", "basic", "X "]),
    st.binary(max_size=40).map(lambda data: base64.b64encode(data).decode()) | header_text,
).map("".join)


@FUZZ
@given(
    content_type=any_header,
    authorization=authorizations,
    referer=any_header,
    origin=any_header,
    forwarded=any_header,
)
def test_any_other_headers(
    content_type: str, authorization: str, referer: str, origin: str, forwarded: str
) -> None:
    env = environ(
        CONTENT_TYPE=content_type,
        HTTP_AUTHORIZATION=authorization,
        HTTP_REFERER=referer,
        HTTP_ORIGIN=origin,
        HTTP_X_FORWARDED_FOR=forwarded,
    )
    status, _, _ = call(APP, env)
    assert declared(status), status


cookie_headers = any_header | st.lists(
    st.tuples(
        st.sampled_from(["session", "s", "__Host-s", "", " a", "a b", '"q"']),
        st.sampled_from(["=", "", "=="]),
        header_text,
    ).map("".join),
    max_size=6,
).map("; ".join)


@FUZZ
@given(cookie=cookie_headers)
def test_any_cookie_header(cookie: str) -> None:
    status, _, _ = call(APP, environ(HTTP_COOKIE=cookie))
    assert declared(status), (cookie, status)
