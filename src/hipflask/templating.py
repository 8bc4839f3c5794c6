"""Jinja2 templates: the app's environment, its loader, and the render functions.

One environment per app, created on first use by :attr:`App.jinja_env`. Templates are looked up
in the app's ``templates/`` folder first, then in each blueprint's ``template_folder`` in
registration order. ``config``, ``request``, ``session``, ``g``, ``url_for`` and
``get_flashed_messages`` are environment globals, so a render copies no context of its own and
runs no default context processor. Only while a template signal has a receiver does the context
get what Flask's default context processor adds (the current ``g`` and ``request``), so the
receivers see the context Flask would give them.
"""

from __future__ import annotations

import os
from collections import ChainMap
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from jinja2 import BaseLoader, FileSystemLoader, Template, TemplateNotFound, TemplatesNotFound
from jinja2 import Environment as BaseEnvironment
from jinja2.runtime import Context
from jinja2.utils import LRUCache
from markupsafe import Markup

from .ctx import _NO_CTX, _ctx, g, request, session, stream_with_context
from .messages import get_flashed_messages
from .routing.urls import url_for

if TYPE_CHECKING:
    from .app import App
    from .scaffold import Scaffold

__all__ = [
    "DispatchingLoader",
    "Environment",
    "TemplateNotFound",
    "create_environment",
    "render_template",
    "render_template_string",
    "select_autoescape",
    "stream_template",
    "stream_template_string",
    "tojson",
]

_AUTOESCAPE_EXTENSIONS = (".html", ".htm", ".xml", ".xhtml", ".svg")

# SECURITY: inside <script> a JSON string must not be able to close the element or start an
# HTML comment or entity, and inside a single-quoted attribute it must not close the quote.
_HTML_SAFE_JSON = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "'": "\\u0027"},
)

#: How many compiled ``render_template_string`` sources each environment keeps.
STRING_CACHE_SIZE = 100


def select_autoescape(template_name: str | None) -> bool:
    """Tell whether a template is autoescaped: strings, and .html/.htm/.xml/.xhtml/.svg files."""
    if template_name is None:
        return True
    return template_name.endswith(_AUTOESCAPE_EXTENSIONS)


class Environment(BaseEnvironment):
    """A Jinja2 environment that knows its app and loads templates through it."""

    def __init__(self, app: App, **options: Any) -> None:
        options.setdefault("loader", DispatchingLoader(app))
        super().__init__(**options)
        self.app = app
        self.string_cache: LRUCache = LRUCache(STRING_CACHE_SIZE)

    def from_cached_string(self, source: str) -> Template:
        """Compile ``source`` once and reuse it for later renders of the same string."""
        template: Template | None = self.string_cache.get(source)
        if template is None:
            template = self.from_string(source)
            self.string_cache[source] = template
        return template


class DispatchingLoader(BaseLoader):
    """Look a template up in the app's folder, then in each blueprint's, in registration order.

    The folders are read at each lookup, so blueprints registered after the environment was
    created are searched too; Jinja2 only asks on a cache miss or a stale auto-reloaded file.
    """

    def __init__(self, app: App) -> None:
        self.app = app

    def folders(self) -> list[str]:
        """Return the template folders searched, app first, without duplicates."""
        folders: list[str] = []
        scaffolds: Iterable[Scaffold] = (self.app, *self.app.iter_blueprints())
        for scaffold in scaffolds:
            if scaffold.template_folder is None:
                continue
            folder = os.path.join(scaffold.root_path, scaffold.template_folder)
            if folder not in folders:
                folders.append(folder)
        return folders

    def get_source(
        self, environment: BaseEnvironment, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        """Return the source of ``template`` from the first folder that holds it."""
        folders = self.folders()
        for index, folder in enumerate(folders):
            try:
                source = FileSystemLoader(folder).get_source(environment, template)
            except TemplateNotFound:
                continue
            self._explain(template, folders[: index + 1], found=True)
            return source
        self._explain(template, folders, found=False)
        raise TemplateNotFound(template, _not_found_message(template, folders))

    def _explain(self, template: str, tried: list[str], found: bool) -> None:
        """Log where ``template`` was looked for when ``EXPLAIN_TEMPLATE_LOADING`` is on."""
        if not self.app.config.get("EXPLAIN_TEMPLATE_LOADING"):
            return
        outcome = f"found in {tried[-1]}" if found else "not found"
        self.app.logger.info("Loading template %r: tried %s; %s", template, tried, outcome)

    def list_templates(self) -> list[str]:
        """Return the names of every template in every folder, sorted."""
        names: set[str] = set()
        for folder in self.folders():
            names.update(FileSystemLoader(folder).list_templates())
        return sorted(names)


def _not_found_message(name: str, folders: list[str]) -> str:
    if not folders:
        return f"Template {name!r} was not found: the app has no template folder."
    searched = "\n".join(f"  - {folder}" for folder in folders)
    return f"Template {name!r} was not found. Searched:\n{searched}"


def tojson(value: Any, **kwargs: Any) -> Markup:
    """Serialise ``value`` with the app's JSON provider, safe inside ``<script>`` and attributes.

    ``<``, ``>``, ``&`` and ``'`` are written as ``\\u003c``, ``\\u003e``, ``\\u0026`` and
    ``\\u0027``, which every JSON parser reads back as the same characters.
    """
    app_ctx = _ctx.get(_NO_CTX)[0]
    if app_ctx is not None:
        text = app_ctx.app.json.dumps(value, **kwargs)
    else:
        from .json.provider import dumps

        text = dumps(value, **kwargs)
    return Markup(text.translate(_HTML_SAFE_JSON))


def create_environment(app: App) -> Environment:
    """Create the Jinja2 environment of ``app`` (called once, by :attr:`App.jinja_env`).

    ``app.jinja_options`` is passed to :class:`Environment` and may override ``autoescape``,
    ``auto_reload`` or the loader. ``TEMPLATES_AUTO_RELOAD`` (None: follow ``app.debug``)
    makes every render check the template file's modification time.
    """
    options = dict(app.jinja_options)
    options.setdefault("autoescape", select_autoescape)
    if "auto_reload" not in options:
        auto_reload = app.config["TEMPLATES_AUTO_RELOAD"]
        options["auto_reload"] = app.debug if auto_reload is None else bool(auto_reload)
    env = Environment(app, **options)
    env.globals.update(
        config=app.config,
        request=request,
        session=session,
        g=g,
        url_for=url_for,
        get_flashed_messages=get_flashed_messages,
    )
    env.globals.update(app.jinja_globals)
    env.filters["tojson"] = tojson
    env.filters.update(app.jinja_filters)
    env.tests.update(app.jinja_tests)
    return env


def _current_app() -> App:
    app_ctx = _ctx.get(_NO_CTX)[0]
    if app_ctx is None:
        raise RuntimeError(
            "Rendering a template needs an application context: render inside a request or "
            "inside 'with app.app_context():'."
        )
    return app_ctx.app


def _get_template(app: App, name_or_list: str | Template | Iterable[str | Template]) -> Template:
    env: Environment = app.jinja_env
    if isinstance(name_or_list, str | Template):
        return env.get_or_select_template(name_or_list)
    names = list(name_or_list)
    try:
        return env.select_template(names)
    except TemplatesNotFound as exc:
        labels = [n if isinstance(n, str) else n.name or "<string>" for n in names]
        message = _not_found_message(", ".join(labels), DispatchingLoader(app).folders())
        raise TemplatesNotFound(labels, message) from exc


def _update_context(app: App, context: dict[str, Any], defaults: bool) -> None:
    """Merge in Flask's default values (when ``defaults``), then the context processors' values;
    what the caller passed wins.

    # NOTE: the render functions call this only when there is something to merge: with no
    # processor and no template receiver (the common case) a render pays two truth tests.
    """
    funcs = _context_processors(app)
    if not funcs and not defaults:
        return
    given = context.copy()
    if defaults:
        context.update(_default_context())
    for func in funcs:
        context.update(func())
    context.update(given)


def _context_processors(app: App) -> list[Callable[[], dict[str, Any]]]:
    """Return the context processors for this render: the app's, then the blueprints'."""
    processors = app.template_context_processors
    names: tuple[str | None, ...] = (None,)
    request_ctx = _ctx.get(_NO_CTX)[1]
    if request_ctx is not None and request_ctx.request.blueprints:
        names = (None, *reversed(request_ctx.request.blueprints))
    return [func for name in names for func in processors.get(name, ())]


def _default_context() -> dict[str, Any]:
    """Return what Flask's default context processor adds: the current ``g`` and ``request``.

    # NOTE: like Flask, ``session`` is left to the environment global: reading the session here
    # would open it, adding a cookie lookup and ``Vary: Cookie`` to a response that never used it.
    """
    values: dict[str, Any] = {}
    app_ctx = _ctx.get(_NO_CTX)[0]
    if app_ctx is not None:
        values["g"] = app_ctx.g
    request_ctx = _ctx.get(_NO_CTX)[1]
    if request_ctx is not None:
        values["request"] = request_ctx.request
    return values


def _template_receivers() -> bool:
    """Tell whether a template signal has a receiver (once signal sending is on).

    Only then is Flask's default context built and are the signals sent.
    """
    from . import signals

    return bool(signals.before_render_template.receivers or signals.template_rendered.receivers)


def _new_context(template: Template, context: dict[str, Any]) -> Context:
    """Build the Jinja2 context of one render.

    # PERF: Template.new_context copies the ChainMap of globals item by item, twice; when the
    # template has no globals of its own, merging the environment's plain dict is equivalent
    # and runs in C (bench/ "template": 30.8 -> 23.3 us per request).
    """
    env = template.environment
    template_globals = template.globals
    if (
        type(template_globals) is ChainMap
        and len(template_globals.maps) == 2
        and not template_globals.maps[0]
        and template_globals.maps[1] is env.globals
    ):
        parent = {**env.globals, **context}
        return env.context_class(env, parent, template.name, template.blocks, env.globals)
    return template.new_context(context)


def _render(app: App, template: Template, context: dict[str, Any]) -> str:
    signals = app._signals_active and _template_receivers()
    if signals or app.template_context_processors:
        _update_context(app, context, defaults=signals)
    if signals:
        app._send_signal("before_render_template", template=template, context=context)
    env = template.environment
    try:
        rv: str = env.concat(template.root_render_func(_new_context(template, context)))
    except Exception:
        env.handle_exception()
    if signals:
        app._send_signal("template_rendered", template=template, context=context)
    return rv


def _stream(app: App, template: Template, context: dict[str, Any]) -> Iterator[str]:
    signals = app._signals_active and _template_receivers()
    if signals or app.template_context_processors:
        _update_context(app, context, defaults=signals)
    if signals:
        app._send_signal("before_render_template", template=template, context=context)

    def generate() -> Iterator[str]:
        yield from template.generate(context)
        if app._signals_active and _template_receivers():
            app._send_signal("template_rendered", template=template, context=context)

    stream = generate()
    if _ctx.get(_NO_CTX)[1] is not None:
        stream = stream_with_context(stream)
    return stream


def render_template(
    template_name_or_list: str | Template | Iterable[str | Template], **context: Any
) -> str:
    """Render a template from the template folders with ``context``.

    Given a list of names, render the first that exists. A missing template raises
    :class:`~jinja2.TemplateNotFound` listing the folders searched.
    """
    app = _current_app()
    return _render(app, _get_template(app, template_name_or_list), context)


def render_template_string(source: str, **context: Any) -> str:
    """Render a template from ``source`` (autoescaped) with ``context``.

    The compiled template is cached by its source, so rendering the same string again does not
    recompile it. Never build ``source`` from user input: that hands the user the template
    language.
    """
    app = _current_app()
    return _render(app, app.jinja_env.from_cached_string(source), context)


def stream_template(
    template_name_or_list: str | Template | Iterable[str | Template], **context: Any
) -> Iterator[str]:
    """Render a template as an iterator of strings, to return from a view as a streamed body.

    During a request the iterator keeps the request context alive until it is exhausted.
    """
    app = _current_app()
    return _stream(app, _get_template(app, template_name_or_list), context)


def stream_template_string(source: str, **context: Any) -> Iterator[str]:
    """Render a template from ``source`` as an iterator of strings (see :func:`stream_template`)."""
    app = _current_app()
    return _stream(app, app.jinja_env.from_cached_string(source), context)
