"""after_this_response: work run after the body was sent, errors logged, never lost."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hipflask import App, after_this_response, current_app, has_request_context, request


@pytest.fixture
def app() -> App:
    app = App(__name__)
    app.config["SECRET_KEY"] = "s" * 32
    return app


def test_runs_after_the_body_is_read(app: App) -> None:
    events: list[str] = []

    @app.route("/")
    def index() -> str:
        path = request.path
        after_this_response(lambda: events.append(f"after {path} in {current_app.name}"))
        events.append("view")
        return "hello"

    response = app.test_client().get("/")
    assert response.data == b"hello"
    assert events == ["view", f"after / in {app.name}"]


def test_streamed_body_runs_it_after_the_last_chunk(app: App) -> None:
    events: list[str] = []

    @app.route("/stream")
    def stream() -> Iterator[str]:
        after_this_response(lambda: events.append("after"))

        def generate() -> Iterator[str]:
            for chunk in ("a", "b", "c"):
                events.append(f"chunk {chunk}")
                yield chunk

        return generate()

    response = app.test_client().get("/stream")
    assert response.data == b"abc"
    assert events == ["chunk a", "chunk b", "chunk c", "after"]


def test_runs_outside_the_request_in_an_app_context(app: App) -> None:
    seen: list[tuple[bool, str]] = []

    @app.route("/")
    def index() -> str:
        after_this_response(lambda: seen.append((has_request_context(), current_app.name)))
        return "ok"

    assert app.test_client().get("/").data == b"ok"
    assert seen == [(False, app.name)]


def test_error_is_logged_with_traceback_and_others_still_run(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    events: list[str] = []

    def broken() -> None:
        raise ZeroDivisionError("deferred boom")

    @app.route("/")
    def index() -> str:
        after_this_response(broken)
        after_this_response(lambda: events.append("second"))
        return "ok"

    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        response = app.test_client().get("/")
    assert response.status_code == 200
    assert response.data == b"ok"
    assert events == ["second"]
    [record] = [r for r in caplog.records if "after_this_response" in r.getMessage()]
    assert record.exc_info is not None
    assert record.exc_info[0] is ZeroDivisionError


def test_outside_a_request_raises(app: App) -> None:
    with app.app_context(), pytest.raises(RuntimeError, match="during a request"):
        after_this_response(lambda: None)


SERVER_APP = """
import os
import time

from hipflask import App, after_this_response

app = App(__name__)
app.config["SECRET_KEY"] = "s" * 32
FOLDER = os.environ["DEFERRED_FOLDER"]


def finish():
    deadline = time.monotonic() + 20
    while not os.path.exists(os.path.join(FOLDER, "flag")) and time.monotonic() < deadline:
        time.sleep(0.05)
    with open(os.path.join(FOLDER, "done"), "w") as file:
        file.write(str(os.getpid()))


@app.route("/")
def index():
    return "ok"


@app.route("/slow-after")
def slow_after():
    after_this_response(finish)
    return "answered"
"""


@pytest.mark.server
def test_client_has_the_response_while_the_function_still_runs(tmp_path: Path) -> None:
    from .test_gunicorn import gunicorn, request

    env = {"DEFERRED_FOLDER": str(tmp_path)}
    with gunicorn(tmp_path, "gunicorn_app:app", source=SERVER_APP, env=env) as port:
        status, body, _ = request(port, "/slow-after")
        assert (status, body) == (200, b"answered")
        assert not (tmp_path / "done").exists()  # still waiting for the flag
        (tmp_path / "flag").touch()
        deadline = time.monotonic() + 20
        while not (tmp_path / "done").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert (tmp_path / "done").exists()
