"""The logging settings (LOGGING, LOG_FORMAT, ACCESS_LOG, LOG_USER_ID), read at finalize()."""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hipflask import App, has_request_context

CREATED: list[str] = []


class CountingHandler(logging.Handler):
    """A handler that counts its creations (dictConfig builds one each time it runs)."""

    def __init__(self, label: str) -> None:
        super().__init__()
        CREATED.append(label)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def logger_name(request: pytest.FixtureRequest) -> Iterator[str]:
    """Name a logger the test's LOGGING configures; remove its handlers afterwards."""
    CREATED.clear()
    name = f"hipflask_setup_{request.node.name}"
    yield name
    logger = logging.getLogger(name)
    logger.handlers.clear()
    logger.setLevel(logging.NOTSET)
    logger.propagate = True


def logging_config(logger_name: str, **overrides: Any) -> dict[str, Any]:
    return {
        "handlers": {"counted": {"()": CountingHandler, "label": logger_name}},
        "loggers": {logger_name: {"handlers": ["counted"], "level": "INFO"}},
        **overrides,
    }


def test_logging_is_applied_once_at_start_up(logger_name: str, tmp_path: Path) -> None:
    app = App(logger_name, root_path=str(tmp_path))
    app.config["LOGGING"] = logging_config(logger_name)
    app.add_url_rule("/", "index", lambda: app.logger.info("in the view") or "ok")
    assert CREATED == []
    app.finalize()
    assert [logger_name] == CREATED
    client = app.test_client()
    for _ in range(3):
        assert client.get("/").status_code == 200
    app.finalize()
    assert [logger_name] == CREATED
    [handler] = logging.getLogger(logger_name).handlers
    assert isinstance(handler, CountingHandler)
    assert [record.getMessage() for record in handler.records] == ["in the view"] * 3


def test_loggers_made_before_start_up_keep_working(logger_name: str, tmp_path: Path) -> None:
    earlier = logging.getLogger(f"{logger_name}_library")
    app = App(logger_name, root_path=str(tmp_path))
    app.config["LOGGING"] = logging_config(logger_name)
    app.finalize()
    assert not earlier.disabled


@pytest.mark.parametrize(
    ("setting", "value", "error"),
    [
        ("LOGGING", "not a dict", "LOGGING must be a logging.config.dictConfig dict"),
        ("LOGGING", {"handlers": {"h": {"class": "no.such.Handler"}}}, "LOGGING is not a valid"),
        ("LOGGING", {"version": 2}, "LOGGING is not a valid"),
        ("LOGGING", {"loggers": {"x": {"handlers": ["missing"]}}}, "LOGGING is not a valid"),
        ("LOG_FORMAT", "xml", "LOG_FORMAT must be 'text' or 'json'"),
        ("ACCESS_LOG", "yes", "ACCESS_LOG must be True, False or None"),
        ("LOG_USER_ID", "user.id", "LOG_USER_ID must be a callable"),
    ],
)
def test_a_bad_setting_is_reported_once_naming_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, setting: str, value: Any, error: str
) -> None:
    app = App(f"setup_bad_{setting}", root_path=str(tmp_path))
    app.config[setting] = value
    app.add_url_rule("/", "index", lambda: "ok")
    client = app.test_client()
    with caplog.at_level(logging.ERROR), pytest.raises(ValueError, match=error) as first:
        client.get("/")
    with pytest.raises(ValueError, match=error) as second:
        client.get("/")
    assert second.value is first.value
    assert not has_request_context()
    reports = [r for r in caplog.records if setting in r.getMessage()]
    assert len(reports) == 1


def test_defaults_install_nothing(tmp_path: Path) -> None:
    app = App("setup_defaults", root_path=str(tmp_path))
    # NOTE: the security headers' own hook (on by default) is not the logging's business.
    app.config["SECURITY_HEADERS"] = False
    app.add_url_rule("/", "index", lambda: "ok")
    app.finalize()
    assert "request_logging" not in app.extensions
    assert app.before_request_funcs == {} and app.after_request_funcs == {}


def test_serving_a_request_with_the_defaults_imports_no_logging_module() -> None:
    code = (
        "import sys\n"
        "from hipflask import App\n"
        "app = App('plain')\n"
        "app.add_url_rule('/', 'index', lambda: 'ok')\n"
        "assert app.test_client().get('/').status_code == 200\n"
        "names = ('hipflask.logs', 'logging.config')\n"
        "print(sorted(m for m in sys.modules if m.startswith(names)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"
