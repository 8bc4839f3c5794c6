"""App's teardown (teardown.py): every callback runs; the first error propagates when testing."""

from __future__ import annotations

import pytest

from hipflask import App


@pytest.fixture
def app() -> App:
    app = App(__name__)
    app.config["TESTING"] = True
    return app


def add_teardowns_with_a_broken_one(app: App) -> list[object]:
    """Register a teardown that records, then one that raises, and an app-context teardown."""
    seen: list[object] = []

    @app.teardown_request
    def last(exc: BaseException | None) -> None:
        seen.append(("last", exc))

    @app.teardown_request
    def broken(exc: BaseException | None) -> None:
        raise RuntimeError("teardown failed")

    @app.teardown_appcontext
    def appctx(exc: BaseException | None) -> None:
        seen.append("appctx")

    app.add_url_rule("/", "index", lambda: "ok")
    return seen


def test_teardown_runs_even_when_an_earlier_one_raises(app: App) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False
    seen = add_teardowns_with_a_broken_one(app)
    assert app.test_client().get("/").status_code == 200
    assert seen == [("last", None), "appctx"]


@pytest.mark.parametrize("propagate", [None, True])
def test_teardown_errors_propagate_when_testing(app: App, propagate: bool | None) -> None:
    # PROPAGATE_EXCEPTIONS=None means "propagate when TESTING", for teardown errors too (a
    # test sees the error, as with Flask); every callback still runs first.
    app.config["PROPAGATE_EXCEPTIONS"] = propagate
    seen = add_teardowns_with_a_broken_one(app)
    with pytest.raises(RuntimeError, match="teardown failed"):
        app.test_client().get("/")
    assert seen == [("last", None), "appctx"]

    @app.teardown_appcontext
    def broken_appctx(exc: BaseException | None) -> None:
        raise ValueError("appctx teardown failed")

    with pytest.raises(ValueError, match="appctx teardown failed"), app.app_context():
        pass
    assert seen[-1] == "appctx"
