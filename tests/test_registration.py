"""The app's own registrations: URL rules and their views."""

from __future__ import annotations

import pytest

from hipflask import App


@pytest.fixture
def app() -> App:
    app = App(__name__)
    app.config["TESTING"] = True
    return app


def test_duplicate_endpoint_is_rejected(app: App) -> None:
    @app.route("/a")
    def view() -> str:
        return "a"

    with pytest.raises(AssertionError, match="overwriting an existing endpoint"):
        app.add_url_rule("/b", "view", lambda: "b")
    # The same function under another rule is fine (Flask allows it).
    app.add_url_rule("/c", "view", view)
    assert app.test_client().get("/c").data == b"a"
