"""Blueprints: prefixes, endpoints, nesting, scoped hooks and handlers."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from hipflask import App, Blueprint, Response, abort, request, url_for


@pytest.fixture
def app() -> App:
    app = App(__name__)
    app.config["TESTING"] = True
    return app


def test_prefix_endpoint_and_relative_url_for(app: App) -> None:
    bp = Blueprint("admin", __name__, url_prefix="/admin")

    @bp.route("/")
    def index() -> str:
        return url_for(".users")

    @bp.route("/users")
    def users() -> str:
        return f"{request.endpoint} {request.blueprint}"

    app.register_blueprint(bp)
    client = app.test_client()
    assert client.get("/admin/").data == b"/admin/users"
    assert client.get("/admin/users").data == b"admin.users admin"
    with app.test_request_context():
        assert url_for("admin.users") == "/admin/users"


def test_register_with_other_prefix_and_name(app: App) -> None:
    bp = Blueprint("pages", __name__)

    @bp.route("/page")
    def page() -> str:
        return request.endpoint or ""

    app.register_blueprint(bp, url_prefix="/a")
    app.register_blueprint(bp, url_prefix="/b", name="pages_b")
    client = app.test_client()
    assert client.get("/a/page").data == b"pages.page"
    assert client.get("/b/page").data == b"pages_b.page"
    with pytest.raises(ValueError, match="already registered"):
        app.register_blueprint(bp)


def test_nested_blueprints(app: App) -> None:
    parent = Blueprint("api", __name__, url_prefix="/api")
    child = Blueprint("v1", __name__, url_prefix="/v1")

    @child.route("/users")
    def users() -> str:
        return f"{request.endpoint} {request.blueprints}"

    parent.register_blueprint(child)
    app.register_blueprint(parent)
    assert app.test_client().get("/api/v1/users").data == b"api.v1.users ['api.v1', 'api']"


def test_scoped_hooks_and_app_variants(app: App) -> None:
    bp = Blueprint("bp", __name__, url_prefix="/bp")
    calls: list[str] = []

    @bp.before_request
    def bp_before() -> None:
        calls.append("bp_before")

    @bp.before_app_request
    def app_before() -> None:
        calls.append("app_before")

    @bp.after_request
    def bp_after(response: Response) -> Response:
        response.headers["X-BP"] = "1"
        return response

    @bp.route("/")
    def bp_index() -> str:
        return "bp"

    @app.route("/")
    def index() -> str:
        return "app"

    app.register_blueprint(bp)
    client = app.test_client()
    response = client.get("/bp/")
    assert calls == ["app_before", "bp_before"]
    assert response.headers["X-BP"] == "1"
    calls.clear()
    response = client.get("/")
    assert calls == ["app_before"]
    assert "X-BP" not in response.headers


def test_blueprint_error_handler_before_app_handler(app: App) -> None:
    bp = Blueprint("bp", __name__, url_prefix="/bp")

    @bp.errorhandler(403)
    def bp_forbidden(exc: Exception) -> tuple[str, int]:
        return "bp handler", 403

    @bp.app_errorhandler(404)
    def app_not_found(exc: Exception) -> tuple[str, int]:
        return "app-wide 404 from bp", 404

    @app.errorhandler(403)
    def app_forbidden(exc: Exception) -> tuple[str, int]:
        return "app handler", 403

    @bp.route("/forbidden")
    def bp_view() -> str:
        abort(403)

    @app.route("/forbidden")
    def app_view() -> str:
        abort(403)

    app.register_blueprint(bp)
    client = app.test_client()
    assert client.get("/bp/forbidden").data == b"bp handler"
    assert client.get("/forbidden").data == b"app handler"
    assert client.get("/nowhere").data == b"app-wide 404 from bp"


def test_url_defaults_of_blueprint(app: App) -> None:
    news = Blueprint("news", __name__, url_prefix="/news", url_defaults={"section": "news"})

    @news.route("/")
    def listing(section: str) -> str:
        return f"{section} {url_for('.listing')}"

    app.register_blueprint(news)
    app.register_blueprint(
        news, name="sport", url_prefix="/sport", url_defaults={"section": "sport"}
    )
    client = app.test_client()
    assert client.get("/news/").data == b"news /news/"
    assert client.get("/sport/").data == b"sport /sport/"


def test_names_with_dots_are_refused() -> None:
    with pytest.raises(ValueError, match="dot"):
        Blueprint("a.b", __name__)
    bp = Blueprint("a", __name__)
    with pytest.raises(ValueError, match="dot"):
        bp.add_url_rule("/", "x.y", lambda: "")


def test_subdomain_blueprint() -> None:
    app = App(__name__, subdomain_matching=True)
    app.config.update(TESTING=True, SERVER_NAME="example.com")
    api = Blueprint("api", __name__, subdomain="api")

    @api.route("/status")
    def status() -> str:
        return "api status"

    @app.route("/status")
    def site_status() -> str:
        return "site status"

    app.register_blueprint(api)
    client = app.test_client()
    assert client.get("/status", base_url="http://api.example.com").data == b"api status"
    assert client.get("/status", base_url="http://example.com").data == b"site status"
    assert client.get("/status", base_url="http://other.example.com").status_code == 404


def test_url_for_across_subdomains() -> None:
    from hipflask import url_for

    app = App(__name__, subdomain_matching=True)
    app.config.update(SERVER_NAME="example.com")
    api = Blueprint("api", __name__, subdomain="api")
    api.add_url_rule("/status", "status", lambda: "")
    app.add_url_rule("/", "index", lambda: "")
    app.register_blueprint(api)
    with app.test_request_context("/", base_url="http://example.com"):
        assert url_for("api.status") == "http://api.example.com/status"
        assert url_for("index") == "/"
    with app.test_request_context("/", base_url="http://api.example.com"):
        assert url_for("api.status") == "/status"
        assert url_for("index") == "http://example.com/"


@pytest.mark.parametrize(
    ("method", "register"),
    [
        ("route", lambda bp: bp.route("/late")(lambda: "late")),
        ("before_request", lambda bp: bp.before_request(lambda: None)),
        ("errorhandler", lambda bp: bp.errorhandler(404)(lambda exc: "x")),
        ("before_app_request", lambda bp: bp.before_app_request(lambda: None)),
        ("register_blueprint", lambda bp: bp.register_blueprint(Blueprint("child", __name__))),
    ],
)
def test_setup_after_registration_is_refused(
    app: App, method: str, register: Callable[[Blueprint], object]
) -> None:
    bp = Blueprint("bp", __name__)

    @bp.route("/early")
    def early() -> str:
        return "early"

    app.register_blueprint(bp)
    with pytest.raises(
        AssertionError, match=f"'{method}' can no longer be called on the blueprint 'bp'"
    ):
        register(bp)
    client = app.test_client()
    assert client.get("/early").data == b"early"
    assert client.get("/late").status_code == 404
