"""url_for: inside and outside requests, external URLs, anchors, errors."""

from __future__ import annotations

import pytest

from hipflask import App, g, url_for
from hipflask.routing import BuildError


@pytest.fixture
def app() -> App:
    app = App(__name__)

    @app.route("/user/<username>")
    def profile(username: str) -> str:
        return username

    @app.route("/post/<int:post_id>", methods=["GET"])
    def post(post_id: int) -> str:
        return str(post_id)

    return app


def test_url_for_in_request(app: App) -> None:
    with app.test_request_context("/"):
        assert url_for("profile", username="Éléonore") == "/user/%C3%89l%C3%A9onore"
        assert (
            url_for("profile", username="a", page=2, tag=["x", "y"]) == "/user/a?page=2&tag=x&tag=y"
        )
        assert url_for("post", post_id=3, _anchor="comments") == "/post/3#comments"
        assert url_for("post", post_id=3, _external=True) == "http://localhost/post/3"
        assert (
            url_for("post", post_id=3, _scheme="https", _external=True)
            == "https://localhost/post/3"
        )
        assert url_for("static", filename="style.css") == "/static/style.css"


def test_script_root_is_prefixed(app: App) -> None:
    with app.test_request_context("/", base_url="http://example.com/prefix/"):
        assert url_for("post", post_id=1) == "/prefix/post/1"


def test_scheme_without_external_is_an_error(app: App) -> None:
    with app.test_request_context("/"), pytest.raises(ValueError, match="_external"):
        url_for("post", post_id=1, _scheme="https", _external=False)


def test_build_errors_are_clear(app: App) -> None:
    with app.test_request_context("/"):
        with pytest.raises(BuildError, match="profil"):
            url_for("profil")
        with pytest.raises(BuildError):
            url_for("profile")


def test_outside_request_needs_server_name(app: App) -> None:
    with app.app_context():
        with pytest.raises(RuntimeError, match="SERVER_NAME"):
            url_for("post", post_id=1)
        app.config.update(SERVER_NAME="example.com", PREFERRED_URL_SCHEME="https")
        assert url_for("post", post_id=1) == "https://example.com/post/1"


def test_url_build_error_handlers(app: App) -> None:
    def fallback(error: Exception, endpoint: str, values: dict[str, object]) -> str:
        return f"/fallback/{endpoint}"

    app.url_build_error_handlers.append(fallback)
    with app.test_request_context("/"):
        assert url_for("unknown") == "/fallback/unknown"


def test_app_url_for_method(app: App) -> None:
    with app.test_request_context("/"):
        assert app.url_for("profile", username="x") == "/user/x"


def test_url_defaults_fill_a_value_only_where_the_endpoint_expects_it(app: App) -> None:
    @app.url_defaults
    def add_language_code(endpoint: str, values: dict[str, object]) -> None:
        if "lang_code" in values or not g.get("lang_code"):
            return
        if app.url_map.is_endpoint_expecting(endpoint, "lang_code"):
            values["lang_code"] = g.lang_code

    @app.route("/<lang_code>/about")
    def about(lang_code: str) -> str:
        return lang_code

    with app.test_request_context("/"):
        g.lang_code = "fr"
        assert url_for("about") == "/fr/about"
        assert url_for("profile", username="a") == "/user/a"
        with pytest.raises(BuildError, match="no such endpoint"):
            url_for("abuot")
