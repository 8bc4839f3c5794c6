"""Parsed ``If-Match`` and ``If-None-Match`` headers: strong and weak entity tags, or ``*``.

:func:`~hipflask.http.parse_etags` builds them for the conditional requests of ``http.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

__all__ = ["ETags"]


class ETags:
    """The entity tags of an ``If-Match`` or ``If-None-Match`` header."""

    __slots__ = ("_strong", "_weak", "star_tag")

    def __init__(
        self,
        strong_etags: Iterable[str] | None = None,
        weak_etags: Iterable[str] | None = None,
        star_tag: bool = False,
    ) -> None:
        self._strong = frozenset(strong_etags or ())
        self._weak = frozenset(weak_etags or ())
        self.star_tag = star_tag

    def as_set(self, include_weak: bool = False) -> set[str]:
        """Return the strong tags (and the weak ones when ``include_weak``)."""
        return set(self._strong | self._weak) if include_weak else set(self._strong)

    def is_weak(self, etag: str) -> bool:
        """True if ``etag`` is listed as a weak tag."""
        return etag in self._weak

    def is_strong(self, etag: str) -> bool:
        """True if ``etag`` is listed as a strong tag."""
        return etag in self._strong

    def contains(self, etag: str) -> bool:
        """True if ``etag`` matches by strong comparison (or the header was ``*``)."""
        return self.star_tag or etag in self._strong

    def contains_weak(self, etag: str) -> bool:
        """True if ``etag`` matches by weak comparison (``W/`` prefixes ignored)."""
        return etag in self._weak or self.contains(etag)

    def __contains__(self, etag: object) -> bool:
        return isinstance(etag, str) and self.contains(etag)

    def __bool__(self) -> bool:
        return bool(self.star_tag or self._strong or self._weak)

    def __iter__(self) -> Iterator[str]:
        return iter(self._strong)

    def to_header(self) -> str:
        """Return the header value."""
        if self.star_tag:
            return "*"
        strong = [f'"{etag}"' for etag in sorted(self._strong)]
        return ", ".join(strong + [f'W/"{etag}"' for etag in sorted(self._weak)])

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.to_header()!r}>"
