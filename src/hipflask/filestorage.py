"""Uploaded files: :class:`FileStorage`, the stream of a multipart part and what came with it.

The form parser builds them for ``request.files``; the test client sends them as uploads.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from io import BytesIO

from .headers import Headers

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import IO

__all__ = ["FileStorage"]


class FileStorage:
    """An uploaded file: its stream plus the name and headers the client sent with it."""

    __slots__ = ("_content_length", "content_type", "filename", "headers", "name", "stream")

    def __init__(
        self,
        stream: IO[bytes] | None = None,
        filename: str | None = None,
        name: str | None = None,
        content_type: str | None = None,
        content_length: int | None = None,
        headers: Headers | None = None,
    ) -> None:
        self.stream: IO[bytes] = stream if stream is not None else BytesIO()
        if filename is None:
            stream_name = getattr(stream, "name", None)
            # NOTE: pseudo names such as "<stdin>" are not file names.
            if isinstance(stream_name, str) and not stream_name.startswith("<"):
                filename = stream_name
        self.filename = filename
        self.name = name
        if headers is None:
            headers = Headers()
        self.headers = headers
        if content_type is None:
            content_type = self.headers.get("Content-Type")
        self.content_type: str | None = content_type
        self._content_length = content_length

    @property
    def content_length(self) -> int:
        """The size the client declared for this part, 0 when unknown."""
        if self._content_length is not None:
            return self._content_length
        value = self.headers.get("Content-Length", "")
        return int(value) if value.isascii() and value.isdigit() else 0

    @property
    def mimetype(self) -> str:
        """The content type without parameters, lower-cased (``text/plain``)."""
        from .http import parse_options_header

        return parse_options_header(self.content_type)[0].lower()

    @property
    def mimetype_params(self) -> dict[str, str]:
        """The parameters of the content type (``{"charset": "utf-8"}``)."""
        from .http import parse_options_header

        return parse_options_header(self.content_type)[1]

    def save(self, dst: str | os.PathLike[str] | IO[bytes], buffer_size: int = 16384) -> None:
        """Copy the file to a path (opened, written and closed) or to a binary file object."""
        import shutil  # NOTE: imported on use, to keep `import hipflask` lean

        if isinstance(dst, str | os.PathLike):
            with open(dst, "wb") as target:
                shutil.copyfileobj(self.stream, target, buffer_size)
        else:
            shutil.copyfileobj(self.stream, dst, buffer_size)

    def read(self, size: int = -1) -> bytes:
        """Read up to ``size`` bytes (all when negative)."""
        return self.stream.read(size)

    def readline(self, size: int = -1) -> bytes:
        """Read one line."""
        return self.stream.readline(size)

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        """Move the stream position."""
        return self.stream.seek(offset, whence)

    def tell(self) -> int:
        """Return the stream position."""
        return self.stream.tell()

    def close(self) -> None:
        """Close the stream."""
        self.stream.close()

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.stream)

    def __bool__(self) -> bool:
        return bool(self.filename)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.filename!r} ({self.content_type!r})>"
