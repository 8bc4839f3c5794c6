"""Response: bodies, status, headers, cookies, redirects and the WSGI call."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from hipflask import App, Response, make_response, redirect
from hipflask.exceptions import NotFound
from hipflask.response import coerce_view_result, text_response


def _wsgi(response: Response, method: str = "GET") -> tuple[str, list[tuple[str, str]], bytes]:
    captured: list[object] = []

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        captured.extend([status, headers])

    body = response({"REQUEST_METHOD": method}, start_response)
    data = b"".join(body)
    getattr(body, "close", lambda: None)()
    return captured[0], captured[1], data  # type: ignore[return-value]


def test_defaults() -> None:
    response = Response("héllo")
    assert response.status_code == 200
    assert response.status == "200 OK"
    assert response.mimetype == "text/html"
    assert response.content_length == len("héllo".encode())
    assert response.get_data(as_text=True) == "héllo"


def test_status_forms() -> None:
    assert Response(status=404).status == "404 Not Found"
    assert Response(status="201 CREATED").status_code == 201
    unknown = Response(status=599)
    assert unknown.status == "599 UNKNOWN"
    with pytest.raises(ValueError, match="code"):
        Response(status="nope")


@pytest.mark.parametrize("line", ["299 Weird", "418 I'M A TEAPOT", "200 all good"])
def test_assigned_status_line_is_sent_as_given(line: str) -> None:
    # Werkzeug keeps an assigned status string as it is (stripped), without changing its case.
    response = Response("x")
    response.status = f" {line} "
    assert response.status == line
    assert _wsgi(response)[0] == line
    app = App(__name__)
    app.add_url_rule("/", "index", lambda: ("x", line))
    sent = app.test_client().get("/")
    assert (sent.status, sent.status_code) == (line, int(line[:3]))


def test_a_new_code_replaces_an_assigned_status_line() -> None:
    response = Response("x", "299 Weird")
    response.status_code = 404
    assert response.status == "404 Not Found"
    response.status = "299 Weird"
    response.status = 299
    assert response.status == "299 UNKNOWN"
    response.status = "201"
    assert (response.status, response.status_code) == ("201 Created", 201)


def test_a_subclass_status_property_is_what_is_sent() -> None:
    class Shouting(Response):
        @property
        def status(self) -> str:
            return f"{self.status_code} SHOUTED"

        @status.setter
        def status(self, value: int | str) -> None:
            Response.status.fset(self, value)  # type: ignore[attr-defined]

    assert _wsgi(Shouting("x"))[0] == "200 SHOUTED"
    assert _wsgi(Response("x", 599))[0] == "599 UNKNOWN"


def test_a_subclass_default_mimetype_with_a_line_break_is_refused() -> None:
    with pytest.raises(ValueError, match="CR, LF or NUL"):

        class Broken(Response):
            default_mimetype = "text/plain\r\nX-Evil: 1"


@pytest.mark.parametrize("line", ["200 OK\r\nX-Evil: 1", "200 O\nK", "200 \x00"])
def test_status_line_with_control_characters_is_refused(line: str) -> None:
    with pytest.raises(ValueError, match="control characters"):
        Response("x", line)


def test_mimetype_and_content_type() -> None:
    assert Response("{}", mimetype="application/json").content_type == "application/json"
    assert Response("x", mimetype="text/plain").content_type == "text/plain; charset=utf-8"
    assert Response("x", content_type="text/csv").content_type == "text/csv"


def test_multi_valued_headers() -> None:
    response = Response("x", headers=[("X-A", "1"), ("X-A", "2")])
    assert response.headers.getlist("X-A") == ["1", "2"]
    status, headers, body = _wsgi(response)
    assert status == "200 OK"
    assert [v for k, v in headers if k == "X-A"] == ["1", "2"]
    assert body == b"x"


def test_set_data_updates_length() -> None:
    response = Response("x")
    response.data = b"longer"
    assert response.headers["Content-Length"] == "6"


def test_head_and_304_send_no_body() -> None:
    assert _wsgi(Response("body"), "HEAD")[2] == b""
    assert _wsgi(Response("body", 304))[2] == b""


@pytest.mark.parametrize("status", [101, 204, 304])
def test_bodiless_statuses_send_no_content_length(status: int) -> None:
    # Werkzeug (Flask 3.1) sends `return "body", 204` with neither a body nor Content-Length.
    app = App(__name__)
    app.add_url_rule("/", "index", lambda: ("body", status))
    response = app.test_client().get("/")
    assert response.status_code == status
    assert "Content-Length" not in response.headers
    assert response.data == b""


def test_head_keeps_content_length() -> None:
    _status, headers, body = _wsgi(Response("body"), "HEAD")
    assert ("Content-Length", "4") in headers
    assert body == b""


def test_streamed_body_and_close() -> None:
    closed: list[bool] = []

    def generate():  # type: ignore[no-untyped-def]
        try:
            yield "a"
            yield "b"
        finally:
            closed.append(True)

    response = Response(generate())
    assert response.is_streamed
    response.call_on_close(lambda: closed.append(False))
    assert _wsgi(response)[2] == b"ab"
    assert closed == [True, False]


@pytest.mark.parametrize("value", ["a\r\nb", "a\nb", "a\rb"])
def test_crlf_in_header_value_is_refused(value: str) -> None:
    response = Response()
    with pytest.raises(ValueError):
        response.headers["X-Test"] = value


def test_set_and_delete_cookie() -> None:
    response = Response()
    response.set_cookie("theme", "dark", max_age=60, httponly=True, samesite="Lax")
    response.delete_cookie("old")
    cookies = response.headers.getlist("Set-Cookie")
    assert cookies[0].startswith("theme=dark;")
    assert "Max-Age=60" in cookies[0]
    assert "HttpOnly" in cookies[0]
    assert "SameSite=Lax" in cookies[0]
    assert cookies[1].startswith("old=;")
    assert "Max-Age=0" in cookies[1]
    assert "Expires=Thu, 01 Jan 1970 00:00:00 GMT" in cookies[1]


@pytest.mark.parametrize("name", ["a;b", "a\r\nb", "a b", ""])
def test_illegal_cookie_names_are_refused(name: str) -> None:
    with pytest.raises(ValueError):
        Response().set_cookie(name, "v")


def test_redirect() -> None:
    app = App(__name__)
    with app.app_context():
        response = redirect("/target")
    assert response.status_code == 302
    assert response.location == "/target"
    assert b'href="/target"' in response.data
    assert redirect("/moved", 301).status_code == 301


@pytest.mark.parametrize(
    ("target", "location"),
    [
        ("/a\r\nSet-Cookie: x=1", "/a%0D%0ASet-Cookie:%20x=1"),
        ("/é", "/%C3%A9"),
        ('/"><script>', "/%22%3E%3Cscript%3E"),
    ],
)
def test_redirect_encodes_dangerous_characters(target: str, location: str) -> None:
    response = redirect(target)
    assert response.headers["Location"] == location
    assert b"<script>" not in response.data


def test_make_response_forms() -> None:
    app = App(__name__)
    with app.test_request_context():
        assert make_response().status_code == 200
        assert make_response("x", 404).status_code == 404
        response = make_response("x", 201, {"X-A": "1"})
        assert (response.status_code, response.headers["X-A"]) == (201, "1")
        assert make_response({"a": 1}).json == {"a": 1}


def test_vary_on_adds_once() -> None:
    response = Response()
    response.vary_on("Cookie")
    response.vary_on("cookie")
    response.vary_on("Accept")
    assert response.headers["Vary"] == "Cookie, Accept"


def test_vary_star_is_left_alone() -> None:
    response = Response(headers={"Vary": "*"})
    response.vary_on("Cookie")
    assert response.headers.getlist("Vary") == ["*"]


class _TeapotResponse(Response):
    default_mimetype = "text/plain"


def _json_response(value: object) -> Response:
    return Response(repr(value), mimetype="application/json")


def test_coercion_uses_the_given_response_class() -> None:
    response = coerce_view_result((b"tea", 418), _TeapotResponse, _json_response)
    assert type(response) is _TeapotResponse
    assert (response.status_code, response.mimetype, response.data) == (418, "text/plain", b"tea")


def test_coercion_applies_tuple_status_and_headers_to_a_response_and_to_json() -> None:
    original = Response("x")
    response = coerce_view_result((original, 201, {"X-A": "1"}), Response, _json_response)
    assert response is original
    assert (response.status_code, response.headers["X-A"]) == (201, "1")
    response = coerce_view_result(({"a": 1}, [("X-B", "2")]), Response, _json_response)
    assert (response.status_code, response.headers["X-B"], response.data) == (
        200,
        "2",
        b"{'a': 1}",
    )


def test_coercion_turns_a_returned_http_exception_into_its_page() -> None:
    response = coerce_view_result((NotFound(), {"X-C": "3"}), Response, _json_response)
    assert response.status_code == 404
    assert response.headers["X-C"] == "3"
    assert b"Not Found" in response.data


@pytest.mark.parametrize(
    ("rv", "message"),
    [
        (None, "returned None"),
        (3.5, "but it was a float"),
        (("a", 200, {}, "extra"), "response tuple"),
    ],
)
def test_coercion_refuses_what_a_view_may_not_return(rv: object, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        coerce_view_result(rv, Response, _json_response)


def test_a_subclass_get_wsgi_headers_is_what_the_server_gets() -> None:
    class Tagged(Response):
        def get_wsgi_headers(self, environ: dict[str, Any]) -> list[tuple[str, str]]:
            return [*super().get_wsgi_headers(environ), ("X-Tag", environ["REQUEST_METHOD"])]

    _status, headers, _body = _wsgi(Tagged("body"))
    assert ("X-Tag", "GET") in headers
    assert ("Content-Length", "4") in headers


@pytest.mark.parametrize("status", [100, 199, 200, 204, 299, 304, 404])
def test_the_server_gets_a_copy_of_the_headers(status: int) -> None:
    response = Response("body", status)
    _status, headers, _body = _wsgi(response)
    assert headers == response.get_wsgi_headers({})
    headers.append(("X-Late", "1"))  # NOTE: a server may add to the list it was given
    assert "X-Late" not in response.headers


class _Plain(Response):
    default_mimetype = "text/plain"
    charset = "latin-1"
    default_status = 201


class _Built(Response):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.headers["X-Built"] = "yes"


@pytest.mark.parametrize("cls", [Response, _Plain, _Built])
@pytest.mark.parametrize("text", ["", "Hello, World!", "h\u00e9"])
def test_text_response_is_what_the_class_builds_from_the_text(
    cls: type[Response], text: str
) -> None:
    fast, slow = text_response(cls, text), cls(text)
    _same_response(fast, slow, cls)


@pytest.mark.parametrize("cls", [Response, _Plain, _Built])
@pytest.mark.parametrize("mimetype", ["application/json", "text/csv", "image/svg+xml"])
def test_text_response_with_a_mimetype_is_what_the_class_builds(
    cls: type[Response], mimetype: str
) -> None:
    fast = text_response(cls, "h\u00e9", mimetype)
    _same_response(fast, cls("h\u00e9", mimetype=mimetype), cls)
    assert text_response(cls, "x", mimetype).headers["Content-Type"] == fast.content_type


def test_text_response_refuses_a_mimetype_with_a_line_break() -> None:
    with pytest.raises(ValueError):
        Response("x", mimetype="text/plain\r\nX-Evil: 1")
    with pytest.raises(ValueError):
        text_response(Response, "x", "text/plain\r\nX-Evil: 1")


def _same_response(fast: Response, slow: Response, cls: type[Response]) -> None:
    assert type(fast) is cls
    assert fast.headers.to_wsgi_list() == slow.headers.to_wsgi_list()
    assert (fast.status, fast.get_data(), fast.direct_passthrough) == (
        slow.status,
        slow.get_data(),
        slow.direct_passthrough,
    )
    fast.call_on_close(lambda: None)  # NOTE: the on-close list starts empty, as __init__'s
    fast.set_cookie("a", "b")
    assert fast.headers.get("Set-Cookie", "").startswith("a=b")


def test_a_view_str_goes_through_a_response_class_with_its_own_init() -> None:
    app = App(__name__)
    app.config["SECURITY_HEADERS"] = False
    app.response_class = _Built

    @app.route("/")
    def index() -> str:
        return "hi"

    # NOTE: the app called as a WSGI app: the test client would build its own response class
    # from the answer, through _Built's __init__ again.
    from hipflask.testing import EnvironBuilder

    sent: list[tuple[str, list[tuple[str, str]]]] = []
    body = app(EnvironBuilder(path="/").get_environ(), lambda *args: sent.append(args[:2]))
    assert b"".join(body) == b"hi"
    assert ("X-Built", "yes") in sent[0][1]


def _serve_str_view(
    response_class: type[Response] | None = None, method: str = "GET"
) -> tuple[str, list[tuple[str, str]], bytes]:
    """Serve a view returning a str as a WSGI server would; return status, headers, body."""
    from hipflask.testing import EnvironBuilder

    app = App(__name__)
    app.config["SECURITY_HEADERS"] = False
    if response_class is not None:
        app.response_class = response_class

    @app.route("/", methods=["GET", "HEAD"])
    def index() -> str:
        return "h\u00e9llo"

    sent: list[tuple[str, list[tuple[str, str]]]] = []
    environ = EnvironBuilder(path="/", method=method).get_environ()
    body = app(environ, lambda *args: sent.append(args[:2]))
    return sent[0][0], sent[0][1], b"".join(body)


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_a_view_str_is_answered_as_its_response_would_answer(method: str) -> None:
    status, headers, body = _serve_str_view(method=method)
    expected = Response("h\u00e9llo")
    assert status == "200 OK"
    assert headers == expected.get_wsgi_headers({})
    assert body == (b"" if method == "HEAD" else "h\u00e9llo".encode())


class _Called(Response):
    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        self.headers["X-Called"] = "yes"
        return super().__call__(environ, start_response)


class _Closing(Response):
    closed: list[bool] = []

    def close(self) -> None:
        _Closing.closed.append(True)
        super().close()


class _Status(Response):
    @property
    def status(self) -> str:
        return f"{self.status_code} Fine"


class _Wsgi(Response):
    def get_wsgi_headers(self, environ: dict[str, Any]) -> list[tuple[str, str]]:
        return [*super().get_wsgi_headers(environ), ("X-Wsgi", "yes")]


@pytest.mark.parametrize(
    ("cls", "check"),
    [
        (_Called, lambda status, headers: ("X-Called", "yes") in headers),
        (_Status, lambda status, headers: status == "200 Fine"),
        (_Wsgi, lambda status, headers: ("X-Wsgi", "yes") in headers),
        (_Plain, lambda status, headers: status.startswith("201 ")),
        (_Built, lambda status, headers: ("X-Built", "yes") in headers),
    ],
)
def test_a_view_str_goes_through_a_response_class_that_answers_its_own_way(
    cls: type[Response], check: Callable[[str, list[tuple[str, str]]], bool]
) -> None:
    status, headers, body = _serve_str_view(cls)
    assert check(status, headers)
    assert body == "h\u00e9llo".encode(cls.charset)


def test_a_head_answer_closes_a_response_class_with_its_own_close() -> None:
    _Closing.closed.clear()
    _serve_str_view(_Closing, method="HEAD")
    assert _Closing.closed == [True]


def test_a_changed_default_status_is_sent_for_a_view_str() -> None:
    class Accepted(Response):
        pass

    Accepted.default_status = 202  # NOTE: changed after the class was made
    status, _headers, _body = _serve_str_view(Accepted)
    assert status.startswith("202 ")
