"""Signals: each one sent with the app as sender and Flask's keyword arguments, and free when
nobody listens."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

import hipflask
from hipflask import App, signals


@contextmanager
def recording(signal: Any) -> Iterator[list[tuple[Any, dict[str, Any]]]]:
    calls: list[tuple[Any, dict[str, Any]]] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        calls.append((sender, kwargs))

    signal.connect(receiver)
    try:
        yield calls
    finally:
        signal.disconnect(receiver)


def make_app() -> App:
    app = App(__name__)
    app.config["SECRET_KEY"] = "x" * 32

    @app.route("/")
    def index() -> str:
        return "ok"

    @app.route("/boom")
    def boom() -> str:
        raise ZeroDivisionError("boom")

    return app


def test_request_started_and_finished() -> None:
    app = make_app()
    with (
        recording(signals.request_started) as started,
        recording(signals.request_finished) as finished,
    ):
        response = app.test_client().get("/")
    assert started == [(app, {})]
    [(sender, kwargs)] = finished
    assert sender is app
    assert set(kwargs) == {"response"}
    assert kwargs["response"].status_code == response.status_code == 200


def test_request_started_sees_the_matched_endpoint() -> None:
    app = make_app()
    endpoints: list[str | None] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        endpoints.append(hipflask.request.endpoint)

    signals.request_started.connect(receiver)
    try:
        app.test_client().get("/")
    finally:
        signals.request_started.disconnect(receiver)
    assert endpoints == ["index"]


def test_got_request_exception() -> None:
    app = make_app()
    with recording(signals.got_request_exception) as calls:
        response = app.test_client().get("/boom")
    assert response.status_code == 500
    [(sender, kwargs)] = calls
    assert sender is app
    assert isinstance(kwargs["exception"], ZeroDivisionError)


def test_request_tearing_down() -> None:
    app = make_app()
    with recording(signals.request_tearing_down) as calls:
        app.test_client().get("/")
        app.test_client().get("/boom")
    assert [sender for sender, _ in calls] == [app, app]
    assert calls[0][1] == {"exc": None}
    assert isinstance(calls[1][1]["exc"], ZeroDivisionError)


def test_appcontext_signals() -> None:
    app = make_app()
    with (
        recording(signals.appcontext_pushed) as pushed,
        recording(signals.appcontext_popped) as popped,
        recording(signals.appcontext_tearing_down) as tearing_down,
        app.app_context(),
    ):
        assert pushed == [(app, {})]
        assert popped == []
    assert popped == [(app, {})]
    assert tearing_down == [(app, {"exc": None})]


def test_appcontext_tearing_down_gets_the_exception() -> None:
    app = make_app()
    with (
        recording(signals.appcontext_tearing_down) as calls,
        pytest.raises(KeyError),
        app.app_context(),
    ):
        raise KeyError("x")
    [(_, kwargs)] = calls
    assert isinstance(kwargs["exc"], KeyError)


def test_template_signals() -> None:
    app = make_app()

    @app.route("/page")
    def page() -> str:
        return hipflask.render_template_string("hi {{ name }}", name="ada")

    with (
        recording(signals.before_render_template) as before,
        recording(signals.template_rendered) as rendered,
    ):
        assert app.test_client().get("/page").text == "hi ada"
    for calls in (before, rendered):
        [(sender, kwargs)] = calls
        assert sender is app
        assert set(kwargs) == {"template", "context"}
        assert kwargs["context"]["name"] == "ada"


def test_message_flashed() -> None:
    app = make_app()

    @app.route("/flash")
    def flash_view() -> str:
        hipflask.flash("saved", "info")
        return "flashed"

    with recording(signals.message_flashed) as calls:
        app.test_client().get("/flash")
    assert calls == [(app, {"message": "saved", "category": "info"})]


def test_async_receivers_run() -> None:
    app = make_app()
    calls: list[Any] = []

    async def receiver(sender: Any, **kwargs: Any) -> None:
        calls.append(sender)

    signals.request_started.connect(receiver)
    try:
        app.test_client().get("/")
    finally:
        signals.request_started.disconnect(receiver)
    assert calls == [app]


def test_namespace_is_reexported_for_user_signals() -> None:
    assert hipflask.Namespace is signals.Namespace
    mine = hipflask.Namespace()
    user_signal = mine.signal("user-saved")
    with recording(user_signal) as calls:
        user_signal.send("sender", id=1)
    assert calls == [("sender", {"id": 1})]


def test_every_flask_signal_is_exported() -> None:
    names = [
        "request_started", "request_finished", "request_tearing_down", "got_request_exception",
        "appcontext_pushed", "appcontext_popped", "appcontext_tearing_down", "template_rendered",
        "before_render_template", "message_flashed",
    ]  # fmt: skip
    for name in names:
        assert getattr(hipflask, name) is getattr(signals, name)


def test_no_receivers_means_blinker_is_never_imported() -> None:
    code = (
        "import sys\n"
        "from hipflask import App\n"
        "app = App('probe')\n"
        "app.add_url_rule('/', 'index', lambda: 'ok')\n"
        "response = app.test_client().get('/')\n"
        "assert response.text == 'ok', response.text\n"
        "with app.app_context():\n"
        "    pass\n"
        "print('blinker' in sys.modules, 'hipflask.signals' in sys.modules)\n"
    )
    assert _printed(code) == ["False", "False"]


def test_importing_the_signals_leaves_sending_off_until_a_receiver_connects() -> None:
    code = (
        "from hipflask import App, app as app_module\n"
        "from hipflask.signals import request_started, Namespace\n"
        "mine = Namespace().signal('mine'); mine.connect(lambda sender: None)\n"
        "print(App._signals_active, app_module._signals_on)\n"
        "seen = []\n"
        "app = App('x'); app.config['SECURITY_HEADERS'] = False\n"
        "app.add_url_rule('/', 'index', lambda: 'hi')\n"
        "def receiver(sender, **extra): seen.append(sender)\n"
        "request_started.connect(receiver, app)\n"
        "print(App._signals_active, app_module._signals_on)\n"
        "app.test_client().get('/'); print(seen == [app])\n"
    )
    assert _printed(code) == ["False", "False", "True", "True", "True"]


@pytest.mark.parametrize("way", ["connect", "connect_via", "connected_to"])
def test_every_way_of_connecting_turns_sending_on(way: str) -> None:
    code = (
        "from hipflask import App\n"
        "from hipflask.signals import request_finished\n"
        "def receiver(sender, **extra): pass\n"
        f"way = {way!r}\n"
        "if way == 'connect': request_finished.connect(receiver)\n"
        "elif way == 'connect_via': request_finished.connect_via(App)(receiver)\n"
        "else:\n"
        "    with request_finished.connected_to(receiver): pass\n"
        "print(App._signals_active)\n"
    )
    assert _printed(code) == ["True"]


def _printed(code: str) -> list[str]:
    """Run ``code`` in a fresh interpreter; return the words it printed."""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    return result.stdout.split()
