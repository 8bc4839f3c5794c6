"""JSON lines: one object per record, with the request's fields and the extras."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from hipflask import App
from hipflask.logging import default_handler
from hipflask.logs import JSONFormatter, json_handler
from hipflask.logs.jsonformat import _utc_time
from tests.conftest import JSONLog

TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def make_app(json_log: JSONLog, tmp_path: Path) -> App:
    app = App(json_log.name, root_path=str(tmp_path))
    app.config["LOG_FORMAT"] = "json"

    @app.route("/items/<int:item>", methods=["POST"])
    def item(item: int) -> str:
        app.logger.warning("saw %s\nsecond line", item, extra={"order": item, "obj": object()})
        return "ok"

    return app


def test_a_record_in_a_request_carries_the_request_fields(
    json_log: JSONLog, tmp_path: Path
) -> None:
    client = make_app(json_log, tmp_path).test_client()
    response = client.post("/items/5", headers={"X-Request-ID": "req-1"})
    assert response.status_code == 200
    # Two lines, the view's record and the access line: the newline in the message is escaped.
    assert len(json_log.stream.getvalue().splitlines()) == 2
    [line] = json_log.of(json_log.name)
    assert TIME.fullmatch(line.pop("time"))
    assert line.pop("obj").startswith("<object object")
    assert line == {
        "level": "WARNING",
        "logger": json_log.name,
        "message": "saw 5\nsecond line",
        "request_id": "req-1",
        "method": "POST",
        "path": "/items/5",
        "endpoint": "item",
        "remote_addr": "127.0.0.1",
        "user_id": None,
        "order": 5,
    }


def test_a_record_outside_a_request_has_only_its_own_fields() -> None:
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "boom %d", (1,), None)
    line = json.loads(JSONFormatter().format(record))
    assert set(line) == {"time", "level", "logger", "message"}
    assert line["message"] == "boom 1"


def test_the_traceback_is_one_field() -> None:
    try:
        raise ValueError("bad")
    except ValueError as exc:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), (
            type(exc), exc, exc.__traceback__))  # fmt: skip
    text = JSONFormatter().format(record)
    assert "\n" not in text
    line = json.loads(text)
    assert line["exception"].startswith("Traceback (most recent call last):")
    assert line["exception"].endswith("ValueError: bad")


@pytest.fixture
def unconfigured_app(tmp_path: Path) -> Iterator[App]:
    """An app whose logger's parent is put back afterwards; the test cuts it off the root.

    pytest puts its handlers on the loggers that do not propagate when the test starts, so the
    test itself sets ``propagate = False``, as in a fresh server process with no logging set up.
    """
    parent = logging.getLogger("hipflask_jsonformat_unconfigured")
    app = App(f"{parent.name}.app", root_path=str(tmp_path))
    yield app
    for logger in (app.logger, parent):
        logger.handlers.clear()
        logger.propagate = True


def test_json_replaces_the_default_handler(
    unconfigured_app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    logging.getLogger("hipflask_jsonformat_unconfigured").propagate = False
    assert unconfigured_app.logger.handlers == [default_handler]
    unconfigured_app.config["LOG_FORMAT"] = "json"
    unconfigured_app.finalize()
    assert unconfigured_app.logger.handlers == [json_handler]
    stream = io.StringIO()
    monkeypatch.setattr(json_handler, "stream", stream)
    unconfigured_app.logger.error("outside a request")
    assert json.loads(stream.getvalue())["message"] == "outside a request"


def test_json_leaves_handlers_you_configured(json_log: JSONLog, tmp_path: Path) -> None:
    app = App(json_log.name, root_path=str(tmp_path))
    handlers = list(app.logger.handlers)
    app.config["LOG_FORMAT"] = "json"
    app.finalize()
    assert app.logger.handlers == handlers
    assert json_handler not in handlers


def test_times_are_utc_with_milliseconds_across_seconds() -> None:
    assert _utc_time(0.5) == "1970-01-01T00:00:00.500Z"
    assert _utc_time(0.75) == "1970-01-01T00:00:00.750Z"
    assert _utc_time(86_401.0) == "1970-01-02T00:00:01.000Z"
    assert _utc_time(0.001) == "1970-01-01T00:00:00.001Z"
