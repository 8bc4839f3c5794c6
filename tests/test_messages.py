"""Flash messages: one redirect, then gone; categories, filters, the signal, escaping."""

from __future__ import annotations

from typing import Any

import pytest
from markupsafe import Markup

from hipflask import App, flash, get_flashed_messages, redirect, session

KEY = "a-secret-key-that-is-long-enough-123456"


@pytest.fixture
def app() -> App:
    app = App(__name__)
    app.config.update(SECRET_KEY=KEY, TESTING=True)

    @app.route("/save")
    def save() -> Any:
        flash("Saved.")
        flash("Disk almost full.", "warning")
        flash("Could not email.", "error")
        return redirect("/show")

    @app.route("/show")
    def show() -> str:
        return " | ".join(get_flashed_messages())

    @app.route("/categories")
    def categories() -> Any:
        return [list(item) for item in get_flashed_messages(with_categories=True)]

    @app.route("/errors")
    def errors() -> Any:
        return get_flashed_messages(category_filter=["error", "warning"])

    @app.route("/twice")
    def twice() -> Any:
        return [get_flashed_messages(), get_flashed_messages(with_categories=True)]

    return app


def test_messages_survive_exactly_one_redirect(app: App) -> None:
    client = app.test_client()
    response = client.get("/save", follow_redirects=True)
    assert response.text == "Saved. | Disk almost full. | Could not email."
    assert client.get("/show").text == ""


def test_messages_are_gone_from_the_session_once_read(app: App) -> None:
    client = app.test_client()
    client.get("/save")
    client.get("/show")
    with client.session_transaction() as sess:
        assert "_flashes" not in sess


def test_with_categories(app: App) -> None:
    client = app.test_client()
    client.get("/save")
    assert client.get("/categories").json == [
        ["message", "Saved."],
        ["warning", "Disk almost full."],
        ["error", "Could not email."],
    ]


def test_category_filter_removes_all_messages(app: App) -> None:
    client = app.test_client()
    client.get("/save")
    assert client.get("/errors").json == ["Disk almost full.", "Could not email."]
    assert client.get("/show").text == ""


def test_same_list_for_every_call_in_one_request(app: App) -> None:
    client = app.test_client()
    client.get("/save")
    assert client.get("/twice").json == [
        ["Saved.", "Disk almost full.", "Could not email."],
        [
            ["message", "Saved."],
            ["warning", "Disk almost full."],
            ["error", "Could not email."],
        ],
    ]


def test_nothing_flashed_is_an_empty_list_and_sets_no_cookie(app: App) -> None:
    response = app.test_client().get("/show")
    assert response.text == ""
    assert response.headers.getlist("Set-Cookie") == []


def test_flash_and_read_in_one_request() -> None:
    app = App(__name__)
    app.config["SECRET_KEY"] = KEY
    with app.test_request_context("/"):
        flash("now")
        assert get_flashed_messages() == ["now"]
        assert "_flashes" not in session


def test_markup_messages_keep_their_type(app: App) -> None:
    @app.route("/markup")
    def markup() -> Any:
        flash(Markup("<b>bold</b>"))
        flash("<script>alert(1)</script>")
        return redirect("/types")

    @app.route("/types")
    def types() -> Any:
        return [type(message).__name__ for message in get_flashed_messages()]

    assert app.test_client().get("/markup", follow_redirects=True).json == ["Markup", "str"]


def test_flashed_text_is_escaped_by_templates(app: App) -> None:
    """SECURITY.md #26."""
    from hipflask import render_template_string

    @app.route("/xss")
    def xss() -> Any:
        flash('<script>alert(1)</script>"onmouseover=')
        return redirect("/render")

    @app.route("/render")
    def render() -> str:
        return render_template_string("{% for m in get_flashed_messages() %}{{ m }}{% endfor %}")

    text = app.test_client().get("/xss", follow_redirects=True).text
    assert "<script>" not in text
    assert "&lt;script&gt;" in text and "&#34;onmouseover=" in text


def test_message_flashed_signal(app: App) -> None:
    from hipflask.signals import message_flashed

    received: list[tuple[Any, Any, str]] = []

    def receiver(sender: Any, message: Any, category: str) -> None:
        received.append((sender, message, category))

    with message_flashed.connected_to(receiver, app):
        app.test_client().get("/save")
    assert received == [
        (app, "Saved.", "message"),
        (app, "Disk almost full.", "warning"),
        (app, "Could not email.", "error"),
    ]


def test_flash_without_secret_key_names_the_setting() -> None:
    app = App(__name__)
    with app.test_request_context("/"):
        # NOTE: issue 14, as in Flask: reading (no message) works; flashing names the key.
        assert get_flashed_messages() == []
        with pytest.raises(RuntimeError, match="SECRET_KEY"):
            flash("no key")


def test_outside_a_request() -> None:
    with pytest.raises(RuntimeError, match="while handling a request"):
        flash("x")
    with pytest.raises(RuntimeError, match="while handling a request"):
        get_flashed_messages()
