"""The registration API shared by :class:`~hipflask.App` and :class:`~hipflask.Blueprint`.

Decorators here only record functions into dicts keyed by scope (``None`` for the app itself,
a blueprint's dotted name otherwise). The app reads those dicts when it dispatches; a blueprint
merges its own into the app's when it is registered. Coroutine functions are wrapped once, here,
so dispatch never checks for them per request.
"""

from __future__ import annotations

import os
import sys
from collections import defaultdict
from collections.abc import Callable
from functools import lru_cache, partial, update_wrapper

from .exceptions import HTTPException, default_exceptions

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TypeVar

    from .response import Response

    F = TypeVar("F", bound=Callable[..., Any])

    ErrorHandlerSpec = dict[
        str | None, dict[int | None, dict[type[BaseException], Callable[..., Any]]]
    ]


def ensure_sync(func: F) -> F:
    """Return ``func``, or a sync wrapper running it on a fresh event loop when it is async.

    # NOTE: each call of an async view gets its own event loop in the calling worker thread, so
    # an awaiting view blocks only its own thread, never another request's.
    """
    if not is_coroutine_function(func):
        return func

    def run_sync(*args: Any, **kwargs: Any) -> Any:
        import asyncio

        return asyncio.run(func(*args, **kwargs))

    update_wrapper(run_sync, func)
    run_sync.__hipflask_async__ = True  # type: ignore[attr-defined]
    return run_sync  # type: ignore[return-value]


# PERF: the static folder's path depends only on the two names (see hipflask.files).
_join_names = lru_cache(maxsize=256)(os.path.join)

_CO_COROUTINE = 0x80  # inspect.CO_COROUTINE, without importing inspect at start-up


def is_coroutine_function(func: Any) -> bool:
    """Tell whether calling ``func`` returns a coroutine (``async def``, also behind partial)."""
    while isinstance(func, partial):
        func = func.func
    code = getattr(func, "__code__", None)
    if code is None:
        code = getattr(getattr(func, "__call__", None), "__code__", None)  # noqa: B004
    return code is not None and bool(code.co_flags & _CO_COROUTINE)


def get_root_path(import_name: str) -> str:
    """Return the folder of the module or package ``import_name`` (the cwd for ``__main__``)."""
    filename, _ = _module_file(import_name)
    return os.path.dirname(filename) if filename else os.getcwd()


def find_instance_path(import_name: str, app_name: str) -> str:
    """Return Flask's default instance folder for an app created in ``import_name``.

    ``instance/`` beside the top-level package, or beside the module when the app lives in a
    single module; ``<prefix>/var/<app_name>-instance`` when the code is installed in the
    interpreter's prefix (site-packages).
    """
    filename, is_package = _module_file(import_name.partition(".")[0])
    if not filename:
        return os.path.join(os.getcwd(), "instance")
    folder = os.path.dirname(filename)
    if is_package:
        folder = os.path.dirname(folder)
    prefix = os.path.abspath(sys.prefix)
    if os.path.commonpath([folder, prefix]) == prefix:
        return os.path.join(prefix, "var", f"{app_name}-instance")
    return os.path.join(folder, "instance")


def _module_file(name: str) -> tuple[str | None, bool]:
    """Return the absolute file of module ``name`` (imported or not) and whether it is a
    package; ``(None, False)`` when it has no file (``__main__`` in a REPL, a namespace)."""
    module = sys.modules.get(name)
    filename: str | None = getattr(module, "__file__", None)
    if filename:
        return os.path.abspath(filename), hasattr(module, "__path__")
    import importlib.util  # PERF: 1.6 million instructions of `import hipflask`, needed rarely

    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None, False
    if spec is None or spec.origin in (None, "namespace", "built-in"):
        return None, False
    return os.path.abspath(spec.origin), spec.submodule_search_locations is not None


def _split_error_key(
    code_or_exception: type[BaseException] | int,
) -> tuple[type[BaseException], int | None]:
    if isinstance(code_or_exception, int):
        try:
            exc_class: type[BaseException] = default_exceptions[code_or_exception]
        except KeyError:
            raise ValueError(
                f"'{code_or_exception}' is not a recognized HTTP error code. Use a subclass of "
                "HTTPException with that code instead."
            ) from None
    else:
        exc_class = code_or_exception
    if not (isinstance(exc_class, type) and issubclass(exc_class, BaseException)):
        raise TypeError(f"'{exc_class!r}' is not a subclass of Exception.")
    if issubclass(exc_class, HTTPException):
        return exc_class, _declared_code(exc_class)
    return exc_class, None


def _declared_code(exc_class: type[HTTPException]) -> int | None:
    """Return the status code a subclass declares; None for HTTPException itself.

    # NOTE: a handler for ``HTTPException`` (or a subclass that sets no code) must catch every
    # HTTP error, as in Flask, so it is filed under no code rather than the base's 500.
    """
    for cls in exc_class.__mro__:
        if cls is HTTPException:
            return None
        if "code" in cls.__dict__:
            return exc_class.code
    return None


def setupmethod(method: F) -> F:
    """Mark a registration method: it refuses to run once changes can no longer apply.

    A blueprint replays its registrations when it is registered, so a route or hook added to
    it afterwards would silently never take effect; Flask raises, and so do we.
    """
    name = method.__name__

    def checked(self: Scaffold, *args: Any, **kwargs: Any) -> Any:
        self._check_setup_finished(name)
        return method(self, *args, **kwargs)

    update_wrapper(checked, method)
    return checked  # type: ignore[return-value]


class Scaffold:
    """Hold view functions, hooks and error handlers registered by decorators."""

    #: The name used in endpoints and for the blueprint of a request.
    name: str

    def _check_setup_finished(self, method_name: str) -> None:
        """Raise when ``method_name`` may no longer be called (a registered blueprint)."""

    def __init__(
        self,
        import_name: str,
        static_folder: str | os.PathLike[str] | None = None,
        static_url_path: str | None = None,
        template_folder: str | os.PathLike[str] | None = None,
        root_path: str | None = None,
    ) -> None:
        self.import_name = import_name
        self.root_path = root_path if root_path is not None else get_root_path(import_name)
        self._static_folder = os.fspath(static_folder) if static_folder is not None else None
        self._static_url_path = static_url_path
        self.template_folder = os.fspath(template_folder) if template_folder is not None else None
        self.view_functions: dict[str, Callable[..., Any]] = {}
        self.before_request_funcs: dict[str | None, list[Callable[[], Any]]] = defaultdict(list)
        self.after_request_funcs: dict[str | None, list[Callable[[Response], Response]]] = (
            defaultdict(list)
        )
        self.teardown_request_funcs: dict[
            str | None, list[Callable[[BaseException | None], Any]]
        ] = defaultdict(list)
        self.url_value_preprocessors: dict[
            str | None, list[Callable[[str | None, dict[str, Any] | None], None]]
        ] = defaultdict(list)
        self.url_default_functions: dict[
            str | None, list[Callable[[str, dict[str, Any]], None]]
        ] = defaultdict(list)
        self.template_context_processors: dict[str | None, list[Callable[[], dict[str, Any]]]] = (
            defaultdict(list)
        )
        self.error_handler_spec: ErrorHandlerSpec = defaultdict(lambda: defaultdict(dict))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"

    # -- folders ------------------------------------------------------------------------

    @property
    def static_folder(self) -> str | None:
        """The absolute path of the static folder, or None."""
        if self._static_folder is None:
            return None
        return _join_names(self.root_path, self._static_folder)

    @static_folder.setter
    def static_folder(self, value: str | os.PathLike[str] | None) -> None:
        self._static_folder = os.fspath(value).rstrip("/\\") if value is not None else None

    @property
    def has_static_folder(self) -> bool:
        """True when a static folder is configured."""
        return self._static_folder is not None

    @property
    def static_url_path(self) -> str | None:
        """The URL prefix of static files (``/static`` by default)."""
        if self._static_url_path is not None:
            return self._static_url_path
        if self._static_folder is not None:
            basename = os.path.basename(self._static_folder)
            return f"/{basename}".rstrip("/")
        return None

    @static_url_path.setter
    def static_url_path(self, value: str | None) -> None:
        self._static_url_path = value.rstrip("/") if value is not None else None

    def send_static_file(self, filename: str) -> Response:
        """Serve ``filename`` from the static folder (the view behind the ``static`` route)."""
        current_app, not_found, send_from_directory = _STATIC_HELPERS or _static_helpers()
        folder = self.static_folder
        if folder is None:
            raise not_found()
        # PERF: the app itself, not the current_app proxy (a failed lookup, then __getattr__):
        # not_modified 158,199 -> 152,632 instructions per request.
        max_age = current_app().get_send_file_max_age(filename)
        response: Response = send_from_directory(folder, filename, max_age=max_age)
        return response

    def open_resource(self, resource: str, mode: str = "rb") -> Any:
        """Open a file relative to ``root_path`` for reading."""
        if mode not in ("r", "rt", "rb"):
            raise ValueError("Resources can only be opened for reading.")
        return open(os.path.join(self.root_path, resource), mode)

    # -- routes -----------------------------------------------------------------------------

    @setupmethod
    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: Callable[..., Any] | None = None,
        provide_automatic_options: bool | None = None,
        **options: Any,
    ) -> None:
        """Register ``view_func`` for the URL ``rule`` (see :meth:`route`)."""
        raise NotImplementedError

    @setupmethod
    def route(self, rule: str, **options: Any) -> Callable[[F], F]:
        """Register the decorated view for ``rule``.

        Options: ``methods``, ``endpoint``, ``defaults``, ``strict_slashes``, ``subdomain``,
        ``provide_automatic_options``.
        """

        def decorator(func: F) -> F:
            endpoint = options.pop("endpoint", None)
            self.add_url_rule(rule, endpoint, func, **options)
            return func

        return decorator

    def _method_route(self, method: str, rule: str, options: dict[str, Any]) -> Callable[[F], F]:
        if "methods" in options:
            raise TypeError("Use the 'route' decorator to pass the 'methods' argument.")
        return self.route(rule, methods=[method], **options)

    @setupmethod
    def get(self, rule: str, **options: Any) -> Callable[[F], F]:
        """Shortcut for ``route(rule, methods=['GET'])``."""
        return self._method_route("GET", rule, options)

    @setupmethod
    def post(self, rule: str, **options: Any) -> Callable[[F], F]:
        """Shortcut for ``route(rule, methods=['POST'])``."""
        return self._method_route("POST", rule, options)

    @setupmethod
    def put(self, rule: str, **options: Any) -> Callable[[F], F]:
        """Shortcut for ``route(rule, methods=['PUT'])``."""
        return self._method_route("PUT", rule, options)

    @setupmethod
    def patch(self, rule: str, **options: Any) -> Callable[[F], F]:
        """Shortcut for ``route(rule, methods=['PATCH'])``."""
        return self._method_route("PATCH", rule, options)

    @setupmethod
    def delete(self, rule: str, **options: Any) -> Callable[[F], F]:
        """Shortcut for ``route(rule, methods=['DELETE'])``."""
        return self._method_route("DELETE", rule, options)

    @setupmethod
    def endpoint(self, endpoint: str) -> Callable[[F], F]:
        """Register the decorated function as the view for an existing ``endpoint``."""

        def decorator(func: F) -> F:
            self.view_functions[endpoint] = ensure_sync(func)
            return func

        return decorator

    # -- request hooks --------------------------------------------------------------------

    @setupmethod
    def before_request(self, func: F) -> F:
        """Run ``func()`` before each request; a non-None return value becomes the response."""
        self.before_request_funcs[None].append(ensure_sync(func))
        return func

    @setupmethod
    def after_request(self, func: F) -> F:
        """Run ``func(response)`` after each request; it must return a response."""
        self.after_request_funcs[None].append(ensure_sync(func))
        return func

    @setupmethod
    def teardown_request(self, func: F) -> F:
        """Run ``func(exc)`` when the request context is popped, even after an error."""
        self.teardown_request_funcs[None].append(ensure_sync(func))
        return func

    @setupmethod
    def context_processor(self, func: F) -> F:
        """Merge the dict ``func()`` returns into every template context."""
        self.template_context_processors[None].append(ensure_sync(func))
        return func

    @setupmethod
    def url_value_preprocessor(self, func: F) -> F:
        """Run ``func(endpoint, view_args)`` before the before-request hooks (it may pop values)."""
        self.url_value_preprocessors[None].append(func)
        return func

    @setupmethod
    def url_defaults(self, func: F) -> F:
        """Run ``func(endpoint, values)`` while building URLs, to fill in default values."""
        self.url_default_functions[None].append(func)
        return func

    # -- errors ------------------------------------------------------------------------------

    @setupmethod
    def errorhandler(self, code_or_exception: type[BaseException] | int) -> Callable[[F], F]:
        """Handle an HTTP status code or an exception class with the decorated function."""

        def decorator(func: F) -> F:
            self.register_error_handler(code_or_exception, func)
            return func

        return decorator

    @setupmethod
    def register_error_handler(
        self, code_or_exception: type[BaseException] | int, func: Callable[..., Any]
    ) -> None:
        """Register ``func`` for an HTTP status code or an exception class."""
        exc_class, code = _split_error_key(code_or_exception)
        self.error_handler_spec[None][code][exc_class] = ensure_sync(func)


_STATIC_HELPERS: tuple[Any, type[Exception], Callable[..., Any]] | None = None


def _static_helpers() -> tuple[Any, type[Exception], Callable[..., Any]]:
    """Import what serving a static file needs, on the first static request, and keep it.

    # PERF: three import statements ran on every static request: without them the static and
    # not_modified scenarios fell by 35,000 instructions (227,200 -> 191,900 for a 304);
    # hipflask.files stays out of `import hipflask` all the same.
    """
    global _STATIC_HELPERS
    from .ctx import _current_app
    from .exceptions import NotFound
    from .files import send_from_directory

    _STATIC_HELPERS = (_current_app, NotFound, send_from_directory)
    return _STATIC_HELPERS
