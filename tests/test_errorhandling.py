"""The app's error handling: handlers by code and class, the 500 answer, logging, debug page."""

from __future__ import annotations

import logging

import pytest

from hipflask import App, abort
from hipflask.exceptions import HTTPException, NotFound


@pytest.fixture
def app() -> App:
    app = App(__name__)
    app.config["TESTING"] = True
    return app


def test_error_handlers_by_code_and_class(app: App) -> None:
    class AppError(Exception):
        pass

    class SpecificError(AppError):
        pass

    @app.errorhandler(404)
    def not_found(exc: NotFound) -> tuple[str, int]:
        return f"custom {exc.code}", 404

    @app.errorhandler(AppError)
    def app_error(exc: AppError) -> tuple[str, int]:
        return f"app error {type(exc).__name__}", 418

    @app.route("/boom")
    def boom() -> str:
        raise SpecificError()

    @app.route("/abort")
    def aborted() -> str:
        abort(404)

    client = app.test_client()
    assert client.get("/missing").data == b"custom 404"
    assert client.get("/abort").data == b"custom 404"
    response = client.get("/boom")
    assert response.status_code == 418
    assert response.data == b"app error SpecificError"


def test_http_exception_handler_catches_every_http_error(app: App) -> None:
    class Gone(HTTPException):
        pass  # declares no code, so it files under "any code" like HTTPException itself

    @app.errorhandler(HTTPException)
    def as_json(exc: HTTPException) -> tuple[dict[str, object], int]:
        return {"code": exc.code, "name": exc.name}, exc.code

    @app.errorhandler(409)
    def conflict(exc: HTTPException) -> tuple[str, int]:
        return "specific 409", 409

    @app.route("/abort/<int:code>", methods=["GET"])
    def aborted(code: int) -> str:
        abort(code)

    @app.route("/gone")
    def gone() -> str:
        raise Gone()

    client = app.test_client()
    for path, code in [("/missing", 404), ("/abort/400", 400), ("/abort/403", 403)]:
        response = client.get(path)
        assert (response.status_code, response.json["code"]) == (code, code)
    response = client.post("/abort/400")
    assert (response.status_code, response.json["name"]) == (405, "Method Not Allowed")
    assert client.get("/abort/409").data == b"specific 409"
    assert client.get("/gone").json == {"code": 500, "name": "Internal Server Error"}


def test_nearest_class_in_mro_wins(app: App) -> None:
    @app.errorhandler(Exception)
    def generic(exc: Exception) -> tuple[str, int]:
        return "generic", 500

    @app.errorhandler(LookupError)
    def lookup(exc: Exception) -> tuple[str, int]:
        return "lookup", 500

    @app.route("/")
    def index() -> str:
        raise KeyError("x")

    assert app.test_client().get("/").data == b"lookup"


def test_unhandled_exception_is_logged_and_500(app: App, caplog: pytest.LogCaptureFixture) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/fail")
    def fail() -> str:
        raise ValueError("secret internals")

    with caplog.at_level(logging.ERROR):
        response = app.test_client().get("/fail")
    assert response.status_code == 500
    assert b"secret internals" not in response.data
    assert b"Traceback" not in response.data
    assert b"Internal Server Error" in response.data
    assert "Exception on /fail [GET]" in caplog.text
    assert "ValueError: secret internals" in caplog.text


def test_debug_mode_shows_a_traceback_page(app: App) -> None:
    app.config.update(PROPAGATE_EXCEPTIONS=False, TESTING=False, DEBUG=True)

    @app.route("/fail")
    def fail() -> str:
        raise ValueError("<b>boom</b>")

    response = app.test_client().get("/fail")
    assert response.status_code == 500
    assert b"Traceback" in response.data
    assert b"&lt;b&gt;boom&lt;/b&gt;" in response.data


def test_propagate_exceptions_in_testing(app: App) -> None:
    @app.route("/fail")
    def fail() -> str:
        raise ValueError("propagated")

    with pytest.raises(ValueError, match="propagated"):
        app.test_client().get("/fail")


def test_500_handler_receives_original_exception(app: App) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.errorhandler(500)
    def server_error(exc):  # type: ignore[no-untyped-def]
        return f"handled {type(exc.original_exception).__name__}", 500

    @app.route("/fail")
    def fail() -> str:
        raise ZeroDivisionError()

    assert app.test_client().get("/fail").data == b"handled ZeroDivisionError"
