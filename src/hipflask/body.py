"""The request body: streams bounded by its length, the JSON depth guard, the form parser.

:attr:`Request.stream <hipflask.request.Request.stream>` hands a view one of these streams,
never the raw ``wsgi.input``: reading past ``Content-Length`` (or, for chunked input, past
``MAX_CONTENT_LENGTH``) is impossible, and a body cut short is a 400.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from .exceptions import ClientDisconnected, RequestEntityTooLarge
from .lazyload import lazy_compile

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, BinaryIO

    from .formparser import FormLimits
    from .multidict import ImmutableMultiDict

_JSON_BRACKETS = lazy_compile(rb'(?s)"(?:[^"\\]|\\.)*"|[\[\]{}]')


class _LimitedStream:
    """Read at most ``limit`` bytes from a WSGI input stream.

    Raise :class:`~hipflask.exceptions.ClientDisconnected` (400) when the stream ends before
    ``limit`` bytes.

    # SECURITY: a client that sends fewer bytes than its Content-Length promised gets a 400,
    # never a truncated form that the view would take for the whole one.
    """

    __slots__ = ("_remaining", "_stream")

    def __init__(self, stream: BinaryIO, limit: int) -> None:
        self._stream = stream
        self._remaining = limit

    def read(self, size: int = -1) -> bytes:
        if self._remaining <= 0:
            return b""
        if 0 <= size < self._remaining:
            return self._count(self._stream.read(size))
        data = self._count(self._stream.read(self._remaining))
        if self._remaining <= 0:
            return data  # NOTE: the usual case: one read returned the whole rest
        chunks = [data]
        while self._remaining > 0:
            chunks.append(self._count(self._stream.read(self._remaining)))
        return b"".join(chunks)

    def readline(self, size: int = -1) -> bytes:
        if self._remaining <= 0:
            return b""
        if size < 0 or size > self._remaining:
            size = self._remaining
        return self._count(self._stream.readline(size))

    def _count(self, data: bytes) -> bytes:
        if not data:
            self._remaining = 0
            raise ClientDisconnected()
        self._remaining -= len(data)
        return data

    def __iter__(self) -> Any:
        return iter(self.readline, b"")


class _CappedStream(_LimitedStream):
    """A stream of unknown length (chunked input) that raises 413 past ``limit`` bytes."""

    __slots__ = ()

    def read(self, size: int = -1) -> bytes:
        return self._cap(self._stream.read(size if size >= 0 else self._remaining + 1))

    def readline(self, size: int = -1) -> bytes:
        return self._cap(self._stream.readline(size if size >= 0 else self._remaining + 1))

    def _cap(self, data: bytes) -> bytes:
        self._remaining -= len(data)
        if self._remaining < 0:
            raise RequestEntityTooLarge()
        return data


def json_depth_exceeds(data: bytes, limit: int) -> bool:
    """Tell whether JSON ``data`` nests arrays and objects deeper than ``limit``."""
    # NOTE: bytes.count runs in C; the token scan only runs for bodies with many brackets.
    if data.count(b"[") + data.count(b"{") <= limit:
        return False
    depth = 0
    for match in _JSON_BRACKETS.finditer(data):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        elif token in (b"]", b"}"):
            depth -= 1
    return False


@cache
def _form_parser() -> Callable[..., tuple[ImmutableMultiDict, ImmutableMultiDict]]:
    """Return :func:`~hipflask.formparser.parse_form_data`, importing python-multipart once.

    # PERF: imported on the first form (python-multipart costs ~35 ms at start-up) and kept,
    # instead of an import statement on every form request.
    """
    from .formparser import parse_form_data

    return parse_form_data


@cache
def _form_limits(max_form_memory_size: int | None, max_form_parts: int | None) -> FormLimits:
    """Return the parser limits for these settings (built once: they rarely change)."""
    from .formparser import FormLimits

    return FormLimits(max_form_memory_size=max_form_memory_size, max_form_parts=max_form_parts)


class _EmptyStream:
    def read(self, size: int = -1) -> bytes:
        return b""

    def readline(self, size: int = -1) -> bytes:
        return b""


_EMPTY = _EmptyStream()

#: ``request.stream`` once a form parse read the body itself: every read returns ``b""``.
# NOTE: shared: a stream with nothing left never touches its state again.
_CONSUMED = _LimitedStream(_EMPTY, 0)  # type: ignore[arg-type]
