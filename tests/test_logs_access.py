"""The access line: one record per request, its fields, when it is on, and under gunicorn."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any

import pytest

from hipflask import App, Response, abort, g
from hipflask.logs import access_logger
from tests.conftest import JSONLog


def make_app(json_log: JSONLog, tmp_path: Path, **config: Any) -> App:
    app = App(json_log.name, root_path=str(tmp_path))
    app.config.update(LOG_FORMAT="json", **config)

    @app.route("/pages/<name>")
    def page(name: str) -> str:
        if name == "missing":
            abort(404)
        return name

    return app


def access_lines(json_log: JSONLog) -> list[dict[str, Any]]:
    return json_log.of(f"{json_log.name}.access")


def test_one_access_line_per_request_with_its_fields(json_log: JSONLog, tmp_path: Path) -> None:
    app = make_app(json_log, tmp_path, LOG_USER_ID=lambda: g.get("uid"))

    @app.before_request
    def login() -> None:
        g.uid = "alice"

    client = app.test_client()
    ok = client.get("/pages/home?secret=1", headers={"X-Request-ID": "r-1"})
    missing = client.get("/pages/missing")
    nowhere = client.post("/nowhere")
    first, second, third = access_lines(json_log)
    duration = first.pop("duration_ms")
    assert isinstance(duration, float) and duration >= 0
    first.pop("time")
    assert first == {
        "level": "INFO",
        "logger": f"{json_log.name}.access",
        "message": f'127.0.0.1 alice "GET /pages/home" 200 {duration:.2f}ms r-1',
        "request_id": "r-1",
        "method": "GET",
        "path": "/pages/home",
        "endpoint": "page",
        "remote_addr": "127.0.0.1",
        "user_id": "alice",
        "status": 200,
    }
    assert ok.headers["X-Request-ID"] == "r-1"
    assert (second["status"], second["endpoint"]) == (404, "page")
    assert second["request_id"] == missing.headers["X-Request-ID"]
    assert (third["status"], third["endpoint"], third["method"]) == (404, None, "POST")
    assert third["request_id"] == nowhere.headers["X-Request-ID"]


def test_the_status_logged_is_the_one_sent(json_log: JSONLog, tmp_path: Path) -> None:
    app = make_app(json_log, tmp_path)

    @app.after_request
    def teapot(response: Response) -> Response:
        response.status_code = 418
        return response

    app.config["SECURITY_HEADERS"] = True  # another hook inserted at the end of the chain
    assert app.test_client().get("/pages/x").status_code == 418
    [line] = access_lines(json_log)
    assert line["status"] == 418


def test_off_by_default_under_testing_while_the_id_is_still_echoed(
    json_log: JSONLog, tmp_path: Path
) -> None:
    app = make_app(json_log, tmp_path, TESTING=True)
    response = app.test_client().get("/pages/x")
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])
    assert access_lines(json_log) == []
    assert app.before_request_funcs.get(None, []) == []


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"TESTING": True, "ACCESS_LOG": True}, 1),
        ({"ACCESS_LOG": False}, 0),
        ({}, 1),
    ],
)
def test_access_log_setting(
    json_log: JSONLog, tmp_path: Path, config: dict[str, Any], expected: int
) -> None:
    make_app(json_log, tmp_path, **config).test_client().get("/pages/x")
    assert len(access_lines(json_log)) == expected


def test_text_access_line(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    app = App("access_text", root_path=str(tmp_path))
    app.config.update(ACCESS_LOG=True)
    app.add_url_rule("/a\nb", "odd", lambda: "ok")
    with caplog.at_level(logging.INFO, logger="access_text.access"):
        response = app.test_client().get("/a%0Ab")
    [record] = [r for r in caplog.records if r.name == "access_text.access"]
    request_id = response.headers["X-Request-ID"]
    assert re.fullmatch(
        rf'127\.0\.0\.1 - "GET /a\\nb" 200 \d+\.\d\dms {request_id}', record.getMessage()
    )


def test_access_logger_is_a_child_of_the_app_logger(tmp_path: Path) -> None:
    app = App("access_child", root_path=str(tmp_path))
    assert access_logger(app).parent is app.logger
    assert access_logger(app).name == "access_child.access"


def test_a_level_you_set_is_kept(json_log: JSONLog, tmp_path: Path) -> None:
    logging.getLogger(f"{json_log.name}.access").setLevel(logging.WARNING)
    make_app(json_log, tmp_path).test_client().get("/pages/x")
    assert access_lines(json_log) == []


GUNICORN_APP = """
from hipflask import App, g

app = App(__name__)
app.config.update(SECRET_KEY="s" * 32, LOG_FORMAT="json", LOG_USER_ID=lambda: g.get("uid"))


@app.route("/")
def index():
    return "ok"


@app.route("/me")
def me():
    g.uid = 7
    app.logger.warning("hello from the view")
    return "me"


@app.route("/boom")
def boom():
    raise RuntimeError("kaboom")
"""


@pytest.mark.server
def test_json_lines_from_a_real_gunicorn_server(tmp_path: Path) -> None:
    pytest.importorskip("gunicorn")
    from tests.test_gunicorn import gunicorn, request

    with gunicorn(tmp_path, "gunicorn_app:app", source=GUNICORN_APP) as port:
        status, _, response = request(port, "/me", headers={"X-Request-ID": "g-1"})
        assert (status, response.getheader("X-Request-ID")) == (200, "g-1")
        status, body, response = request(
            port, "/boom", headers={"Cookie": "session=top-secret", "Accept": "application/json"}
        )
        assert status == 500
        boom_id = response.getheader("X-Request-ID")
        assert json.loads(body)["request_id"] == boom_id
        assert b"kaboom" not in body and b"Traceback" not in body
    # The server has stopped: its stderr (in gunicorn.log) is complete.
    output = (tmp_path / "gunicorn.log").read_text()
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    by_id = {}
    for line in lines:
        by_id.setdefault(line.get("request_id"), []).append(line)
    view, access = by_id["g-1"]
    assert (view["logger"], view["message"], view["user_id"]) == (
        "gunicorn_app", "hello from the view", "7"
    )  # fmt: skip
    assert (access["logger"], access["status"], access["path"]) == (
        "gunicorn_app.access",
        200,
        "/me",
    )
    assert access["user_id"] == "7" and access["duration_ms"] >= 0
    error, error_access = by_id[boom_id]
    assert error["level"] == "ERROR"
    assert error["request_line"] == "GET /boom HTTP/1.1"
    assert error["headers"]["Cookie"] == "[redacted]"
    assert "RuntimeError: kaboom" in error["exception"]
    assert error_access["status"] == 500
    assert "top-secret" not in output
