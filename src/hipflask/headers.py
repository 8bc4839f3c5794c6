"""Header containers: :class:`Headers`, an ordered list of pairs (a response's headers), and
:class:`EnvironHeaders`, a read-only view of a request's headers in the WSGI environ.

Every name and value written is checked (:func:`check_header_name`, :func:`check_header_value`),
so no header can smuggle another one in. A missing header raises
:class:`~hipflask.exceptions.BadRequestKeyError`, so ``request.headers["X"]`` answers 400.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from collections.abc import Set as AbstractSet

from .exceptions import BadRequestKeyError
from .lazyload import lazy_compile
from .multidict import _MISSING, _all_converted, _converted, _immutable, _iter_multi_items

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TypeVar, overload

    _T = TypeVar("_T")
    _D = TypeVar("_D")

__all__ = ["EnvironHeaders", "Headers", "check_header_name", "check_header_value"]

_TOKEN = lazy_compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# PERF: header names are few and repeat on every response; a fullmatch costs ~200 ns, a set
# lookup ~20 ns. Bounded so names read from clients cannot grow it without limit.
_KNOWN_NAMES: set[str] = set()
_KNOWN_NAMES_MAX = 512


def check_header_name(name: str) -> str:
    """Return ``name`` if it is an RFC 7230 token, else raise ValueError."""
    if name in _KNOWN_NAMES:
        return name
    if not isinstance(name, str) or _TOKEN.fullmatch(name) is None:
        raise ValueError(f"Invalid header name {name!r}: it must be an RFC 7230 token.")
    if len(_KNOWN_NAMES) < _KNOWN_NAMES_MAX:
        _KNOWN_NAMES.add(name)
    return name


def check_header_value(value: str) -> str:
    """Return ``value`` if it has no CR, LF or NUL, else raise ValueError."""
    # SECURITY: CR or LF would start a new header line (response splitting).
    # PERF: three C-level scans cost ~45 ns; a compiled regex search ~125 ns.
    if "\n" in value or "\r" in value or "\0" in value:
        raise ValueError(f"Header values must not contain CR, LF or NUL characters: {value!r}")
    return value


# NOTE: tuples of (name, value) pairs that Headers.add_missing was given and found valid, mapped
# to their lower-cased names, themselves and ((lower-cased name, pair), ...); only exact tuples
# of exact str, so equal means the same checks pass (and the pairs appended are plain tuples, as
# the checked path appends). Bounded like _KNOWN_NAMES.
_CHECKED_PAIRS: dict[
    tuple[tuple[str, str], ...],
    tuple[frozenset[str], tuple[tuple[str, str], ...], tuple[tuple[str, tuple[str, str]], ...]],
] = {}
_CHECKED_PAIRS_MAX = 64


def _remember_checked(pairs: tuple[tuple[str, str], ...]) -> None:
    entries = []
    for pair in pairs:
        if type(pair) is not tuple or len(pair) != 2:
            return
        name, value = pair
        if type(name) is not str or type(value) is not str:
            return
        entries.append((name.lower(), pair))
    _CHECKED_PAIRS[pairs] = (frozenset(lower for lower, _ in entries), pairs, tuple(entries))


def _header_value(value: Any) -> str:
    return check_header_value(value if type(value) is str else str(value))


class Headers:
    """An ordered list of ``(name, value)`` header pairs with case-insensitive lookup.

    Values are converted with ``str()``. A name that is not a token, or a value with CR, LF
    or NUL, raises ValueError, so no header can smuggle another one in.
    """

    __slots__ = ("_list",)

    def __init__(self, defaults: Any = None) -> None:
        self._list: list[tuple[str, str]] = []
        if isinstance(defaults, Headers):
            self._list[:] = defaults._list
        elif defaults is not None:
            self.extend(defaults)

    if TYPE_CHECKING:

        @overload
        def __getitem__(self, key: str) -> str: ...
        @overload
        def __getitem__(self, key: int) -> tuple[str, str]: ...

    def __getitem__(self, key: str | int) -> str | tuple[str, str]:
        """Return the first value of ``key`` (else 400), or the pair at an int index."""
        if isinstance(key, int):
            return self._list[key]
        ikey = key.lower()
        for name, value in self._list:
            if name.lower() == ikey:
                return value
        raise BadRequestKeyError(key)

    if TYPE_CHECKING:

        @overload
        def get(self, key: str) -> str | None: ...
        @overload
        def get(self, key: str, default: _D) -> str | _D: ...
        @overload
        def get(self, key: str, *, type: Callable[[str], _T]) -> _T | None: ...
        @overload
        def get(self, key: str, default: _D, type: Callable[[str], _T]) -> _T | _D: ...

    def get(self, key: str, default: Any = None, type: Callable[[str], Any] | None = None) -> Any:
        """Return the first value of ``key``, converted by ``type``, or ``default``."""
        ikey = key.lower()
        for name, value in self._list:
            if name.lower() == ikey:
                return _converted(value, type, default)
        return default

    def getlist(self, key: str, type: Callable[[str], Any] | None = None) -> list[Any]:
        """Return every value of ``key``; values ``type`` cannot convert are skipped."""
        ikey = key.lower()
        return _all_converted((value for name, value in self._list if name.lower() == ikey), type)

    get_all = getlist

    def add(self, key: str, value: Any, **params: Any) -> None:
        """Append a header; ``params`` become ``; name=value`` (``_`` in names becomes ``-``)."""
        if params:
            value = _with_params(value, params)
        self._list.append((check_header_name(key), _header_value(value)))

    add_header = add

    def set(self, key: str, value: Any, **params: Any) -> None:
        """Replace the first ``key`` header in place and remove the others (or append)."""
        if params:
            value = _with_params(value, params)
        item = (check_header_name(key), _header_value(value))
        ikey = key.lower()
        headers = self._list
        for index, (name, _) in enumerate(headers):
            if name.lower() == ikey:
                headers[index] = item
                rest = headers[index + 1 :]
                if rest:
                    headers[index + 1 :] = [pair for pair in rest if pair[0].lower() != ikey]
                return
        headers.append(item)

    def __setitem__(self, key: str | int, value: Any) -> None:
        """Set ``key`` like :meth:`set`, or replace the pair at an int index."""
        if isinstance(key, int):
            name, item = value
            self._list[key] = (check_header_name(name), _header_value(item))
        else:
            self.set(key, value)

    def setlist(self, key: str, values: Iterable[Any]) -> None:
        """Replace every ``key`` header with one header per value."""
        iterator = iter(values)
        first = next(iterator, _MISSING)
        if first is _MISSING:
            self.remove(key)
            return
        self.set(key, first)
        for value in iterator:
            self.add(key, value)

    def setdefault(self, key: str, default: Any) -> str:
        """Return the first value of ``key``, adding ``default`` first if it is missing."""
        value: str | None = self.get(key)
        if value is None:
            self.add(key, default)
            value = _header_value(default)
        return value

    def __delitem__(self, key: str | int | slice) -> None:
        """Remove every ``key`` header, or the pair(s) at an int index or slice."""
        if isinstance(key, int | slice):
            del self._list[key]
        else:
            self.remove(key)

    def remove(self, key: str) -> None:
        """Remove every ``key`` header (no error when there is none)."""
        ikey = key.lower()
        self._list[:] = [pair for pair in self._list if pair[0].lower() != ikey]

    def pop(self, key: str | int | None = None, default: Any = _MISSING) -> Any:
        """Remove and return: the last pair, the pair at an index, or a name's first value."""
        if key is None or isinstance(key, int):
            if not self._list and default is not _MISSING:
                return default
            return self._list.pop() if key is None else self._list.pop(key)
        value = self.get(key, _MISSING)
        if value is _MISSING:
            if default is _MISSING:
                raise BadRequestKeyError(key)
            return default
        self.remove(key)
        return value

    def popitem(self) -> tuple[str, str]:
        """Remove and return the last pair."""
        item: tuple[str, str] = self.pop()
        return item

    def add_missing(self, pairs: Iterable[tuple[str, str]]) -> AbstractSet[str]:
        """Append each ``(name, value)`` whose name is not set yet; return the lower-cased names
        that were set before.

        For hooks that give every response default headers: one pass over the headers, and each
        name and value checked as :meth:`add` checks them. A tuple of ``(str, str)`` tuples
        passed again is not checked again.
        """
        headers = self._list
        # PERF: a loop, not a set comprehension (a function call on Python 3.11): secure_hello
        # 45,092 -> 44,286 instructions per request.
        present: set[str] = set()
        for name, _ in headers:
            present.add(name.lower())
        if type(pairs) is tuple:
            # PERF: the same tuple of default pairs on every response: its pairs, checked and
            # lower-cased once, are looked up by value (hashing the tuple, no Python call). With
            # the loop above, secure_hello 55,745 -> 44,286 instructions per request.
            try:
                checked = _CHECKED_PAIRS.get(pairs)
            except TypeError:  # NOTE: a pair that is not hashable (a list): not cached
                checked = None
            if checked is not None:
                names, valid, entries = checked
                if present.isdisjoint(names):
                    # PERF: the common case, none of them set yet: one extend, no loop
                    # (secure_hello 44,286 -> 42,756).
                    headers.extend(valid)
                    return present
                for lower, pair in entries:
                    if lower not in present:
                        headers.append(pair)
                return present
        for name, value in pairs:
            if name.lower() not in present:
                headers.append((check_header_name(name), check_header_value(value)))
        if type(pairs) is tuple and len(_CHECKED_PAIRS) < _CHECKED_PAIRS_MAX:
            _remember_checked(pairs)
        return present

    def extend(self, source: Any = None, /, **kwargs: Any) -> None:
        """Add the headers of a mapping, Headers or iterable of pairs (existing ones stay)."""
        if source is not None:
            for key, value in _iter_multi_items(source):
                self.add(key, value)
        for key, value in _iter_multi_items(kwargs):
            self.add(key, value)

    def update(self, source: Any = None, /, **kwargs: Any) -> None:
        """Replace, name by name, the headers of this object with those given."""
        grouped: dict[str, tuple[str, list[Any]]] = {}
        pairs = _iter_multi_items(source) if source is not None else iter(())
        for pairs_source in (pairs, _iter_multi_items(kwargs)):
            for key, value in pairs_source:
                grouped.setdefault(key.lower(), (key, []))[1].append(value)
        for key, values in grouped.values():
            self.setlist(key, values)

    def items(self, lower: bool = False) -> Iterator[tuple[str, str]]:
        """Yield ``(name, value)`` pairs, names lower-cased when ``lower``."""
        if lower:
            return ((name.lower(), value) for name, value in self._list)
        return iter(self._list)

    def keys(self, lower: bool = False) -> Iterator[str]:
        """Yield the header names (repeated for repeated headers)."""
        if lower:
            return (name.lower() for name, _ in self._list)
        return (name for name, _ in self._list)

    def values(self) -> Iterator[str]:
        """Yield the header values."""
        return (value for _, value in self._list)

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._list)

    def __len__(self) -> int:
        return len(self._list)

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        ikey = key.lower()
        return any(name.lower() == ikey for name, _ in self._list)

    def __eq__(self, other: object) -> bool:
        # NOTE: equal when they hold the same headers with the same per-name order.
        if not isinstance(other, Headers):
            return NotImplemented
        return _canonical(self._list) == _canonical(other._list)

    __hash__ = None  # type: ignore[assignment]

    def copy(self) -> Headers:
        """Return a copy."""
        headers = Headers()
        headers._list = self._list[:]
        return headers

    __copy__ = copy

    def clear(self) -> None:
        """Remove every header."""
        self._list.clear()

    def to_wsgi_list(self) -> list[tuple[str, str]]:
        """Return the headers as the list ``start_response`` expects."""
        return self._list[:]

    def __str__(self) -> str:
        return "".join(f"{name}: {value}\r\n" for name, value in self._list) + "\r\n"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._list!r})"


def _canonical(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Sort by lower-cased name only, so the order of values of one name still counts."""
    return sorted(((name.lower(), value) for name, value in pairs), key=lambda pair: pair[0])


def _with_params(value: Any, params: dict[str, Any]) -> str:
    from .http import dump_options_header

    return dump_options_header(str(value), {key.replace("_", "-"): v for key, v in params.items()})


_CONTENT_KEYS = frozenset(("CONTENT_TYPE", "CONTENT_LENGTH"))
# PERF: "User-Agent" -> "HTTP_USER_AGENT" costs ~200 ns to compute, ~25 ns to look up.
_ENVIRON_KEYS: dict[str, str] = {}


class EnvironHeaders:
    """A read-only, Headers-like view of the request headers in a WSGI environ.

    Lookups translate the name (``User-Agent`` -> ``HTTP_USER_AGENT``) and read the environ
    directly; iteration yields title-cased names. An empty ``CONTENT_TYPE`` or
    ``CONTENT_LENGTH`` counts as absent.
    """

    __slots__ = ("environ",)

    def __init__(self, environ: Mapping[str, Any]) -> None:
        self.environ = environ

    def _lookup(self, key: str) -> str | None:
        """Read one environ key: ``User-Agent`` is ``HTTP_USER_AGENT``."""
        name = _ENVIRON_KEYS.get(key)
        if name is None:
            name = key.upper().replace("-", "_")
            if name not in _CONTENT_KEYS:
                name = f"HTTP_{name}"
            if len(_ENVIRON_KEYS) < _KNOWN_NAMES_MAX:
                _ENVIRON_KEYS[key] = name
        value: str | None = self.environ.get(name)
        if not value and name in _CONTENT_KEYS:
            return None
        return value

    def __getitem__(self, key: str) -> str:
        """Return the header ``key``; a missing one raises BadRequestKeyError (400)."""
        value = self._lookup(key)
        if value is None:
            raise BadRequestKeyError(key)
        return value

    if TYPE_CHECKING:

        @overload
        def get(self, key: str) -> str | None: ...
        @overload
        def get(self, key: str, default: _D) -> str | _D: ...
        @overload
        def get(self, key: str, *, type: Callable[[str], _T]) -> _T | None: ...
        @overload
        def get(self, key: str, default: _D, type: Callable[[str], _T]) -> _T | _D: ...

    def get(self, key: str, default: Any = None, type: Callable[[str], Any] | None = None) -> Any:
        """Return the header ``key``, converted by ``type``, or ``default``."""
        value = self._lookup(key)
        return default if value is None else _converted(value, type, default)

    def getlist(self, key: str, type: Callable[[str], Any] | None = None) -> list[Any]:
        """Return the header as a one-item list (the server joins repeated headers)."""
        value = self._lookup(key)
        return [] if value is None else _all_converted([value], type)

    get_all = getlist

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._lookup(key) is not None

    def __iter__(self) -> Iterator[tuple[str, str]]:
        for key, value in self.environ.items():
            if key.startswith("HTTP_"):
                if key not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                    yield key[5:].replace("_", "-").title(), value
            elif key in _CONTENT_KEYS and value:
                yield key.replace("_", "-").title(), value

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def items(self, lower: bool = False) -> Iterator[tuple[str, str]]:
        """Yield ``(name, value)`` pairs."""
        if lower:
            return ((name.lower(), value) for name, value in self)
        return iter(self)

    def keys(self, lower: bool = False) -> Iterator[str]:
        """Yield the header names."""
        return (name for name, _ in self.items(lower))

    def values(self) -> Iterator[str]:
        """Yield the header values."""
        return (value for _, value in self)

    def to_wsgi_list(self) -> list[tuple[str, str]]:
        """Return the headers as a list of pairs."""
        return list(self)

    def copy(self) -> Headers:
        """Return a mutable Headers copy."""
        return Headers(self)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, EnvironHeaders | Headers):
            return _canonical(self.to_wsgi_list()) == _canonical(other.to_wsgi_list())
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    add = add_header = set = setlist = setdefault = extend = update = _immutable
    __setitem__ = __delitem__ = remove = pop = popitem = clear = _immutable

    def __str__(self) -> str:
        return "".join(f"{name}: {value}\r\n" for name, value in self) + "\r\n"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.to_wsgi_list()!r})"
