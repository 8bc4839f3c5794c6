"""async def views, hooks and error handlers run from the WSGI app, each on its thread's loop."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from hipflask import App, Blueprint, g, request
from hipflask.response import Response


def test_async_view() -> None:
    app = App(__name__)

    @app.route("/<name>")
    async def hello(name: str) -> str:
        await asyncio.sleep(0)
        return f"hello {name} {request.args.get('q')}"

    assert app.test_client().get("/ada?q=1").text == "hello ada 1"


def test_async_hooks_run_in_order() -> None:
    app = App(__name__)
    calls: list[str] = []

    @app.before_request
    async def before() -> None:
        await asyncio.sleep(0)
        g.user = "ada"
        calls.append("before")

    @app.after_request
    async def after(response: Response) -> Response:
        calls.append("after")
        response.headers["X-After"] = "async"
        return response

    @app.teardown_request
    async def teardown(exc: BaseException | None) -> None:
        calls.append("teardown")

    @app.route("/")
    def index() -> str:
        calls.append("view")
        return g.user

    response = app.test_client().get("/")
    assert response.text == "ada"
    assert response.headers["X-After"] == "async"
    assert calls == ["before", "view", "after", "teardown"]


def test_async_before_request_can_short_circuit() -> None:
    app = App(__name__)

    @app.before_request
    async def deny() -> tuple[str, int]:
        return "denied", 403

    @app.route("/")
    def index() -> str:
        raise AssertionError("the view must not run")

    response = app.test_client().get("/")
    assert (response.status_code, response.text) == (403, "denied")


def test_async_error_handlers() -> None:
    app = App(__name__)

    class Oops(Exception):
        pass

    @app.errorhandler(Oops)
    async def handle_oops(exc: Oops) -> tuple[str, int]:
        await asyncio.sleep(0)
        return f"handled {exc}", 418

    @app.errorhandler(404)
    async def not_found(exc: Any) -> tuple[str, int]:
        return "async 404", 404

    @app.route("/")
    async def index() -> str:
        raise Oops("boom")

    client = app.test_client()
    response = client.get("/")
    assert (response.status_code, response.text) == (418, "handled boom")
    assert client.get("/missing").text == "async 404"


def test_async_blueprint_view_and_hook() -> None:
    app = App(__name__)
    blueprint = Blueprint("bp", __name__)

    @blueprint.before_request
    async def mark() -> None:
        g.marked = True

    @blueprint.route("/bp")
    async def view() -> str:
        return f"marked={g.get('marked')}"

    app.register_blueprint(blueprint)
    assert app.test_client().get("/bp").text == "marked=True"


def test_async_view_does_not_block_other_threads() -> None:
    app = App(__name__)
    arrived = threading.Barrier(2)

    @app.route("/meet")
    async def meet() -> str:
        # Both requests must be inside an async view at once: one blocking the other's thread
        # would leave it waiting here alone until the timeout breaks the barrier.
        try:
            await asyncio.to_thread(arrived.wait, 10)
        except threading.BrokenBarrierError:
            return "alone"
        return "together"

    results: list[str] = []

    def worker() -> None:
        results.append(app.test_client().get("/meet").text)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert results == ["together", "together"]
