"""Parse ``application/x-www-form-urlencoded`` and ``multipart/form-data`` request bodies.

A urlencoded body of known length is read whole and split by the standard library
(:mod:`hipflask.urlencoded`); any other body is read in chunks and fed to python-multipart's
streaming parsers, whose callbacks build the fields here. Text fields are kept in memory up to
``max_form_memory_size`` in total, and files are spooled to a temporary file past
``spool_max_size``. Every limit is checked while the bytes arrive, so an oversized form ends
with a 413 before it costs more memory than the limit allows, and any malformed body ends with
a 400, never another exception.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from tempfile import SpooledTemporaryFile
from typing import BinaryIO
from urllib.parse import unquote_to_bytes

from .exceptions import BadRequest, RequestEntityTooLarge
from .filestorage import FileStorage
from .headers import Headers
from .http import parse_options_header
from .multidict import ImmutableMultiDict
from .urlencoded import parse_urlencoded_form

__all__ = ["FormLimits", "parse_form_data"]

_URLENCODED = "application/x-www-form-urlencoded"
_MULTIPART = "multipart/form-data"

#: Printable ASCII, not ending in a space: what Werkzeug accepts, a superset of RFC 2046's bchars.
_BOUNDARY_RE = re.compile(r"[ -~]*[!-~]")


@dataclass(frozen=True, slots=True)
class FormLimits:
    """Bounds on the resources a single form body may use; ``None`` lifts a limit."""

    #: Bytes of all non-file field data together (a urlencoded body counts whole).
    max_form_memory_size: int | None = 500_000
    #: Number of multipart parts or urlencoded fields.
    max_form_parts: int | None = 1_000
    #: Bytes of one part's header names and values together.
    max_part_header_size: int = 8_192
    #: Header lines in one part.
    max_part_headers: int = 16
    #: Length of the multipart boundary (RFC 2046 allows 70).
    max_boundary_length: int = 200
    #: Files larger than this are moved from memory to a temporary file on disk.
    spool_max_size: int = 500_000
    #: Bytes read from the stream at a time.
    chunk_size: int = 65_536


def parse_form_data(
    stream: BinaryIO, content_type: str | None, content_length: int | None, limits: FormLimits
) -> tuple[ImmutableMultiDict, ImmutableMultiDict]:
    """Parse a form body into ``(form, files)``.

    ``stream`` must end at the end of the body. An unsupported or missing content type returns
    two empty dicts without reading. Raise :class:`~hipflask.exceptions.BadRequest` for a
    malformed body and :class:`~hipflask.exceptions.RequestEntityTooLarge` when a limit is hit.
    """
    if not content_type:
        return ImmutableMultiDict(), ImmutableMultiDict()
    # NOTE: the usual urlencoded content type needs no option parsing.
    if content_type == _URLENCODED:
        return _parse_urlencoded(stream, content_length, limits), ImmutableMultiDict()
    mimetype, options = parse_options_header(content_type)
    mimetype = mimetype.lower()
    if mimetype == _URLENCODED:
        return _parse_urlencoded(stream, content_length, limits), ImmutableMultiDict()
    if mimetype == _MULTIPART:
        return _parse_multipart(stream, options.get("boundary"), limits)
    return ImmutableMultiDict(), ImmutableMultiDict()


def _parse_urlencoded(
    stream: BinaryIO, content_length: int | None, limits: FormLimits
) -> ImmutableMultiDict:
    max_size = _limit(limits.max_form_memory_size)
    # SECURITY: the whole urlencoded body ends up in memory, so refuse it before reading
    # when it announces more than the form memory limit (as Flask does).
    if content_length is not None and content_length > max_size:
        raise RequestEntityTooLarge("The form data is too large.")
    if content_length is not None:
        return _parse_urlencoded_whole(stream, content_length, _limit(limits.max_form_parts))
    from python_multipart import QuerystringParser  # NOTE: only for a body of unknown length

    handler = _UrlencodedHandler(_limit(limits.max_form_parts))
    parser = QuerystringParser(
        {
            "on_field_name": handler.on_field_name,
            "on_field_data": handler.on_field_data,
            "on_field_end": handler.on_field_end,
        }
    )
    read = stream.read
    chunk_size = limits.chunk_size
    size = 0
    escaped = False
    try:
        while chunk := read(chunk_size):
            size += len(chunk)
            # SECURITY: a chunked body has no Content-Length to refuse up front.
            if size > max_size:
                raise RequestEntityTooLarge("The form data is too large.")
            escaped = escaped or b"%" in chunk or b"+" in chunk
            parser.write(chunk)
            if size == content_length:
                break  # NOTE: a body of known length needs no extra read to find its end
        parser.finalize()
    except ValueError as exc:  # every python-multipart error derives from ValueError
        raise BadRequest("The form body could not be parsed.") from exc
    # NOTE: one scan of the body decides whether any field needs unquoting at all.
    decode = _unquote_plus if escaped else _decode
    return ImmutableMultiDict([(decode(name), decode(value)) for name, value in handler.pairs])


def _parse_urlencoded_whole(
    stream: BinaryIO, content_length: int, max_fields: int
) -> ImmutableMultiDict:
    """Parse a body of known length, already checked against the memory limit, in one go."""
    body = stream.read(content_length)
    # NOTE: a stream may return less than asked (a slow client): read on to the announced end.
    while len(body) < content_length and (chunk := stream.read(content_length - len(body))):
        body += chunk
    return parse_urlencoded_form(body, max_fields)


class _UrlencodedHandler:
    """Collect urlencoded fields from QuerystringParser callbacks, counting them.

    A name or value split across chunks arrives in several calls; the usual one-call case
    keeps the slice as it is.
    """

    __slots__ = ("max_fields", "name", "pairs", "value")

    def __init__(self, max_fields: int) -> None:
        self.max_fields = max_fields
        self.name = b""
        self.value = b""
        self.pairs: list[tuple[bytes, bytes]] = []

    def on_field_name(self, data: bytes, start: int, end: int) -> None:
        self.name += data[start:end]

    def on_field_data(self, data: bytes, start: int, end: int) -> None:
        self.value += data[start:end]

    def on_field_end(self) -> None:
        pairs = self.pairs
        if len(pairs) >= self.max_fields:
            raise RequestEntityTooLarge("The form has too many fields.")
        pairs.append((self.name, self.value))
        self.name = self.value = b""


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


def _unquote_plus(raw: bytes) -> str:
    """Decode one urlencoded name or value; bad escapes and bad UTF-8 survive as best effort."""
    if b"+" in raw:
        raw = raw.replace(b"+", b" ")
    if b"%" in raw:
        return unquote_to_bytes(raw).decode("utf-8", "replace")
    return raw.decode("utf-8", "replace")


def _parse_multipart(
    stream: BinaryIO, boundary: str | None, limits: FormLimits
) -> tuple[ImmutableMultiDict, ImmutableMultiDict]:
    if not boundary or len(boundary) > limits.max_boundary_length:
        raise BadRequest("The multipart boundary is missing or too long.")
    if not _BOUNDARY_RE.fullmatch(boundary):
        raise BadRequest("The multipart boundary contains invalid characters.")
    from python_multipart import MultipartParser  # NOTE: on the first multipart body (~35 ms)

    handler = _MultipartHandler(limits)
    read = stream.read
    chunk_size = limits.chunk_size
    received = False
    try:
        parser = MultipartParser(
            boundary.encode("ascii"),
            {
                "on_part_begin": handler.on_part_begin,
                "on_header_field": handler.on_header_field,
                "on_header_value": handler.on_header_value,
                "on_header_end": handler.on_header_end,
                "on_headers_finished": handler.on_headers_finished,
                "on_part_data": handler.on_part_data,
                "on_part_end": handler.on_part_end,
                "on_end": handler.on_end,
            },
            max_header_count=limits.max_part_headers,
            max_header_size=limits.max_part_header_size,
        )
        while chunk := read(chunk_size):
            received = True
            parser.write(chunk)
        parser.finalize()
        # NOTE: python-multipart's finalize() does not check that the closing boundary came.
        if received and not handler.complete:
            raise BadRequest("The multipart body ended before its closing boundary.")
    except ValueError as exc:  # every python-multipart error derives from ValueError
        handler.close()
        # NOTE: the parser reports its own header limits only through the message.
        if str(exc).startswith("Maximum header"):
            raise RequestEntityTooLarge("A form part's headers are too large.") from exc
        raise BadRequest("The multipart body could not be parsed.") from exc
    except BaseException:
        handler.close()
        raise
    return ImmutableMultiDict(handler.fields), ImmutableMultiDict(handler.files)


class _MultipartHandler:
    """Build fields and files from MultipartParser callbacks, enforcing the form limits.

    A part is a text field, a file (it has a ``filename``) or ignored (it has no ``name``).
    """

    __slots__ = (
        "complete",
        "count",
        "field_size",
        "fields",
        "file",
        "file_headers",
        "files",
        "header_name",
        "header_size",
        "header_value",
        "headers",
        "limits",
        "max_memory",
        "max_parts",
        "name",
        "opened",
        "part_charset",
        "part_content_type",
        "part_filename",
        "value",
    )

    def __init__(self, limits: FormLimits) -> None:
        self.limits = limits
        self.max_parts = _limit(limits.max_form_parts)
        self.max_memory = _limit(limits.max_form_memory_size)
        self.fields: list[tuple[str, str]] = []
        self.files: list[tuple[str, FileStorage]] = []
        self.opened: list[SpooledTemporaryFile[bytes]] = []
        self.complete = False
        self.count = 0
        self.field_size = 0
        self._reset_part()

    def _reset_part(self) -> None:
        self.headers: list[tuple[str, str]] = []
        self.header_name = bytearray()
        self.header_value = bytearray()
        self.header_size = 0
        self.name: str | None = None
        self.part_filename: str | None = None
        self.part_content_type: str | None = None
        self.part_charset = "utf-8"
        self.value: bytearray | None = None
        self.file: SpooledTemporaryFile[bytes] | None = None
        self.file_headers: Headers | None = None

    def on_part_begin(self) -> None:
        self.count += 1
        # SECURITY: refuse the part that breaks the count before buffering anything of it.
        if self.count > self.max_parts:
            raise RequestEntityTooLarge("The form has too many parts.")
        self._reset_part()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._count_header(end - start)
        self.header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._count_header(end - start)
        self.header_value += data[start:end]

    def _count_header(self, size: int) -> None:
        """Bound one part's headers as a whole; the parser only bounds each line."""
        self.header_size += size
        if self.header_size > self.limits.max_part_header_size:
            raise RequestEntityTooLarge("A form part's headers are too large.")

    def on_header_end(self) -> None:
        name = self.header_name.decode("latin-1")
        value = self.header_value.decode("utf-8", "replace")
        self.headers.append((name, value))
        self.header_name = bytearray()
        self.header_value = bytearray()

    def on_headers_finished(self) -> None:
        disposition = None
        # NOTE: the first of a repeated header wins, as in ``Headers.get``.
        for key, value in reversed(self.headers):
            key = key.lower()
            if key == "content-disposition":
                disposition = value
            elif key == "content-type":
                self.part_content_type = value
        if disposition is None:
            return
        _, options = parse_options_header(disposition)
        self.name = options.get("name")
        if self.name is None:
            return
        self.part_filename = options.get("filename")
        if self.part_filename is None:
            self.value = bytearray()
            if self.part_content_type is not None:
                charset = parse_options_header(self.part_content_type)[1].get("charset")
                if charset:
                    self.part_charset = charset
        else:
            try:
                self.file_headers = Headers(self.headers)
            except ValueError as exc:  # an LF or NUL in a header value
                raise BadRequest("A form part has an invalid header.") from exc
            # NOTE: not a context manager: the file outlives this call inside a FileStorage.
            self.file = SpooledTemporaryFile(max_size=self.limits.spool_max_size)  # noqa: SIM115
            self.opened.append(self.file)

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.file is not None:
            self.file.write(memoryview(data)[start:end])
        elif self.value is not None:
            self.field_size += end - start
            # SECURITY: checked before the bytes are kept, so memory stays within the limit.
            if self.field_size > self.max_memory:
                raise RequestEntityTooLarge("The form data is too large.")
            self.value += memoryview(data)[start:end]

    def on_part_end(self) -> None:
        if self.name is None:
            return
        if self.file is not None:
            self.file.seek(0)
            storage = FileStorage(
                self.file,
                filename=self.part_filename,
                name=self.name,
                content_type=self.part_content_type,
                headers=self.file_headers,
            )
            self.files.append((self.name, storage))
        elif self.value is not None:
            self.fields.append((self.name, _decode_text(self.value, self.part_charset)))
        self._reset_part()

    def on_end(self) -> None:
        self.complete = True

    def close(self) -> None:
        """Close every temporary file this parse opened (after a failure)."""
        for file in self.opened:
            file.close()


def _decode_text(raw: bytearray, charset: str) -> str:
    """Decode a text field in its declared charset, falling back to UTF-8 if that is unusable."""
    if charset != "utf-8":
        try:
            return raw.decode(charset, "replace")
        except (LookupError, ValueError):
            pass
    return raw.decode("utf-8", "replace")


def _limit(value: int | None) -> int:
    """Turn an optional limit into a number a hot loop can compare without a None check."""
    return sys.maxsize if value is None else value
