"""The test client: call an app without a server, keeping cookies and following redirects.

``app.test_client()`` returns a :class:`TestClient`. Its methods and
``app.test_request_context()`` take the arguments of :class:`EnvironBuilder`, which builds the
WSGI environ a real server would build for the same request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from itertools import chain
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import click.testing

from ..cookies import dump_cookie
from ..headers import Headers
from ..response import Response
from .cookiejar import Cookie as Cookie
from .cookiejar import _CookieJar
from .environ import EnvironBuilder

if TYPE_CHECKING:
    from ..app import App
    from ..ctx import RequestContext
    from ..request import Request

_REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})


class TestResponse(Response):
    """A response as the test client received it.

    ``request`` is the request that produced it and ``history`` the redirect responses that
    ``follow_redirects=True`` went through, oldest first.
    """

    __test__ = False
    # NOTE: the headers are exactly what the app sent; adding a default type would hide bugs.
    default_mimetype = None

    def __init__(
        self,
        *args: Any,
        request: Request | None = None,
        history: tuple[TestResponse, ...] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.request = request
        self.history = history


_test_response_classes: dict[type[Response], type[TestResponse]] = {Response: TestResponse}


def _test_response_class(response_class: type[Response]) -> type[TestResponse]:
    """Mix TestResponse into the app's response class, so its extra attributes still work."""
    if issubclass(response_class, TestResponse):
        return response_class
    cls = _test_response_classes.get(response_class)
    if cls is None:
        name = f"Test{response_class.__name__}"
        cls = type(name, (TestResponse, response_class), {"__test__": False})
        _test_response_classes[response_class] = cls
    return cls


class _Body:
    """The app's body iterable, closed exactly once: when exhausted or when the response is."""

    __slots__ = ("_app_iter", "_chunks", "_closed")

    def __init__(self, app_iter: Iterable[bytes], written: list[bytes]) -> None:
        self._app_iter = app_iter
        self._chunks: Iterator[bytes] = chain(written, app_iter)
        self._closed = False

    def prime(self) -> None:
        """Pull the first chunk now: PEP 3333 lets an app delay start_response until then."""
        first = next(self._chunks, None)
        if first is not None:
            self._chunks = chain((first,), self._chunks)

    def __iter__(self) -> _Body:
        return self

    def __next__(self) -> bytes:
        try:
            return next(self._chunks)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            close = getattr(self._app_iter, "close", None)
            if close is not None:
                close()


def _run_wsgi_app(
    app: Callable[..., Iterable[bytes]], environ: dict[str, Any]
) -> tuple[str, list[tuple[str, str]], Iterable[bytes]]:
    """Call a WSGI app and return its status, headers and (unconsumed) body iterable."""
    started: list[Any] = []
    written: list[bytes] = []

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], None]:
        if exc_info is not None and started:
            raise exc_info[1].with_traceback(exc_info[2])
        started[:] = [status, headers]
        return written.append

    body = _Body(app(environ, start_response), written)
    if not started:
        body.prime()
    if not started:
        raise RuntimeError("The WSGI app returned without calling start_response.")
    return started[0], started[1], body


def _request_target(environ: Mapping[str, Any]) -> tuple[str, str, bool]:
    """Return the host (without the port), URL path and whether the request is HTTPS."""
    host = str(environ.get("HTTP_HOST") or environ.get("SERVER_NAME") or "localhost").lower()
    if host.startswith("["):
        host = host[: host.find("]") + 1] or host
    else:
        name, _, port = host.rpartition(":")
        host = name if name and port.isdigit() else host
    path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    return host, path or "/", environ.get("wsgi.url_scheme") == "https"


class TestClient:
    """Send requests to an app without a server; ``app.test_client()`` returns one.

    Cookies the app sets are kept in a jar and sent back on later requests (unless
    ``use_cookies=False``). Inside ``with client:`` the context of the last request stays
    pushed after the response returns, so ``request``, ``session`` and ``g`` can be inspected.
    """

    __test__ = False
    #: How many redirects ``follow_redirects=True`` follows before it gives up.
    max_redirects = 20

    def __init__(self, app: App, use_cookies: bool = True) -> None:
        from .._version import __version__

        self.app = app
        #: Environ keys every request starts from (the builder's ``environ_base`` wins).
        self.environ_base: dict[str, Any] = {
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_USER_AGENT": f"hipflask/{__version__}",
        }
        self._jar = _CookieJar() if use_cookies else None
        self.preserve_context = False
        self._preserved: list[tuple[RequestContext, BaseException | None]] = []

    @property
    def application(self) -> App:
        """The app under test (the name Werkzeug's client uses)."""
        return self.app

    # -- cookies ---------------------------------------------------------------------------

    def _cookie_jar(self) -> _CookieJar:
        if self._jar is None:
            raise TypeError("Cookies are disabled. Create a client with 'use_cookies=True'.")
        return self._jar

    def get_cookie(self, key: str, domain: str = "localhost", path: str = "/") -> Cookie | None:
        """Return the cookie the app set for ``domain`` and ``path``, or None."""
        cookie = self._cookie_jar().cookies.get((domain, path, key))
        if cookie is None or cookie.is_expired(datetime.now(UTC)):
            return None
        return cookie

    def set_cookie(
        self,
        key: str,
        value: str = "",
        *,
        domain: str = "localhost",
        origin_only: bool = True,
        path: str = "/",
        **kwargs: Any,
    ) -> None:
        """Put a cookie in the jar as if the app had set it.

        ``kwargs`` are those of :meth:`Response.set_cookie` (``max_age``, ``secure``, ...).
        Without ``origin_only`` the cookie is also sent to subdomains of ``domain``.
        """
        header = dump_cookie(key, value, path=path, **kwargs)
        if not origin_only:
            header = f"{header}; Domain={domain}"
        self._cookie_jar().update(domain, path, True, [header])

    def delete_cookie(self, key: str, *, domain: str = "localhost", path: str = "/") -> None:
        """Remove a cookie from the jar."""
        self._cookie_jar().cookies.pop((domain, path, key), None)

    # -- requests --------------------------------------------------------------------------

    def open(
        self,
        *args: Any,
        buffered: bool = False,
        follow_redirects: bool = False,
        **kwargs: Any,
    ) -> TestResponse:
        """Send a request and return the response.

        Pass the arguments of :class:`EnvironBuilder`, or a builder. ``buffered`` reads the
        whole body before returning. ``follow_redirects`` follows 301, 302, 303, 307 and 308
        responses on the same host (303, and 301/302 after a POST, continue as a GET without
        a body) and records them in ``response.history``.
        """
        if args and isinstance(args[0], EnvironBuilder):
            builder = args[0]
        else:
            builder = self._builder(args, kwargs)
        try:
            response = self._send(builder, buffered)
        finally:
            builder.close()
        if follow_redirects:
            response = self._follow_redirects(response, builder, buffered)
        return response

    def _builder(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> EnvironBuilder:
        kwargs["environ_base"] = {**self.environ_base, **(kwargs.get("environ_base") or {})}
        return EnvironBuilder(self.app, *args, **kwargs)

    def _send(self, builder: EnvironBuilder, buffered: bool) -> TestResponse:
        self._pop_preserved()
        environ = builder.get_environ()
        self._add_cookies(environ)
        if self.preserve_context:
            environ["hipflask._preserve_context"] = self._preserve
        request = self.app.request_class(environ, self.app)
        status, headers, body = _run_wsgi_app(self.app, environ)
        response_class = _test_response_class(self.app.response_class)
        response = response_class(body, status, Headers(headers), request=request)
        if self._jar is not None:
            self._jar.update(*_request_target(environ), response.headers.getlist("Set-Cookie"))
        if buffered:
            response.get_data()
        return response

    def _add_cookies(self, environ: dict[str, Any]) -> None:
        if self._jar is None:
            return
        cookies = self._jar.header(*_request_target(environ))
        if cookies:
            sent = environ.get("HTTP_COOKIE")
            environ["HTTP_COOKIE"] = f"{sent}; {cookies}" if sent else cookies

    def _follow_redirects(
        self, response: TestResponse, builder: EnvironBuilder, buffered: bool
    ) -> TestResponse:
        history: list[TestResponse] = []
        while response.status_code in _REDIRECT_CODES and response.location:
            if len(history) >= self.max_redirects:
                raise RuntimeError(f"Gave up after {self.max_redirects} redirects; is it a loop?")
            response.get_data()
            response.close()
            history.append(response)
            builder = self._redirect_builder(builder, response)
            response = self._send(builder, buffered)
        response.history = tuple(history)
        return response

    def _redirect_builder(self, previous: EnvironBuilder, response: TestResponse) -> EnvironBuilder:
        """Build the request a browser makes for a redirect (Fetch standard semantics)."""
        target = urlsplit(urljoin(previous.url, response.location or ""))
        if (target.hostname or "") != (urlsplit(previous.base_url).hostname or ""):
            raise RuntimeError(
                f"The test client follows no redirects to other hosts: {target.netloc}"
            )
        root = previous.script_root
        path = target.path or "/"
        if root and (path == root or path.startswith(f"{root}/")):
            path = path[len(root) :] or "/"
        else:
            root = ""
        code, method = response.status_code, previous.method
        drop_body = (code == 303 and method != "HEAD") or (code in (301, 302) and method == "POST")
        body, content_type = (None, None) if drop_body else previous.get_body()
        headers = previous.headers.copy()
        if drop_body:
            headers.pop("Content-Length", None)
        return EnvironBuilder(
            self.app,
            path=path,
            base_url=f"{target.scheme}://{target.netloc}{root}",
            query_string=target.query.encode("latin-1"),
            method="GET" if drop_body and method != "HEAD" else method,
            headers=headers,
            data=body,
            content_type=content_type,
            environ_base=previous.environ_base,
            environ_overrides=previous.environ_overrides,
        )

    def get(self, *args: Any, **kwargs: Any) -> TestResponse:
        """Send a GET request (arguments as for :meth:`open`)."""
        return self.open(*args, method="GET", **kwargs)

    def post(self, *args: Any, **kwargs: Any) -> TestResponse:
        """Send a POST request (arguments as for :meth:`open`)."""
        return self.open(*args, method="POST", **kwargs)

    def put(self, *args: Any, **kwargs: Any) -> TestResponse:
        """Send a PUT request (arguments as for :meth:`open`)."""
        return self.open(*args, method="PUT", **kwargs)

    def patch(self, *args: Any, **kwargs: Any) -> TestResponse:
        """Send a PATCH request (arguments as for :meth:`open`)."""
        return self.open(*args, method="PATCH", **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> TestResponse:
        """Send a DELETE request (arguments as for :meth:`open`)."""
        return self.open(*args, method="DELETE", **kwargs)

    def head(self, *args: Any, **kwargs: Any) -> TestResponse:
        """Send a HEAD request (arguments as for :meth:`open`)."""
        return self.open(*args, method="HEAD", **kwargs)

    def options(self, *args: Any, **kwargs: Any) -> TestResponse:
        """Send an OPTIONS request (arguments as for :meth:`open`)."""
        return self.open(*args, method="OPTIONS", **kwargs)

    # -- contexts --------------------------------------------------------------------------

    def _preserve(self, ctx: RequestContext, error: BaseException | None) -> None:
        self._preserved.append((ctx, error))

    def _pop_preserved(self) -> None:
        preserved, self._preserved = self._preserved, []
        for ctx, error in reversed(preserved):
            ctx.pop(error)

    def __enter__(self) -> TestClient:
        if self.preserve_context:
            raise RuntimeError("Cannot nest 'with client:' blocks.")
        self.preserve_context = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.preserve_context = False
        self._pop_preserved()

    @contextmanager
    def session_transaction(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        """Open the session the next request would see, let the test change it, then save it.

        Takes the arguments of :class:`EnvironBuilder`. The saved session's cookie goes into
        the jar, so the next request sees the changes.
        """
        jar = self._cookie_jar()
        app = self.app
        builder = self._builder(args, kwargs)
        try:
            environ = builder.get_environ()
        finally:
            builder.close()
        self._add_cookies(environ)
        ctx = app.request_context(environ)
        interface = app.session_interface
        with ctx:
            session = interface.open_session(app, ctx.request)
        if session is None:
            raise RuntimeError("The session backend did not open a session; is SECRET_KEY set?")
        yield session
        if interface.is_null_session(session):
            return
        response = app.response_class()
        with ctx:
            interface.save_session(app, session, response)
        jar.update(*_request_target(environ), response.headers.getlist("Set-Cookie"))


#: The name Flask uses, for ported test suites.
FlaskClient = TestClient


class CliRunner(click.testing.CliRunner):
    """Invoke the app's CLI commands in tests; ``app.test_cli_runner()`` returns one."""

    def __init__(self, app: App, **kwargs: Any) -> None:
        self.app = app
        super().__init__(**kwargs)

    def invoke(  # type: ignore[override]
        self, cli: Any = None, args: Any = None, **kwargs: Any
    ) -> click.testing.Result:
        """Run ``cli`` (the app's command group by default) with ``args``."""
        if cli is None:
            cli = self.app.cli
        if "obj" not in kwargs:
            from ..cli.appgroup import ScriptInfo

            kwargs["obj"] = ScriptInfo(create_app=lambda: self.app)
        return super().invoke(cli, args, **kwargs)


#: The name Flask uses, for ported test suites.
FlaskCliRunner = CliRunner
