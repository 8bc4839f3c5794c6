"""The App pipeline: registration, dispatch, return values end to end, hooks and errors."""

from __future__ import annotations

import pytest

from hipflask import App, Response, abort, after_this_request, g, jsonify, make_response, request


@pytest.fixture
def app() -> App:
    app = App(__name__)
    app.config["TESTING"] = True
    return app


def test_hello(app: App) -> None:
    @app.route("/")
    def index() -> str:
        return "Hello"

    response = app.test_client().get("/")
    assert response.status_code == 200
    assert response.data == b"Hello"
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["Content-Length"] == "5"


@pytest.mark.parametrize(
    ("rv", "status", "body", "content_type"),
    [
        ("text", 200, b"text", "text/html; charset=utf-8"),
        (b"bytes", 200, b"bytes", "text/html; charset=utf-8"),
        ({"a": 1}, 200, b'{"a":1}\n', "application/json"),
        ([1, 2], 200, b"[1,2]\n", "application/json"),
        (("created", 201), 201, b"created", "text/html; charset=utf-8"),
        (("x", {"X-A": "1"}), 200, b"x", "text/html; charset=utf-8"),
        (("x", 202, [("X-A", "1")]), 202, b"x", "text/html; charset=utf-8"),
        (({"ok": True}, 400), 400, b'{"ok":true}\n', "application/json"),
    ],
)
def test_return_value_coercion(
    app: App, rv: object, status: int, body: bytes, content_type: str
) -> None:
    app.add_url_rule("/", "index", lambda: rv)
    response = app.test_client().get("/")
    assert response.status_code == status
    assert response.data == body
    assert response.headers["Content-Type"] == content_type
    if isinstance(rv, tuple) and len(rv) >= 2 and not isinstance(rv[-1], int):
        assert response.headers["X-A"] == "1"


def test_generator_is_streamed(app: App) -> None:
    @app.route("/")
    def index():  # type: ignore[no-untyped-def]
        def generate():  # type: ignore[no-untyped-def]
            yield "a"
            yield b"b"

        return generate()

    response = app.test_client().get("/")
    assert response.data == b"ab"
    assert "Content-Length" not in response.headers


def test_string_status_and_response_object(app: App) -> None:
    @app.route("/")
    def index() -> Response:
        return Response("gone", "410 GONE", {"X-B": "2"})

    response = app.test_client().get("/")
    assert response.status_code == 410
    assert response.headers["X-B"] == "2"


@pytest.mark.parametrize("bad", [None, 42, object()])
def test_invalid_return_value_is_a_type_error(app: App, bad: object) -> None:
    app.add_url_rule("/", "index", lambda: bad)
    with pytest.raises(TypeError, match="did not return a valid response"):
        app.test_client().get("/")


def test_invalid_tuple_is_a_type_error(app: App) -> None:
    app.add_url_rule("/", "index", lambda: ("a", 200, {}, "extra"))
    with pytest.raises(TypeError, match="response tuple"):
        app.test_client().get("/")


def test_shortcut_decorators_and_methods(app: App) -> None:
    @app.get("/item")
    def read() -> str:
        return "read"

    @app.post("/item")
    def create() -> str:
        return "create"

    @app.delete("/item")
    def remove() -> str:
        return "remove"

    client = app.test_client()
    assert client.get("/item").data == b"read"
    assert client.post("/item").data == b"create"
    assert client.delete("/item").data == b"remove"
    response = client.put("/item")
    assert response.status_code == 405
    assert response.headers["Allow"] == "DELETE, GET, HEAD, OPTIONS, POST"


def test_method_shortcut_refuses_methods_argument(app: App) -> None:
    with pytest.raises(TypeError, match="route"):
        app.get("/", methods=["POST"])


def test_head_has_no_body_and_options_lists_methods(app: App) -> None:
    @app.route("/", methods=["GET", "POST"])
    def index() -> str:
        return "body"

    client = app.test_client()
    head = client.head("/")
    assert head.status_code == 200
    assert head.data == b""
    assert head.headers["Content-Length"] == "4"
    options = client.options("/")
    assert options.status_code == 200
    assert options.headers["Allow"] == "GET, HEAD, OPTIONS, POST"


def test_not_found_and_trailing_slash_redirect(app: App) -> None:
    @app.route("/projects/")
    def projects() -> str:
        return "projects"

    @app.route("/about")
    def about() -> str:
        return "about"

    client = app.test_client()
    assert client.get("/missing").status_code == 404
    redirect = client.get("/projects?page=2")
    assert redirect.status_code == 308
    assert redirect.headers["Location"] == "/projects/?page=2"
    assert client.get("/about/").status_code == 404


def test_view_args_and_converters(app: App) -> None:
    @app.route("/users/<int:user_id>/posts/<slug>")
    def post(user_id: int, slug: str) -> str:
        return f"{user_id + 1}:{slug}"

    client = app.test_client()
    assert client.get("/users/41/posts/hello").data == b"42:hello"
    assert client.get("/users/x/posts/hello").status_code == 404


def test_before_request_short_circuits(app: App) -> None:
    calls: list[str] = []

    @app.before_request
    def first() -> str | None:
        calls.append("first")
        return "stopped" if request.args.get("stop") else None

    @app.before_request
    def second() -> None:
        calls.append("second")

    @app.route("/")
    def index() -> str:
        calls.append("view")
        return "view"

    client = app.test_client()
    assert client.get("/?stop=1").data == b"stopped"
    assert calls == ["first"]
    calls.clear()
    assert client.get("/").data == b"view"
    assert calls == ["first", "second", "view"]


def test_after_request_order_and_after_this_request(app: App) -> None:
    @app.after_request
    def first(response: Response) -> Response:
        response.headers.add("X-Order", "first")
        return response

    @app.after_request
    def second(response: Response) -> Response:
        response.headers.add("X-Order", "second")
        return response

    @app.route("/")
    def index() -> str:
        @after_this_request
        def once(response: Response) -> Response:
            response.headers.add("X-Order", "this")
            return response

        return "x"

    response = app.test_client().get("/")
    # after_this_request first, then the hooks in reverse registration order (as in Flask).
    assert response.headers.getlist("X-Order") == ["this", "second", "first"]


def test_error_bodies_negotiate_json(app: App) -> None:
    client = app.test_client()
    response = client.get("/missing", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"
    assert response.json == {
        "error": "The requested URL was not found on the server.",
        "name": "Not Found",
        "status": 404,
    }
    html = client.get("/missing", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert html.headers["Content-Type"] == "text/html; charset=utf-8"
    assert b"<h1>Not Found</h1>" in html.data


def test_abort_with_description_and_response(app: App) -> None:
    @app.route("/forbidden")
    def forbidden() -> str:
        abort(403, description="Admins only.")

    @app.route("/custom")
    def custom() -> str:
        abort(make_response("teapot", 418))

    client = app.test_client()
    forbidden_response = client.get("/forbidden")
    assert forbidden_response.status_code == 403
    assert b"Admins only." in forbidden_response.data
    custom_response = client.get("/custom")
    assert custom_response.status_code == 418
    assert custom_response.data == b"teapot"


def test_g_is_per_request(app: App) -> None:
    @app.before_request
    def load() -> None:
        g.user = request.args.get("user")

    @app.route("/")
    def index() -> str:
        return str(g.get("user"))

    client = app.test_client()
    assert client.get("/?user=ann").data == b"ann"
    assert client.get("/").data == b"None"


def test_jsonify_forms(app: App) -> None:
    @app.route("/kw")
    def kw():  # type: ignore[no-untyped-def]
        return jsonify(b=1, a=2)

    @app.route("/list")
    def as_list():  # type: ignore[no-untyped-def]
        return jsonify(1, 2)

    client = app.test_client()
    assert client.get("/kw").data == b'{"a":2,"b":1}\n'
    assert client.get("/list").json == [1, 2]
    app.config["JSON_SORT_KEYS"] = False
    assert client.get("/kw").data == b'{"b":1,"a":2}\n'
    app.debug = True
    assert client.get("/kw").data == b'{\n  "b": 1,\n  "a": 2\n}\n'


def test_url_value_preprocessor_and_defaults(app: App) -> None:
    @app.url_value_preprocessor
    def pull_lang(endpoint: str | None, values: dict[str, object] | None) -> None:
        g.lang = values.pop("lang") if values else None

    @app.url_defaults
    def add_lang(endpoint: str, values: dict[str, object]) -> None:
        if "lang" not in values and g.get("lang"):
            values["lang"] = g.lang

    @app.route("/<lang>/about")
    def about() -> str:
        from hipflask import url_for

        return f"{g.lang} {url_for('about')}"

    assert app.test_client().get("/fr/about").data == b"fr /fr/about"


def test_async_view(app: App) -> None:
    @app.route("/")
    async def index() -> str:
        return "async"

    assert app.test_client().get("/").data == b"async"


def test_trusted_hosts(app: App) -> None:
    app.config["TRUSTED_HOSTS"] = ["example.com", ".example.org"]

    @app.route("/")
    def index() -> str:
        return "ok"

    client = app.test_client()
    assert client.get("/", headers={"Host": "example.com"}).status_code == 200
    assert client.get("/", headers={"Host": "example.com:8080"}).status_code == 200
    assert client.get("/", headers={"Host": "api.example.org"}).status_code == 200
    assert client.get("/", headers={"Host": "evil.com"}).status_code == 400
    assert client.get("/", headers={"Host": "example.com@evil.com"}).status_code == 400
    assert client.get("/", headers={"Host": "exa mple.com"}).status_code == 400
    assert client.get("/", headers={"Host": "example.com:80"}).status_code == 200


def test_header_injection_is_refused(app: App) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/header")
    def header() -> tuple[str, dict[str, str]]:
        return "x", {"X-Evil": "a\r\nSet-Cookie: pwned=1"}

    response = app.test_client().get("/header")
    assert response.status_code == 500
    assert "pwned=1" not in response.headers.get("Set-Cookie", "")


def test_config_attributes(app: App) -> None:
    app.secret_key = "k" * 32
    assert app.config["SECRET_KEY"] == "k" * 32
    app.config["PERMANENT_SESSION_LIFETIME"] = 60
    assert app.permanent_session_lifetime.total_seconds() == 60
    assert app.testing is True
    assert app.name == __name__


def test_json_encoding_settings_and_special_values(app: App) -> None:
    import datetime
    import uuid

    value = {
        "when": datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC),
        "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "text": "é<",
    }

    @app.route("/")
    def index() -> dict[str, object]:
        return value

    client = app.test_client()
    assert client.get("/").data == (
        b'{"id":"12345678-1234-5678-1234-567812345678",'
        b'"text":"\\u00e9<","when":"Fri, 02 Jan 2026 03:04:05 GMT"}\n'
    )
    app.config["JSON_AS_ASCII"] = False
    assert "é" in client.get("/").get_data(as_text=True)
    value["bad"] = object()
    with pytest.raises(TypeError, match="not JSON serializable"):
        client.get("/")
