"""Class-based views: View and MethodView, with Flask's semantics."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import wraps
from typing import Any

import pytest

from hipflask import App, request
from hipflask.views import MethodView, View


@pytest.fixture
def app() -> App:
    return App(__name__)


def test_view_dispatches_with_url_values(app: App) -> None:
    class Greeting(View):
        def dispatch_request(self, **kwargs: Any) -> str:
            return f"hello {kwargs['name']}"

    app.add_url_rule("/hello/<name>", view_func=Greeting.as_view("greeting"))
    response = app.test_client().get("/hello/ada")
    assert response.text == "hello ada"
    assert app.url_map.iter_rules("greeting")


def test_view_methods_and_constructor_arguments(app: App) -> None:
    class Echo(View):
        methods = ["GET", "POST"]

        def __init__(self, prefix: str) -> None:
            self.prefix = prefix

        def dispatch_request(self) -> str:
            return f"{self.prefix}{request.method}"

    app.add_url_rule("/echo", view_func=Echo.as_view("echo", "via "))
    client = app.test_client()
    assert client.post("/echo").text == "via POST"
    assert client.get("/echo").text == "via GET"
    assert client.put("/echo").status_code == 405


def test_init_every_request_true_makes_a_fresh_instance(app: App) -> None:
    instances: list[int] = []

    class Counter(View):
        def dispatch_request(self) -> str:
            instances.append(id(self))
            self.state = "per request"
            return "ok"

    app.add_url_rule("/", view_func=Counter.as_view("counter"))
    client = app.test_client()
    client.get("/")
    client.get("/")
    assert len(instances) == 2


def test_init_every_request_false_shares_one_instance(app: App) -> None:
    created: list[object] = []
    seen: set[int] = set()

    class Shared(View):
        init_every_request = False

        def __init__(self) -> None:
            created.append(self)

        def dispatch_request(self) -> str:
            seen.add(id(self))
            return "ok"

    app.add_url_rule("/", view_func=Shared.as_view("shared"))
    assert len(created) == 1
    client = app.test_client()
    client.get("/")
    client.get("/")
    assert len(created) == 1
    assert seen == {id(created[0])}


def test_decorators_are_applied_once_in_order(app: App) -> None:
    def tag(label: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
            @wraps(view)
            def wrapped(**kwargs: Any) -> str:
                return f"{label}({view(**kwargs)})"

            return wrapped

        return decorator

    class Tagged(View):
        decorators = [tag("inner"), tag("outer")]

        def dispatch_request(self) -> str:
            return "view"

    view = Tagged.as_view("tagged")
    assert view.__name__ == "tagged"
    assert view.view_class is Tagged  # type: ignore[attr-defined]
    app.add_url_rule("/", view_func=view)
    assert app.test_client().get("/").text == "outer(inner(view))"


def test_method_view_derives_methods_and_dispatches_by_verb(app: App) -> None:
    class Items(MethodView):
        def get(self, item_id: int) -> str:
            return f"get {item_id}"

        def delete(self, item_id: int) -> tuple[str, int]:
            return "", 204

    assert Items.methods == {"GET", "DELETE"}
    app.add_url_rule("/items/<int:item_id>", view_func=Items.as_view("items"))
    client = app.test_client()
    assert client.get("/items/3").text == "get 3"
    assert client.delete("/items/3").status_code == 204
    response = client.post("/items/3")
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "DELETE", "OPTIONS"}


def test_method_view_head_falls_back_to_get(app: App) -> None:
    class Page(MethodView):
        def get(self) -> str:
            return "page"

    app.add_url_rule("/", view_func=Page.as_view("page"))
    response = app.test_client().open("/", method="HEAD")
    assert response.status_code == 200
    assert response.data == b""


def test_method_view_inherits_methods(app: App) -> None:
    class Base(MethodView):
        def get(self) -> str:
            return "get"

    class Child(Base):
        def post(self) -> str:
            return "post"

    class Explicit(Base):
        methods = ["GET"]

        def put(self) -> str:
            return "put"

    assert Child.methods == {"GET", "POST"}
    assert Explicit.methods == ["GET"]
    app.add_url_rule("/", view_func=Child.as_view("child"))
    client = app.test_client()
    assert client.get("/").text == "get"
    assert client.post("/").text == "post"


def test_method_view_async_methods(app: App) -> None:
    class Slow(MethodView):
        async def get(self) -> str:
            await asyncio.sleep(0)
            return "async get"

        def post(self) -> str:
            return "sync post"

    app.add_url_rule("/", view_func=Slow.as_view("slow"))
    client = app.test_client()
    assert client.get("/").text == "async get"
    assert client.post("/").text == "sync post"


def test_async_dispatch_request(app: App) -> None:
    class Async(View):
        async def dispatch_request(self) -> str:
            await asyncio.sleep(0)
            return "async view"

    app.add_url_rule("/", view_func=Async.as_view("async_view"))
    assert app.test_client().get("/").text == "async view"


def test_provide_automatic_options_false(app: App) -> None:
    class NoOptions(View):
        methods = ["GET"]
        provide_automatic_options = False

        def dispatch_request(self) -> str:
            return "ok"

    app.add_url_rule("/", view_func=NoOptions.as_view("no_options"))
    assert app.test_client().open("/", method="OPTIONS").status_code == 405


def test_view_on_a_blueprint(app: App) -> None:
    from hipflask import Blueprint

    class Hello(View):
        def dispatch_request(self) -> str:
            return "from blueprint"

    blueprint = Blueprint("bp", __name__, url_prefix="/bp")
    blueprint.add_url_rule("/", view_func=Hello.as_view("hello"))
    app.register_blueprint(blueprint)
    assert app.test_client().get("/bp/").text == "from blueprint"
    with app.test_request_context():
        from hipflask import url_for

        assert url_for("bp.hello") == "/bp/"
