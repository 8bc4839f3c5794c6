"""File responses: :func:`send_file` and :func:`send_from_directory`.

A file is never read whole: the body is a :class:`FileBody` that reads it in chunks, or hands it
to the server's ``wsgi.file_wrapper`` (``sendfile``) when the whole file is sent. Responses are
conditional (``If-None-Match``, ``If-Modified-Since`` -> 304) and range-aware (``Range`` -> 206,
or 416 when unsatisfiable); the file is only opened when a body is sent.

``safe_join`` and ``secure_filename`` live in ``paths.py`` and are importable from here too.
"""

from __future__ import annotations

import io
import mimetypes
import os
import stat
import zlib
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from functools import lru_cache
from time import time
from typing import IO, Any, TypeAlias

from .ctx import _NO_CTX, _ctx
from .dates import http_date, parse_date
from .exceptions import NotFound, RequestedRangeNotSatisfiable
from .http import (
    content_disposition,
    content_range_header,
    is_resource_modified,
    parse_range_header,
    quote_etag,
)
from .paths import _resolve, safe_join, secure_filename
from .response import Response

__all__ = [
    "ACTIVE_MIMETYPES",
    "FileBody",
    "guess_mimetype",
    "is_active_mimetype",
    "make_conditional",
    "safe_join",
    "secure_filename",
    "send_file",
    "send_from_directory",
]

#: ``send_file``'s ``max_age``: seconds, or a function of the file's path (None for a file
#: object) returning seconds or None, as Werkzeug accepts.
MaxAge: TypeAlias = int | Callable[[str | None], int | None] | None

#: Bytes read per chunk of a file body.
CHUNK_SIZE = 64 * 1024


# NOTE: a compressed file is sent as the bytes it holds, not with ``Content-Encoding``: a
# browser would otherwise decompress a downloaded ``.tar.gz`` behind the user's back.
_ENCODING_TYPES = {
    "gzip": "application/gzip",
    "bzip2": "application/x-bzip2",
    "xz": "application/x-xz",
    "compress": "application/x-compress",
    "br": "application/x-brotli",
}


class FileBody:
    """A response body that reads ``length`` bytes (None: to the end) of a file from ``start``.

    ``file`` is an open binary file or a path, opened on first use. The server closes the
    body, which closes the file.
    """

    __slots__ = ("file", "length", "path", "ranged", "start")

    def __init__(self, file: IO[bytes] | str, start: int = 0, length: int | None = None) -> None:
        self.file: IO[bytes] | None = None
        self.path: str | None = None
        if isinstance(file, str):
            self.path = file
        else:
            self.file = file
        self.start = start
        self.length = length
        self.ranged = False

    def narrow(self, start: int, stop: int) -> None:
        """Send only the bytes ``start`` to ``stop`` (exclusive) of what this body holds."""
        self.start += start
        self.length = stop - start
        self.ranged = True

    def open(self) -> IO[bytes]:
        """Open the file (once) and seek to ``start``."""
        file = self.file
        if file is None:
            assert self.path is not None
            file = self.file = open(self.path, "rb")  # noqa: SIM115
        if self.start:
            file.seek(self.start)
        return file

    def __iter__(self) -> Iterator[bytes]:
        read = self.open().read
        remaining = self.length
        while remaining is None or remaining > 0:
            data = read(CHUNK_SIZE if remaining is None else min(CHUNK_SIZE, remaining))
            if not data:
                return
            if remaining is not None:
                remaining -= len(data)
            yield data

    def close(self) -> None:
        """Close the file, if it was opened."""
        if self.file is not None:
            self.file.close()

    def wsgi_file(self, environ: dict[str, Any]) -> Iterable[bytes]:
        """Return the iterable handed to the server: its ``wsgi.file_wrapper`` when it has one.

        A range is streamed by this body itself, since ``wsgi.file_wrapper`` sends the file
        from its current position to the end.
        """
        wrapper = environ.get("wsgi.file_wrapper")
        if wrapper is None or self.ranged:
            return self
        return wrapper(self.open(), CHUNK_SIZE)  # type: ignore[no-any-return]


def _tell(file: IO[bytes]) -> int:
    try:
        return file.tell()
    except (OSError, ValueError):
        return -1


# -- responses --------------------------------------------------------------------------------


@lru_cache(maxsize=512)
def guess_mimetype(name: str) -> str:
    """Guess a file's media type from its name (``application/octet-stream`` when unknown)."""
    mimetype, encoding = mimetypes.guess_type(name, strict=False)
    if encoding is not None:
        return _ENCODING_TYPES.get(encoding, "application/octet-stream")
    return mimetype or "application/octet-stream"


def _response_class() -> type[Response]:
    app_ctx = _ctx.get(_NO_CTX)[0]
    return app_ctx.app.response_class if app_ctx is not None else Response


def _request_environ() -> dict[str, Any] | None:
    ctx = _ctx.get(_NO_CTX)[1]
    return ctx.request.environ if ctx is not None else None


def _if_range_matches(value: str, etag: str | None, last_modified: str | None) -> bool:
    """Tell whether an ``If-Range`` value still names this representation (strong match)."""
    value = value.strip()
    if value.startswith(('"', "W/", "w/")):
        return etag is not None and not etag.startswith("W/") and value == etag
    modified = parse_date(last_modified)
    return modified is not None and parse_date(value) == modified


def make_conditional(
    response: Response,
    environ: dict[str, Any] | None,
    size: int | None = None,
    last_modified: datetime | float | None = None,
) -> Response:
    """Answer a GET or HEAD conditionally: 304 when the client's copy is fresh, 206 for a range.

    The validators are the response's ``ETag`` header and ``last_modified`` (else its
    ``Last-Modified`` header). ``size``, the body's length in bytes, turns on ``Range`` for a
    buffered body or a :class:`FileBody`: a single satisfiable range answers 206 with
    ``Content-Range``; an unsatisfiable one raises
    :class:`~hipflask.exceptions.RequestedRangeNotSatisfiable` (416). Several ranges, or an
    ``If-Range`` that no longer matches, get the whole body with 200.
    """
    if environ is None or environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
        return response
    headers = response.headers
    etag = headers.get("ETag")
    if last_modified is None:
        last_modified = parse_date(headers.get("Last-Modified"))
    if not is_resource_modified(
        if_none_match=environ.get("HTTP_IF_NONE_MATCH"),
        if_modified_since=environ.get("HTTP_IF_MODIFIED_SINCE"),
        etag=etag,
        last_modified=last_modified,
    ):
        response.status_code = 304
        headers.remove("Content-Length")
        return response
    if size is None or not isinstance(response.response, FileBody | list):
        return response
    headers["Accept-Ranges"] = "bytes"
    range_header = environ.get("HTTP_RANGE")
    if not range_header:
        return response
    if_range = environ.get("HTTP_IF_RANGE")
    if if_range and not _if_range_matches(if_range, etag, headers.get("Last-Modified")):
        return response
    # SECURITY: parse_range_header is linear in the header and refuses many or overlapping
    # parts; only a single range is ever served, never a multipart body (SECURITY.md #11).
    ranges = parse_range_header(range_header, size)
    if ranges is None or len(ranges) != 1:
        return response
    start, stop = ranges[0]
    response.status_code = 206
    headers["Content-Range"] = content_range_header(start, stop, size)
    headers["Content-Length"] = str(stop - start)
    body = response.response
    if isinstance(body, FileBody):
        body.narrow(start, stop)
    else:
        response.response = [b"".join(body)[start:stop]]
    return response


def _add_cache_headers(append: Callable[[tuple[str, str]], None], max_age: int | None) -> None:
    """Append ``Cache-Control`` and, with a ``max_age``, ``Expires``, exactly as Werkzeug does."""
    if max_age is None:
        append(("Cache-Control", "no-cache"))
        return
    # NOTE: Werkzeug keeps ``no-cache`` for zero or negative ages but still states the age.
    directive = "public" if max_age > 0 else "no-cache"
    append(("Cache-Control", f"{directive}, max-age={max_age}"))
    append(("Expires", http_date(int(time() + max_age))))


def _send(
    body: FileBody,
    *,
    path: str | None,
    name: str | None,
    size: int | None,
    mtime: float | None,
    file_etag: str | None,
    mimetype: str | None,
    as_attachment: bool,
    download_name: str | None,
    conditional: bool,
    last_modified: datetime | float | str | None,
    max_age: MaxAge,
    active_as_attachment: bool | None = None,
) -> Response:
    """Build the response for a file body; open the file only when a body is sent."""
    if mimetype is None:
        mimetype = _mimetype_for(name)
    response = _response_class()(body, mimetype=mimetype, direct_passthrough=True)
    # NOTE: the headers are new, so add() appends without searching for an existing one.
    add = response.headers.add
    # PERF: the values made here of constants, numbers and dates are appended without
    # add()'s three checks each: not_modified 179,402 -> 171,457 instructions per request.
    append = response.headers._list.append
    if is_active_mimetype(mimetype):
        # SECURITY: an uploaded page or SVG opened from this site runs its scripts with the
        # site's cookies; nosniff always, and a download when asked (stored XSS).
        append(("X-Content-Type-Options", "nosniff"))
        as_attachment = as_attachment or _forced_download(active_as_attachment)
    if size is not None:
        append(("Content-Length", str(size)))
    modified = parse_date(last_modified) if isinstance(last_modified, str) else last_modified
    if modified is None:
        modified = mtime
    if modified is not None:
        append(("Last-Modified", http_date(modified)))
    if file_etag is not None:
        add("ETag", file_etag)
    _add_cache_headers(append, _max_age(max_age, path))
    if as_attachment or download_name is not None:
        filename = download_name if download_name is not None else _basename(name)
        add("Content-Disposition", content_disposition(filename, as_attachment))
    environ = _request_environ()
    if conditional:
        try:
            make_conditional(response, environ, size, modified)
        except RequestedRangeNotSatisfiable:
            body.close()
            raise
    if response.status_code != 304 and (environ or {}).get("REQUEST_METHOD") != "HEAD":
        try:
            body.open()
        except OSError:
            raise NotFound() from None
    return response


#: Types a browser runs as a document, scripts included, when one is opened from this site.
ACTIVE_MIMETYPES = frozenset(
    (
        "text/html",
        "application/xhtml+xml",
        "image/svg+xml",
        "text/xml",
        "application/xml",
        "text/xsl",
    )
)


def is_active_mimetype(mimetype: str) -> bool:
    """Tell whether a file of ``mimetype`` (parameters allowed) can run scripts when opened.

    HTML, XHTML, SVG and every XML type (``*/xml``, ``*+xml``, which XSLT or XHTML namespaces
    can turn into a page) are.
    """
    base = mimetype.partition(";")[0].strip().lower()
    return base in ACTIVE_MIMETYPES or base.endswith(("+xml", "/xml"))


def _forced_download(active_as_attachment: bool | None) -> bool:
    if active_as_attachment is not None:
        return active_as_attachment
    app_ctx = _ctx.get(_NO_CTX)[0]
    return app_ctx is not None and bool(
        app_ctx.app.config.get("SEND_FILE_ACTIVE_AS_ATTACHMENT", False)
    )


def _mimetype_for(name: str | None) -> str:
    if name is None:
        raise ValueError(
            "Unable to detect the MIME type because a file name is not available. Set "
            "'download_name', pass a path instead of a file, or set 'mimetype'."
        )
    return guess_mimetype(name)


def _max_age(max_age: MaxAge, path: str | None) -> int | None:
    """Resolve ``max_age`` for the file at ``path`` (None for a file object), as Flask does."""
    if max_age is None:
        app_ctx = _ctx.get(_NO_CTX)[0]
        return app_ctx.app.get_send_file_max_age(path) if app_ctx is not None else None
    if callable(max_age):
        return max_age(path)
    return max_age


def _basename(name: str | None) -> str | None:
    return os.path.basename(name) if name is not None else None


def _etag_option(etag: bool | str, path: str | None, info: os.stat_result | None) -> str | None:
    if isinstance(etag, str):
        return etag if etag.startswith(('"', "W/")) else quote_etag(etag)
    if etag and path is not None and info is not None:
        check = zlib.adler32(path.encode("utf-8", "surrogateescape")) & 0xFFFFFFFF
        return quote_etag(f"{info.st_mtime}-{info.st_size}-{check}")
    return None


def _file_object_size(file: IO[bytes], start: int) -> tuple[int | None, float | None]:
    """Return the bytes left in ``file`` from ``start`` and its mtime, when they can be known."""
    if isinstance(file, io.BytesIO):
        return file.getbuffer().nbytes - start, None
    try:
        info = os.fstat(file.fileno())
    except (AttributeError, OSError, ValueError):
        return None, None
    if not stat.S_ISREG(info.st_mode):
        return None, None
    return max(info.st_size - start, 0), info.st_mtime


def send_file(
    path_or_file: str | os.PathLike[str] | IO[bytes],
    mimetype: str | None = None,
    as_attachment: bool = False,
    download_name: str | None = None,
    conditional: bool = True,
    etag: bool | str = True,
    last_modified: datetime | float | str | None = None,
    max_age: MaxAge = None,
    *,
    active_as_attachment: bool | None = None,
) -> Response:
    """Send a file's contents: a path (a relative one starts at the app's ``root_path``) or a
    binary file object (sent from its current position).

    ``mimetype`` is guessed from ``download_name`` or the path. ``as_attachment`` asks the
    browser to save the file as ``download_name`` (non-ASCII names are sent RFC 5987
    encoded; control characters are dropped). ``conditional`` answers ``If-None-Match``,
    ``If-Modified-Since`` and ``Range``. ``etag`` True computes a strong ETag for a path (a
    string is used as it is). ``max_age`` is seconds, or a function given the file's path
    (None for a file object) that returns seconds or None; None asks
    ``app.get_send_file_max_age(path)``. A positive age sends ``Cache-Control: public,
    max-age=N`` and an ``Expires`` N seconds from now; no age sends ``Cache-Control:
    no-cache``, as Flask's does. A path that is not a readable regular file raises
    :class:`~hipflask.exceptions.NotFound`.

    An active type (HTML, XHTML, SVG, XML: :func:`is_active_mimetype`) is always sent with
    ``X-Content-Type-Options: nosniff``, and as an attachment when ``active_as_attachment``
    (None: the ``SEND_FILE_ACTIVE_AS_ATTACHMENT`` setting, False by default) is true: set it
    for files your users uploaded (see docs/headers.md).

    Never pass a path built from user input: use :func:`send_from_directory`.
    """
    if isinstance(path_or_file, str | os.PathLike):
        path = os.fspath(path_or_file)
        app_ctx = _ctx.get(_NO_CTX)[0]
        if app_ctx is not None:
            path = os.path.join(app_ctx.app.root_path, path)
        try:
            info = os.stat(path)
        except (OSError, ValueError):
            raise NotFound() from None
        if not stat.S_ISREG(info.st_mode):
            raise NotFound()
        return _send_path(
            path,
            info,
            mimetype=mimetype,
            as_attachment=as_attachment,
            download_name=download_name,
            conditional=conditional,
            etag=etag,
            last_modified=last_modified,
            max_age=max_age,
            active_as_attachment=active_as_attachment,
        )
    file = path_or_file
    if isinstance(file, io.TextIOBase):
        raise ValueError("Files must be opened in binary mode or use BytesIO.")
    start = max(_tell(file), 0)
    size, mtime = _file_object_size(file, start)
    return _send(
        FileBody(file, start, size),
        path=None,
        name=download_name,
        size=size,
        mtime=mtime,
        file_etag=_etag_option(etag, None, None),
        mimetype=mimetype,
        as_attachment=as_attachment,
        download_name=download_name,
        conditional=conditional,
        last_modified=last_modified,
        max_age=max_age,
        active_as_attachment=active_as_attachment,
    )


def _send_path(
    path: str,
    info: os.stat_result,
    mimetype: str | None = None,
    as_attachment: bool = False,
    download_name: str | None = None,
    conditional: bool = True,
    etag: bool | str = True,
    last_modified: datetime | float | str | None = None,
    max_age: MaxAge = None,
    active_as_attachment: bool | None = None,
) -> Response:
    return _send(
        FileBody(path, 0, info.st_size),
        path=path,
        name=download_name if download_name is not None else path,
        size=info.st_size,
        mtime=info.st_mtime,
        file_etag=_etag_option(etag, path, info),
        mimetype=mimetype,
        as_attachment=as_attachment,
        download_name=download_name,
        conditional=conditional,
        last_modified=last_modified,
        max_age=max_age,
        active_as_attachment=active_as_attachment,
    )


# PERF: a join of two names depends on nothing else, so it is remembered: not_modified
# 150,822 -> 139,549 instructions with Scaffold.static_folder's own and paths._resolve's join.
_join_names = lru_cache(maxsize=256)(os.path.join)


def send_from_directory(directory: str | os.PathLike[str], path: str, **kwargs: Any) -> Response:
    """Send the file ``path`` from inside ``directory``, or raise 404.

    Every way out of the directory answers 404: ``..`` segments, absolute paths, backslashes,
    NUL, Windows drive letters and device names, and symlinks whose target is outside it.
    A relative ``directory`` starts at the app's ``root_path``. ``kwargs`` are passed to
    :func:`send_file`.
    """
    directory = os.fspath(directory)
    app_ctx = _ctx.get(_NO_CTX)[0]
    if app_ctx is not None:
        directory = _join_names(app_ctx.app.root_path, directory)
    resolved = _resolve(directory, path)
    if resolved is None:
        raise NotFound()
    real_path, info = resolved
    kwargs.setdefault("mimetype", guess_mimetype(path))
    return _send_path(real_path, info, **kwargs)
