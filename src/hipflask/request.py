"""Request: lazy, cached views over the WSGI environ.

Nothing is parsed until a view asks for it: ``request.args`` parses the query string on first
access, ``request.form`` reads and parses the body on first access, and each result is cached on
the instance. Limits (body size, form memory and parts, JSON depth) come from the app's config.
"""

from __future__ import annotations

import io

from .accept import MIMEAccept
from .body import (
    _CONSUMED,
    _EMPTY,
    _CappedStream,
    _form_limits,
    _form_parser,
    _LimitedStream,
    json_depth_exceeds,
)
from .cookies import parse_cookie_lists
from .exceptions import (
    BadHost,
    BadRequest,
    RequestEntityTooLarge,
    SecurityError,
)
from .headers import EnvironHeaders
from .hosts import check_trusted_host, is_valid_host
from .http import (
    parse_accept_header,
    parse_content_length,
    parse_options_header,
)
from .lazy import lazy
from .lazyload import lazy_import
from .multidict import CombinedMultiDict, ImmutableMultiDict
from .urlencoded import parse_urlencoded_form
from .useragent import UserAgent
from .wsgi import _decode_wsgi_str, _decode_wsgi_str_lenient, _server_host

TYPE_CHECKING = False
if TYPE_CHECKING:
    import json
    import urllib.parse as _urlparse
    from typing import Any, BinaryIO

    from .app import App
    from .authorization import Authorization
    from .routing.map import Rule
else:
    json = lazy_import("json")
    _urlparse = lazy_import("urllib.parse")


#: Defaults used when a Request is built without an app (config keys of the same name win).
DEFAULT_LIMITS: dict[str, int | None] = {
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    "MAX_FORM_MEMORY_SIZE": 500_000,
    "MAX_FORM_PARTS": 1_000,
    "MAX_JSON_DEPTH": 128,
}

#: The port a Host header may leave out, by scheme.
_DEFAULT_PORTS = {"http": ":80", "ws": ":80", "https": ":443", "wss": ":443"}

_URLENCODED = "application/x-www-form-urlencoded"

#: The standard methods, as servers send them: a request with one of these skips ``str.upper``.
# PERF: a set test instead of an upper() call (the hash it computes serves the router's method
# table too); with Map.match's own: hello 39,061 -> 38,630 instructions per request.
UPPER_CASE_METHODS = frozenset(
    ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT")
)


class Request:
    """The incoming request, built from the WSGI ``environ``.

    Every attribute is computed on first access and cached. The app sets ``url_rule``,
    ``view_args`` and ``routing_exception`` while matching.
    """

    #: The class used for ``args``, ``form`` and ``files``.
    parameter_storage_class = ImmutableMultiDict

    url_rule: Rule | None = None
    view_args: dict[str, Any] | None = None
    routing_exception: Exception | None = None

    def __init__(self, environ: dict[str, Any], app: App | None = None) -> None:
        self.environ = environ
        self.app = app
        method: str = environ.get("REQUEST_METHOD", "GET")
        self.method = method if method in UPPER_CASE_METHODS else method.upper()
        self._cached_data: bytes | None = None
        raw_path = environ.get("PATH_INFO")
        if raw_path and raw_path[0] == "/" and raw_path.isascii():
            # NOTE: every request needs its path and the common one needs no decoding, so it
            # is set here; the lazy property below only runs for unusual paths.
            # PERF: an attribute store, not self.__dict__[...], which turns the instance's
            # inline values into a real dict: Request(environ, app) 4,267 -> 3,577.
            self.path = raw_path

    def __repr__(self) -> str:
        try:
            url = self.url
        except BadRequest:  # NOTE: a repr in a log line must not raise for a bad Host or path
            url = str(self.environ.get("PATH_INFO"))
        return f"<{type(self).__name__} {url!r} [{self.method}]>"

    # -- limits ---------------------------------------------------------------------------

    def _limit(self, key: str) -> int | None:
        if self.app is not None:
            value: int | None = self.app.config.get(key, DEFAULT_LIMITS[key])
            return value
        return DEFAULT_LIMITS[key]

    @property
    def max_content_length(self) -> int | None:
        """The body size limit (``MAX_CONTENT_LENGTH``); None means unlimited."""
        return self._limit("MAX_CONTENT_LENGTH")

    @property
    def max_form_memory_size(self) -> int | None:
        """The limit on non-file form data in memory (``MAX_FORM_MEMORY_SIZE``)."""
        return self._limit("MAX_FORM_MEMORY_SIZE")

    @property
    def max_form_parts(self) -> int | None:
        """The limit on form fields and multipart parts (``MAX_FORM_PARTS``)."""
        return self._limit("MAX_FORM_PARTS")

    # -- URL ------------------------------------------------------------------------------

    @lazy
    def path(self) -> str:
        """The path below the application root, always starting with ``/``."""
        raw = self.environ.get("PATH_INFO") or "/"
        path = _decode_wsgi_str(raw)
        return path if path.startswith("/") else "/" + path

    @lazy
    def script_root(self) -> str:
        """The mount point of the application (``SCRIPT_NAME``) without a trailing slash."""
        return _decode_wsgi_str(self.environ.get("SCRIPT_NAME") or "").rstrip("/")

    @lazy
    def root_path(self) -> str:
        """Alias of :attr:`script_root`."""
        return self.script_root

    @lazy
    def query_string(self) -> bytes:
        """The raw query string as bytes."""
        return (self.environ.get("QUERY_STRING") or "").encode("latin-1", "replace")

    @lazy
    def full_path(self) -> str:
        """The path and the query string, always with a ``?`` (as in Flask)."""
        return f"{self.path}?{self.query_string.decode('latin-1')}"

    @lazy
    def scheme(self) -> str:
        """``http`` or ``https`` as the server saw it (see ProxyFix behind a proxy)."""
        return str(self.environ.get("wsgi.url_scheme", "http"))

    @property
    def is_secure(self) -> bool:
        """True when the request came over HTTPS."""
        return self.scheme in ("https", "wss")

    @lazy
    def host(self) -> str:
        """The ``Host`` header, or the server's name and port when absent.

        The scheme's default port is dropped (``h:80`` over http is ``h``), as in Werkzeug. A
        value that is not a host raises :class:`~hipflask.exceptions.BadHost` (400), and one
        ``TRUSTED_HOSTS`` does not list raises :class:`~hipflask.exceptions.SecurityError`.
        """
        environ = self.environ
        host = str(environ.get("HTTP_HOST") or _server_host(environ))
        default_port = _DEFAULT_PORTS.get(self.scheme)
        if default_port is not None and host.endswith(default_port):
            host = host[: -len(default_port)]
        # SECURITY: checked on first use (a request that never reads its host pays nothing),
        # so a malformed or untrusted host never reaches request.url or an external URL.
        if not is_valid_host(host):
            raise BadHost(f"Host {host!r} is not a valid host name.")
        trusted = self.app.config.get("TRUSTED_HOSTS") if self.app is not None else None
        if trusted is not None and not check_trusted_host(host, trusted):
            raise SecurityError(f"Host {host!r} is not trusted.")
        return host

    @property
    def host_url(self) -> str:
        """``scheme://host/``."""
        return f"{self.scheme}://{self.host}/"

    @property
    def url_root(self) -> str:
        """``scheme://host/script_root/``."""
        return f"{self.scheme}://{self.host}{_urlparse.quote(self.script_root)}/"

    @property
    def base_url(self) -> str:
        """The URL without the query string."""
        path = _urlparse.quote(self.script_root + self.path, safe="/:@")
        return f"{self.scheme}://{self.host}{path}"

    @property
    def url(self) -> str:
        """The full URL, query string included."""
        qs = self.query_string
        return f"{self.base_url}?{qs.decode('latin-1')}" if qs else self.base_url

    @property
    def remote_addr(self) -> str | None:
        """The client's address as the server saw it."""
        return self.environ.get("REMOTE_ADDR")

    @property
    def access_route(self) -> list[str]:
        """The client address followed by nothing else: ProxyFix rewrites ``REMOTE_ADDR``."""
        addr = self.remote_addr
        return [addr] if addr else []

    # -- query string -------------------------------------------------------------------------

    @lazy
    def args(self) -> ImmutableMultiDict:
        """The parsed query string; 413 when it has more than ``MAX_FORM_PARTS`` fields."""
        qs = self.environ.get("QUERY_STRING")
        if not qs:
            return self.parameter_storage_class()
        text = _decode_wsgi_str_lenient(qs)
        try:
            pairs = _urlparse.parse_qsl(
                text, keep_blank_values=True, max_num_fields=self.max_form_parts, errors="replace"
            )
        except ValueError:
            raise RequestEntityTooLarge("Too many query parameters.") from None
        return self.parameter_storage_class(pairs)

    # -- headers ------------------------------------------------------------------------------

    @lazy
    def headers(self) -> EnvironHeaders:
        """The request headers: case-insensitive and multi-valued."""
        return EnvironHeaders(self.environ)

    @lazy
    def cookies(self) -> ImmutableMultiDict:
        """The cookies sent by the client: the first of duplicated names wins, ``getlist``
        returns them all."""
        return ImmutableMultiDict.from_lists(parse_cookie_lists(self.environ.get("HTTP_COOKIE")))

    @lazy
    def authorization(self) -> Authorization | None:
        """The parsed ``Authorization`` header (Basic credentials or a token), or None."""
        from .authorization import Authorization

        return Authorization.from_header(self.environ.get("HTTP_AUTHORIZATION"))

    @property
    def user_agent(self) -> UserAgent:
        """The ``User-Agent`` header."""
        return UserAgent(self.environ.get("HTTP_USER_AGENT", ""))

    @property
    def referrer(self) -> str | None:
        """The ``Referer`` header."""
        return self.environ.get("HTTP_REFERER")

    @property
    def origin(self) -> str | None:
        """The ``Origin`` header."""
        return self.environ.get("HTTP_ORIGIN")

    @lazy
    def accept_mimetypes(self) -> MIMEAccept:
        """The parsed ``Accept`` header (``best_match``, ``quality``, ``in``)."""
        accept = parse_accept_header(self.environ.get("HTTP_ACCEPT"), MIMEAccept)
        assert isinstance(accept, MIMEAccept)
        return accept

    @property
    def prefers_json(self) -> bool:
        """True when the client ranks JSON above HTML (used for error bodies)."""
        accept = self.environ.get("HTTP_ACCEPT")
        if not accept or "json" not in accept:
            return False
        best = self.accept_mimetypes.best_match(["text/html", "application/json"])
        return best == "application/json"

    @lazy
    def _content_type_parts(self) -> tuple[str, dict[str, str]]:
        return parse_options_header(self.environ.get("CONTENT_TYPE"))

    @property
    def content_type(self) -> str | None:
        """The raw ``Content-Type`` header."""
        return self.environ.get("CONTENT_TYPE") or None

    @property
    def mimetype(self) -> str:
        """The content type without parameters, lower-cased."""
        return self._content_type_parts[0].lower()

    @property
    def mimetype_params(self) -> dict[str, str]:
        """The parameters of the content type (``charset``, ``boundary``)."""
        return self._content_type_parts[1]

    @lazy
    def content_length(self) -> int | None:
        """The ``Content-Length`` as an int; 400 when it is malformed."""
        return parse_content_length(self.environ.get("CONTENT_LENGTH"))

    @property
    def is_json(self) -> bool:
        """True for ``application/json`` and ``application/*+json`` bodies."""
        mt = self.mimetype
        return mt == "application/json" or (mt.startswith("application/") and mt.endswith("+json"))

    # -- body -----------------------------------------------------------------------------

    @lazy
    def stream(self) -> BinaryIO:
        """The body as a stream limited to its length; 413 beyond ``MAX_CONTENT_LENGTH``."""
        length = self.content_length
        limit = self.max_content_length
        wsgi_input = self.environ.get("wsgi.input")
        if wsgi_input is None:
            return _LimitedStream(_EMPTY, 0)  # type: ignore[arg-type,return-value]
        if length is None:
            if not self.environ.get("wsgi.input_terminated"):
                return _LimitedStream(wsgi_input, 0)  # type: ignore[return-value]
            if limit is None:
                return wsgi_input  # type: ignore[no-any-return]
            return _CappedStream(wsgi_input, limit)  # type: ignore[return-value]
        # SECURITY: refuse an oversized body before reading a single byte of it.
        if limit is not None and length > limit:
            raise RequestEntityTooLarge()
        return _LimitedStream(wsgi_input, length)  # type: ignore[return-value]

    def get_data(
        self, cache: bool = True, as_text: bool = False, parse_form_data: bool = False
    ) -> Any:
        """Read the whole body (cached); parse the form first when ``parse_form_data``."""
        if parse_form_data:
            self.form  # noqa: B018 (parses the form first)
        data = self._cached_data
        if data is None:
            data = self.stream.read()
            if cache:
                self._cached_data = data
        if as_text:
            return data.decode("utf-8", "replace")
        return data

    @property
    def data(self) -> bytes:
        """The raw body, unless it was a form (then ``b''``, as in Flask)."""
        data: bytes = self.get_data(parse_form_data=True)
        return data

    @property
    def form(self) -> ImmutableMultiDict:
        """The parsed form fields of a urlencoded or multipart body.

        The first access parses the body (and ``files`` with it); later ones return the cache.
        """
        # NOTE: the parse is the property itself, not a helper it calls: one call less on
        # the form's first access.
        cache = self.__dict__
        form: ImmutableMultiDict | None = cache.get("form")
        if form is not None:
            return form
        mimetype = self.environ.get("CONTENT_TYPE")
        if mimetype == _URLENCODED:
            # PERF: the usual form's content type has no parameters to parse: without the
            # parse the form scenario fell from 116,800 to 111,800 instructions per request.
            form = self._read_short_form(cache)
            if form is not None:
                # NOTE: no ``files`` yet: the property makes the empty one if it is asked for.
                cache["form"] = form
                return form
        else:
            mimetype = self.mimetype
        storage = self.parameter_storage_class
        if mimetype not in ("multipart/form-data", "application/x-www-form-urlencoded"):
            form = cache["form"] = storage()
            cache["files"] = storage()
            return form
        limits = _form_limits(self.max_form_memory_size, self.max_form_parts)
        stream, length = self._form_body()
        form, cache["files"] = _form_parser()(stream, self.content_type, length, limits)
        cache["form"] = form
        return form

    def _read_short_form(self, cache: dict[str, Any]) -> ImmutableMultiDict | None:
        """Read and parse the usual urlencoded post in one go, or return None if it is not one.

        The usual post comes with its body unread and a ``Content-Length`` of plain digits
        within ``MAX_CONTENT_LENGTH`` and ``MAX_FORM_MEMORY_SIZE``: exactly that many bytes are
        read from ``wsgi.input`` (on past a short read; 400 when the body ends early) and
        parsed, and the stream is left consumed, as the general path leaves it. Any other body
        takes the general path, which gives its answer and its 400 or 413. ``cache`` is the
        instance's ``__dict__``.

        # PERF: no bounded stream, no content_length property, no FormLimits, no parser
        # dispatch: with parse_urlencoded_form, form 91,338 -> 63,717 instructions per request
        # (Falcon: 65,037); this read alone took 15,400 of them.
        """
        if "stream" in cache:
            return None  # NOTE: the view or get_data() (which opens it) has read the body
        environ = self.environ
        header = environ.get("CONTENT_LENGTH", "")
        wsgi_input = environ.get("wsgi.input")
        # NOTE: what parse_content_length accepts, minus its strip: 1 to 19 ASCII digits.
        if not (header.isdigit() and header.isascii() and len(header) < 20):
            return None
        if wsgi_input is None:
            return None
        app = self.app
        config = DEFAULT_LIMITS if app is None else app.config
        try:
            # PERF: subscripts, not config.get(key, DEFAULT_LIMITS[key]): 2,100 -> 1,250.
            max_memory = config["MAX_FORM_MEMORY_SIZE"]
            max_length = config["MAX_CONTENT_LENGTH"]
            max_fields = config["MAX_FORM_PARTS"]
        except KeyError:
            return None  # NOTE: a config without a limit: the general path's default applies
        length = int(header)
        if max_memory is None or length > max_memory:
            return None
        if max_length is not None and length > max_length:
            return None
        # NOTE: the stream is consumed from here on, even if the body is cut short or the
        # parse refuses it: get_data() then gives b"" (an error handler's read), as in Flask.
        # _cached_data stays None, so teardown has no uploads to look for.
        cache["stream"] = _CONSUMED
        body: bytes = wsgi_input.read(length)
        if len(body) < length:
            body += _LimitedStream(wsgi_input, length - len(body)).read()
        return parse_urlencoded_form(body, max_fields)

    def _form_body(self) -> tuple[BinaryIO, int | None]:
        """Return the form body to parse and its length.

        When ``get_data()`` read the body first (a webhook checking a signature before it
        reads the form, say), the cached bytes are parsed and ``get_data()`` keeps returning
        them. Otherwise the stream is parsed and, as in Flask, nothing is kept:
        ``get_data()`` then returns ``b""``.
        """
        cached = self._cached_data
        if cached is not None:
            return io.BytesIO(cached), len(cached)
        stream = self.stream
        self._cached_data = b""
        return stream, self.content_length

    @property
    def files(self) -> ImmutableMultiDict:
        """The uploaded files of a multipart body, as ``FileStorage`` objects."""
        self.form  # noqa: B018 (parses the form, and the files with it)
        files: ImmutableMultiDict | None = self.__dict__.get("files")
        if files is None:  # NOTE: a urlencoded form read in one go has none
            files = self.__dict__["files"] = ImmutableMultiDict()
        return files

    @lazy
    def values(self) -> CombinedMultiDict:
        """``args`` and, for non-GET requests, ``form`` combined."""
        if self.method == "GET":
            return CombinedMultiDict([self.args])
        return CombinedMultiDict([self.args, self.form])

    @property
    def json(self) -> Any:
        """The parsed JSON body, or 415/400 like ``get_json()`` (Flask 2.3+ semantics)."""
        return self.get_json()

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any:
        """Parse the body as JSON.

        Without ``force`` a non-JSON content type raises 415 (None with ``silent``); invalid or
        too deeply nested JSON raises 400 (None with ``silent``).
        """
        cache_key = "_json_silent" if silent else "_json"
        if cache and cache_key in self.__dict__:
            return self.__dict__[cache_key]
        if not (force or self.is_json):
            if silent:
                return None
            from .exceptions import UnsupportedMediaType

            raise UnsupportedMediaType(
                "Did not attempt to load JSON data because the request "
                "Content-Type was not 'application/json'."
            )
        data: bytes = self.get_data(cache=cache)
        try:
            value = self._load_json(data)
        except ValueError as exc:
            if silent:
                value = None
            else:
                return self.on_json_loading_failed(exc)
        if cache:
            self.__dict__[cache_key] = value
        return value

    def _load_json(self, data: bytes) -> Any:
        limit = self._limit("MAX_JSON_DEPTH")
        # SECURITY: a body nested 100,000 deep must be a 400, never a RecursionError.
        if limit is not None and json_depth_exceeds(data, limit):
            raise ValueError(f"JSON nested deeper than {limit} levels")
        try:
            if self.app is not None:
                return self.app.json.loads(data)
            return json.loads(data)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None
        except UnicodeDecodeError as exc:
            raise ValueError(str(exc)) from None

    def on_json_loading_failed(self, exc: ValueError | None) -> Any:
        """Raise 400 for a body that is not valid JSON; override to change that."""
        raise BadRequest(f"Failed to decode JSON object: {exc}")

    # -- routing results ----------------------------------------------------------------------

    @property
    def endpoint(self) -> str | None:
        """The endpoint of the matched rule."""
        rule = self.url_rule
        return rule.endpoint if rule is not None else None

    @property
    def blueprint(self) -> str | None:
        """The dotted name of the blueprint the matched endpoint belongs to."""
        endpoint = self.endpoint
        if endpoint and "." in endpoint:
            return endpoint.rpartition(".")[0]
        return None

    @property
    def blueprints(self) -> list[str]:
        """The current blueprint and its parents, innermost first."""
        return [scope for scope in self._scopes if scope is not None]

    @property
    def _scopes(self) -> tuple[str | None, ...]:
        """The hook scopes of this request: its blueprints innermost first, then the app (None).

        # NOTE: computed once per rule at registration, not per request.
        """
        rule = self.url_rule
        if rule is None:
            return (None,)
        scopes: tuple[str | None, ...] = rule.scopes
        return scopes

    def close(self) -> None:
        """Close uploaded files."""
        files = self.__dict__.get("files")
        if files:
            for storages in files.listvalues():
                for storage in storages:
                    storage.close()
