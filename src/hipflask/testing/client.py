"""The test client: call an app without a server, keeping cookies and following redirects.

``app.test_client()`` returns a :class:`TestClient`. Its methods and
``app.test_request_context()`` take the arguments of :class:`EnvironBuilder`, which builds the
WSGI environ a real server would build for the same request.
"""

from __future__ import annotations

import json as _json
import mimetypes
import os
import secrets
import sys
from base64 import b64encode
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from io import BytesIO
from itertools import chain
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote_to_bytes, urlencode, urljoin, urlsplit

import click.testing

from ..datastructures import Headers
from ..filestorage import FileStorage
from ..http import dump_cookie
from ..response import Response
from .cookiejar import Cookie as Cookie
from .cookiejar import _CookieJar

if TYPE_CHECKING:
    from ..app import App
    from ..ctx import RequestContext
    from ..request import Request

_REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
# Characters a query string passed as str keeps as they are; spaces and non-ASCII are encoded.
_QUERY_SAFE = "!$&'()*+,;=:@/?%~[]"
_PATH_SAFE = "!$&'()*+,;=:@/%~"


class EnvironBuilder:
    """Build the PEP 3333 environ of a made-up request, as a WSGI server would.

    ``path`` may carry a query string (``'/search?q=x'``) or be an absolute URL. ``base_url``
    (``'https://example.com/root'``) gives the scheme, host and script root; without it they
    come from the app's ``PREFERRED_URL_SCHEME``, ``SERVER_NAME`` (default ``localhost``) and
    ``APPLICATION_ROOT``, with ``url_scheme`` and ``subdomain`` applied. ``query_string`` is a
    str, bytes, dict or MultiDict. ``headers`` is a dict, a list of pairs or ``Headers``.

    ``data`` is the raw body (str or bytes) or a form (dict or MultiDict; a list value repeats
    the field). A form is urlencoded, or multipart when a value is a file: a file object with a
    name, ``(file, filename)``, ``(file, filename, content_type)`` or a ``FileStorage``.
    ``json`` is serialised with ``app.json`` and sent as ``application/json``. ``auth`` is a
    ``(username, password)`` pair sent as HTTP Basic credentials.
    """

    def __init__(
        self,
        app: App | None = None,
        path: str = "/",
        base_url: str | None = None,
        query_string: str | bytes | Mapping[str, Any] | None = None,
        method: str = "GET",
        headers: Any = None,
        data: Any = None,
        json: Any = None,
        content_type: str | None = None,
        environ_base: Mapping[str, Any] | None = None,
        environ_overrides: Mapping[str, Any] | None = None,
        subdomain: str | None = None,
        url_scheme: str | None = None,
        auth: tuple[str, str] | None = None,
    ) -> None:
        if base_url is not None and (subdomain or url_scheme):
            raise ValueError("Pass either 'base_url' or 'subdomain'/'url_scheme', not both.")
        if data is not None and json is not None:
            raise TypeError("Pass either 'data' or 'json', not both.")
        self.app = app
        scheme, netloc, path, query = _split_path(path)
        if query:
            if query_string is not None:
                raise ValueError("The query string is in the path and in 'query_string'.")
            query_string = query
        if base_url is None:
            base_url = self._default_base_url(scheme, netloc, subdomain, url_scheme)
        base = urlsplit(base_url)
        self.url_scheme = base.scheme or "http"
        self.host = base.netloc or "localhost"
        self.script_root = base.path.rstrip("/")
        self.path = path or "/"
        self.query_string = _encode_query(query_string)
        self.method = method.upper()
        self.headers = Headers(list(_iter_pairs(headers)) if headers is not None else None)
        if auth is not None and "Authorization" not in self.headers:
            credentials = b64encode(f"{auth[0]}:{auth[1]}".encode()).decode("ascii")
            self.headers["Authorization"] = f"Basic {credentials}"
        self.data = data
        self.json = json
        self.content_type = content_type or self.headers.pop("Content-Type", None)
        self.environ_base = dict(environ_base or {})
        self.environ_overrides = dict(environ_overrides or {})
        self._body: tuple[bytes | None, str | None] | None = None
        self._files: list[Any] = []

    def _default_base_url(
        self, scheme: str, netloc: str, subdomain: str | None, url_scheme: str | None
    ) -> str:
        config: Mapping[str, Any] = self.app.config if self.app is not None else {}
        host = config.get("SERVER_NAME") or "localhost"
        if subdomain:
            host = f"{subdomain}.{host}"
        scheme = scheme or url_scheme or config.get("PREFERRED_URL_SCHEME") or "http"
        root = (config.get("APPLICATION_ROOT") or "/").strip("/")
        return f"{scheme}://{netloc or host}/{root}"

    @property
    def base_url(self) -> str:
        """The scheme, host and script root, such as ``'http://localhost/root'``."""
        return f"{self.url_scheme}://{self.host}{quote(self.script_root, safe=_PATH_SAFE)}"

    @property
    def request_uri(self) -> str:
        """The request target as sent on the request line: the path and the query string."""
        path = quote(self.script_root + self.path, safe=_PATH_SAFE)
        return f"{path}?{self.query_string}" if self.query_string else path

    @property
    def url(self) -> str:
        """The full URL of the request, percent-encoded."""
        return f"{self.url_scheme}://{self.host}{self.request_uri}"

    def get_body(self) -> tuple[bytes | None, str | None]:
        """Return the encoded body and its content type (None, None without a body)."""
        if self._body is None:
            self._body = self._encode_body()
        return self._body

    def _encode_body(self) -> tuple[bytes | None, str | None]:
        content_type = self.content_type
        if self.json is not None:
            dumps = self.app.json.dumps if self.app is not None else _json.dumps
            return dumps(self.json).encode(), content_type or "application/json"
        data = self.data
        if data is None:
            return None, content_type
        if isinstance(data, str):
            return data.encode(), content_type
        if isinstance(data, bytes | bytearray | memoryview):
            return bytes(data), content_type
        if hasattr(data, "read"):
            return _read_bytes(data), content_type
        fields = list(_iter_pairs(data))
        multipart = content_type is not None and content_type.startswith("multipart/form-data")
        if multipart or any(_is_file(value) for _, value in fields):
            return self._encode_multipart(fields)
        return urlencode(fields).encode(), content_type or "application/x-www-form-urlencoded"

    def _encode_multipart(self, fields: list[tuple[str, Any]]) -> tuple[bytes, str]:
        boundary = f"----hipflask{secrets.token_hex(16)}"
        out = BytesIO()
        for name, value in fields:
            disposition = f'form-data; name="{_quote_param(name)}"'
            if _is_file(value):
                stream, filename, file_type = _file_parts(value)
                self._files.append(stream)
                disposition += f'; filename="{_quote_param(filename)}"'
                head = f"Content-Disposition: {disposition}\r\nContent-Type: {file_type}\r\n"
                content = _read_bytes(stream)
            else:
                head = f"Content-Disposition: {disposition}\r\n"
                content = str(value).encode()
            out.write(f"--{boundary}\r\n{head}\r\n".encode())
            out.write(content)
            out.write(b"\r\n")
        out.write(f"--{boundary}--\r\n".encode())
        return out.getvalue(), f"multipart/form-data; boundary={boundary}"

    def get_environ(self) -> dict[str, Any]:
        """Return a new WSGI environ for this request (each call gets a fresh input stream)."""
        body, content_type = self.get_body()
        url = urlsplit(f"{self.url_scheme}://{self.host}")
        default_port = "443" if self.url_scheme == "https" else "80"
        environ: dict[str, Any] = {
            "REMOTE_ADDR": "127.0.0.1",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.version": (1, 0),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            **self.environ_base,
            "REQUEST_METHOD": self.method,
            "SCRIPT_NAME": _wsgi_str(self.script_root),
            "PATH_INFO": _wsgi_str(self.path),
            "QUERY_STRING": self.query_string,
            "REQUEST_URI": self.request_uri,
            "SERVER_NAME": url.hostname or self.host,
            "SERVER_PORT": str(url.port) if url.port else default_port,
            "HTTP_HOST": self.host,
            "wsgi.url_scheme": self.url_scheme,
            "wsgi.input": BytesIO(body or b""),
        }
        if content_type:
            environ["CONTENT_TYPE"] = content_type
        if body is not None:
            environ["CONTENT_LENGTH"] = str(len(body))
        environ.update(_environ_headers(self.headers))
        environ.update(self.environ_overrides)
        return environ

    def close(self) -> None:
        """Close the files passed in ``data`` (the encoded body is kept for redirects)."""
        for stream in self._files:
            close = getattr(stream, "close", None)
            if close is not None:
                close()
        self._files.clear()


def _split_path(path: str) -> tuple[str, str, str, str]:
    """Split ``path`` into scheme, host, path and query.

    Only a path with a scheme is read as a URL, so ``'//a'`` stays a path as a server sees it.
    """
    if "://" in path.partition("?")[0]:
        url = urlsplit(path)
        return url.scheme, url.netloc, url.path, url.query
    path = path.partition("#")[0]
    path, _, query = path.partition("?")
    return "", "", path, query


def _wsgi_str(path: str) -> str:
    """Percent-decode ``path`` to bytes and return them as latin-1 text, as PEP 3333 wants."""
    return unquote_to_bytes(path).decode("latin-1")


def _encode_query(value: str | bytes | Mapping[str, Any] | None) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("latin-1")
    if isinstance(value, str):
        return quote(value, safe=_QUERY_SAFE)
    return urlencode(list(_iter_pairs(value)))


def _iter_pairs(value: Any) -> Iterator[tuple[str, Any]]:
    """Yield the (key, value) pairs of a dict, MultiDict, Headers or list of pairs.

    A list value stands for the key repeated once per item (tuples are file specs, not lists).
    """
    if hasattr(value, "to_wsgi_list"):
        yield from value.to_wsgi_list()
        return
    if hasattr(value, "getlist"):
        items = value.items(multi=True)
    elif isinstance(value, Mapping):
        items = value.items()
    else:
        items = value
    for key, item in items:
        if isinstance(item, list):
            for element in item:
                yield key, element
        else:
            yield key, item


def _environ_headers(headers: Headers) -> dict[str, str]:
    """Map headers to environ keys; repeated headers are joined as a proxy would join them."""
    environ: dict[str, str] = {}
    for name, value in headers.to_wsgi_list():
        key = name.upper().replace("-", "_")
        if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            key = f"HTTP_{key}"
        if key in environ:
            separator = "; " if key == "HTTP_COOKIE" else ", "
            environ[key] = f"{environ[key]}{separator}{value}"
        else:
            environ[key] = str(value)
    return environ


def _is_file(value: Any) -> bool:
    return isinstance(value, tuple | FileStorage) or hasattr(value, "read")


def _file_parts(value: Any) -> tuple[Any, str, str]:
    """Return the stream, file name and content type of a file given in ``data``."""
    if isinstance(value, FileStorage):
        stream, filename, content_type = value.stream, value.filename, value.content_type
    elif isinstance(value, tuple):
        stream, filename = value[0], value[1]
        content_type = value[2] if len(value) > 2 else None
    else:
        stream, filename, content_type = value, getattr(value, "name", None), None
        filename = os.path.basename(filename) if isinstance(filename, str) else ""
    filename = filename or ""
    if not content_type:
        content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    return stream, filename, content_type


def _read_bytes(stream: Any) -> bytes:
    content = stream if isinstance(stream, str | bytes) else stream.read()
    return content.encode() if isinstance(content, str) else bytes(content)


def _quote_param(value: str) -> str:
    """Escape a multipart name or file name the way browsers do (HTML form submission)."""
    return value.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


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
        from .. import __version__

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
            from ..cli.commands import ScriptInfo

            kwargs["obj"] = ScriptInfo(create_app=lambda: self.app)
        return super().invoke(cli, args, **kwargs)


#: The name Flask uses, for ported test suites.
FlaskCliRunner = CliRunner
