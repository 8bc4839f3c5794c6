"""Contexts and proxies: isolation across threads, nesting, g per app context."""

from __future__ import annotations

import threading

import pytest

from hipflask import App, current_app, g, has_app_context, has_request_context, request
from hipflask.ctx import copy_current_request_context, stream_with_context


@pytest.fixture
def app() -> App:
    app = App(__name__)
    app.config["TESTING"] = True
    return app


def test_proxies_outside_context_raise_clear_errors() -> None:
    with pytest.raises(RuntimeError, match="outside of request context"):
        request.args  # noqa: B018
    with pytest.raises(RuntimeError, match="outside of application context"):
        current_app.name  # noqa: B018
    with pytest.raises(RuntimeError, match="outside of application context"):
        g.x  # noqa: B018
    assert not has_app_context()
    assert not has_request_context()
    assert not request  # an unbound proxy is falsy


def test_app_context_and_g(app: App) -> None:
    with app.app_context():
        assert current_app._get_current_object() is app  # type: ignore[attr-defined]
        g.value = 1
        assert g.get("value") == 1
        assert "value" in g
        assert has_app_context()
        assert not has_request_context()
    with app.app_context():
        assert g.get("value") is None


def test_nested_contexts_restore_the_outer_one(app: App) -> None:
    other = App("other")
    with app.test_request_context("/outer"):
        assert request.path == "/outer"
        with other.test_request_context("/inner"):
            assert request.path == "/inner"
            assert current_app.name == "other"
        assert request.path == "/outer"
        assert current_app.name == __name__


def test_popping_an_app_context_that_is_not_current_is_a_clear_error(app: App) -> None:
    torn_down: list[object] = []
    app.teardown_appcontext(torn_down.append)
    with pytest.raises(AssertionError, match="Popped wrong app context"):
        app.app_context().pop()
    outer, inner = app.app_context(), app.app_context()
    outer.push()
    inner.push()
    with pytest.raises(AssertionError, match="Popped wrong app context"):
        outer.pop()
    assert current_app._get_current_object() is app  # type: ignore[attr-defined]
    assert torn_down == []  # a refused pop changes nothing
    inner.pop()
    outer.pop()
    with pytest.raises(AssertionError, match="Popped wrong app context"):
        outer.pop()
    assert len(torn_down) == 2
    assert not has_app_context()


def test_popping_a_request_context_that_is_not_current_is_a_clear_error(app: App) -> None:
    torn_down: list[object] = []
    app.teardown_request(torn_down.append)
    with pytest.raises(AssertionError, match="Popped wrong request context"):
        app.test_request_context().pop()
    outer, inner = app.test_request_context("/outer"), app.test_request_context("/inner")
    outer.push()
    inner.push()
    with pytest.raises(AssertionError, match="Popped wrong request context"):
        outer.pop()
    assert request.path == "/inner"
    assert torn_down == []
    inner.pop()
    outer.pop()
    with pytest.raises(AssertionError, match="Popped wrong request context"):
        outer.pop()
    assert len(torn_down) == 2
    assert not has_request_context()
    assert not has_app_context()


def test_request_context_reuses_app_context_of_same_app(app: App) -> None:
    with app.app_context():
        g.shared = "yes"
        with app.test_request_context("/"):
            assert g.shared == "yes"


def test_threads_see_their_own_request(app: App) -> None:
    results: dict[int, str] = {}
    barrier = threading.Barrier(8)

    @app.route("/<name>")
    def who(name: str) -> str:
        g.name = name
        barrier.wait(timeout=5)
        return f"{request.view_args['name']}:{g.name}"  # type: ignore[index]

    def worker(i: int) -> None:
        response = app.test_client().get(f"/user{i}")
        results[i] = response.get_data(as_text=True)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert results == {i: f"user{i}:user{i}" for i in range(8)}


def test_copy_current_request_context(app: App) -> None:
    seen: list[str] = []

    @app.route("/")
    def index() -> str:
        @copy_current_request_context
        def in_thread() -> None:
            seen.append(request.path)

        thread = threading.Thread(target=in_thread)
        thread.start()
        thread.join()
        return "ok"

    app.test_client().get("/")
    assert seen == ["/"]


def test_stream_with_context(app: App) -> None:
    @app.route("/stream")
    def stream():  # type: ignore[no-untyped-def]
        def generate():  # type: ignore[no-untyped-def]
            yield "path="
            yield request.path

        return stream_with_context(generate())

    assert app.test_client().get("/stream").data == b"path=/stream"


def test_test_request_context_arguments(app: App) -> None:
    with app.test_request_context("/x?a=1", method="POST", data={"f": "v"}, headers={"X-H": "h"}):
        assert request.method == "POST"
        assert request.args["a"] == "1"
        assert request.form["f"] == "v"
        assert request.headers["X-H"] == "h"


def test_proxies_forward_known_and_unknown_attributes(app: App) -> None:
    from hipflask import session

    app.secret_key = "s" * 32

    class CustomRequest(app.request_class):  # type: ignore[name-defined,misc]
        extra = "custom attribute"

    app.request_class = CustomRequest

    @app.route("/")
    def index() -> str:
        session["k"] = "v"
        request.note = "set through the proxy"  # type: ignore[attr-defined]
        return f"{request.method} {request.extra} {session.get('k')} {request.note}"  # type: ignore[attr-defined]

    assert app.test_client().get("/").data == b"GET custom attribute v set through the proxy"


def test_session_items_through_the_proxy_open_the_session_or_raise_outside_a_request() -> None:
    from hipflask import session

    with pytest.raises(RuntimeError, match="outside of request context"):
        session["x"]
    with pytest.raises(RuntimeError, match="outside of request context"):
        session["x"] = 1
    app = App(__name__)
    app.config["SECRET_KEY"] = "k" * 32
    with app.test_request_context("/") as ctx:
        assert ctx._session is None
        with pytest.raises(KeyError):
            session["x"]  # opens the session on first use
        assert ctx._session is not None and ctx._session.accessed
    with app.test_request_context("/") as ctx:
        session["x"] = 1  # opens it, then writes
        assert ctx._session == {"x": 1} and ctx._session.modified
        assert session["x"] == 1


def test_forwarded_session_names_open_the_session_or_raise_outside_a_request() -> None:
    from hipflask import session

    with pytest.raises(RuntimeError, match="outside of request context"):
        session.get("x")
    app = App(__name__)
    app.config["SECRET_KEY"] = "k" * 32
    with app.test_request_context("/") as ctx:
        assert ctx._session is None
        assert session.get("x") is None  # opens the session on first use
        opened = ctx._session
        assert opened is not None and opened.accessed
        session["x"] = 1
        assert session.get("x") == 1 and ctx._session is opened
        assert request.path == "/"


def test_a_request_context_is_its_own_app_context(app: App) -> None:
    from hipflask.ctx import AppContext, app_ctx_var, request_ctx_var

    with app.test_request_context("/") as ctx:
        pushed = app_ctx_var.get()
        assert pushed is ctx is request_ctx_var.get()
        assert isinstance(pushed, AppContext)
        assert (pushed.app, pushed._g) == (app, None)
        g.value = 1
        assert pushed.g.value == 1
    assert not has_app_context()
    assert app_ctx_var.get(None) is None and request_ctx_var.get("none") == "none"
    with pytest.raises(LookupError):
        app_ctx_var.get()
    with pytest.raises(LookupError):
        request_ctx_var.get()


def test_a_request_in_an_app_context_of_its_app_shares_it_and_leaves_its_teardown(
    app: App,
) -> None:
    from hipflask.ctx import app_ctx_var, request_ctx_var

    torn_down: list[object] = []
    app.teardown_appcontext(lambda exc: torn_down.append(has_request_context()))
    with app.app_context() as outer:
        g.shared = "yes"
        with app.test_request_context("/") as ctx:
            assert app_ctx_var.get() is outer  # NOTE: db.session is scoped by this identity
            assert request_ctx_var.get() is ctx
            assert g.shared == "yes" and ctx.g is outer.g
            ctx.g.other = 1
        assert torn_down == []  # the request did not tear its app context down
        assert app_ctx_var.get() is outer and not has_request_context()
        assert g.other == 1
    assert torn_down == [False]
    # a request context of another app pushes its own app context
    other = App("other")
    with app.app_context(), other.test_request_context("/") as ctx:
        assert app_ctx_var.get() is ctx and current_app.name == "other"


def test_an_app_context_pushed_in_a_request_keeps_the_request_visible(app: App) -> None:
    from hipflask.ctx import app_ctx_var, request_ctx_var

    other = App("other")
    with app.test_request_context("/outer") as ctx:
        for pushed_app in (app, other):
            with pushed_app.app_context() as inner:
                assert app_ctx_var.get() is inner and request_ctx_var.get() is ctx
                assert request.path == "/outer" and current_app.name == pushed_app.name
                g.inner = True
            assert app_ctx_var.get() is ctx and "inner" not in g
    assert not has_request_context() and not has_app_context()


def test_teardown_callbacks_see_the_request_then_only_the_app(app: App) -> None:
    seen: list[tuple[str, object, bool]] = []
    other = App("other")
    for each in (app, other):
        each.teardown_request(
            lambda exc, a=each: seen.append(("request", current_app.name, has_request_context()))
        )
        each.teardown_appcontext(
            lambda exc, a=each: seen.append(
                ("app", current_app.name, request.path if has_request_context() else None)
            )
        )
    with app.test_request_context("/outer"), other.test_request_context("/inner"):
        pass
    assert seen == [
        ("request", "other", True),
        ("app", "other", "/outer"),  # NOTE: the enclosing request, as before this one
        ("request", __name__, True),
        ("app", __name__, None),
    ]


def test_a_context_pushed_twice_tears_down_when_popped_twice(app: App) -> None:
    torn_down: list[str] = []
    app.teardown_request(lambda exc: torn_down.append("request"))
    app.teardown_appcontext(lambda exc: torn_down.append("app"))
    for ctx in (app.app_context(), app.test_request_context("/")):
        before = len(torn_down)
        ctx.push()
        ctx.push()
        ctx.pop()
        assert len(torn_down) == before and has_app_context()
        ctx.pop()
        assert not has_app_context()
        with pytest.raises(AssertionError, match="Popped wrong"):
            ctx.pop()
        torn_down.append("|")
    assert torn_down == ["app", "|", "request", "app", "|"]


@pytest.mark.parametrize("same_app", [True, False])
def test_a_request_pop_under_a_pushed_app_context_changes_nothing(app: App, same_app: bool) -> None:
    torn_down: list[object] = []
    app.teardown_request(torn_down.append)
    app.teardown_appcontext(torn_down.append)
    ctx = app.test_request_context("/")
    ctx.push()
    inner = (app if same_app else App("other")).app_context()
    inner.push()
    with pytest.raises(AssertionError, match="Popped wrong app context"):
        ctx.pop()
    assert torn_down == [] and request.path == "/"
    assert current_app.name == (app.name if same_app else "other")
    inner.pop()
    ctx.pop()
    # NOTE: the request's two callbacks, and the inner context's when it is of this app.
    assert len(torn_down) == (3 if same_app else 2) and not has_app_context()


def test_a_task_started_in_a_request_keeps_seeing_it(app: App) -> None:
    import asyncio

    async def main() -> list[str]:
        seen: list[str] = []
        with app.test_request_context("/x"):

            async def later() -> None:
                await asyncio.sleep(0)
                seen.append(request.path)

            task = asyncio.get_running_loop().create_task(later())
        assert not has_request_context()
        await task
        return seen

    assert asyncio.run(main()) == ["/x"]
