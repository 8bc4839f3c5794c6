"""Flask's and Werkzeug's module map: ``flask.X`` / ``werkzeug.X`` port to ``hipflask.X``.

Each documented name must be the very object hipflask uses, not a look-alike, and the modules
that exist only to carry those names hold no code of their own.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import hipflask
from hipflask import app, ctx, exceptions, files, messages, response, scaffold
from hipflask.cli import commands, discovery
from hipflask.json import provider, tag
from hipflask.routing import urls
from hipflask.testing import client, environ

#: (module, name) -> the object it must be.
MAP: dict[tuple[str, str], object] = {
    ("globals", "current_app"): ctx.current_app,
    ("globals", "g"): ctx.g,
    ("globals", "request"): ctx.request,
    ("globals", "session"): ctx.session,
    ("globals", "app_ctx"): ctx.app_ctx,
    ("globals", "request_ctx"): ctx.request_ctx,
    ("globals", "_cv_app"): ctx.app_ctx_var,
    ("globals", "_cv_request"): ctx.request_ctx_var,
    ("helpers", "abort"): exceptions.abort,
    ("helpers", "flash"): messages.flash,
    ("helpers", "get_flashed_messages"): messages.get_flashed_messages,
    ("helpers", "get_debug_flag"): discovery.get_debug_flag,
    ("helpers", "get_load_dotenv"): discovery.get_load_dotenv,
    ("helpers", "get_root_path"): scaffold.get_root_path,
    ("helpers", "make_response"): response.make_response,
    ("helpers", "redirect"): response.redirect,
    ("helpers", "send_file"): files.send_file,
    ("helpers", "send_from_directory"): files.send_from_directory,
    ("helpers", "stream_with_context"): ctx.stream_with_context,
    ("helpers", "url_for"): urls.url_for,
    ("json", "jsonify"): provider.jsonify,
    ("json", "dumps"): provider.dumps,
    ("json", "loads"): provider.loads,
    ("json.provider", "DefaultJSONProvider"): provider.JSONProvider,
    ("json.provider", "JSONProvider"): provider.JSONProvider,
    ("json.tag", "TaggedJSONSerializer"): tag.TaggedJSONSerializer,
    ("json.tag", "JSONTag"): tag.JSONTag,
    ("logging", "default_handler"): importlib.import_module("hipflask.logging").default_handler,
    ("logging", "wsgi_errors_stream"): importlib.import_module(
        "hipflask.logging"
    ).wsgi_errors_stream,
    ("logging", "has_level_handler"): importlib.import_module("hipflask.logging").has_level_handler,
    ("sessions", "SessionInterface"): importlib.import_module(
        "hipflask.sessions.base"
    ).SessionInterface,
    ("sessions", "SecureCookieSessionInterface"): importlib.import_module(
        "hipflask.sessions.cookie"
    ).SecureCookieSessionInterface,
    ("sessions", "SessionMixin"): importlib.import_module("hipflask.sessions.base").SessionMixin,
    ("testing", "FlaskClient"): client.TestClient,
    ("testing", "FlaskCliRunner"): client.CliRunner,
    ("testing", "EnvironBuilder"): environ.EnvironBuilder,
    ("cli", "AppGroup"): commands.AppGroup,
    ("cli", "HipflaskGroup"): commands.HipflaskGroup,
    ("cli", "ScriptInfo"): commands.ScriptInfo,
    ("cli", "with_appcontext"): commands.with_appcontext,
    ("cli", "get_version"): commands.get_version,
    ("cli", "main"): commands.main,
    ("ctx", "AppContext"): ctx.AppContext,
    ("ctx", "RequestContext"): ctx.RequestContext,
    ("config", "Config"): hipflask.Config,
    ("blueprints", "Blueprint"): hipflask.Blueprint,
    ("wrappers", "Request"): hipflask.Request,
    ("wrappers", "Response"): hipflask.Response,
    ("exceptions", "NotFound"): exceptions.NotFound,
    ("exceptions", "HTTPException"): exceptions.HTTPException,
    ("utils", "redirect"): response.redirect,
    ("utils", "secure_filename"): files.secure_filename,
    ("utils", "send_file"): files.send_file,
    ("test", "Client"): client.TestClient,
    ("test", "EnvironBuilder"): environ.EnvironBuilder,
    ("routing", "Map"): importlib.import_module("hipflask.routing.map").Map,
    ("routing", "Rule"): importlib.import_module("hipflask.routing.map").Rule,
    ("routing", "BaseConverter"): importlib.import_module(
        "hipflask.routing.converters"
    ).BaseConverter,
    ("middleware.proxy_fix", "ProxyFix"): importlib.import_module(
        "hipflask.middleware.proxy_fix"
    ).ProxyFix,
    ("", "App"): app.App,
}

#: Signals, views, templating and the Werkzeug grammar modules are hipflask's own modules.
SAME_MODULE = {
    "signals": ["Namespace", "request_started", "template_rendered", "message_flashed"],
    "views": ["View", "MethodView"],
    "templating": ["render_template", "render_template_string", "stream_template"],
    "datastructures": ["MultiDict", "ImmutableMultiDict", "Headers", "FileStorage"],
    "http": ["http_date", "parse_date", "dump_cookie", "parse_options_header"],
    "typing": ["ResponseReturnValue", "RouteCallable", "StatusCode", "HeadersValue"],
}

#: Modules that only re-export: imports, ``__all__`` and a docstring.
RE_EXPORTS = [
    "globals",
    "helpers",
    "wrappers",
    "utils",
    "test",
    "json",
    "routing",
    "sessions",
    "testing",
    "cli",
    "serving",
    "middleware",
]


@pytest.mark.parametrize(("module", "name"), list(MAP))
def test_documented_name_is_the_object(module: str, name: str) -> None:
    found = importlib.import_module(f"hipflask.{module}" if module else "hipflask")
    assert getattr(found, name) is MAP[module, name]


@pytest.mark.parametrize("module", list(SAME_MODULE))
def test_module_holds_its_names(module: str) -> None:
    found = importlib.import_module(f"hipflask.{module}")
    for name in SAME_MODULE[module]:
        assert getattr(found, name) is not None, name
        value = getattr(found, name)
        origin = getattr(value, "__module__", None)
        if origin is not None and origin.startswith("hipflask."):
            owner = importlib.import_module(origin)
            assert getattr(owner, name, value) is value, name


@pytest.mark.parametrize("module", RE_EXPORTS)
def test_re_export_module_holds_no_code(module: str) -> None:
    found = importlib.import_module(f"hipflask.{module}")
    assert found.__file__ is not None
    tree = ast.parse(Path(found.__file__).read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # the docstring
        if isinstance(node, ast.ImportFrom | ast.Import):
            continue
        assert isinstance(node, ast.Assign), ast.dump(node)[:80]
        assert [target.id for target in node.targets if isinstance(target, ast.Name)] == ["__all__"]


@pytest.mark.parametrize("module", RE_EXPORTS)
def test_re_export_all_is_unique_and_resolves(module: str) -> None:
    found = importlib.import_module(f"hipflask.{module}")
    names = getattr(found, "__all__", [])
    assert len(names) == len(set(names))
    for name in names:
        getattr(found, name)


def test_console_script_entry_point_resolves() -> None:
    from importlib.metadata import entry_points

    (script,) = [ep for ep in entry_points(group="console_scripts") if ep.name == "hipflask"]
    assert script.load() is commands.main
