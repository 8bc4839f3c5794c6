"""The HTTP exception family and :func:`abort`.

Raising an :class:`HTTPException` anywhere in a request ends it with that status. The default
body negotiates: a client that prefers JSON gets ``{"error": ..., "status": ...}``, anyone else
a small HTML page. Exceptions never carry a traceback to the client.
"""

from __future__ import annotations

from collections.abc import Iterable

from .lazyload import lazy_import

TYPE_CHECKING = False
if TYPE_CHECKING:
    import json
    import urllib.parse as _urlparse
    from typing import Any, ClassVar, NoReturn

    from .request import Request
    from .response import Response
else:
    # PERF: loaded by the first error answered in JSON and the first redirect.
    json = lazy_import("json")
    _urlparse = lazy_import("urllib.parse")


_BODIES: dict[tuple[Any, ...], tuple[str, str]] = {}


class HTTPException(Exception):
    """Base class for every exception that ends a request with an HTTP status."""

    code: int = 500
    name: str = "Internal Server Error"
    description: str = "The server encountered an internal error."
    #: The class :meth:`get_response` builds. Exceptions sit below responses (layer 0), so
    #: they do not import them: :mod:`hipflask.response` sets this when it is imported, which
    #: ``import hipflask`` always does.
    response_class: ClassVar[type[Response]]

    def __init__(self, description: str | None = None, response: Response | None = None) -> None:
        super().__init__(description or self.description)
        if description is not None:
            self.description = description
        self.response = response

    def get_headers(self) -> list[tuple[str, str]]:
        """Return the extra headers this status needs (such as ``Allow`` on a 405)."""
        return []

    def get_body(self, wants_json: bool = False) -> tuple[str, str]:
        """Return ``(body, content_type)`` for the default error page."""
        # NOTE: default pages repeat (every 404 of a scanner), so they are rendered once.
        key = (type(self), self.code, self.name, self.description, wants_json)
        body = _BODIES.get(key)
        if body is None:
            body = self._render_body(wants_json)
            if len(_BODIES) < 512:
                _BODIES[key] = body
        return body

    def _render_body(self, wants_json: bool) -> tuple[str, str]:
        if wants_json:
            payload = {"error": self.description, "status": self.code, "name": self.name}
            return json.dumps(payload), "application/json"
        from html import escape  # NOTE: imported on use, to keep `import hipflask` lean

        html = (
            "<!doctype html>\n<html lang=en>\n"
            f"<title>{self.code} {escape(self.name)}</title>\n"
            f"<h1>{escape(self.name)}</h1>\n<p>{escape(self.description)}</p>\n"
        )
        return html, "text/html; charset=utf-8"

    def get_response(self, request: Request | None = None) -> Response:
        """Build the response sent for this exception, negotiated against ``request``."""
        if self.response is not None:
            return self.response
        wants_json = request is not None and request.prefers_json
        body, content_type = self.get_body(wants_json)
        response = self.response_class(body, self.code, content_type=content_type)
        for name, value in self.get_headers():
            response.headers.add(name, value)
        return response

    def __str__(self) -> str:
        return f"{self.code} {self.name}: {self.description}"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} '{self.code}: {self.name}'>"


class BadRequest(HTTPException):
    """400: the request is malformed."""

    code = 400
    name = "Bad Request"
    description = "The browser (or proxy) sent a request that this server could not understand."


class BadRequestKeyError(BadRequest, KeyError):
    """400 raised by a missing key in ``request.args``, ``request.form`` and friends."""

    def __init__(self, key: object = None, description: str | None = None) -> None:
        super().__init__(description)
        self.key = key

    def __str__(self) -> str:
        return HTTPException.__str__(self)


class SecurityError(BadRequest):
    """400 raised when a request is refused for a security reason (an untrusted host, say)."""


class BadHost(BadRequest):
    """400 raised when the ``Host`` header (or the server name) is not a valid host."""


class ClientDisconnected(BadRequest):
    """400 raised when the client went away before sending the whole body.

    The client is gone, so the response will most likely never be read.
    """


class Unauthorized(HTTPException):
    """401: authentication is required."""

    code = 401
    name = "Unauthorized"
    description = "The server could not verify that you are authorized to access the URL requested."

    def __init__(
        self,
        description: str | None = None,
        response: Response | None = None,
        www_authenticate: str | None = None,
    ) -> None:
        super().__init__(description, response)
        self.www_authenticate = www_authenticate

    def get_headers(self) -> list[tuple[str, str]]:
        """Add ``WWW-Authenticate`` when a challenge was given."""
        if self.www_authenticate:
            return [("WWW-Authenticate", self.www_authenticate)]
        return []


class Forbidden(HTTPException):
    """403: the client may not access this resource."""

    code = 403
    name = "Forbidden"
    description = "You don't have the permission to access the requested resource."


class NotFound(HTTPException):
    """404: nothing lives at this URL."""

    code = 404
    name = "Not Found"
    description = "The requested URL was not found on the server."


class MethodNotAllowed(HTTPException):
    """405: the URL exists but not for this method; the response carries ``Allow``."""

    code = 405
    name = "Method Not Allowed"
    description = "The method is not allowed for the requested URL."

    def __init__(
        self,
        valid_methods: Iterable[str] | None = None,
        description: str | None = None,
        response: Response | None = None,
    ) -> None:
        super().__init__(description, response)
        self.valid_methods = sorted(valid_methods) if valid_methods is not None else None

    def get_headers(self) -> list[tuple[str, str]]:
        """Add the ``Allow`` header listing the methods the URL accepts."""
        if self.valid_methods:
            return [("Allow", ", ".join(self.valid_methods))]
        return []


class NotAcceptable(HTTPException):
    """406: no representation the client accepts."""

    code = 406
    name = "Not Acceptable"
    description = "The resource cannot be returned in a format the client accepts."


class RequestTimeout(HTTPException):
    """408: the client took too long."""

    code = 408
    name = "Request Timeout"
    description = "The server closed the connection because the request took too long."


class Conflict(HTTPException):
    """409: the request conflicts with the resource's state."""

    code = 409
    name = "Conflict"
    description = "The request conflicts with the current state of the resource."


class Gone(HTTPException):
    """410: the resource is gone for good."""

    code = 410
    name = "Gone"
    description = "The requested URL is no longer available on this server."


class LengthRequired(HTTPException):
    """411: the request needs a Content-Length."""

    code = 411
    name = "Length Required"
    description = "A request with this method requires a valid Content-Length header."


class PreconditionFailed(HTTPException):
    """412: a conditional header did not hold."""

    code = 412
    name = "Precondition Failed"
    description = "The precondition on the request for the URL failed."


class RequestEntityTooLarge(HTTPException):
    """413: the body (or one of its parts) is over a configured limit."""

    code = 413
    name = "Request Entity Too Large"
    description = "The data value transmitted exceeds the capacity limit."


class RequestURITooLarge(HTTPException):
    """414: the URL is too long."""

    code = 414
    name = "Request URI Too Large"
    description = "The length of the requested URL exceeds the capacity limit of this server."


class UnsupportedMediaType(HTTPException):
    """415: the body's media type is not supported."""

    code = 415
    name = "Unsupported Media Type"
    description = "The server does not support the media type transmitted in the request."


class RequestedRangeNotSatisfiable(HTTPException):
    """416: the Range header asks for bytes the resource does not have."""

    code = 416
    name = "Requested Range Not Satisfiable"
    description = "The server cannot provide the requested range."

    def __init__(
        self,
        length: int | None = None,
        description: str | None = None,
        response: Response | None = None,
    ) -> None:
        super().__init__(description, response)
        self.length = length

    def get_headers(self) -> list[tuple[str, str]]:
        """Add ``Content-Range: bytes */length`` when the length is known."""
        if self.length is not None:
            return [("Content-Range", f"bytes */{self.length}")]
        return []


class ExpectationFailed(HTTPException):
    """417: the Expect header cannot be met."""

    code = 417
    name = "Expectation Failed"
    description = "The server could not meet the requirements of the Expect header."


class ImATeapot(HTTPException):
    """418: RFC 2324."""

    code = 418
    name = "I'm a teapot"
    description = "This server is a teapot, not a coffee machine."


class MisdirectedRequest(HTTPException):
    """421: this server cannot answer for the scheme and host the request was sent to."""

    code = 421
    name = "Misdirected Request"
    description = "The server is not able to produce a response."


class UnprocessableEntity(HTTPException):
    """422: the body is well-formed but semantically wrong."""

    code = 422
    name = "Unprocessable Entity"
    description = (
        "The request was well-formed but was unable to be followed due to semantic errors."
    )


class Locked(HTTPException):
    """423: the resource is locked."""

    code = 423
    name = "Locked"
    description = "The resource that is being accessed is locked."


class FailedDependency(HTTPException):
    """424: the action depended on another action, which failed."""

    code = 424
    name = "Failed Dependency"
    description = (
        "The method could not be performed on the resource because the requested action "
        "depended on another action and that action failed."
    )


class PreconditionRequired(HTTPException):
    """428: the request must be conditional."""

    code = 428
    name = "Precondition Required"
    description = "This request is required to be conditional."


class TooManyRequests(HTTPException):
    """429: rate limited."""

    code = 429
    name = "Too Many Requests"
    description = "This user has exceeded an allotted request count. Try again later."


class RequestHeaderFieldsTooLarge(HTTPException):
    """431: the headers are too large."""

    code = 431
    name = "Request Header Fields Too Large"
    description = "One or more header fields exceeds the maximum size."


class UnavailableForLegalReasons(HTTPException):
    """451: censored."""

    code = 451
    name = "Unavailable For Legal Reasons"
    description = "Unavailable for legal reasons."


class InternalServerError(HTTPException):
    """500: the server failed; ``original_exception`` holds the cause when there is one."""

    code = 500
    name = "Internal Server Error"
    description = (
        "The server encountered an internal error and was unable to complete your request."
    )

    def __init__(
        self,
        description: str | None = None,
        response: Response | None = None,
        original_exception: BaseException | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(description, response)
        self.original_exception = original_exception
        #: The failed request's id (see hipflask.logs), shown on the page for users to quote.
        self.request_id = request_id

    def get_headers(self) -> list[tuple[str, str]]:
        """Add ``X-Request-ID`` when the request id is known."""
        return [("X-Request-ID", self.request_id)] if self.request_id else []

    def get_body(self, wants_json: bool = False) -> tuple[str, str]:
        """Return the default page; one quoting a request id is unique, so never cached."""
        if not self.request_id:
            return super().get_body(wants_json)
        return self._render_body(wants_json)

    def _render_body(self, wants_json: bool) -> tuple[str, str]:
        body, content_type = super()._render_body(wants_json)
        if not self.request_id:
            return body, content_type
        if wants_json:
            return json.dumps({**json.loads(body), "request_id": self.request_id}), content_type
        from html import escape

        return f"{body}<p>Request ID: <code>{escape(self.request_id)}</code>\n", content_type


class NotImplemented(HTTPException):
    """501: the server does not support this."""

    code = 501
    name = "Not Implemented"
    description = "The server does not support the action requested by the browser."


class BadGateway(HTTPException):
    """502: an upstream server failed."""

    code = 502
    name = "Bad Gateway"
    description = "The proxy server received an invalid response from an upstream server."


class ServiceUnavailable(HTTPException):
    """503: the service is temporarily unavailable (a session store is down, say)."""

    code = 503
    name = "Service Unavailable"
    description = "The server is temporarily unable to service your request. Try again later."


class GatewayTimeout(HTTPException):
    """504: an upstream server timed out."""

    code = 504
    name = "Gateway Timeout"
    description = "The connection to an upstream server timed out."


class HTTPVersionNotSupported(HTTPException):
    """505: unsupported HTTP version."""

    code = 505
    name = "HTTP Version Not Supported"
    description = "The server does not support the HTTP protocol version used in the request."


class RoutingException(Exception):
    """Base for routing outcomes that are not errors of the view."""


class RequestRedirect(HTTPException, RoutingException):
    """308 raised by the router to send the client to the canonical URL (a trailing slash)."""

    code = 308
    name = "Permanent Redirect"
    description = "The resource has moved."

    def __init__(self, new_url: str) -> None:
        super().__init__(f"Redirecting to {new_url}.")
        self.new_url = new_url

    def get_response(self, request: Request | None = None) -> Response:
        """Answer with a redirect to ``new_url`` (a response of the request's app's class)."""
        app = request.app if request is not None else None
        response_class = app.response_class if app is not None else self.response_class
        response = response_class(redirect_body(self.new_url), self.code, mimetype="text/html")
        response.headers["Location"] = redirect_location(self.new_url)
        return response


# SECURITY: characters kept as they are in a Location header; everything else (CR, LF, space,
# non-ASCII) is percent-encoded, so a redirect target can never start a new header line.
_LOCATION_SAFE = "/:?#[]@!$&'()*+,;=%~"


def redirect_location(location: str) -> str:
    """Return ``location`` percent-encoded for a ``Location`` header."""
    return _urlparse.quote(location, safe=_LOCATION_SAFE)


def redirect_body(location: str) -> str:
    """Return the HTML page of a redirect to ``location``."""
    from html import escape  # NOTE: imported on use, to keep `import hipflask` lean

    html_location = escape(location)
    return (
        "<!doctype html>\n<html lang=en>\n<title>Redirecting...</title>\n"
        "<h1>Redirecting...</h1>\n"
        "<p>You should be redirected automatically to the target URL: "
        f'<a href="{html_location}">{html_location}</a>. If not, click the link.\n'
    )


def _build_code_table() -> dict[int, type[HTTPException]]:
    table: dict[int, type[HTTPException]] = {}
    stack: list[type[HTTPException]] = [HTTPException]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__ == __name__ and cls.code not in table and cls is not HTTPException:
            if cls.code == 308:
                continue
            table[cls.code] = cls
    table[400] = BadRequest
    table[500] = InternalServerError
    return table


default_exceptions: dict[int, type[HTTPException]] = _build_code_table()


def abort(status: int | Response, *args: Any, **kwargs: Any) -> NoReturn:
    """Raise the :class:`HTTPException` for ``status``, or raise with ``status`` as the response.

    ``abort(404)``, ``abort(403, description="Admins only.")`` and ``abort(make_response(...))``
    behave as in Flask; an unknown code raises :class:`LookupError`.
    """
    if isinstance(status, int):
        try:
            cls = default_exceptions[status]
        except KeyError:
            raise LookupError(f"no exception for {status!r}") from None
        raise cls(*args, **kwargs)
    description = args[0] if args else kwargs.get("description")
    raise HTTPException(description, response=status)
