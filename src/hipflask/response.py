"""Response, and the helpers that build one: :func:`redirect`.

A response body is either bytes held in memory or an iterable streamed to the server. Headers
refuse CR and LF (no header injection); cookies are written by :func:`hipflask.http.dump_cookie`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime, timedelta

from .cookies import dump_cookie
from .ctx import _NO_CTX, _ctx
from .exceptions import HTTPException, redirect_body, redirect_location
from .headers import Headers, check_header_value
from .http import parse_options_header
from .lazyload import lazy_import
from .status import _STATUS_LINES, _parse_status, _status_line

TYPE_CHECKING = False
if TYPE_CHECKING:
    import json
    from http import HTTPStatus
    from typing import Any, TypeVar

    HeadersLike = Headers | Mapping[str, Any] | Iterable[tuple[str, Any]]
    R = TypeVar("R", bound="Response")
else:
    json = lazy_import("json")

_new_headers = object.__new__
# PERF: isinstance(x, str | bytes) builds a types.UnionType on every call (~1,500
# instructions); tuples built once: Response("Hello, World!") 9,045 -> 7,578 instructions.
_TEXT_TYPES = (str, bytes, bytearray)
_SEQUENCE_TYPES = (list, tuple)
_JSON_TYPES = (dict, list)


def text_response(cls: type[R], text: str, mimetype: str | None = None) -> R:
    """Return ``cls(text)`` (``cls(text, mimetype=mimetype)`` with a mimetype): a response of
    the class's default status with ``text``.

    # PERF: what Response.__init__ does for one str argument, without the type call and the
    # argument binding, for a class that constructs as Response does (else ``cls(text)``):
    # the app's answer to a view returning a str. hello 38,476 -> 37,412 instructions per
    # request, params 48,582 -> 47,559 (Falcon 48,675).
    """
    if not cls._plain_init:
        return cls(text) if mimetype is None else cls(text, mimetype=mimetype)
    if mimetype is None:
        content_type = cls._default_content_type
    else:
        # PERF: _with_charset's memory of checked values read inline: with the JSON
        # provider's call, json 62,814 -> 58,847 instructions per request.
        content_type = _CONTENT_TYPES.get((mimetype, cls.charset)) or _with_charset(
            mimetype, cls.charset
        )
    self: R = _new_headers(cls)  # NOTE: object.__new__, as the type call would
    data = text.encode(cls.charset)
    self.headers = headers = _new_headers(Headers)
    headers._list = [("Content-Type", content_type), ("Content-Length", str(len(data)))]
    self.status_code = cls.default_status
    self.direct_passthrough = False
    self._on_close = None
    self.response = [data]
    return self


def text_answer(
    cls: type[Response], data: bytes, environ: dict[str, Any], start_response: Callable[..., Any]
) -> list[bytes]:
    """Answer as ``text_response(cls, text)(environ, start_response)`` would, ``data`` being
    ``text`` encoded in ``cls.charset``, for a class whose ``_plain_answer`` is set.

    # PERF: the app answers a view's str this way when nothing runs after the view: no
    # Response or Headers built, no method call. hello 37,385 -> 31,399 instructions per
    # request, params 47,509 -> 41,486.
    """
    status = cls.default_status
    content_type = ("Content-Type", cls._default_content_type)
    if status < 200 or status == 204 or status == 304:
        # NOTE: no body and no Content-Length for these (see Response.get_wsgi_headers).
        start_response(_status_line(status), [content_type])
        return []
    line = "200 OK" if status == 200 else _status_line(status)
    start_response(line, [content_type, ("Content-Length", str(len(data)))])
    if environ.get("REQUEST_METHOD") == "HEAD":
        return []
    return [data]


class Response:
    """An HTTP response: status, headers and a body (bytes or an iterable of bytes/str)."""

    default_status = 200
    default_mimetype: str | None = "text/html"
    charset = "utf-8"
    #: ``default_mimetype`` with its charset, computed when the class is created.
    _default_content_type = "text/html; charset=utf-8"
    #: ``(code, line)`` when a status string with a reason phrase was assigned; the line is
    #: sent only while ``status_code`` is still that code.
    # NOTE: a class default, so the common integer status costs no instance attribute.
    _custom_status: tuple[int, str] | None = None
    #: False in a subclass that overrides the ``status`` property.
    _plain_status_line = True
    #: False in a subclass that overrides :meth:`get_wsgi_headers`.
    _plain_wsgi_headers = True
    #: False in a subclass whose construction differs (``__init__`` or ``__new__`` overridden).
    _plain_init = True
    #: False in a subclass that changes how a response is built or answers (construction, the
    #: status line, the WSGI headers, ``__call__`` or ``close``): see :func:`text_answer`.
    _plain_answer = True

    @property
    def max_cookie_size(self) -> int:
        """The size over which a cookie logs a warning: the app's ``MAX_COOKIE_SIZE``.

        4093 (what browsers keep) outside an app context; 0 turns the warning off. A
        subclass may set a class attribute of the same name instead.
        """
        app_ctx = _ctx.get(_NO_CTX)[0]
        if app_ctx is None:
            return 4093
        size: int = app_ctx.app.config["MAX_COOKIE_SIZE"]
        return size

    def __init__(
        self,
        response: Iterable[bytes] | Iterable[str] | bytes | bytearray | str | None = None,
        status: int | str | HTTPStatus | None = None,
        headers: HeadersLike | None = None,
        mimetype: str | None = None,
        content_type: str | None = None,
        direct_passthrough: bool = False,
    ) -> None:
        trusted: list[tuple[str, str]] | None
        if headers is None:
            # PERF: a fresh header list takes the framework's own, already valid, pairs
            # without re-validating them (about a third of the cost of a small response); and
            # no Headers.__init__ call: hello 51,652 -> 49,816 instructions with the next NOTE.
            self.headers = fresh = _new_headers(Headers)
            fresh._list = trusted = []
        else:
            self.headers = headers if isinstance(headers, Headers) else Headers(headers)
            trusted = None
        if content_type is None:
            if mimetype is not None:
                content_type = _with_charset(mimetype, self.charset)
            elif trusted is not None:
                # NOTE: checked once, when the class was created (__init_subclass__).
                trusted.append(("Content-Type", self._default_content_type))
            elif "content-type" not in self.headers:
                content_type = self._default_content_type
        if content_type is not None:
            if trusted is not None:
                trusted.append(("Content-Type", check_header_value(content_type)))
            else:
                self.headers["Content-Type"] = content_type
        self.status_code = self.default_status
        if status is not None:
            self.status = status
        self.direct_passthrough = direct_passthrough
        self._on_close: list[Callable[[], Any]] | None = None
        self.response: Iterable[bytes] | list[bytes]
        if response is None:
            self.response = []
        elif isinstance(response, _TEXT_TYPES):
            data = response.encode(self.charset) if isinstance(response, str) else bytes(response)
            self.response = [data]
            if trusted is not None:
                trusted.append(("Content-Length", str(len(data))))
            else:
                self.headers["Content-Length"] = str(len(data))
        else:
            self.response = response  # type: ignore[assignment]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._default_content_type = _with_charset(cls.default_mimetype or "text/plain", cls.charset)
        cls._plain_status_line = cls.status is Response.status
        cls._plain_wsgi_headers = cls.get_wsgi_headers is Response.get_wsgi_headers
        cls._plain_init = cls.__init__ is Response.__init__ and cls.__new__ is Response.__new__
        cls._plain_answer = (
            cls._plain_init
            and cls._plain_status_line
            and cls._plain_wsgi_headers
            and cls.__call__ is Response.__call__
            and cls.close is Response.close
        )

    def __repr__(self) -> str:
        body = f"{len(self.get_data())} bytes" if not self.is_streamed else "streamed"
        return f"<{type(self).__name__} {body} [{self.status}]>"

    # -- status -------------------------------------------------------------------------

    @property
    def status(self) -> str:
        """The status line, such as ``'404 Not Found'``, or the one assigned (``'299 Weird'``)."""
        custom = self._custom_status
        if custom is not None and custom[0] == self.status_code:
            return custom[1]
        return _status_line(self.status_code)

    @status.setter
    def status(self, value: int | str | HTTPStatus) -> None:
        if isinstance(value, int):
            self.status_code = int(value)
            if self._custom_status is not None:
                self._custom_status = None
            return
        self.status_code, self._custom_status = _parse_status(value)
        if self._custom_status is not None:
            # NOTE: __call__ then asks the status property for the line.
            self._plain_status_line = False

    # -- body -------------------------------------------------------------------------------

    @property
    def is_streamed(self) -> bool:
        """True when the body is an iterable whose length is unknown."""
        return not isinstance(self.response, _SEQUENCE_TYPES)

    def set_data(self, value: bytes | str) -> None:
        """Replace the body and set ``Content-Length``."""
        if isinstance(value, str):
            value = value.encode(self.charset)
        else:
            value = bytes(value)
        self.response = [value]
        self.headers["Content-Length"] = str(len(value))

    def get_data(self, as_text: bool = False) -> Any:
        """Return the whole body (buffering a streamed one)."""
        self._ensure_sequence()
        data = b"".join(self.response)
        return data.decode(self.charset) if as_text else data

    @property
    def data(self) -> bytes:
        """The body as bytes; assigning sets it."""
        data: bytes = self.get_data()
        return data

    @data.setter
    def data(self, value: bytes | str) -> None:
        self.set_data(value)

    @property
    def text(self) -> str:
        """The body decoded as text."""
        text: str = self.get_data(as_text=True)
        return text

    def _ensure_sequence(self) -> None:
        if self.is_streamed:
            self.response = list(self.iter_encoded())

    def iter_encoded(self) -> Iterator[bytes]:
        """Yield the body as bytes, encoding str chunks."""
        for chunk in self.response:
            yield chunk.encode(self.charset) if isinstance(chunk, str) else chunk

    def call_on_close(self, func: Callable[[], Any]) -> Callable[[], Any]:
        """Run ``func`` when the server closes the response."""
        if self._on_close is None:
            self._on_close = []
        self._on_close.append(func)
        return func

    def close(self) -> None:
        """Close the body iterable and run the ``call_on_close`` functions."""
        close = getattr(self.response, "close", None)
        if close is not None:
            close()
        for func in self._on_close or ():
            func()

    # -- headers -------------------------------------------------------------------------------

    @property
    def content_type(self) -> str | None:
        """The ``Content-Type`` header."""
        return self.headers.get("Content-Type")

    @content_type.setter
    def content_type(self, value: str) -> None:
        self.headers["Content-Type"] = value

    @property
    def mimetype(self) -> str | None:
        """The content type without parameters."""
        value = self.headers.get("Content-Type")
        return parse_options_header(value)[0] if value else None

    @mimetype.setter
    def mimetype(self, value: str) -> None:
        self.headers["Content-Type"] = _with_charset(value, self.charset)

    @property
    def content_length(self) -> int | None:
        """The ``Content-Length`` header as an int."""
        value = self.headers.get("Content-Length")
        return int(value) if value and value.isdigit() else None

    @content_length.setter
    def content_length(self, value: int) -> None:
        self.headers["Content-Length"] = str(value)

    @property
    def location(self) -> str | None:
        """The ``Location`` header."""
        return self.headers.get("Location")

    @location.setter
    def location(self, value: str) -> None:
        self.headers["Location"] = value

    @property
    def is_json(self) -> bool:
        """True for a JSON content type."""
        mt = self.mimetype or ""
        return mt == "application/json" or (mt.startswith("application/") and mt.endswith("+json"))

    @property
    def json(self) -> Any:
        """The body parsed as JSON (None when it is not JSON)."""
        return self.get_json()

    def get_json(self, force: bool = False, silent: bool = False) -> Any:
        """Parse the body as JSON."""
        if not (force or self.is_json):
            return None
        try:
            return json.loads(self.get_data())
        except ValueError:
            if silent:
                return None
            raise

    def vary_on(self, header: str) -> None:
        """Add ``header`` to ``Vary`` once."""
        current = self.headers.get("Vary")
        if current is None:
            # NOTE: nothing to replace, so append instead of a second scan by Headers.set.
            self.headers.add("Vary", header)
            return
        names = {part.strip().lower() for part in current.split(",")}
        # NOTE: "Vary: *" already varies on everything; appending to it would be invalid.
        if header.lower() not in names and "*" not in names:
            self.headers["Vary"] = f"{current}, {header}"

    # -- cookies -----------------------------------------------------------------------------

    def set_cookie(
        self,
        key: str,
        value: str = "",
        max_age: timedelta | int | None = None,
        expires: str | datetime | int | float | None = None,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: str | None = None,
        partitioned: bool = False,
    ) -> None:
        """Add a ``Set-Cookie`` header; illegal names or attribute values raise ValueError."""
        # NOTE: dump_cookie has validated every part (no CR, LF or NUL can survive it), so the
        # header is appended without Headers.add checking it a second time.
        self.headers._list.append(
            (
                "Set-Cookie",
                dump_cookie(
                    key,
                    value,
                    max_age=max_age,
                    expires=expires,
                    path=path,
                    domain=domain,
                    secure=secure,
                    httponly=httponly,
                    samesite=samesite,
                    partitioned=partitioned,
                    max_size=self.max_cookie_size,
                ),
            )
        )

    def delete_cookie(
        self,
        key: str,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: str | None = None,
        partitioned: bool = False,
    ) -> None:
        """Tell the browser to drop a cookie (empty value, Max-Age=0, Expires in the past)."""
        self.set_cookie(
            key,
            expires=0,
            max_age=0,
            path=path,
            domain=domain,
            secure=secure,
            httponly=httponly,
            samesite=samesite,
            partitioned=partitioned,
        )

    # -- WSGI ----------------------------------------------------------------------------------

    def get_wsgi_headers(self, environ: dict[str, Any]) -> list[tuple[str, str]]:
        """Return the header list sent to the server (a hook for subclasses).

        A 1xx, 204 or 304 response has no body, so it goes out without ``Content-Length``
        (RFC 9110 8.6), as Werkzeug sends it; the response's own headers are left as they are.
        """
        headers = self.headers
        pairs = headers._list[:] if type(headers) is Headers else headers.to_wsgi_list()
        status = self.status_code
        if status < 200 or status == 204 or status == 304:
            return [pair for pair in pairs if pair[0].lower() != "content-length"]
        return pairs

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        """Answer as a WSGI application: start the response and return the body iterable."""
        status = self.status_code
        # PERF: the status line read from the table, not through the ``status`` property
        # (unless a subclass overrides it or a custom reason phrase was assigned), and the
        # plain Headers' list copied below: hello 49,816 -> 48,920 instructions.
        line = _STATUS_LINES.get(status) if self._plain_status_line else None
        # PERF: a custom reason phrase clears the instance's _plain_status_line, so only that
        # class default is read here: hello 39,518 -> 39,326 instructions.
        if line is None:
            line = self.status
        headers = self.headers
        if (
            self._plain_wsgi_headers
            and type(headers) is Headers
            and status >= 200
            and status != 204
            and status != 304
        ):
            # PERF: what get_wsgi_headers returns for a status with a body, without the call
            # (unless a subclass overrides it): hello 39,288 -> 39,018 instructions, params
            # 49,838 -> 49,548.
            pairs = headers._list[:]
        else:
            pairs = self.get_wsgi_headers(environ)
        start_response(line, pairs)
        if environ.get("REQUEST_METHOD") == "HEAD" or status in (204, 304) or status < 200:
            self.close()
            return []
        if isinstance(self.response, list):
            if self._on_close:
                return _ClosingIterable(self.response, self.close)
            return self.response
        # NOTE: a file body (hipflask.files.FileBody) hands its file to the server's
        # wsgi.file_wrapper (sendfile), unless call_on_close functions wait for close().
        wsgi_file = getattr(self.response, "wsgi_file", None)
        if wsgi_file is not None and not self._on_close:
            return wsgi_file(environ)  # type: ignore[no-any-return]
        return _ClosingIterable(self.iter_encoded(), self.close)


# NOTE: exceptions (layer 0) describe a status, headers and a body; this is where they learn
# which class to build their response with.
HTTPException.response_class = Response


class _ClosingIterable:
    """Wrap a body so the server's ``close()`` also closes the response (PEP 3333)."""

    __slots__ = ("_iterable", "close")

    def __init__(self, iterable: Iterable[bytes], close: Callable[[], None]) -> None:
        self._iterable = iterable
        self.close = close

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._iterable)


#: ``Content-Type`` values made from a mimetype and a charset, checked (see _with_charset).
_CONTENT_TYPES: dict[tuple[str, str], str] = {}


def _with_charset(mimetype: str, charset: str) -> str:
    """Add ``; charset=`` to text types and check the result as a header value (memoised: a
    handful of mimetypes recur). A mimetype with CR, LF or NUL raises ValueError."""
    key = (mimetype, charset)
    content_type = _CONTENT_TYPES.get(key)
    if content_type is None:
        content_type = check_header_value(_add_charset(mimetype, charset))
        if len(_CONTENT_TYPES) < 256:
            _CONTENT_TYPES[key] = content_type
    return content_type


def _add_charset(mimetype: str, charset: str) -> str:
    if "charset=" in mimetype:
        return mimetype
    if (
        mimetype.startswith("text/")
        or mimetype
        in (
            "application/xml",
            "application/javascript",
            "application/ecmascript",
        )
        or mimetype.endswith("+xml")
    ):
        return f"{mimetype}; charset={charset}"
    return mimetype


def redirect(location: str, code: int = 302, Response: type[Response] | None = None) -> Response:
    """Return a response that redirects the client to ``location`` (302 by default).

    Non-ASCII characters, spaces, CR and LF in ``location`` are percent-encoded.
    """
    if Response is None:
        app_ctx = _ctx.get(_NO_CTX)[0]
        Response = app_ctx.app.response_class if app_ctx is not None else globals()["Response"]
    assert Response is not None
    response = Response(redirect_body(location), code, mimetype="text/html")
    response.headers["Location"] = redirect_location(location)
    return response


def make_response(*args: Any) -> Response:
    """Turn view-style return values into a response, to add headers before returning it.

    ``make_response()`` is an empty response, ``make_response(body)``,
    ``make_response(body, 404)`` and ``make_response(body, 404, headers)`` coerce like a view's
    return value does.
    """
    app_ctx = _ctx.get(_NO_CTX)[0]
    if app_ctx is None:
        raise RuntimeError("make_response() needs an application context.")
    if not args:
        return app_ctx.app.response_class()
    return app_ctx.app.make_response(args[0] if len(args) == 1 else args)


def coerce_view_result(
    rv: Any, response_class: type[Response], json_response: Callable[[Any], Response]
) -> Response:
    """Turn a view's return value into an instance of ``response_class``.

    ``json_response`` serializes a dict or list (the app's ``json.response``). A tuple's status
    and headers are applied to whatever its body becomes. Anything else is a TypeError that
    says what a view may return.
    """
    status = headers = None
    if isinstance(rv, tuple):
        rv, status, headers = _unpack_tuple(rv)
    if rv is None:
        raise TypeError(
            "The view function did not return a valid response. The function either "
            "returned None or ended without a return statement."
        )
    if isinstance(rv, _TEXT_TYPES):
        return response_class(rv, status, headers)
    if isinstance(rv, Response):
        response = rv
    elif isinstance(rv, _JSON_TYPES):
        response = json_response(rv)
    elif isinstance(rv, HTTPException):
        ctx = _ctx.get(_NO_CTX)[1]
        response = rv.get_response(ctx.request if ctx is not None else None)
    elif hasattr(rv, "__next__") or hasattr(rv, "__iter__"):
        return response_class(rv, status=status, headers=headers)
    else:
        raise TypeError(
            "The view function did not return a valid response. The return type must be a "
            "string, dict, list, tuple with headers or status, Response instance, or "
            f"iterator, but it was a {type(rv).__name__}."
        )
    if status is not None:
        response.status = status
    if headers:
        response.headers.update(headers)
    return response


def _unpack_tuple(rv: tuple[Any, ...]) -> tuple[Any, Any, Any]:
    """Split ``(body, status, headers)``, ``(body, status)`` or ``(body, headers)``."""
    if len(rv) == 3:
        return rv[0], rv[1], rv[2]
    if len(rv) == 2:
        body, extra = rv
        if isinstance(extra, (dict, list, tuple)) or hasattr(extra, "to_wsgi_list"):
            return body, None, extra
        return body, extra, None
    raise TypeError(
        "The view function did not return a valid response tuple. The tuple must have the form "
        "(body, status, headers), (body, status), or (body, headers)."
    )
