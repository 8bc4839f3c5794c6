"""The test client and EnvironBuilder, exercised through a small app."""

from __future__ import annotations

import io
from typing import Any

import pytest

from hipflask import App, Response, current_app, g, redirect, request, session
from hipflask.datastructures import FileStorage, MultiDict
from hipflask.testing import CliRunner, EnvironBuilder, FlaskClient, TestClient, TestResponse


@pytest.fixture
def app() -> App:
    app = App(__name__)
    app.config.update(TESTING=True, SECRET_KEY="s" * 40)

    @app.route("/echo", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    def echo() -> dict[str, Any]:
        return {
            "method": request.method,
            "path": request.path,
            "args": {key: request.args.getlist(key) for key in request.args},
            "form": {key: request.form.getlist(key) for key in request.form},
            "cookies": request.cookies.to_dict(),
            "content_type": request.content_type,
            "data": request.get_data(as_text=True),
        }

    return app


@pytest.fixture
def client(app: App) -> TestClient:
    return app.test_client()


# -- EnvironBuilder ----------------------------------------------------------------------------


def test_environ_is_complete_pep_3333(app: App) -> None:
    environ = EnvironBuilder(app, "/caf%C3%A9/x?a=1").get_environ()
    assert environ["REQUEST_METHOD"] == "GET"
    assert environ["SCRIPT_NAME"] == ""
    assert environ["PATH_INFO"] == "/café/x".encode().decode("latin-1")
    assert environ["QUERY_STRING"] == "a=1"
    assert environ["REQUEST_URI"] == "/caf%C3%A9/x?a=1"
    assert environ["SERVER_NAME"] == "localhost"
    assert environ["SERVER_PORT"] == "80"
    assert environ["HTTP_HOST"] == "localhost"
    assert environ["SERVER_PROTOCOL"] == "HTTP/1.1"
    assert environ["REMOTE_ADDR"] == "127.0.0.1"
    assert environ["wsgi.url_scheme"] == "http"
    assert environ["wsgi.version"] == (1, 0)
    assert environ["wsgi.input"].read() == b""
    assert "CONTENT_LENGTH" not in environ
    for key in ("wsgi.errors", "wsgi.multithread", "wsgi.multiprocess", "wsgi.run_once"):
        assert key in environ


def test_base_url_sets_scheme_host_port_and_script_name(app: App) -> None:
    environ = EnvironBuilder(app, "/x", base_url="https://example.com:8443/root/").get_environ()
    assert environ["wsgi.url_scheme"] == "https"
    assert environ["SERVER_NAME"] == "example.com"
    assert environ["SERVER_PORT"] == "8443"
    assert environ["HTTP_HOST"] == "example.com:8443"
    assert environ["SCRIPT_NAME"] == "/root"
    assert environ["PATH_INFO"] == "/x"


def test_config_gives_the_default_base_url(app: App) -> None:
    app.config.update(
        SERVER_NAME="example.org", APPLICATION_ROOT="/app", PREFERRED_URL_SCHEME="https"
    )
    environ = EnvironBuilder(app, "/x", subdomain="api").get_environ()
    assert environ["HTTP_HOST"] == "api.example.org"
    assert environ["SCRIPT_NAME"] == "/app"
    assert environ["wsgi.url_scheme"] == "https"
    assert environ["SERVER_PORT"] == "443"


def test_absolute_url_path_and_double_slash_path(app: App) -> None:
    environ = EnvironBuilder(app, "https://other.test/p?q=1").get_environ()
    assert (environ["HTTP_HOST"], environ["PATH_INFO"], environ["QUERY_STRING"]) == (
        "other.test",
        "/p",
        "q=1",
    )
    # A path that starts with // is a path, as a server sees it, not a host.
    assert EnvironBuilder(app, "//a").get_environ()["PATH_INFO"] == "//a"


@pytest.mark.parametrize(
    ("query_string", "expected"),
    [
        ("a=1&b=two words", "a=1&b=two%20words"),
        (b"a=%FF", "a=%FF"),
        ({"a": "1", "b": ["x", "y"]}, "a=1&b=x&b=y"),
        (MultiDict([("a", "1"), ("a", "2")]), "a=1&a=2"),
    ],
)
def test_query_string_forms(app: App, query_string: Any, expected: str) -> None:
    environ = EnvironBuilder(app, "/", query_string=query_string).get_environ()
    assert environ["QUERY_STRING"] == expected


def test_query_string_twice_is_an_error(app: App) -> None:
    with pytest.raises(ValueError, match="query string"):
        EnvironBuilder(app, "/?a=1", query_string="b=2")


def test_data_and_json_together_is_an_error(app: App) -> None:
    with pytest.raises(TypeError):
        EnvironBuilder(app, data="x", json={})


def test_headers_become_environ_keys(app: App) -> None:
    headers = [("X-Trace", "a"), ("X-Trace", "b"), ("Content-Type", "text/plain")]
    environ = EnvironBuilder(app, headers=headers, data="hi").get_environ()
    assert environ["HTTP_X_TRACE"] == "a, b"
    assert environ["CONTENT_TYPE"] == "text/plain"
    assert environ["CONTENT_LENGTH"] == "2"
    assert "HTTP_CONTENT_TYPE" not in environ


def test_environ_base_and_overrides(app: App) -> None:
    builder = EnvironBuilder(
        app,
        environ_base={"REMOTE_ADDR": "10.0.0.1", "REQUEST_METHOD": "IGNORED"},
        environ_overrides={"SERVER_PROTOCOL": "HTTP/1.0"},
    )
    environ = builder.get_environ()
    assert environ["REMOTE_ADDR"] == "10.0.0.1"
    assert environ["REQUEST_METHOD"] == "GET"
    assert environ["SERVER_PROTOCOL"] == "HTTP/1.0"


def test_each_environ_has_a_fresh_input_stream(app: App) -> None:
    builder = EnvironBuilder(app, method="POST", data=b"body")
    assert builder.get_environ()["wsgi.input"].read() == b"body"
    assert builder.get_environ()["wsgi.input"].read() == b"body"


def test_test_request_context_takes_builder_arguments(app: App) -> None:
    with app.test_request_context(
        "/echo?a=1",
        method="POST",
        data={"f": "v"},
        headers={"X-Test": "yes"},
        base_url="https://example.com/root",
    ):
        assert request.method == "POST"
        assert request.args["a"] == "1"
        assert request.form["f"] == "v"
        assert request.headers["X-Test"] == "yes"
        assert request.url == "https://example.com/root/echo?a=1"
        assert request.script_root == "/root"


# -- requests through the client ---------------------------------------------------------------


def test_methods(client: TestClient) -> None:
    for method in ("get", "post", "put", "patch", "delete"):
        response = getattr(client, method)("/echo")
        assert response.json["method"] == method.upper()
    head = client.head("/echo")
    assert head.status_code == 200
    assert head.data == b""
    assert client.options("/echo").headers["Allow"]


def test_query_strings(client: TestClient) -> None:
    assert client.get("/echo?tag=a&tag=b").json["args"] == {"tag": ["a", "b"]}
    response = client.get("/echo", query_string={"q": "ü x", "n": [1, 2]})
    assert response.json["args"] == {"q": ["ü x"], "n": ["1", "2"]}


def test_urlencoded_form(client: TestClient) -> None:
    response = client.post("/echo", data={"name": "Ann", "tag": ["a", "b"]})
    assert response.json["form"] == {"name": ["Ann"], "tag": ["a", "b"]}
    assert response.json["content_type"] == "application/x-www-form-urlencoded"


def test_multipart_content_type_header_gets_a_boundary(client: TestClient) -> None:
    headers = {"Content-Type": "multipart/form-data"}
    response = client.post("/echo", data={"a": "1"}, headers=headers)
    assert response.json["form"] == {"a": ["1"]}
    assert response.json["content_type"].startswith("multipart/form-data; boundary=")


def test_raw_body_with_content_type(client: TestClient) -> None:
    response = client.post("/echo", data="plain text", content_type="text/plain")
    assert response.json["data"] == "plain text"
    assert response.json["content_type"] == "text/plain"


def test_json_body(app: App, client: TestClient) -> None:
    @app.post("/json")
    def receive() -> dict[str, Any]:
        return {"got": request.json, "mimetype": request.mimetype}

    response = client.post("/json", json={"a": [1, 2]})
    assert response.json == {"got": {"a": [1, 2]}, "mimetype": "application/json"}


def test_multipart_file_upload(app: App, client: TestClient) -> None:
    @app.post("/upload")
    def upload() -> dict[str, Any]:
        files = request.files.getlist("f")
        return {
            "names": [file.filename for file in files],
            "bodies": [file.read().decode() for file in files],
            "types": [file.content_type for file in files],
            "note": request.form["note"],
        }

    stream = io.BytesIO(b"first")
    response = client.post(
        "/upload",
        data={
            "note": "hi",
            "f": [
                (stream, "a.txt"),
                (io.BytesIO(b"second"), 'we"ird.bin', "application/x-test"),
            ],
        },
    )
    assert response.json == {
        "names": ["a.txt", "we%22ird.bin"],
        "bodies": ["first", "second"],
        "types": ["text/plain", "application/x-test"],
        "note": "hi",
    }
    assert stream.closed


def test_multipart_from_named_file_and_file_storage(
    app: App, client: TestClient, tmp_path: Any
) -> None:
    @app.post("/upload")
    def upload() -> dict[str, str]:
        return {
            key: f"{file.filename}:{file.read().decode()}" for key, file in request.files.items()
        }

    path = tmp_path / "report.csv"
    path.write_bytes(b"a,b")
    storage = FileStorage(io.BytesIO(b"stored"), filename="s.txt", content_type="text/plain")
    with path.open("rb") as named:
        response = client.post("/upload", data={"named": named, "storage": storage})
    assert response.json == {"named": "report.csv:a,b", "storage": "s.txt:stored"}


def test_headers_and_basic_auth(app: App, client: TestClient) -> None:
    @app.route("/headers")
    def headers() -> dict[str, str | None]:
        return {
            "x": request.headers.get("X-Thing"),
            "auth": request.headers.get("Authorization"),
            "ua": request.user_agent.string,
        }

    response = client.get("/headers", headers={"X-Thing": "1"}, auth=("ann", "pw"))
    assert response.json["x"] == "1"
    assert response.json["auth"] == "Basic YW5uOnB3"
    assert response.json["ua"].startswith("hipflask/")


# -- the response ------------------------------------------------------------------------------


def test_response_attributes(app: App, client: TestClient) -> None:
    @app.route("/created")
    def created() -> tuple[str, int, dict[str, str]]:
        return "made", 201, {"Location": "/things/1"}

    response = client.get("/created?x=1")
    assert isinstance(response, TestResponse)
    assert response.status_code == 201
    assert response.status == "201 Created"
    assert response.data == b"made"
    assert response.text == "made"
    assert response.get_data(as_text=True) == "made"
    assert response.location == "/things/1"
    assert response.mimetype == "text/html"
    assert response.json is None
    assert response.history == ()
    assert response.request is not None
    assert response.request.path == "/created"
    assert response.request.args["x"] == "1"


def test_response_keeps_the_apps_response_class(app: App, client: TestClient) -> None:
    class MyResponse(Response):
        def shout(self) -> str:
            return self.get_data(as_text=True).upper()

    app.response_class = MyResponse
    app.add_url_rule("/", "index", lambda: "hi")
    response = client.get("/")
    assert isinstance(response, MyResponse)
    assert isinstance(response, TestResponse)
    assert response.shout() == "HI"


def test_streamed_body_is_closed_when_read(app: App, client: TestClient) -> None:
    closed = []

    @app.route("/stream")
    def stream() -> Response:
        response = Response(iter([b"a", b"b"]))
        response.call_on_close(lambda: closed.append(True))
        return response

    response = client.get("/stream")
    assert closed == []
    assert response.data == b"ab"
    assert closed == [True]
    assert client.get("/stream", buffered=True).data == b"ab"
    assert closed == [True, True]


def test_cli_runner_invokes_the_apps_commands(app: App) -> None:
    @app.cli.command("hello")
    def hello() -> None:
        print(f"hello from {current_app.name}")

    runner = app.test_cli_runner()
    assert isinstance(runner, CliRunner)
    result = runner.invoke(args=["hello"])
    assert result.exit_code == 0
    assert result.output == f"hello from {app.name}\n"


def test_flask_client_alias(app: App) -> None:
    assert FlaskClient is TestClient
    assert isinstance(app.test_client(), TestClient)


# -- redirects ------------------------------------------------------------------------------


@pytest.fixture
def redirect_app(app: App) -> App:
    @app.route("/hop/<int:code>", methods=["GET", "POST"])
    def hop(code: int) -> Response:
        return redirect("/echo?from=hop", code=code)

    @app.route("/chain")
    def chain() -> Response:
        return redirect("/hop/302")

    @app.route("/loop")
    def loop() -> Response:
        return redirect("/loop")

    @app.route("/away")
    def away() -> Response:
        return redirect("https://elsewhere.test/")

    return app


def test_redirect_is_not_followed_by_default(redirect_app: App) -> None:
    response = redirect_app.test_client().get("/hop/302")
    assert response.status_code == 302
    assert response.location == "/echo?from=hop"


def test_follow_redirects_collects_history(redirect_app: App) -> None:
    response = redirect_app.test_client().get("/chain", follow_redirects=True)
    assert response.status_code == 200
    assert response.json["args"] == {"from": ["hop"]}
    assert [r.status_code for r in response.history] == [302, 302]
    assert [r.request.path for r in response.history if r.request] == ["/chain", "/hop/302"]
    assert response.request is not None
    assert response.request.path == "/echo"


@pytest.mark.parametrize(
    ("code", "method", "has_body"),
    [
        (301, "GET", False),
        (302, "GET", False),
        (303, "GET", False),
        (307, "POST", True),
        (308, "POST", True),
    ],
)
def test_redirect_after_post(redirect_app: App, code: int, method: str, has_body: bool) -> None:
    client = redirect_app.test_client()
    response = client.post(f"/hop/{code}", data={"a": "1"}, follow_redirects=True)
    assert response.json["method"] == method
    assert response.json["form"] == ({"a": ["1"]} if has_body else {})


def test_redirect_loop_gives_up(redirect_app: App) -> None:
    with pytest.raises(RuntimeError, match="redirects"):
        redirect_app.test_client().get("/loop", follow_redirects=True)


def test_redirect_to_another_host_is_refused(redirect_app: App) -> None:
    with pytest.raises(RuntimeError, match="other hosts"):
        redirect_app.test_client().get("/away", follow_redirects=True)


def test_redirect_keeps_the_script_root_and_cookies(app: App) -> None:
    @app.route("/login")
    def login() -> Response:
        response = redirect("/root/echo")
        response.set_cookie("user", "ann")
        return response

    client = app.test_client()
    response = client.get("/login", base_url="http://localhost/root", follow_redirects=True)
    assert response.json["path"] == "/echo"
    assert response.json["cookies"] == {"user": "ann"}
    assert response.request is not None
    assert response.request.script_root == "/root"


# -- contexts --------------------------------------------------------------------------------


def test_with_client_preserves_the_last_context(app: App) -> None:
    torn_down = []

    @app.route("/who")
    def who() -> str:
        g.user = request.args["name"]
        return "ok"

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        torn_down.append(request.args.get("name"))

    client = app.test_client()
    with client:
        client.get("/who?name=ann")
        assert request.args["name"] == "ann"
        assert g.user == "ann"
        assert torn_down == []
        client.get("/who?name=bob")
        assert torn_down == ["ann"]
        assert request.args["name"] == "bob"
    assert torn_down == ["ann", "bob"]
    assert not request
    client.get("/who?name=cy")
    assert torn_down == ["ann", "bob", "cy"]


def test_with_client_preserves_the_context_of_a_failed_request(app: App) -> None:
    @app.route("/fail")
    def fail() -> str:
        g.seen = True
        raise ZeroDivisionError

    client = app.test_client()
    with client:
        with pytest.raises(ZeroDivisionError):
            client.get("/fail")
        assert request.path == "/fail"
        assert g.seen is True
    assert not request


def test_with_client_cannot_nest(client: TestClient) -> None:
    with client, pytest.raises(RuntimeError, match="nest"), client:
        pass


# -- sessions ------------------------------------------------------------------------------


def test_session_transaction_seeds_the_next_request(app: App) -> None:
    @app.route("/whoami")
    def whoami() -> str:
        return str(session.get("user"))

    client = app.test_client()
    with client.session_transaction() as sess:
        sess["user"] = "ann"
    assert client.get("/whoami").data == b"ann"
    with client.session_transaction() as sess:
        assert sess["user"] == "ann"


def test_session_set_in_a_view_is_visible_in_a_transaction(app: App) -> None:
    @app.route("/login")
    def login() -> str:
        session["user"] = "bob"
        return "ok"

    client = app.test_client()
    client.get("/login")
    with client.session_transaction() as sess:
        assert sess["user"] == "bob"
    with client:
        client.get("/login")
        assert session["user"] == "bob"


def test_session_transaction_without_a_session(app: App) -> None:
    class NoSessions:
        def open_session(self, app: App, request: Any) -> None:
            return None

    app.session_interface = NoSessions()  # type: ignore[assignment]
    with pytest.raises(RuntimeError, match="session"), app.test_client().session_transaction():
        pass


def test_session_transaction_needs_cookies(app: App) -> None:
    with (
        pytest.raises(TypeError, match="use_cookies"),
        app.test_client(use_cookies=False).session_transaction(),
    ):
        pass
