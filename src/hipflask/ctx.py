"""App and request contexts on :mod:`contextvars`, and the proxies ``request``, ``session``,
``g`` and ``current_app``.

Each thread (and each asyncio task) sees its own contexts, so a threaded server never lets one
request read another's ``request``, ``session`` or ``g``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar, Token
from functools import partial, update_wrapper
from operator import attrgetter
from types import TracebackType

from .request import Request

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Protocol, TypeVar, overload

    from .app import App
    from .response import Response
    from .sessions.base import SessionMixin

    F = TypeVar("F", bound=Callable[..., Any])
    _T_co = TypeVar("_T_co", covariant=True)
    _D = TypeVar("_D")

    class _ContextView(Protocol[_T_co]):
        """What :data:`app_ctx_var` and :data:`request_ctx_var` offer: ContextVar's reads."""

        @property
        def name(self) -> str: ...

        @overload
        def get(self) -> _T_co: ...

        @overload
        def get(self, default: _D, /) -> _T_co | _D: ...


#: The one context variable: ``(app context, request context or None, pushed context)`` of the
#: innermost pushed context, or :data:`_NO_CTX`. Private: read it through :data:`app_ctx_var`
#: and :data:`request_ctx_var` (or, inside hipflask, ``_ctx.get(_NO_CTX)[0]`` and ``[1]``).
# PERF: one ContextVar set and reset per request instead of two (an app context and a request
# context each), and no separate AppContext object: a RequestContext is its own app context
# unless it reuses one of the same app. The tuple keeps the contexts themselves unchanged, so
# a context object is never mutated to say what encloses it (no cycles, no sharing between
# threads or tasks): hello 29,702 -> 26,913 instructions per request, session 111,834 ->
# 109,002, csrf_form 152,521 -> 151,080 (its battery reads the public views, which cost a
# Python call each).
_ctx: ContextVar[tuple[AppContext, RequestContext | None, AppContext]] = ContextVar("hipflask.ctx")
_NO_CTX: tuple[None, None, None] = (None, None, None)
_MISSING: Any = object()


class _ContextRead:
    """A read-only view of the current context with ContextVar's ``get``.

    ``get()`` returns the context or raises LookupError; ``get(default)`` returns ``default``
    when there is none. There is no ``set``: push a context instead.
    """

    __slots__ = ("_index", "name")

    def __init__(self, name: str, index: int) -> None:
        self.name = name
        self._index = index

    def get(self, default: Any = _MISSING) -> Any:
        """Return the current context, or ``default`` (LookupError without one)."""
        value = _ctx.get(_NO_CTX)[self._index]
        if value is None:
            if default is _MISSING:
                raise LookupError(self)
            return default
        return value

    def __repr__(self) -> str:
        return f"<hipflask context view {self.name!r}>"


#: The active app context: ``app_ctx_var.get(None)`` is the context or None. Read it where a
#: proxy costs too much; never set it (push a context instead).
app_ctx_var: _ContextView[AppContext] = _ContextRead("hipflask.app_ctx", 0)
#: The active request context, read like :data:`app_ctx_var`.
request_ctx_var: _ContextView[RequestContext] = _ContextRead("hipflask.request_ctx", 1)
# NOTE: Flask's private names for the same variables, which some extensions read.
_cv_app = app_ctx_var
_cv_request = request_ctx_var
#: True once a receiver connected to a signal of :mod:`hipflask.signals` (which sets this with
#: ``App._signals_active``).
# PERF: the send sites of every request read this module global, not the App class attribute
# through the instance (about 280 instructions each on Python 3.11, six per request): hello
# 41,765 -> 40,172 instructions (not_found 117,956 -> 116,116) with app.py's own copy.
_signals_on = False

_NO_APP = (
    "Working outside of application context. Code that needs the current app (url_for, g, "
    "current_app) must run inside a request or inside 'with app.app_context():'."
)
_NO_REQUEST = (
    "Working outside of request context. Code that reads 'request' or 'session' must run while "
    "handling a request; in tests use 'with app.test_request_context():'."
)


class _AppCtxGlobals:
    """The ``g`` namespace: a plain attribute bag that lives as long as its app context."""

    def get(self, name: str, default: Any = None) -> Any:
        """Return an attribute, or ``default``."""
        return self.__dict__.get(name, default)

    def pop(self, name: str, *default: Any) -> Any:
        """Remove and return an attribute (KeyError without a default)."""
        return self.__dict__.pop(name, *default)

    def setdefault(self, name: str, default: Any = None) -> Any:
        """Return an attribute, setting it to ``default`` first when missing."""
        return self.__dict__.setdefault(name, default)

    def __contains__(self, name: str) -> bool:
        return name in self.__dict__

    def __iter__(self) -> Iterator[str]:
        return iter(self.__dict__)

    def __repr__(self) -> str:
        app_ctx = _ctx.get(_NO_CTX)[0]
        if app_ctx is not None:
            return f"<hipflask.g of '{app_ctx.app.name}'>"
        return object.__repr__(self)

    if TYPE_CHECKING:
        # NOTE: tells type checkers that ``g`` takes any attribute (``g.user = ...``); at run
        # time plain attribute access does the same without the cost of a Python-level hook.
        def __getattr__(self, name: str) -> Any: ...

        def __setattr__(self, name: str, value: Any) -> None: ...


class AppContext:
    """Holds the current app and ``g``; pushed by every request and by ``app.app_context()``.

    A context pushed several times tears down only when it is popped as often.
    """

    #: The app context whose ``g`` this context shares (a request context that reuses the
    #: pushed app context of its app), or None for its own.
    _app_ctx: AppContext | None
    #: ``g``, made on first use.
    _g: _AppCtxGlobals | None

    def __init__(self, app: App) -> None:
        self.app = app
        self._g = None
        self._app_ctx = None
        self._tokens: list[Token[tuple[AppContext, RequestContext | None, AppContext]]] = []

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self.app.name!r}>"

    @property
    def g(self) -> _AppCtxGlobals:
        """The ``g`` namespace of this context (created on first use)."""
        ctx = self._app_ctx or self
        g = ctx._g
        if g is None:
            g = ctx._g = ctx.app.app_ctx_globals_class()
        return g

    @g.setter
    def g(self, value: _AppCtxGlobals) -> None:
        (self._app_ctx or self)._g = value

    def push(self) -> None:
        """Make this the current app context (the current request, if any, stays visible)."""
        self._tokens.append(_ctx.set((self, _ctx.get(_NO_CTX)[1], self)))
        if _signals_on:
            self.app._send_signal("appcontext_pushed")

    def pop(self, exc: BaseException | None = None) -> None:
        """Run the ``teardown_appcontext`` callbacks and restore the previous context.

        Popping a context that is not the current one (never pushed, popped twice, or out of
        order) raises AssertionError and changes nothing.
        """
        current = _ctx.get(_NO_CTX)
        if current[2] is not self or not self._tokens:
            raise AssertionError(f"Popped wrong app context. ({current[0]!r} instead of {self!r})")
        app = self.app
        try:
            # PERF: the callbacks tested before the len() call most requests never need: hello
            # 38,696 -> 38,389 instructions per request.
            if (app.teardown_appcontext_funcs or _signals_on) and len(self._tokens) == 1:
                app.do_teardown_appcontext(exc)
        finally:
            _ctx.reset(self._tokens.pop())
        if _signals_on:
            app._send_signal("appcontext_popped")

    def __enter__(self) -> AppContext:
        self.push()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.pop(exc)


class RequestContext(AppContext):
    """Holds the request, the (lazily opened) session and per-request callbacks.

    It is also the request's app context (``app_ctx_var.get()`` is the request context, with
    ``.app`` and ``.g``), unless an app context of the same app is already pushed: then that one
    is reused, its ``g`` is shared, and its own pop runs ``teardown_appcontext``.
    """

    # PERF: one token attribute for the usual single push, a list only for further pushes:
    # hello 26,913 -> 26,154 instructions. Every attribute push, pop and g read is set by
    # __init__, not left to a class default: Python 3.11 does not specialize reading a class
    # attribute through an instance, hello 26,084 -> 25,934, csrf_form 150,687 -> 149,860.
    _more: list[Token[tuple[AppContext, RequestContext | None, AppContext]]] | None

    def __init__(
        self,
        app: App,
        environ: dict[str, Any],
        request: Request | None = None,
        session: SessionMixin | None = None,
    ) -> None:
        self.app = app
        self.request: Request = request if request is not None else app.request_class(environ, app)
        self._session = session
        self._after_request_functions: list[Callable[[Response], Response]] = []
        self._token: Token[tuple[AppContext, RequestContext | None, AppContext]] | None = None
        self._more = None
        self._app_ctx = None
        self._g = None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.request!r} of {self.app.name!r}>"

    @property
    def session(self) -> SessionMixin:
        """The session, opened through ``app.session_interface`` on first use."""
        session = self._session
        if session is None:
            app = self.app
            # PERF: the interface read without the property call where it was set, as
            # App.process_response reads it (a subclass's class attribute shadows the property
            # and leaves ``_session_interface`` None): with the method set test, csrf_form
            # 172,487 -> 170,280 instructions per request, flash 90,243 -> 89,141.
            interface = app._session_interface
            if interface is None:
                interface = app.session_interface
            session = interface.open_session(app, self.request)
            if session is None:
                session = interface.make_null_session(app)
            self._session = session
        return session

    @session.setter
    def session(self, value: SessionMixin) -> None:
        self._session = value

    @property
    def session_opened(self) -> bool:
        """True once the session was touched during this request."""
        return self._session is not None

    def push(self) -> None:
        """Make this the current request context (and app context, unless one of its app is
        already pushed)."""
        if self._token is not None:
            # NOTE: pushed again: the app context chosen by the first push stays.
            more = self._more
            if more is None:
                more = self._more = []
            more.append(_ctx.set((self._app_ctx or self, self, self)))
            return
        app = self.app
        app_ctx = _ctx.get(_NO_CTX)[0]
        if app_ctx is not None and app_ctx.app is app:
            self._app_ctx = app_ctx
            self._token = _ctx.set((app_ctx, self, self))
        else:
            self._token = _ctx.set((self, self, self))
            if _signals_on:
                app._send_signal("appcontext_pushed")

    def pop(self, exc: BaseException | None = None) -> None:
        """Run the teardown callbacks, close the request and restore the previous contexts.

        ``teardown_request`` callbacks see the request; ``teardown_appcontext`` callbacks (when
        this context is its own app context) see the context that was current before it was
        pushed as the request context. A context pushed several times tears down only when
        popped as often. Popping a context that is not the current one (never pushed, popped
        twice, or out of order) raises AssertionError and changes nothing.
        """
        current = _ctx.get(_NO_CTX)
        token = self._token
        if current[2] is not self or token is None:
            if token is not None and current[1] is self:
                # NOTE: an app context pushed inside this request is still current.
                raise AssertionError(
                    f"Popped wrong app context. ({current[0]!r} instead of {self!r})"
                )
            raise AssertionError(
                f"Popped wrong request context. ({current[1]!r} instead of {self!r})"
            )
        more = self._more
        if more:
            _ctx.reset(more.pop())
            return
        app = self.app
        own = self._app_ctx is None
        popped = False
        try:
            try:
                if app.teardown_request_funcs or _signals_on:
                    app.do_teardown_request(exc)
                # NOTE: uploads exist only once the body was read, which sets _cached_data.
                # PERF: not "files" in request.__dict__, which turns the instance's inline
                # values into a real dict: push + pop 12,242 -> 11,572 instructions with the
                # inline push.
                request = self.request
                if request._cached_data is not None:
                    request.close()
            finally:
                if own and (app.teardown_appcontext_funcs or _signals_on):
                    # NOTE: as when the app context was popped after the request context: the
                    # callbacks see this app and the request that was current before this one.
                    before = token.old_value
                    outer = None if before is Token.MISSING else before[1]
                    _ctx.set((self, outer, self))
                    app.do_teardown_appcontext(exc)
                popped = own
        finally:
            _ctx.reset(token)
            self._token = None
            self._app_ctx = None
            if popped and _signals_on:
                app._send_signal("appcontext_popped")

    def copy(self) -> RequestContext:
        """Return a context for the same request and session (for another thread or stream)."""
        return type(self)(self.app, self.request.environ, self.request, self._session)

    def __enter__(self) -> RequestContext:
        self.push()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.pop(exc)


class LocalProxy:
    """Forward attribute access, items and operators to the object ``getter`` returns."""

    __slots__ = ("__wrapped__", "_getter")

    def __init__(self, getter: Callable[[], Any], name: str) -> None:
        object.__setattr__(self, "_getter", getter)
        object.__setattr__(self, "__wrapped__", name)

    def _get_current_object(self) -> Any:
        """Return the object behind the proxy (to pass it to another thread, say)."""
        return self._getter()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._getter(), name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._getter(), name, value)

    def __delattr__(self, name: str) -> None:
        delattr(self._getter(), name)

    def __getitem__(self, key: Any) -> Any:
        return self._getter()[key]

    def __setitem__(self, key: Any, value: Any) -> None:
        self._getter()[key] = value

    def __delitem__(self, key: Any) -> None:
        del self._getter()[key]

    def __contains__(self, key: Any) -> bool:
        return key in self._getter()

    def __iter__(self) -> Iterator[Any]:
        return iter(self._getter())

    def __len__(self) -> int:
        return len(self._getter())

    def __bool__(self) -> bool:
        try:
            return bool(self._getter())
        except RuntimeError:
            return False

    def __eq__(self, other: object) -> bool:
        return bool(self._getter() == other)

    def __ne__(self, other: object) -> bool:
        return bool(self._getter() != other)

    def __hash__(self) -> int:
        return hash(self._getter())

    def __repr__(self) -> str:
        try:
            return repr(self._getter())
        except RuntimeError:
            return f"<unbound {self.__wrapped__}>"

    def __str__(self) -> str:
        return str(self._getter())

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._getter()(*args, **kwargs)

    def __dir__(self) -> list[str]:
        return dir(self._getter())


def _current_app() -> App:
    app_ctx = _ctx.get(_NO_CTX)[0]
    if app_ctx is None:
        raise RuntimeError(_NO_APP)
    return app_ctx.app


def _current_app_ctx() -> AppContext:
    app_ctx = _ctx.get(_NO_CTX)[0]
    if app_ctx is None:
        raise RuntimeError(_NO_APP)
    return app_ctx


def _current_request_ctx() -> RequestContext:
    ctx = _ctx.get(_NO_CTX)[1]
    if ctx is None:
        raise RuntimeError(_NO_REQUEST)
    return ctx


def _current_g() -> _AppCtxGlobals:
    app_ctx = _ctx.get(_NO_CTX)[0]
    if app_ctx is None:
        raise RuntimeError(_NO_APP)
    return app_ctx.g


def _current_request() -> Request:
    ctx = _ctx.get(_NO_CTX)[1]
    if ctx is None:
        raise RuntimeError(_NO_REQUEST)
    return ctx.request


def _current_session() -> SessionMixin:
    ctx = _ctx.get(_NO_CTX)[1]
    if ctx is None:
        raise RuntimeError(_NO_REQUEST)
    # PERF: an opened session is read without the property call: session 191,143 -> 190,418
    # instructions per request (the view reads the proxy three times).
    session = ctx._session
    return session if session is not None else ctx.session


def _forwarding(getter: Callable[[], Any], name: str) -> property:
    read = attrgetter(name)
    return property(lambda proxy: read(getter()), doc=f"Forwarded ``{name}``.")


def _context_forwarding(name: str, of_session: bool) -> property:
    """Return a property reading ``name`` of the current request (or session) directly.

    # PERF: the context read here, not through _current_request(): one Python call fewer per
    # read, request.method 1,747 -> 1,550 instructions.
    """
    read = attrgetter(name)
    current = _ctx.get

    def forward(proxy: LocalProxy) -> Any:
        ctx = current(_NO_CTX)[1]
        if ctx is None:
            raise RuntimeError(_NO_REQUEST)
        if of_session:
            session = ctx._session
            return read(session if session is not None else ctx.session)
        return read(ctx.request)

    return property(forward, doc=f"Forwarded ``{name}``.")


def _session_getitem(proxy: LocalProxy, key: str) -> Any:
    # PERF: an open session is read without the _current_session call; the bench's view reads
    # and writes session[...] once each: session 131,234 -> 130,087 instructions per request.
    ctx = _ctx.get(_NO_CTX)[1]
    session = None if ctx is None else ctx._session
    if session is None:
        session = _current_session()  # opens it, or raises outside a request
    return session[key]


def _session_setitem(proxy: LocalProxy, key: str, value: Any) -> None:
    ctx = _ctx.get(_NO_CTX)[1]
    session = None if ctx is None else ctx._session
    if session is None:
        session = _current_session()
    session[key] = value


_SESSION_METHODS: dict[str, Callable[..., Any]] = {
    "__getitem__": _session_getitem,
    "__setitem__": _session_setitem,
}


def _proxy(
    getter: Callable[[], Any],
    name: str,
    names: Iterable[str],
    methods: dict[str, Callable[..., Any]] | None = None,
    forwarding: Callable[[str], property] | None = None,
) -> LocalProxy:
    """Return a proxy with a forwarding property for each of ``names`` (and ``methods``).

    ``forwarding`` makes the property of a name (by default, one reading through ``getter``).

    # PERF: ``__getattr__`` only runs after a failed normal lookup, which costs ~0.6 us;
    # ``request.args`` and ``session.get`` are found at once through these properties.
    # Other names still reach the object through ``LocalProxy.__getattr__``.
    """
    if forwarding is None:
        forwarding = partial(_forwarding, getter)
    attributes: dict[str, Any] = {
        attr: forwarding(attr) for attr in names if not attr.startswith("_")
    }
    attributes["__slots__"] = ()
    attributes.update(methods or {})
    cls = type(f"{name.title().replace('_', '')}Proxy", (LocalProxy,), attributes)
    proxy: LocalProxy = cls(getter, name)
    return proxy


_SESSION_NAMES = (*dir(dict), "permanent", "modified", "new", "accessed", "regenerate")

# PERF: the App attributes extensions read most get forwarding properties (App cannot be
# imported here): current_app.config costs 1,800 instructions, a name without one 6,323.
_APP_NAMES = (
    *("config", "extensions", "url_map", "view_functions", "blueprints", "logger", "json"),
    *("debug", "name", "testing", "response_class", "jinja_env", "session_interface"),
    *("import_name", "root_path", "instance_path"),
)
current_app: App = _proxy(_current_app, "current_app", _APP_NAMES)  # type: ignore[assignment]
g: _AppCtxGlobals = LocalProxy(_current_g, "g")  # type: ignore[assignment]
# NOTE: environ, method and app are instance attributes, missing from dir(Request).
# PERF: without a forwarding property, request.method went through a failed lookup and
# __getattr__: 5,961 -> 1,747 instructions per read.
_REQUEST_NAMES = (*dir(Request), "environ", "method", "app")
request: Request = _proxy(  # type: ignore[assignment]
    _current_request,
    "request",
    _REQUEST_NAMES,
    forwarding=partial(_context_forwarding, of_session=False),
)
session: SessionMixin = _proxy(  # type: ignore[assignment]
    _current_session,
    "session",
    _SESSION_NAMES,
    _SESSION_METHODS,
    forwarding=partial(_context_forwarding, of_session=True),
)
#: The active app context and request context (Flask's ``flask.globals.app_ctx`` and
#: ``request_ctx``), for extensions that keep state on them.
app_ctx: AppContext = LocalProxy(_current_app_ctx, "app_ctx")  # type: ignore[assignment]
request_ctx: RequestContext = LocalProxy(_current_request_ctx, "request_ctx")  # type: ignore[assignment]


def has_app_context() -> bool:
    """Tell whether an app context is active."""
    return _ctx.get(_NO_CTX)[0] is not None


def has_request_context() -> bool:
    """Tell whether a request context is active."""
    return _ctx.get(_NO_CTX)[1] is not None


def after_this_request(func: F) -> F:
    """Run ``func(response)`` after the current request, before the after_request hooks."""
    ctx = _ctx.get(_NO_CTX)[1]
    if ctx is None:
        raise RuntimeError("'after_this_request' can only be used during a request.")
    ctx._after_request_functions.append(func)
    return func


def copy_current_request_context(func: F) -> F:
    """Decorate ``func`` so it runs inside a copy of the current request context."""
    ctx = _ctx.get(_NO_CTX)[1]
    if ctx is None:
        raise RuntimeError("'copy_current_request_context' can only be used during a request.")
    copied = ctx.copy()

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with copied:
            return func(*args, **kwargs)

    return update_wrapper(wrapper, func)  # type: ignore[return-value]


def stream_with_context(generator_or_function: Any) -> Any:
    """Keep the request context alive while a streamed body is generated.

    Use it around a generator (or as a decorator on a generator function) returned from a view.
    """
    if callable(generator_or_function) and not hasattr(generator_or_function, "__next__"):
        func = generator_or_function

        def decorated(*args: Any, **kwargs: Any) -> Any:
            return stream_with_context(func(*args, **kwargs))

        return update_wrapper(decorated, func)

    generator = iter(generator_or_function)
    ctx = _ctx.get(_NO_CTX)[1]
    if ctx is None:
        raise RuntimeError("'stream_with_context' can only be used during a request.")
    copied = ctx.copy()

    def wrapped() -> Iterator[Any]:
        with copied:
            try:
                yield from generator
            finally:
                close = getattr(generator, "close", None)
                if close is not None:
                    close()

    return wrapped()
