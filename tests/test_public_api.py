"""The public API: complete, sorted, importable; the core never imports a battery."""

from __future__ import annotations

import importlib
import subprocess
import sys

import hipflask

FLASK_NAMES = [
    "abort", "after_this_request", "Blueprint", "copy_current_request_context", "current_app",
    "escape", "flash", "g", "get_flashed_messages", "has_app_context", "has_request_context",
    "jsonify", "make_response", "Markup", "redirect", "render_template", "render_template_string",
    "request", "Request", "Response", "send_file", "send_from_directory", "session",
    "stream_template", "stream_template_string", "stream_with_context", "url_for",
]  # fmt: skip

BATTERIES = [
    "hipflask.forms", "hipflask.csrf", "hipflask.secure_headers", "hipflask.security",
    "hipflask.auth", "hipflask.db", "hipflask.migrate", "hipflask.tasks", "hipflask.health",
    "wtforms", "sqlalchemy", "jinja2", "alembic", "celery", "kombu",
]  # fmt: skip
HEAVY = [*BATTERIES, "blinker", "click", "itsdangerous", "python_multipart", "multipart"]


def test_all_is_sorted_and_unique() -> None:
    assert hipflask.__all__ == sorted(set(hipflask.__all__))


#: Where each public name is defined (docs/design.md); ``hipflask.X`` must be that object.
DOCUMENTED = {
    "after_this_response": "hipflask.deferred",
    "App": "hipflask.app",
    "Blueprint": "hipflask.blueprints",
    "Config": "hipflask.config",
    "Markup": "markupsafe",
    "Namespace": "blinker",
    "Request": "hipflask.request",
    "Response": "hipflask.response",
    "TemplateNotFound": "jinja2",
    "abort": "hipflask.exceptions",
    "after_this_request": "hipflask.ctx",
    "appcontext_popped": "hipflask.signals",
    "appcontext_pushed": "hipflask.signals",
    "appcontext_tearing_down": "hipflask.signals",
    "before_render_template": "hipflask.signals",
    "copy_current_request_context": "hipflask.ctx",
    "current_app": "hipflask.ctx",
    "escape": "markupsafe",
    "flash": "hipflask.messages",
    "g": "hipflask.ctx",
    "get_flashed_messages": "hipflask.messages",
    "got_request_exception": "hipflask.signals",
    "has_app_context": "hipflask.ctx",
    "has_request_context": "hipflask.ctx",
    "jsonify": "hipflask.json.provider",
    "make_response": "hipflask.response",
    "message_flashed": "hipflask.signals",
    "redirect": "hipflask.response",
    "render_template": "hipflask.templating",
    "render_template_string": "hipflask.templating",
    "request": "hipflask.ctx",
    "request_finished": "hipflask.signals",
    "request_started": "hipflask.signals",
    "request_tearing_down": "hipflask.signals",
    "send_file": "hipflask.files",
    "send_from_directory": "hipflask.files",
    "session": "hipflask.ctx",
    "stream_template": "hipflask.templating",
    "stream_template_string": "hipflask.templating",
    "stream_with_context": "hipflask.ctx",
    "template_rendered": "hipflask.signals",
    "url_for": "hipflask.routing.urls",
}


def test_every_name_in_all_is_the_documented_object() -> None:
    assert sorted(DOCUMENTED) == hipflask.__all__
    for name, module in DOCUMENTED.items():
        assert getattr(hipflask, name) is getattr(importlib.import_module(module), name), name


def test_flask_names_exist() -> None:
    missing = [name for name in FLASK_NAMES if name not in hipflask.__all__]
    assert missing == []


def test_import_is_lean_and_core_never_imports_batteries() -> None:
    code = (
        "import sys, hipflask\n"
        "from hipflask import App\n"
        "app = App('probe')\n"
        "app.add_url_rule('/', 'i', lambda: {'a': 1})\n"
        "client_environ = {'REQUEST_METHOD': 'GET', 'PATH_INFO': '/', 'wsgi.input': None}\n"
        "list(app(client_environ, lambda s, h: None))\n"
        f"heavy = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "print(heavy)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    # NOTE: issue 14 turns the security headers on by default: that battery (small, no
    # dependency) is installed by the first request's finalize(); no other is.
    assert result.stdout.strip() == "['hipflask.secure_headers']"
    code = code.replace("list(app(client_environ, lambda s, h: None))\n", "")
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


# Heavy libraries that `import hipflask` must not load until an app first uses them.
NOT_AT_IMPORT = [
    "jinja2", "click", "python_multipart", "multipart", "wtforms", "sqlalchemy", "itsdangerous",
]  # fmt: skip


def test_import_hipflask_loads_no_heavy_library() -> None:
    code = f"import sys, hipflask\nprint([m for m in {NOT_AT_IMPORT!r} if m in sys.modules])\n"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


# Standard-library modules `import hipflask` leaves to the first request (or route) needing them.
NOT_AT_IMPORT_STDLIB = ["typing", "re", "json", "urllib.parse", "contextlib", "enum", "ipaddress"]


def test_import_hipflask_defers_stdlib_modules_to_first_use() -> None:
    # NOTE: only what the import itself loads counts (site and sitecustomize may load some).
    code = (
        "import sys\n"
        "before = set(sys.modules)\n"
        "import hipflask\n"
        f"print([m for m in {NOT_AT_IMPORT_STDLIB!r} if m in set(sys.modules) - before])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_a_session_and_a_urlencoded_form_load_no_heavy_library() -> None:
    code = (
        "import io, sys\n"
        "from hipflask import App, request, session\n"
        "app = App('probe')\n"
        "app.config['SECRET_KEY'] = 'k' * 32\n"
        "@app.route('/', methods=['POST'])\n"
        "def view():\n"
        "    session['n'] = session.get('n', 0) + 1\n"
        "    return request.form['a'] + str(session['n'])\n"
        "def post(cookie):\n"
        "    started = []\n"
        "    environ = {'REQUEST_METHOD': 'POST', 'PATH_INFO': '/', 'SERVER_NAME': 'x',\n"
        "               'SERVER_PORT': '80', 'wsgi.url_scheme': 'http', 'HTTP_COOKIE': cookie,\n"
        "               'CONTENT_TYPE': 'application/x-www-form-urlencoded',\n"
        "               'CONTENT_LENGTH': '3', 'wsgi.input': io.BytesIO(b'a=x')}\n"
        "    body = b''.join(app(environ, lambda status, headers: started.append(headers)))\n"
        "    cookies = [v for k, v in started[0] if k == 'Set-Cookie']\n"
        "    return body, cookies[0].split(';')[0] if cookies else cookie\n"
        "body, cookie = post('')\n"
        "assert post(cookie)[0] == b'x2', body\n"
        f"print([m for m in {NOT_AT_IMPORT!r} if m in sys.modules])\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "[]", result.stderr
