"""The request pipeline's inline path: whatever replaces or hooks into it, even after the
first request, still runs (``App.full_dispatch_request`` skips calls only while nothing would
notice)."""

from __future__ import annotations

from typing import Any

import pytest

from hipflask import App, Blueprint, Response, after_this_request, session


def _plain_app() -> App:
    """Return an app with no hook of its own: the default security headers' is off."""
    app = App(__name__)
    app.config.update(TESTING=True, SECURITY_HEADERS=False)
    return app


@pytest.fixture
def app() -> App:
    app = _plain_app()
    app.config["SECRET_KEY"] = "a test secret key that is long enough"

    @app.route("/")
    def index() -> str:
        return "hello"

    @app.route("/response")
    def response() -> Response:
        return Response("made", 201)

    return app


def _warm(app: App) -> None:
    """Make a first request, so the app is finalized and takes its inline path."""
    assert app.test_client().get("/").data == b"hello"


def test_hooks_added_after_the_first_request_run(app: App) -> None:
    _warm(app)
    seen: list[str] = []

    @app.url_value_preprocessor
    def values(endpoint: str | None, view_args: dict[str, Any] | None) -> None:
        seen.append(f"values {endpoint}")

    @app.before_request
    def before() -> None:
        seen.append("before")

    @app.after_request
    def after(response: Response) -> Response:
        response.headers["X-After"] = "1"
        return response

    response = app.test_client().get("/")
    assert seen == ["values index", "before"]
    assert response.headers["X-After"] == "1"


def test_hooks_added_straight_into_the_dicts_run(app: App) -> None:
    _warm(app)
    app.before_request_funcs.setdefault(None, []).append(lambda: "from the hook")
    assert app.test_client().get("/").data == b"from the hook"


def test_after_this_request_and_session_on_the_inline_path(app: App) -> None:
    @app.route("/later")
    def later() -> str:
        @after_this_request
        def stamp(response: Response) -> Response:
            response.headers["X-Later"] = "yes"
            return response

        session["seen"] = True
        return "later"

    _warm(app)
    response = app.test_client().get("/later")
    assert response.headers["X-Later"] == "yes"
    assert "session=" in response.headers["Set-Cookie"]


def test_subclass_pipeline_methods_are_called() -> None:
    calls: list[str] = []

    class Traced(App):
        def dispatch_request(self, ctx: Any) -> Any:
            calls.append("dispatch")
            return super().dispatch_request(ctx)

        def make_response(self, rv: Any) -> Response:
            calls.append("make_response")
            return super().make_response(rv)

    app = Traced(__name__)
    app.config["SECURITY_HEADERS"] = False

    @app.route("/")
    def index() -> str:
        return "hello"

    assert app.test_client().get("/").data == b"hello"
    assert calls == ["dispatch", "make_response"]


@pytest.mark.parametrize(
    "name",
    [
        "preprocess_request",
        "dispatch_request",
        "finalize_request",
        "process_response",
        "full_dispatch_request",
    ],
)
def test_methods_replaced_on_the_instance_after_the_first_request_are_called(
    app: App, name: str
) -> None:
    _warm(app)
    original = getattr(app, name)
    calls: list[str] = []

    def traced(*args: Any, **kwargs: Any) -> Any:
        calls.append(name)
        return original(*args, **kwargs)

    setattr(app, name, traced)
    assert app.test_client().get("/").data == b"hello"
    assert calls == [name]


def test_a_subclass_full_dispatch_request_is_called_and_its_response_sent() -> None:
    class Stamped(App):
        def full_dispatch_request(self, ctx: Any) -> Response:
            response = super().full_dispatch_request(ctx)
            response.headers["X-Stamped"] = type(response).__name__
            return response

    app = Stamped(__name__)
    app.config["SECURITY_HEADERS"] = False

    @app.route("/")
    def index() -> str:
        return "hello"

    response = app.test_client().get("/")
    assert (response.data, response.headers["X-Stamped"]) == (b"hello", "Response")


def test_a_view_str_that_cannot_be_encoded_is_a_500(app: App) -> None:
    @app.route("/surrogate")
    def surrogate() -> str:
        return "\ud800"

    app.config["TESTING"] = False
    _warm(app)
    response = app.test_client().get("/surrogate")
    assert response.status_code == 500
    assert b"ud800" not in response.data


def test_make_response_replaced_after_the_first_request_is_called(app: App) -> None:
    _warm(app)
    original = app.make_response
    app.make_response = lambda rv: original(rv.upper())  # type: ignore[method-assign]
    assert app.test_client().get("/").data == b"HELLO"


def test_class_method_replaced_before_the_first_request_is_called(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = App.process_response

    def stamped(self: App, ctx: Any, response: Response) -> Response:
        response.headers["X-Patched"] = "1"
        return original(self, ctx, response)

    monkeypatch.setattr(App, "process_response", stamped)
    assert app.test_client().get("/").headers["X-Patched"] == "1"


def test_response_class_swapped_after_the_first_request(app: App) -> None:
    _warm(app)

    class Plain(Response):
        default_mimetype = "text/plain"

    app.response_class = Plain
    response = app.test_client().get("/")
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    # NOTE: a Response the view built itself is sent as it is.
    assert app.test_client().get("/response").status_code == 201


def test_signals_connected_after_the_first_request_are_sent(app: App) -> None:
    _warm(app)
    from hipflask.signals import request_finished

    finished: list[int] = []

    def on_finished(sender: App, response: Response, **extra: Any) -> None:
        finished.append(response.status_code)

    request_finished.connect(on_finished, app)
    try:
        app.test_client().get("/")
    finally:
        request_finished.disconnect(on_finished, app)
    assert finished == [200]


def _assert_routing_answers(app: App) -> None:
    """Check the automatic OPTIONS answer, a 404 and a 405."""
    client = app.test_client()
    options = client.options("/")
    assert options.status_code == 200
    assert set(options.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert client.get("/missing").status_code == 404
    assert client.post("/").status_code == 405


def test_automatic_options_and_routing_errors_keep_their_answers(app: App) -> None:
    _warm(app)
    _assert_routing_answers(app)


def _register_hooked_blueprint(app: App, seen: list[str]) -> None:
    """Register a blueprint with a ``/page`` view and a hook that records ``bp`` in ``seen``."""
    bp = Blueprint("bp", __name__)

    @bp.before_request
    def bp_before() -> None:
        seen.append("bp")

    @bp.route("/page")
    def page() -> str:
        return "page"

    app.register_blueprint(bp)


def test_blueprint_hooks_beside_app_hooks_run_in_scope_order(app: App) -> None:
    seen: list[str] = []
    _register_hooked_blueprint(app, seen)

    @app.before_request
    def app_before() -> None:
        seen.append("app")

    client = app.test_client()
    assert client.get("/").data == b"hello"
    assert seen == ["app"]
    seen.clear()
    assert client.get("/page").data == b"page"
    assert seen == ["app", "bp"]


def test_blueprint_hooks_alone_run_only_for_their_blueprint(app: App) -> None:
    seen: list[str] = []
    _register_hooked_blueprint(app, seen)
    client = app.test_client()
    assert client.get("/").data == b"hello"
    assert seen == []
    assert client.get("/page").data == b"page"
    assert seen == ["bp"]
    # NOTE: looking the hooks up adds no scope to the dict (a defaultdict) that had none.
    assert list(app.before_request_funcs) == ["bp"]


def _register_after_hooked_blueprint(app: App, seen: list[str]) -> None:
    bp = Blueprint("after_bp", __name__)

    @bp.after_request
    def bp_first(response: Response) -> Response:
        seen.append("bp first")
        return response

    @bp.after_request
    def bp_last(response: Response) -> Response:
        seen.append("bp last")
        return response

    @bp.route("/after-page")
    def after_page() -> str:
        return "after page"

    app.register_blueprint(bp)


def test_app_after_request_hooks_alone_run_in_reverse_order(app: App) -> None:
    # NOTE: process_response's fast path, app-wide hooks only (as the security headers' is).
    seen: list[str] = []
    app.after_request(lambda response: seen.append("first") or response)
    app.after_request(lambda response: seen.append("last") or response)
    client = app.test_client()
    for _ in range(2):
        assert client.get("/").data == b"hello"
        assert client.get("/missing").status_code == 404
    assert seen == ["last", "first"] * 4
    assert list(app.after_request_funcs) == [None]


def test_blueprint_after_request_hooks_beside_app_hooks_run_innermost_first(app: App) -> None:
    seen: list[str] = []
    _register_after_hooked_blueprint(app, seen)
    app.after_request(lambda response: seen.append("app") or response)
    client = app.test_client()
    assert client.get("/").data == b"hello"
    assert seen == ["app"]
    seen.clear()
    assert client.get("/after-page").data == b"after page"
    assert seen == ["bp last", "bp first", "app"]


def test_blueprint_after_request_hooks_alone_run_only_for_their_blueprint(app: App) -> None:
    seen: list[str] = []
    _register_after_hooked_blueprint(app, seen)
    client = app.test_client()
    assert client.get("/").data == b"hello"
    assert seen == []
    assert client.get("/after-page").data == b"after page"
    assert seen == ["bp last", "bp first"]
    assert list(app.after_request_funcs) == ["after_bp"]


def test_url_value_preprocessors_run_before_app_hooks(app: App) -> None:
    seen: list[str] = []

    @app.url_value_preprocessor
    def values(endpoint: str | None, view_args: dict[str, Any] | None) -> None:
        seen.append("values")

    @app.before_request
    def before() -> None:
        seen.append("before")

    assert app.test_client().get("/").data == b"hello"
    assert seen == ["values", "before"]


def test_an_app_hook_answer_stops_the_later_hooks_and_the_view(app: App) -> None:
    seen: list[str] = []
    app.before_request(lambda: seen.append("first"))
    app.before_request(lambda: "stopped")
    app.before_request(lambda: seen.append("never"))
    assert app.test_client().get("/").data == b"stopped"
    assert seen == ["first"]


def test_session_and_tuple_results_after_a_hook_are_finalized(app: App) -> None:
    @app.route("/created")
    def created() -> tuple[str, int, dict[str, str]]:
        session["made"] = True
        return "made", 201, {"X-Made": "1"}

    app.before_request(lambda: None)
    _warm(app)
    response = app.test_client().get("/created")
    assert response.status_code == 201
    assert response.headers["X-Made"] == "1"
    assert "session=" in response.headers["Set-Cookie"]


def test_routing_answers_after_a_hook_are_kept(app: App) -> None:
    seen: list[str] = []
    app.before_request(lambda: seen.append("hook"))
    _assert_routing_answers(app)
    # NOTE: as in Flask, the hooks run before the routing error is raised.
    assert seen == ["hook", "hook", "hook"]


def test_a_hook_that_sets_a_routing_error_stops_the_view(app: App) -> None:
    from hipflask import request
    from hipflask.exceptions import NotFound

    def hide() -> None:
        request.routing_exception = NotFound()

    app.before_request(hide)
    assert app.test_client().get("/").status_code == 404


def test_dispatch_request_replaced_beside_a_hook_is_called(app: App) -> None:
    app.before_request(lambda: None)
    _warm(app)
    original = app.dispatch_request
    calls: list[str] = []

    def traced(ctx: Any) -> Any:
        calls.append("dispatch")
        return original(ctx)

    app.dispatch_request = traced  # type: ignore[method-assign]
    assert app.test_client().get("/").data == b"hello"
    assert calls == ["dispatch"]


def test_a_session_interface_set_as_a_class_attribute_saves_the_session() -> None:
    from hipflask.sessions.cookie import SecureCookieSessionInterface

    saved: list[str] = []

    class Recording(SecureCookieSessionInterface):
        def save_session(self, app: Any, session: Any, response: Response) -> None:
            saved.append(type(app).__name__)
            super().save_session(app, session, response)

    class Custom(App):
        session_interface = Recording()  # NOTE: Flask's idiom: shadows the property

    app = Custom(__name__)
    app.config.update(SECURITY_HEADERS=False, SECRET_KEY="a test secret key that is long enough")

    @app.route("/")
    def index() -> str:
        session["seen"] = True
        return "hello"

    response = app.test_client().get("/")
    assert "session=" in response.headers["Set-Cookie"]
    assert saved == ["Custom"]


def test_a_session_interface_set_as_a_class_attribute_opens_the_session() -> None:
    from hipflask.sessions.cookie import SecureCookieSessionInterface

    opened: list[str] = []

    class Recording(SecureCookieSessionInterface):
        def open_session(self, app: Any, request: Any) -> Any:
            opened.append(request.path)
            return super().open_session(app, request)

    class Custom(App):
        session_interface = Recording()  # NOTE: shadows the property: _session_interface is None

    app = Custom(__name__)
    app.config.update(SECURITY_HEADERS=False, SECRET_KEY="a test secret key that is long enough")

    @app.route("/")
    def index() -> str:
        return str(session.get("seen", False))

    assert app.test_client().get("/").data == b"False"
    assert opened == ["/"]


def test_dispatch_request_replaced_is_called_for_a_routing_error(app: App) -> None:
    _warm(app)
    calls: list[str] = []
    original = app.dispatch_request

    def traced(ctx: Any) -> Any:
        calls.append(ctx.request.path)
        return original(ctx)

    app.dispatch_request = traced  # type: ignore[method-assign]
    assert app.test_client().get("/missing").status_code == 404
    assert calls == ["/missing"]


@pytest.mark.parametrize(("method", "status"), [("GET", 404), ("POST", 405)])
def test_a_routing_error_leaves_no_cycle_holding_the_request(
    app: App, method: str, status: int
) -> None:
    import gc
    import weakref

    from hipflask.request import Request

    requests: list[weakref.ref[Request]] = []

    class Recorded(Request):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            requests.append(weakref.ref(self))

    app.request_class = Recorded
    _warm(app)
    gc.collect()
    gc.disable()
    try:
        path = "/missing" if status == 404 else "/"
        response = app.test_client().open(path, method=method)
        assert response.status_code == status
        del response
        assert requests[-1]() is None  # NOTE: freed by reference counting alone
    finally:
        gc.enable()


def test_a_routing_error_handler_sees_the_error_being_handled(app: App) -> None:
    import sys

    seen: list[Any] = []

    @app.errorhandler(404)
    def not_found(error: Exception) -> tuple[str, int]:
        seen.append(sys.exc_info()[1])
        return "gone", 404

    _warm(app)
    response = app.test_client().get("/missing")
    assert (response.status_code, response.data) == (404, b"gone")
    assert type(seen[0]).__name__ == "NotFound"
    assert seen[0].__traceback__ is None  # NOTE: dropped after handling: no cycle
