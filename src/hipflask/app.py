"""App: registration, configuration, and the WSGI entry point.

One request, end to end (see ``docs/lifecycle.md``)::

    wsgi_app -> push contexts -> match the URL -> url_value_preprocessors -> before_request
             -> view -> make_response -> after_request -> save session -> pop contexts

Each step is a small method so subclasses can override it. The cold concepts live in modules
of their own, as functions bound in the class body: error handling (``errorhandling.py``),
registration (``registration.py``), what the app hands out and ``finalize()`` (``services.py``),
the teardown callbacks (``teardown.py``) and the URL-building hooks (``routing/urls.py``).
"""

from __future__ import annotations

import _thread
import os
import sys
from collections.abc import Callable, Iterable
from datetime import timedelta

from . import errorhandling, registration, services, teardown, wiring
from .config import DEFAULT_CONFIG, Config, ConfigAttribute
from .ctx import AppContext, RequestContext, _AppCtxGlobals
from .exceptions import (
    HTTPException,
    RequestRedirect,
)
from .json.provider import JSONProvider
from .request import Request
from .response import Response, coerce_view_result, text_answer, text_response
from .routing import urls
from .routing.map import Map, Rule
from .routing.urls import build_url
from .scaffold import Scaffold, ensure_sync, find_instance_path

TYPE_CHECKING = False
if TYPE_CHECKING:
    import logging
    from typing import Any

    from .blueprints import Blueprint
    from .cli.appgroup import AppGroup
    from .sessions.base import SessionInterface


_TRUE = frozenset({"1", "true", "yes", "on"})
#: The request-pipeline methods ``full_dispatch_request`` runs inline while none is replaced.
_PIPELINE = frozenset(
    (
        "preprocess_request",
        "dispatch_request",
        "finalize_request",
        "full_dispatch_request",
        "make_response",
        "process_response",
    )
)


def _as_timedelta(value: timedelta | int | float | None) -> timedelta | None:
    if value is None or isinstance(value, timedelta):
        return value
    return timedelta(seconds=value)


#: True once a receiver connected to a signal of :mod:`hipflask.signals`; a copy of
#: ``ctx._signals_on`` (which see).
_signals_on = False


class App(Scaffold):
    """A WSGI application: create one per project, register views, and serve it.

    ``App(__name__)`` finds its ``templates/`` and ``static/`` folders beside the module that
    created it. The app is a PEP 3333 callable, so any WSGI server can run it.
    """

    request_class: type[Request] = Request
    response_class: type[Response] = Response
    app_ctx_globals_class = _AppCtxGlobals
    json_provider_class: type[JSONProvider] = JSONProvider
    url_rule_class = Rule
    url_map_class = Map
    test_client_class: type[Any] | None = None
    test_cli_runner_class: type[Any] | None = None
    default_config = DEFAULT_CONFIG
    #: Flipped to True when the first receiver connects to a signal of :mod:`hipflask.signals`.
    # NOTE: until then nobody is listening, so every send site costs one attribute lookup.
    _signals_active: bool = False
    #: True once :meth:`finalize` installed the batteries the config switches ask for.
    _finalized: bool = False
    #: Set by :meth:`finalize`: True while neither the class nor the instance replaces a
    #: method of ``_PIPELINE``, so ``full_dispatch_request`` may do their default work inline.
    _plain_pipeline: bool = False
    _finalize_error: Exception | None = None

    testing = ConfigAttribute("TESTING")
    secret_key = ConfigAttribute("SECRET_KEY")
    permanent_session_lifetime = ConfigAttribute(
        "PERMANENT_SESSION_LIFETIME", get_converter=_as_timedelta
    )

    def __init__(
        self,
        import_name: str,
        static_url_path: str | None = None,
        static_folder: str | os.PathLike[str] | None = "static",
        static_host: str | None = None,
        host_matching: bool = False,
        subdomain_matching: bool = False,
        template_folder: str | os.PathLike[str] | None = "templates",
        instance_path: str | None = None,
        instance_relative_config: bool = False,
        root_path: str | None = None,
    ) -> None:
        super().__init__(import_name, static_folder, static_url_path, template_folder, root_path)
        if instance_path is None:
            instance_path = find_instance_path(import_name, self.name)
        elif not os.path.isabs(instance_path):
            raise ValueError("If an instance path is given it must be absolute.")
        self.instance_path = instance_path
        self.config = Config(
            self.instance_path if instance_relative_config else self.root_path,
            self.default_config,
        )
        self.config["DEBUG"] = os.environ.get("HIPFLASK_DEBUG", "").lower() in _TRUE
        self.json = self.json_provider_class(self)
        self.url_map = self.url_map_class()
        self.url_build_error_handlers: list[Callable[[Exception, str, dict[str, Any]], str]] = []
        self.teardown_appcontext_funcs: list[Callable[[BaseException | None], None]] = []
        self.shell_context_processors: list[Callable[[], dict[str, Any]]] = []
        self.blueprints: dict[str, Blueprint] = {}
        self.extensions: dict[str, Any] = {}
        self.subdomain_matching = subdomain_matching
        self.static_host = static_host
        self.host_matching = host_matching
        self.jinja_filters: dict[str, Callable[..., Any]] = {}
        self.jinja_globals: dict[str, Any] = {}
        self.jinja_tests: dict[str, Callable[..., Any]] = {}
        self.jinja_options: dict[str, Any] = {}
        self._jinja_env: Any = None
        self._session_interface: SessionInterface | None = None
        self._logger: logging.Logger | None = None
        self._cli: AppGroup | None = None
        # PERF: the C lock directly; importing threading would add ~1 ms to cold start.
        self._setup_lock = _thread.allocate_lock()
        if self.has_static_folder:
            if host_matching and not static_host:
                raise ValueError("With host_matching=True, static_host must name the static host.")
            self.add_url_rule(
                f"{self.static_url_path}/<path:filename>",
                endpoint="static",
                view_func=self.send_static_file,
                host=static_host if host_matching else None,
            )

    if not TYPE_CHECKING:  # NOTE: hidden from type checkers, which still flag unknown names

        def __setattr__(self, name: str, value: Any) -> None:
            # NOTE: an app whose pipeline method is replaced (app.make_response = ...), even
            # after its first request, calls it from then on.
            if name in _PIPELINE:
                object.__setattr__(self, "_plain_pipeline", False)
            object.__setattr__(self, name, value)

    # -- identity and settings --------------------------------------------------------------

    @property
    def name(self) -> str:  # type: ignore[override]
        """The app's name: the import name, or the script's name when run as ``__main__``."""
        if self.import_name == "__main__":
            filename: str | None = getattr(sys.modules["__main__"], "__file__", None)
            if filename:
                return os.path.splitext(os.path.basename(filename))[0]
            return "__main__"
        return self.import_name

    @property
    def debug(self) -> bool:
        """Debug mode: tracebacks in the browser, template reloading. Never in production."""
        return bool(self.config["DEBUG"])

    @debug.setter
    def debug(self, value: bool) -> None:
        self.config["DEBUG"] = value
        if self.config["TEMPLATES_AUTO_RELOAD"] is None and self._jinja_env is not None:
            self._jinja_env.auto_reload = value

    @property
    def logger(self) -> logging.Logger:
        """The app's logger, named after the app (a default handler only when none is set)."""
        if self._logger is None:
            from .logging import create_logger

            self._logger = create_logger(self)
        return self._logger

    @property
    def session_interface(self) -> SessionInterface:
        """The session backend, chosen by ``SESSION_TYPE`` on first use (or assigned)."""
        if self._session_interface is None:
            self._session_interface = wiring.session_interface(self)
        return self._session_interface

    @session_interface.setter
    def session_interface(self, value: SessionInterface) -> None:
        self._session_interface = value

    @property
    def jinja_env(self) -> Any:
        """The Jinja2 environment, created on first use."""
        if self._jinja_env is None:
            self._jinja_env = self.create_jinja_environment()
        return self._jinja_env

    def create_jinja_environment(self) -> Any:
        """Create the Jinja2 environment (override to customise it)."""
        return wiring.jinja_environment(self)

    @property
    def cli(self) -> AppGroup:
        """The app's click command group (``@app.cli.command()``)."""
        if self._cli is None:
            self._cli = wiring.cli_group(self.name)
        return self._cli

    def get_send_file_max_age(self, filename: str | None) -> int | None:
        """Return the static files' ``max-age`` (``SEND_FILE_MAX_AGE_DEFAULT``; None: no-cache)."""
        value = self.config["SEND_FILE_MAX_AGE_DEFAULT"]
        if value is None:
            return None
        if isinstance(value, timedelta):
            return int(value.total_seconds())
        return int(value)

    # -- contexts -----------------------------------------------------------------------------

    def app_context(self) -> AppContext:
        """Return an app context: ``with app.app_context(): ...``."""
        return AppContext(self)

    def request_context(self, environ: dict[str, Any]) -> RequestContext:
        """Return a request context for a WSGI environ (finalizing the app first)."""
        if not self._finalized:
            self.finalize()
        return RequestContext(self, environ)

    test_request_context = services.test_request_context
    test_client = services.test_client
    test_cli_runner = services.test_cli_runner

    do_teardown_request = teardown.do_teardown_request
    do_teardown_appcontext = teardown.do_teardown_appcontext
    _run_all = teardown._run_all
    _propagates_exceptions = errorhandling._propagates_exceptions

    # -- registration ----------------------------------------------------------------------

    add_url_rule = registration.add_url_rule
    register_blueprint = registration.register_blueprint
    iter_blueprints = registration.iter_blueprints
    teardown_appcontext = registration.teardown_appcontext
    shell_context_processor = registration.shell_context_processor
    make_shell_context = services.make_shell_context
    template_filter = registration.template_filter
    add_template_filter = registration.add_template_filter
    template_global = registration.template_global
    add_template_global = registration.add_template_global
    template_test = registration.template_test
    add_template_test = registration.add_template_test

    # -- signals ---------------------------------------------------------------------------

    def _send_signal(self, name: str, **kwargs: Any) -> None:
        """Send the signal ``name`` of :mod:`hipflask.signals` (imported, as the flag says)."""
        from . import signals

        signal = getattr(signals, name)
        if signal.receivers:
            signal.send(self, _async_wrapper=ensure_sync, **kwargs)

    # -- URL building ----------------------------------------------------------------------

    def url_for(
        self,
        endpoint: str,
        *,
        _anchor: str | None = None,
        _method: str | None = None,
        _scheme: str | None = None,
        _external: bool | None = None,
        **values: Any,
    ) -> str:
        """Build a URL for ``endpoint`` (see :func:`hipflask.url_for`)."""
        return build_url(self, endpoint, values, _anchor, _method, _scheme, _external)

    inject_url_defaults = urls.inject_url_defaults
    handle_url_build_error = urls.handle_url_build_error

    # -- the request pipeline ----------------------------------------------------------------

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        """Answer one WSGI request (wrap ``wsgi_app`` to add middleware)."""
        return self.wsgi_app(environ, start_response)

    def wsgi_app(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        """Run one request through the pipeline and hand the response to the server."""
        # NOTE: one attribute check per request once the app is finalized.
        if not self._finalized:
            self.finalize()
        ctx = RequestContext(self, environ)
        error: BaseException | None = None
        try:
            try:
                ctx.push()
                # NOTE: with the default pipeline a view's str comes back as its encoded body
                # when nothing would see the response object (see _full_dispatch).
                response = (
                    self._full_dispatch(ctx, True)
                    if self._plain_pipeline
                    else self.full_dispatch_request(ctx)
                )
            except Exception as exc:
                error = exc
                response = self.handle_exception(ctx, exc)
            except BaseException as exc:
                error = exc
                raise
            # PERF: type() rather than isinstance(): json 62,814 -> 62,465 instructions.
            if type(response) is bytes:
                return text_answer(self.response_class, response, environ, start_response)
            return response(environ, start_response)  # type: ignore[operator]
        finally:
            preserve = environ.get("hipflask._preserve_context")
            if preserve is not None:
                preserve(ctx, error)
            else:
                ctx.pop(error)

    def full_dispatch_request(self, ctx: RequestContext) -> Response:
        """Match, run the hooks and the view, and turn the result into a response."""
        response = self._full_dispatch(ctx, False)
        assert not isinstance(response, bytes)  # NOTE: only a direct call answers with bytes
        return response

    def _full_dispatch(self, ctx: RequestContext, direct: bool) -> Response | bytes:
        """Do full_dispatch_request's work; with ``direct``, a view's str may come back as the
        encoded body of the plain 200 response the app's ``response_class`` would make."""
        error: Exception | None = None
        try:
            try:
                self._match_request(ctx.request)
            finally:
                # NOTE: sent after matching, as in Flask, so receivers can read request.endpoint
                # (and sent even when an untrusted Host made matching raise).
                if _signals_on:
                    self._send_signal("request_started")
            request = ctx.request
            plain = self._plain_pipeline
            # PERF: preprocess_request only when it has something to run (or is replaced):
            # not_found 107,995 -> 105,287 instructions per request.
            if self.url_value_preprocessors or self.before_request_funcs or not plain:
                rv = self.preprocess_request(ctx)
            else:
                rv = None
            if rv is None:
                error = request.routing_exception if plain else None
                if plain and error is None and request.method != "OPTIONS":
                    # PERF: dispatch_request not replaced, so the view is called here as it
                    # would call it, reading the match after the hooks (which may change it)
                    # (docs/lifecycle.md): with the inline finalize_request below, hello
                    # 44,398 -> 40,771 instructions per request.
                    rule: Any = request.url_rule
                    rv = self.view_functions[rule.endpoint](**request.view_args)  # type: ignore[arg-type]
                elif error is None:
                    rv = self.dispatch_request(ctx)
        except Exception as exc:
            rv = self.handle_user_exception(ctx, exc)
        if error is not None:  # NOTE: set only where nothing else can raise
            rv = _handle_routing_error(self, ctx, error)
        if (
            self._plain_pipeline
            and ctx._session is None
            and not (ctx._after_request_functions or self.after_request_funcs)
            and not _signals_on
        ):
            # PERF: nothing runs after the view, so finalize_request's work for the two
            # commonest results is done here. With ``direct`` nothing can see the response
            # object either: wsgi_app answers the body through text_answer (hello 37,385 ->
            # 31,399 instructions per request, params 47,509 -> 41,486).
            if type(rv) is str:
                cls = self.response_class
                return (
                    rv.encode(cls.charset)
                    if direct and cls._plain_answer
                    else text_response(cls, rv)
                )
            if isinstance(rv, Response):
                return rv
        if self._plain_pipeline and not _signals_on:
            # PERF: finalize_request's work without its call (and make_response's for a str),
            # for requests that opened the session: with the hook above, csrf_form 271,641 ->
            # 268,739 instructions per request.
            cls = self.response_class
            response = text_response(cls, rv) if type(rv) is str else self.make_response(rv)
            return self.process_response(ctx, response)
        return self.finalize_request(ctx, rv)

    finalize = services.finalize

    def _pipeline_is_plain(self) -> bool:
        """Tell whether neither the class nor the instance replaces a pipeline method."""
        return not any(
            name in self.__dict__ or getattr(type(self), name) is not default
            for name, default in _PIPELINE_DEFAULTS.items()
        )

    def _match_request(self, request: Request) -> None:
        if self.config["TRUSTED_HOSTS"] is not None:
            # NOTE: reading the host checks it: a malformed or untrusted one raises a 400 here,
            # before any hook or view runs.
            _ = request.host
        try:
            # PERF: the two flags read inline, not through a property (one call): hello
            # 40,062 -> 39,518 instructions.
            site = self._site(request) if self.host_matching or self.subdomain_matching else None
            rule, view_args = self.url_map.match(request.path, request.method, site)
        except RequestRedirect as exc:
            target = exc.new_url
            if "://" not in target:
                target = request.script_root + target
            if request.query_string:
                target = f"{target}?{request.query_string.decode('latin-1')}"
            request.routing_exception = RequestRedirect(target)
        except HTTPException as exc:
            # PERF: kept without its traceback, whose frames hold the request that holds the
            # error: a cycle only the garbage collector frees (its collections and the frame
            # objects cost ~4.7k instructions per 404). See full_dispatch_request.
            request.routing_exception = exc.with_traceback(None)
        else:
            request.url_rule = rule
            request.view_args = view_args

    def _site(self, request: Request) -> str | None:
        """Return the key rules are matched against: the host name, or the subdomain."""
        if self.host_matching:
            from .hosts import split_host

            return split_host(request.host) or ""
        return self._subdomain(request)

    def _subdomain(self, request: Request) -> str | None:
        if not self.subdomain_matching:
            return None
        server_name = self.config["SERVER_NAME"]
        if not server_name:
            return None
        host = request.host.lower()
        if host == server_name or not host.endswith("." + server_name):
            return ""
        return host[: -len(server_name) - 1]

    def preprocess_request(self, ctx: RequestContext) -> Any:
        """Run the url_value_preprocessors, then the before_request hooks (app first).

        A hook that returns something other than None stops the request: that value becomes
        the response and the view does not run.
        """
        hooks = self.before_request_funcs
        if not self.url_value_preprocessors and len(hooks) == 1 and None in hooks:
            # PERF: only app-wide hooks (CSRFProtect's, say), which run for every request in
            # the order registered: no scopes to walk. A POST with one no-op hook 92,184 ->
            # 89,870 instructions per request.
            for func in hooks[None]:
                rv = func()
                if rv is not None:
                    return rv
            return None
        request = ctx.request
        scopes = request._scopes[::-1]
        if self.url_value_preprocessors:
            _preprocess_url_values(self.url_value_preprocessors, request, scopes)
        if hooks:
            for scope in scopes:
                if scope in hooks:
                    for func in hooks[scope]:
                        rv = func()
                        if rv is not None:
                            return rv
        return None

    def dispatch_request(self, ctx: RequestContext) -> Any:
        """Call the matched view with the URL's values (or raise the routing error)."""
        request = ctx.request
        if request.routing_exception is not None:
            raise request.routing_exception
        rule: Any = request.url_rule
        if request.method == "OPTIONS" and rule.provide_automatic_options:
            return self.make_default_options_response(ctx)
        return self.view_functions[rule.endpoint](**request.view_args)  # type: ignore[arg-type]

    def make_default_options_response(self, ctx: RequestContext) -> Response:
        """Answer an automatic OPTIONS request with the ``Allow`` header."""
        request = ctx.request
        methods = self.url_map.allowed_methods(request.path, self._site(request))
        response = self.response_class()
        response.headers["Allow"] = ", ".join(sorted(methods))
        return response

    def finalize_request(
        self, ctx: RequestContext, rv: Any, from_error_handler: bool = False
    ) -> Response:
        """Turn ``rv`` into a response and run the after-request processing on it."""
        response = self.make_response(rv)
        try:
            response = self.process_response(ctx, response)
            if _signals_on:
                self._send_signal("request_finished", response=response)
        except Exception:
            if not from_error_handler:
                raise
            self.logger.exception("Request finalizing failed with an error while handling an error")
        return response

    def process_response(self, ctx: RequestContext, response: Response) -> Response:
        """Run ``after_this_request`` callbacks and after_request hooks, then save the session."""
        for func in ctx._after_request_functions:
            response = func(response)
        hooks = self.after_request_funcs
        if hooks:
            if len(hooks) == 1 and None in hooks:
                # PERF: only app-wide hooks (the security headers'), the last scope of every
                # request: no scopes to walk. secure_hello 42,756 -> 41,695 instructions.
                for func in reversed(hooks[None]):
                    response = func(response)
            else:
                for scope in ctx.request._scopes:
                    if scope in hooks:
                        for func in reversed(hooks[scope]):
                            response = func(response)
        session = ctx._session
        if session is not None:
            # PERF: the interface ctx.session opened the session with, read without the
            # property call where it was set: csrf_form 246,819 -> 246,209. (A subclass's
            # class attribute shadows the property and leaves ``_session_interface`` None.)
            interface = self._session_interface
            if interface is None:
                interface = self.session_interface
            if not interface.is_null_session(session):
                interface.save_session(self, session, response)
        return response

    def make_response(self, rv: Any) -> Response:
        """Coerce what a view returned into a response.

        Accepted: a Response, str, bytes, dict or list (JSON), an iterator or generator
        (streamed), an HTTPException, or a tuple ``(body, status)``, ``(body, headers)`` or
        ``(body, status, headers)``.
        """
        if type(rv) is str:  # NOTE: the most common return value, checked first
            return text_response(self.response_class, rv)
        return coerce_view_result(rv, self.response_class, self.json.response)

    # -- errors --------------------------------------------------------------------------------

    handle_user_exception = errorhandling.handle_user_exception
    handle_http_exception = errorhandling.handle_http_exception
    _find_error_handler = errorhandling._find_error_handler
    handle_exception = errorhandling.handle_exception
    log_exception = errorhandling.log_exception
    _debug_error_page = errorhandling._debug_error_page

    # -- running -------------------------------------------------------------------------

    run = services.run


def _handle_routing_error(app: App, ctx: RequestContext, error: Exception) -> Any:
    """Raise the request's routing error and return what its handler answers."""
    # PERF: raised and handled here as dispatch_request's raise would have it, its traceback
    # dropped after (the traceback's frames hold the request, which holds the error: a cycle
    # only the garbage collector frees): with _match_request's, not_found 98,841 -> 77,457
    # instructions. Raised, not just passed on, so an error handler sees it as the exception
    # being handled (sys.exc_info(), logger.exception, the __context__ of what it raises).
    try:
        raise error
    except Exception as exc:
        return app.handle_user_exception(ctx, exc)
    finally:
        error.__traceback__ = None


def _preprocess_url_values(
    processors: dict[str | None, list[Callable[[str | None, dict[str, Any] | None], None]]],
    request: Request,
    scopes: tuple[str | None, ...],
) -> None:
    """Run the url_value_preprocessors of ``scopes`` (app first) on the matched values."""
    for scope in scopes:
        if scope in processors:
            for processor in processors[scope]:
                processor(request.endpoint, request.view_args)


#: The pipeline methods as App defines them, to tell when a subclass or a patch replaced one.
_PIPELINE_DEFAULTS = {name: getattr(App, name) for name in sorted(_PIPELINE)}
