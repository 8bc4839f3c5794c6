"""The WSGI environ a real server would build for a request, built from test arguments.

:class:`EnvironBuilder` takes the arguments of the test client's methods and of
``app.test_request_context()``.
"""

from __future__ import annotations

import json as _json
import mimetypes
import os
import secrets
import sys
from base64 import b64encode
from collections.abc import Iterator, Mapping
from io import BytesIO
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote_to_bytes, urlencode, urlsplit

from ..filestorage import FileStorage
from ..headers import Headers
from .cookiejar import Cookie as Cookie

if TYPE_CHECKING:
    from ..app import App

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
