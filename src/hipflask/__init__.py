"""hipflask: Flask's API with batteries included, secure defaults and speed.

Port a Flask app by changing its imports: ``from hipflask import App, request, ...``.
Names whose modules import heavy dependencies (Jinja2, blinker, click) load on first use.
"""

from __future__ import annotations

from importlib import import_module

from ._version import __version__ as __version__
from .app import App
from .blueprints import Blueprint
from .config import Config
from .ctx import (
    after_this_request,
    copy_current_request_context,
    current_app,
    g,
    has_app_context,
    has_request_context,
    request,
    session,
    stream_with_context,
)
from .deferred import after_this_response
from .exceptions import abort
from .json.provider import jsonify
from .request import Request
from .response import Response, make_response, redirect
from .routing.urls import url_for

# PERF: the modules `import hipflask` loads never import `typing` at run time (typing and what
# it pulls in, contextlib, cost 28 million instructions, ~7 ms, of the import): they write
# `TYPE_CHECKING = False` (mypy and ruff read the name as typing.TYPE_CHECKING), import typing's
# names under `if TYPE_CHECKING:` and keep overloads, TypeVars and casts for the type checker.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from markupsafe import Markup, escape

    from .files import send_file, send_from_directory
    from .messages import flash, get_flashed_messages
    from .signals import (
        Namespace,
        appcontext_popped,
        appcontext_pushed,
        appcontext_tearing_down,
        before_render_template,
        got_request_exception,
        message_flashed,
        request_finished,
        request_started,
        request_tearing_down,
        template_rendered,
    )
    from .templating import (
        TemplateNotFound,
        render_template,
        render_template_string,
        stream_template,
        stream_template_string,
    )


# NOTE: taken now, because the submodule hipflask.globals, once imported, shadows the builtin.
_NAMESPACE = globals()

# PERF: these modules import Jinja2, blinker or click (25-70 ms each); they load on first use.
_LAZY: dict[str, str] = {
    "Markup": "markupsafe",
    "escape": "markupsafe",
    "send_file": "hipflask.files",
    "send_from_directory": "hipflask.files",
    "flash": "hipflask.messages",
    "get_flashed_messages": "hipflask.messages",
    "Namespace": "hipflask.signals",
    "appcontext_popped": "hipflask.signals",
    "appcontext_pushed": "hipflask.signals",
    "appcontext_tearing_down": "hipflask.signals",
    "before_render_template": "hipflask.signals",
    "got_request_exception": "hipflask.signals",
    "message_flashed": "hipflask.signals",
    "request_finished": "hipflask.signals",
    "request_started": "hipflask.signals",
    "request_tearing_down": "hipflask.signals",
    "template_rendered": "hipflask.signals",
    "TemplateNotFound": "hipflask.templating",
    "render_template": "hipflask.templating",
    "render_template_string": "hipflask.templating",
    "stream_template": "hipflask.templating",
    "stream_template_string": "hipflask.templating",
}

__all__ = [
    "App",
    "Blueprint",
    "Config",
    "Markup",
    "Namespace",
    "Request",
    "Response",
    "TemplateNotFound",
    "abort",
    "after_this_request",
    "after_this_response",
    "appcontext_popped",
    "appcontext_pushed",
    "appcontext_tearing_down",
    "before_render_template",
    "copy_current_request_context",
    "current_app",
    "escape",
    "flash",
    "g",
    "get_flashed_messages",
    "got_request_exception",
    "has_app_context",
    "has_request_context",
    "jsonify",
    "make_response",
    "message_flashed",
    "redirect",
    "render_template",
    "render_template_string",
    "request",
    "request_finished",
    "request_started",
    "request_tearing_down",
    "send_file",
    "send_from_directory",
    "session",
    "stream_template",
    "stream_template_string",
    "stream_with_context",
    "template_rendered",
    "url_for",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'hipflask' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    _NAMESPACE[name] = value
    return value
