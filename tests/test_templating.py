"""Templates: loading, escaping, the default context, hooks, streaming, signals and reloading."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jinja2 import TemplateNotFound, TemplatesNotFound

from hipflask import (
    App,
    Blueprint,
    Markup,
    escape,
    g,
    render_template,
    render_template_string,
    request,
    session,
    stream_template,
    stream_template_string,
)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def app(tmp_path: Path) -> App:
    app = App("templating_test_app", root_path=str(tmp_path))
    app.config["TESTING"] = True
    app.config["SECRET_KEY"] = "s" * 32
    return app


@pytest.fixture
def templates(tmp_path: Path) -> Path:
    folder = tmp_path / "templates"
    folder.mkdir()
    return folder


def test_render_template_from_the_templates_folder(app: App, templates: Path) -> None:
    write(templates, "hello.html", "Hello {{ name }}!")

    @app.route("/")
    def index() -> str:
        return render_template("hello.html", name="World")

    response = app.test_client().get("/")
    assert response.status_code == 200
    assert response.data == b"Hello World!"
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"


def test_templates_in_subfolders(app: App, templates: Path) -> None:
    write(templates, "admin/page.html", "admin page")
    with app.app_context():
        assert render_template("admin/page.html") == "admin page"


@pytest.mark.parametrize("extension", ["html", "htm", "xml", "xhtml", "svg"])
def test_autoescape_on_for_markup_files(app: App, templates: Path, extension: str) -> None:
    write(templates, f"page.{extension}", "{{ value }}")
    with app.app_context():
        assert render_template(f"page.{extension}", value="<b>") == "&lt;b&gt;"


@pytest.mark.parametrize("extension", ["txt", "js", "css"])
def test_autoescape_off_for_other_files(app: App, templates: Path, extension: str) -> None:
    write(templates, f"page.{extension}", "{{ value }}")
    with app.app_context():
        assert render_template(f"page.{extension}", value="<b>") == "<b>"


def test_render_template_string_autoescapes(app: App) -> None:
    with app.app_context():
        assert render_template_string("{{ v }}", v="<i>&") == "&lt;i&gt;&amp;"


def test_script_and_attribute_injection_are_escaped(app: App, templates: Path) -> None:
    write(templates, "page.html", '<a title="{{ title }}">{{ body }}</a>')

    @app.route("/")
    def index() -> str:
        return render_template("page.html", title='"onmouseover=alert(1)', body=request.args["q"])

    response = app.test_client().get("/", query_string={"q": "<script>alert(1)</script>"})
    assert response.text == (
        '<a title="&#34;onmouseover=alert(1)">&lt;script&gt;alert(1)&lt;/script&gt;</a>'
    )


def test_markup_and_safe_filter_pass_trusted_html(app: App) -> None:
    with app.app_context():
        assert render_template_string("{{ v }}", v=Markup("<b>ok</b>")) == "<b>ok</b>"
        assert render_template_string("{{ v|safe }}", v="<b>ok</b>") == "<b>ok</b>"
        assert render_template_string("{{ v|e }}", v=Markup("<b>")) == "<b>"
    assert escape("<b>") == Markup("&lt;b&gt;")


def test_tojson_is_safe_inside_script(app: App) -> None:
    data = {"html": "</script><script>alert('x')</script>", "amp": "a & b"}
    with app.app_context():
        out = render_template_string("<script>var d = {{ d|tojson }};</script>", d=data)
    assert "</script><script>" not in out
    assert "\\u003c/script\\u003e" in out
    assert "\\u0027x\\u0027" in out
    assert "\\u0026" in out
    inner = out.removeprefix("<script>var d = ").removesuffix(";</script>")
    assert json.loads(inner) == data


def test_tojson_uses_the_app_json_provider(app: App) -> None:
    app.config["JSON_SORT_KEYS"] = True
    with app.app_context():
        assert render_template_string("{{ d|tojson }}", d={"b": 1, "a": 2}) == '{"a": 2, "b": 1}'
        assert render_template_string("{{ d|tojson(indent=1) }}", d=[1]) == "[\n 1\n]"


def test_default_context(app: App) -> None:
    app.config["GREETING"] = "hi"

    @app.route("/user/<name>")
    def user(name: str) -> str:
        g.who = name
        session["seen"] = True
        return render_template_string(
            "{{ config.GREETING }} {{ request.path }} {{ g.who }} {{ session.seen }} "
            "{{ url_for('user', name='bob') }}"
        )

    response = app.test_client().get("/user/ann")
    assert response.text == "hi /user/ann ann True /user/bob"


def test_default_context_outside_a_request(app: App) -> None:
    with app.app_context():
        g.x = 1
        assert render_template_string("{{ g.x }} {{ config.TESTING }}") == "1 True"
        assert render_template_string("{{ 'yes' if request else 'no' }}") == "no"


def test_flashed_messages_in_templates(app: App) -> None:
    from hipflask import flash

    @app.route("/")
    def index() -> str:
        flash("<saved>", "info")
        flash("oops", "error")
        return render_template_string(
            "{% for c, m in get_flashed_messages(with_categories=true) %}[{{ c }}:{{ m }}]"
            "{% endfor %}"
        )

    assert app.test_client().get("/").text == "[info:&lt;saved&gt;][error:oops]"


def test_rendering_needs_an_app_context() -> None:
    with pytest.raises(RuntimeError, match="application context"):
        render_template_string("x")


def test_context_processors(app: App) -> None:
    bp = Blueprint("bp", __name__)

    @app.context_processor
    def app_values() -> dict[str, Any]:
        return {"site": "demo", "who": "processor"}

    @bp.context_processor
    def bp_values() -> dict[str, Any]:
        return {"section": "bp"}

    @bp.route("/bp")
    def in_bp() -> str:
        return render_template_string("{{ site }} {{ section }} {{ who }}", who="view")

    @app.route("/")
    def index() -> str:
        return render_template_string("{{ site }} {{ section }} {{ who }}")

    app.register_blueprint(bp)
    client = app.test_client()
    assert client.get("/bp").text == "demo bp view"
    assert client.get("/").text == "demo  processor"


def test_blueprint_app_context_processor_applies_everywhere(app: App) -> None:
    bp = Blueprint("bp", __name__)

    @bp.app_context_processor
    def values() -> dict[str, Any]:
        return {"everywhere": "yes"}

    @app.route("/")
    def index() -> str:
        return render_template_string("{{ everywhere }}")

    app.register_blueprint(bp)
    assert app.test_client().get("/").text == "yes"


def test_filters_globals_and_tests(app: App) -> None:
    @app.template_filter()
    def shout(value: str) -> str:
        return value.upper()

    @app.template_global("answer")
    def forty_two() -> int:
        return 42

    @app.template_test("even")
    def is_even(value: int) -> bool:
        return value % 2 == 0

    with app.app_context():
        out = render_template_string("{{ 'a'|shout }} {{ answer() }} {{ 4 is even }}")
    assert out == "A 42 True"


def test_filters_registered_after_the_environment_exists(app: App) -> None:
    with app.app_context():
        render_template_string("warm up")
        app.add_template_filter(str.title, "title_case")
        assert render_template_string("{{ 'ab cd'|title_case }}") == "Ab Cd"


def test_blueprint_app_filters_globals_and_tests(app: App) -> None:
    bp = Blueprint("bp", __name__)

    @bp.app_template_filter("rev")
    def reverse(value: str) -> str:
        return value[::-1]

    @bp.app_template_global()
    def pi() -> float:
        return 3.14

    @bp.app_template_test()
    def odd(value: int) -> bool:
        return value % 2 == 1

    app.register_blueprint(bp)
    with app.app_context():
        assert render_template_string("{{ 'ab'|rev }} {{ pi() }} {{ 3 is odd }}") == "ba 3.14 True"


def test_inheritance_with_super(app: App, templates: Path) -> None:
    write(templates, "base.html", "<title>{% block title %}Site{% endblock %}</title>")
    write(
        templates,
        "child.html",
        '{% extends "base.html" %}{% block title %}{{ page }} - {{ super() }}{% endblock %}',
    )
    with app.app_context():
        assert render_template("child.html", page="<Home>") == "<title>&lt;Home&gt; - Site</title>"


def test_blueprint_template_folders_after_the_app(app: App, tmp_path: Path) -> None:
    write(tmp_path / "templates", "shared.html", "from app")
    write(tmp_path / "bp_one" / "templates", "shared.html", "from bp one")
    write(tmp_path / "bp_one" / "templates", "one.html", "only in one")
    write(tmp_path / "bp_two" / "templates", "one.html", "shadowed by one")
    write(tmp_path / "bp_two" / "templates", "two.html", "only in two")
    one = Blueprint(
        "one", __name__, template_folder="templates", root_path=str(tmp_path / "bp_one")
    )
    two = Blueprint(
        "two", __name__, template_folder="templates", root_path=str(tmp_path / "bp_two")
    )
    app.register_blueprint(one)
    with app.app_context():
        assert render_template("shared.html") == "from app"
        app.register_blueprint(two)
        assert render_template("one.html") == "only in one"
        assert render_template("two.html") == "only in two"
        assert app.jinja_env.list_templates() == ["one.html", "shared.html", "two.html"]


def test_select_the_first_existing_template(app: App, templates: Path) -> None:
    write(templates, "fallback.html", "fallback")
    with app.app_context():
        assert render_template(["missing.html", "fallback.html"]) == "fallback"


def test_missing_template_names_the_folders_searched(app: App, tmp_path: Path) -> None:
    bp = Blueprint("bp", __name__, template_folder="bp_templates", root_path=str(tmp_path))
    app.register_blueprint(bp)
    with app.app_context(), pytest.raises(TemplateNotFound) as info:
        render_template("nope.html")
    assert info.value.name == "nope.html"
    assert str(tmp_path / "templates") in str(info.value)
    assert str(tmp_path / "bp_templates") in str(info.value)
    with app.app_context(), pytest.raises(TemplatesNotFound) as many:
        render_template(["a.html", "b.html"])
    assert "a.html, b.html" in str(many.value)
    assert str(tmp_path / "templates") in str(many.value)


def test_template_names_cannot_leave_the_folders(app: App, templates: Path) -> None:
    write(templates.parent, "secret.html", "secret")
    with app.app_context(), pytest.raises(TemplateNotFound):
        render_template("../secret.html")


def test_missing_template_in_a_view_is_a_500(app: App) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/")
    def index() -> str:
        return render_template("nope.html")

    response = app.test_client().get("/")
    assert response.status_code == 500
    assert b"nope.html" not in response.data


def collect(stream: Iterator[str]) -> str:
    return "".join(stream)


def test_stream_template(app: App, templates: Path) -> None:
    write(templates, "list.html", "{% for i in items %}<{{ i }}>{% endfor %} {{ request.path }}")

    @app.route("/stream")
    def streamed() -> Iterator[str]:
        return stream_template("list.html", items=["a", "<b>"])

    @app.route("/stream-string")
    def streamed_string() -> Iterator[str]:
        return stream_template_string("{{ x }} {{ request.args.q }}", x="<x>")

    client = app.test_client()
    assert client.get("/stream").text == "<a><&lt;b&gt;> /stream"
    assert client.get("/stream-string?q=1").text == "&lt;x&gt; 1"
    with app.app_context():
        assert collect(stream_template_string("{{ 1 + 1 }}")) == "2"


def test_signals(app: App, templates: Path) -> None:
    from hipflask.signals import before_render_template, template_rendered

    write(templates, "page.html", "{{ x }}")
    seen: list[tuple[str, str | None, dict[str, Any]]] = []

    def before(sender: App, template: Any, context: dict[str, Any]) -> None:
        assert sender is app
        seen.append(("before", template.name, dict(context)))
        context["x"] = "changed"

    def after(sender: App, template: Any, context: dict[str, Any]) -> None:
        seen.append(("after", template.name, dict(context)))

    with (
        before_render_template.connected_to(before, app),
        template_rendered.connected_to(after, app),
        app.app_context() as app_ctx,
    ):
        assert render_template("page.html", x=1) == "changed"
        assert collect(stream_template_string("{{ x }}", x=2)) == "changed"
    # As in Flask, the context holds what its default context processor adds: here ``g``.
    current_g = app_ctx.g
    assert seen == [
        ("before", "page.html", {"x": 1, "g": current_g}),
        ("after", "page.html", {"x": "changed", "g": current_g}),
        ("before", None, {"x": 2, "g": current_g}),
        ("after", None, {"x": "changed", "g": current_g}),
    ]


def test_signal_context_is_flasks_during_a_request(app: App) -> None:
    from hipflask import Request
    from hipflask.signals import before_render_template, template_rendered

    @app.context_processor
    def site() -> dict[str, Any]:
        return {"site": "demo", "x": "from the processor"}

    @app.route("/")
    def index() -> str:
        g.marker = "this request's g"
        return render_template_string("{{ x }} {{ site }} {{ request.path }}", x=1)

    contexts: list[dict[str, Any]] = []

    def receiver(sender: App, template: Any, context: dict[str, Any]) -> None:
        contexts.append(dict(context))

    with (
        before_render_template.connected_to(receiver, app),
        template_rendered.connected_to(receiver, app),
    ):
        response = app.test_client().get("/?q=1")
    assert response.text == "1 demo /"
    for context in contexts:
        assert sorted(context) == ["g", "request", "site", "x"]
        assert context["x"] == 1  # the caller's value wins over the processor's
        assert type(context["request"]) is Request  # the request itself, as Flask passes
        assert context["request"].args["q"] == "1"
        assert context["g"].marker == "this request's g"
    # Flask leaves the session out of the context; building it must not open the session.
    assert "Vary" not in response.headers
    assert "Set-Cookie" not in response.headers


def test_signal_receivers_can_still_read_the_session_in_the_template(app: App) -> None:
    from hipflask.signals import template_rendered

    @app.route("/")
    def index() -> str:
        session["user"] = "ann"
        return render_template_string("{{ session.user }}")

    def receiver(sender: App, template: Any, context: dict[str, Any]) -> None:
        pass

    with template_rendered.connected_to(receiver, app):
        response = app.test_client().get("/")
    assert response.text == "ann"
    assert response.headers["Vary"] == "Cookie"


def test_no_default_context_is_built_without_a_template_receiver(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hipflask.signals import request_finished

    def fail() -> dict[str, Any]:
        raise AssertionError("built the signal context with no receiver connected")

    monkeypatch.setattr("hipflask.templating._default_context", fail)
    # NOTE: a receiver of another signal turns sending on; none listens for templates.
    with request_finished.connected_to(lambda *args, **kwargs: None, app):
        assert app._signals_active
        with app.test_request_context("/"):
            assert render_template_string("{{ request.path }}") == "/"
            assert collect(stream_template_string("{{ g }}")) != ""


def edit(path: Path, text: str) -> None:
    stat = path.stat()
    path.write_text(text, encoding="utf-8")
    os.utime(path, (stat.st_atime, stat.st_mtime + 10))


def test_auto_reload_picks_up_an_edited_template(app: App, templates: Path) -> None:
    app.config["TEMPLATES_AUTO_RELOAD"] = True
    path = write(templates, "page.html", "version 1")

    @app.route("/")
    def index() -> str:
        return render_template("page.html")

    client = app.test_client()
    assert client.get("/").text == "version 1"
    edit(path, "version 2")
    assert client.get("/").text == "version 2"


def test_auto_reload_follows_debug(app: App, templates: Path) -> None:
    path = write(templates, "page.html", "version 1")
    with app.app_context():
        assert app.jinja_env.auto_reload is False
        assert render_template("page.html") == "version 1"
        edit(path, "version 2")
        assert render_template("page.html") == "version 1"
        app.debug = True
        assert render_template("page.html") == "version 2"


def test_render_template_string_compiles_once(app: App) -> None:
    with app.app_context():
        env = app.jinja_env
        first = env.from_cached_string("{{ a }}")
        assert env.from_cached_string("{{ a }}") is first
        assert render_template_string("{{ a }}", a=1) == "1"


def test_jinja_options(app: App) -> None:
    app.jinja_options = {"trim_blocks": True, "autoescape": False}
    with app.app_context():
        assert render_template_string("{% if 1 %}\n{{ v }}{% endif %}", v="<b>") == "<b>"


def test_template_globals_passed_at_load_time(app: App, templates: Path) -> None:
    write(templates, "page.html", "{{ extra }} {{ local }}")
    with app.app_context():
        app.jinja_env.get_template("page.html", globals={"extra": "template global"})
        assert render_template("page.html", local="x") == "template global x"


def test_explain_template_loading(
    app: App, templates: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["EXPLAIN_TEMPLATE_LOADING"] = True
    write(templates, "page.html", "x")
    with caplog.at_level("INFO", logger=app.logger.name), app.app_context():
        render_template("page.html")
        with pytest.raises(TemplateNotFound):
            render_template("nope.html")
    messages = [record.getMessage() for record in caplog.records]
    assert any("'page.html'" in m and "found in" in m and str(templates) in m for m in messages)
    assert any("'nope.html'" in m and "not found" in m for m in messages)
