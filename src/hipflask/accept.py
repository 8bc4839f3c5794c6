"""Parsed ``Accept-*`` headers: the values a client will take, ranked by its preference.

:func:`~hipflask.http.parse_accept_header` builds them, and ``request.accept_mimetypes`` is a
:class:`MIMEAccept`. A value's quality comes from the most specific range that matches it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from operator import itemgetter

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["Accept", "MIMEAccept"]


class Accept:
    """A parsed ``Accept-*`` header: ``(value, quality)`` pairs, best first.

    Sorted by quality, then specificity. A quality of 0 means "not acceptable". When the
    header was absent (``provided`` is false) every value is acceptable, as RFC 9110 says.
    """

    __slots__ = ("_items", "_keys", "provided")

    def __init__(self, values: Iterable[tuple[str, float]] | None = None) -> None:
        self.provided = values is not None
        ranked = []
        for item in values or ():
            key = self._parse(item[0])
            ranked.append(((item[1], self._specificity(key)), item, key))
        ranked.sort(key=itemgetter(0), reverse=True)
        self._items: list[tuple[str, float]] = [item for _, item, _ in ranked]
        self._keys: list[Any] = [key for _, _, key in ranked]

    # NOTE: subclasses override these three hooks to define their values and matching.
    def _parse(self, value: str) -> Any:
        return value.lower()

    def _specificity(self, key: Any) -> tuple[int, ...]:
        return (key != "*",)

    def _matches(self, client: Any, server: Any) -> bool:
        return bool(client == "*" or client == server)

    def _rank(self, value: str) -> tuple[float, tuple[int, ...]]:
        """Return the quality and specificity of the most specific range matching ``value``."""
        if not self.provided:
            return 1.0, ()
        server = self._parse(value)
        best: tuple[float, tuple[int, ...]] = (0.0, ())
        best_specificity: tuple[int, ...] | None = None
        for (_, quality), key in zip(self._items, self._keys, strict=True):
            if self._matches(key, server):
                specificity = self._specificity(key)
                if best_specificity is None or specificity > best_specificity:
                    best_specificity = specificity
                    best = (quality, specificity)
        return best

    def quality(self, key: str) -> float:
        """Return the quality the client gives ``key`` (0 when not acceptable)."""
        return self._rank(key)[0]

    def __contains__(self, value: object) -> bool:
        return isinstance(value, str) and self.quality(value) > 0

    def __getitem__(self, key: str | int) -> Any:
        """Return the quality of a value, or the ``(value, quality)`` pair at an index."""
        if isinstance(key, str):
            return self.quality(key)
        return self._items[key]

    @property
    def best(self) -> str | None:
        """The client's preferred value, or None."""
        for value, quality in self._items:
            if quality > 0:
                return value
        return None

    def best_match(self, matches: Iterable[str], default: str | None = None) -> str | None:
        """Return the one of ``matches`` the client prefers (earlier wins ties), or ``default``."""
        result = default
        best: tuple[float, tuple[int, ...]] | None = None
        for match in matches:
            rank = self._rank(match)
            if rank[0] > 0 and (best is None or rank > best):
                best = rank
                result = match
        return result

    def values(self) -> Iterator[str]:
        """Yield the values, best first."""
        return (value for value, _ in self._items)

    def to_header(self) -> str:
        """Return the header value."""
        return ",".join(value if q == 1 else f"{value};q={q:g}" for value, q in self._items)

    def __iter__(self) -> Iterator[tuple[str, float]]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._items!r})"


_NO_PARAMS: frozenset[str] = frozenset()


class MIMEAccept(Accept):
    """The ``Accept`` header, with ``*/*`` and ``type/*`` wildcards."""

    __slots__ = ()

    def _parse(self, value: str) -> tuple[str, str, frozenset[str]] | None:
        mimetype, semicolon, params = value.lower().partition(";")
        major, slash, minor = mimetype.strip().partition("/")
        if not slash or not major or not minor or (major == "*" and minor != "*"):
            return None
        if not semicolon:
            return major, minor, _NO_PARAMS
        pairs = (param.replace(" ", "").replace('"', "") for param in params.split(";"))
        return major, minor, frozenset(pair for pair in pairs if pair)

    def _specificity(self, key: Any) -> tuple[int, ...]:
        if key is None:
            return (-1,)
        return (key[0] != "*", key[1] != "*", len(key[2]))

    def _matches(self, client: Any, server: Any) -> bool:
        if server is None:
            raise ValueError("The server's value must be a MIME type such as 'text/html'.")
        if client is None:
            return False
        if client[0] == "*" or server[0] == "*":
            return True
        if client[0] != server[0]:
            return False
        if client[1] == "*" or server[1] == "*":
            return True
        # NOTE: parameters only narrow the match when both sides give some.
        return bool(
            client[1] == server[1] and (not client[2] or not server[2] or client[2] == server[2])
        )

    @property
    def accept_html(self) -> bool:
        """True if HTML (or XHTML) is acceptable."""
        return "text/html" in self or "application/xhtml+xml" in self

    @property
    def accept_xhtml(self) -> bool:
        """True if XHTML is acceptable."""
        return "application/xhtml+xml" in self

    @property
    def accept_json(self) -> bool:
        """True if JSON is acceptable."""
        return "application/json" in self
