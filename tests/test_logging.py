"""app.logger: its name, its level in debug mode, and when it gets the default handler."""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from hipflask import App
from hipflask.logging import default_handler, has_level_handler


@pytest.fixture
def name(request: pytest.FixtureRequest) -> Iterator[str]:
    """Name a logger of the test's own, under a parent; put both back afterwards."""
    parent = logging.getLogger(f"hipflask_log_test_{request.node.name}")
    name = f"{parent.name}.app"
    yield name
    for logger in (logging.getLogger(name), parent):
        logger.handlers.clear()
        logger.setLevel(logging.NOTSET)
        logger.propagate = True


def unconfigured(name: str) -> logging.Logger:
    """Cut the logger's parent off from the root, as in a process that configured no logging.

    pytest puts its handlers on the root logger, and on the loggers that do not propagate when
    the test starts; so this runs in the test itself. Returns the parent.
    """
    parent = logging.getLogger(name).parent
    assert parent is not None and not parent.handlers
    parent.propagate = False
    return parent


def make_app(name: str, tmp_path: Path, debug: bool = False) -> App:
    app = App(name, root_path=str(tmp_path))
    app.debug = debug
    return app


def test_logger_is_named_after_the_app(tmp_path: Path) -> None:
    app = App("myapp", root_path=str(tmp_path))
    assert app.logger.name == "myapp"
    assert app.logger is logging.getLogger("myapp")
    assert app.logger is app.logger


def test_default_handler_when_nothing_handles_the_logger(name: str, tmp_path: Path) -> None:
    unconfigured(name)
    logger = make_app(name, tmp_path).logger
    assert logger.handlers == [default_handler]


def test_no_default_handler_when_an_ancestor_has_one(name: str, tmp_path: Path) -> None:
    unconfigured(name).addHandler(logging.NullHandler())
    assert make_app(name, tmp_path).logger.handlers == []


def test_no_default_handler_when_the_logger_has_one(name: str, tmp_path: Path) -> None:
    own = logging.NullHandler()
    logging.getLogger(name).addHandler(own)
    assert make_app(name, tmp_path).logger.handlers == [own]


def test_an_ancestor_handler_above_the_level_does_not_count(name: str, tmp_path: Path) -> None:
    parent = unconfigured(name)
    errors_only = logging.NullHandler(logging.ERROR)
    parent.addHandler(errors_only)
    parent.setLevel(logging.WARNING)
    assert not has_level_handler(logging.getLogger(name))
    assert make_app(name, tmp_path).logger.handlers == [default_handler]


def test_propagate_false_stops_the_search(name: str, tmp_path: Path) -> None:
    # The parent's handler is not reached: the search stops at the logger itself.
    logging.getLogger(name.rpartition(".")[0]).addHandler(logging.NullHandler())
    logging.getLogger(name).propagate = False
    assert make_app(name, tmp_path).logger.handlers == [default_handler]


def test_level_is_debug_in_debug_mode(name: str, tmp_path: Path) -> None:
    assert make_app(name, tmp_path, debug=True).logger.level == logging.DEBUG


def test_level_is_left_unset_outside_debug_mode(name: str, tmp_path: Path) -> None:
    assert make_app(name, tmp_path).logger.level == logging.NOTSET


def test_debug_mode_keeps_a_level_set_by_the_user(name: str, tmp_path: Path) -> None:
    logging.getLogger(name).setLevel(logging.WARNING)
    assert make_app(name, tmp_path, debug=True).logger.level == logging.WARNING


def test_default_handler_writes_to_wsgi_errors_during_a_request(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    unconfigured(name)
    app = make_app(name, tmp_path)
    errors = io.StringIO()
    with app.test_request_context(environ_overrides={"wsgi.errors": errors}):
        app.logger.warning("in a request")
    assert "WARNING in test_logging: in a request" in errors.getvalue()
    stderr = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr)
    app.logger.warning("outside")
    assert "outside" in stderr.getvalue()
    assert "outside" not in errors.getvalue()
