"""The containers a request and a response are made of: the MultiDict family and Headers.

They are on every request's path, so they are dict subclasses or ``__slots__`` classes whose hot
methods (``[]``, ``get``, ``add``, ``set``) are a few C-level operations. A missing key raises
:class:`~hipflask.exceptions.BadRequestKeyError`, so ``request.form["x"]`` answers 400, not 500.
``FileStorage`` (``filestorage.py``), ``Accept`` and ``MIMEAccept`` (``accept.py``) and ``ETags``
(``etags.py``) live in their own modules and are importable from here too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, KeysView, Mapping
from typing import Any, NoReturn, Self, TypeVar, overload

from .accept import Accept, MIMEAccept
from .etags import ETags
from .exceptions import BadRequestKeyError
from .filestorage import FileStorage

__all__ = [
    "Accept",
    "CombinedMultiDict",
    "ETags",
    "EnvironHeaders",
    "FileStorage",
    "Headers",
    "ImmutableMultiDict",
    "MIMEAccept",
    "MultiDict",
    "check_header_name",
    "check_header_value",
]

_T = TypeVar("_T")
_D = TypeVar("_D")
_MISSING: Any = object()
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
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


def _header_value(value: Any) -> str:
    return check_header_value(value if type(value) is str else str(value))


def _immutable(self: object, *args: Any, **kwargs: Any) -> NoReturn:
    raise TypeError(f"'{type(self).__name__}' objects are immutable")


#: Marks a value a ``type`` could not convert.
_SKIP = object()


def _converted(value: Any, type: Callable[[Any], Any] | None, default: Any) -> Any:
    """Return ``type(value)``, ``value`` when there is no ``type``, or ``default`` when the
    conversion raises ValueError or TypeError (how every ``get(..., type=)`` here behaves)."""
    if type is None:
        return value
    try:
        return type(value)
    except (ValueError, TypeError):
        return default


def _all_converted(values: Iterable[Any], type: Callable[[Any], Any] | None) -> list[Any]:
    """Return ``values`` converted by ``type``, skipping those it cannot convert."""
    if type is None:
        return list(values)
    return [
        item for item in (_converted(value, type, _SKIP) for value in values) if item is not _SKIP
    ]


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def _iter_multi_items(source: Any) -> Iterator[tuple[Any, Any]]:
    """Yield ``(key, value)`` pairs from a MultiDict, Headers, mapping or iterable of pairs.

    Mapping values that are lists or tuples are several values for one key.
    """
    if isinstance(source, MultiDict | CombinedMultiDict):
        yield from source.items(multi=True)
    elif isinstance(source, Mapping):
        for key, value in source.items():
            if isinstance(value, list | tuple):
                for item in value:
                    yield key, item
            else:
                yield key, value
    else:
        yield from source


class MultiDict(dict[Any, list[Any]]):
    """A dict that can hold several values per key; ``md[key]`` is the first of them."""

    __slots__ = ()

    def __init__(self, mapping: Any = None) -> None:
        if mapping is None:
            return
        if isinstance(mapping, MultiDict):
            dict.update(self, {key: values[:] for key, values in dict.items(mapping)})
            return
        # NOTE: a list of pairs (parse_qsl, the form parser) skips the costly ABC check.
        if type(mapping) is not list:
            if isinstance(mapping, dict | Mapping):
                items = mapping.items()
                dict.update(
                    self, {key: as_list for key, value in items if (as_list := _as_list(value))}
                )
                return
            if isinstance(mapping, CombinedMultiDict):
                mapping = mapping.items(multi=True)
        built: dict[Any, list[Any]] = {}
        get = built.get
        for key, value in mapping:
            values = get(key)
            if values is None:
                built[key] = [value]
            else:
                values.append(value)
        dict.update(self, built)

    @classmethod
    def from_single_values(cls, mapping: Mapping[Any, Any]) -> Self:
        """Build from a mapping of one value per key, taking list values as values, not lists.

        # NOTE: parsed cookies are a plain dict of strings; this skips the per-value checks
        # of the general constructor.
        """
        built = cls()
        dict.update(built, {key: [value] for key, value in mapping.items()})
        return built

    def __iter__(self) -> Iterator[Any]:
        # NOTE: defined in Python on purpose: CPython copies a dict subclass that keeps dict's
        # own iterator straight from its storage, so dict(md) and {**md} would hold the value
        # lists; with this, they call __getitem__ and hold first values, as in Flask.
        return dict.__iter__(self)

    def __getitem__(self, key: Any) -> Any:
        """Return the first value of ``key``; a missing key raises BadRequestKeyError (400)."""
        try:
            return dict.__getitem__(self, key)[0]
        except (KeyError, IndexError):
            raise BadRequestKeyError(key) from None

    def __setitem__(self, key: Any, value: Any) -> None:
        """Replace every value of ``key`` with ``value``."""
        dict.__setitem__(self, key, [value])

    def add(self, key: Any, value: Any) -> None:
        """Append ``value`` to the values of ``key``."""
        dict.setdefault(self, key, []).append(value)

    def get(self, key: Any, default: Any = None, type: Callable[[Any], Any] | None = None) -> Any:
        """Return the first value of ``key``, converted by ``type``, or ``default``.

        A ``type`` raising ValueError or TypeError also gives ``default``.
        """
        try:
            value = dict.__getitem__(self, key)[0]
        except (KeyError, IndexError):
            return default
        return _converted(value, type, default)

    def getlist(self, key: Any, type: Callable[[Any], Any] | None = None) -> list[Any]:
        """Return a copy of the values of ``key``; values ``type`` cannot convert are skipped."""
        try:
            values = dict.__getitem__(self, key)
        except KeyError:
            return []
        return _all_converted(values, type)

    def setlist(self, key: Any, new_list: Iterable[Any]) -> None:
        """Replace the values of ``key`` with ``new_list``."""
        dict.__setitem__(self, key, list(new_list))

    def setdefault(self, key: Any, default: Any = None) -> Any:
        """Return the first value of ``key``, adding ``default`` first if there is none."""
        values = dict.setdefault(self, key, [])
        if not values:
            values.append(default)
        return values[0]

    def setlistdefault(self, key: Any, default_list: Iterable[Any] | None = None) -> list[Any]:
        """Return the (live) value list of ``key``, storing ``default_list`` if it is missing."""
        if key not in self:
            dict.__setitem__(self, key, list(default_list or ()))
        return dict.__getitem__(self, key)

    def items(self, multi: bool = False) -> Iterator[tuple[Any, Any]]:  # type: ignore[override]
        """Yield ``(key, first value)``, or every ``(key, value)`` pair when ``multi``."""
        if multi:
            return ((key, value) for key, values in dict.items(self) for value in values)
        return ((key, values[0]) for key, values in dict.items(self) if values)

    def values(self) -> Iterator[Any]:  # type: ignore[override]
        """Yield the first value of each key."""
        return (values[0] for values in dict.values(self) if values)

    def lists(self) -> Iterator[tuple[Any, list[Any]]]:
        """Yield ``(key, list of values)`` pairs (copies)."""
        return ((key, list(values)) for key, values in dict.items(self))

    def listvalues(self) -> Iterator[list[Any]]:
        """Yield the list of values of each key (copies)."""
        return (list(values) for values in dict.values(self))

    def to_dict(self, flat: bool = True) -> dict[Any, Any]:
        """Return a plain dict of first values, or of value lists when ``flat`` is false."""
        if flat:
            return {key: values[0] for key, values in dict.items(self) if values}
        return {key: list(values) for key, values in dict.items(self)}

    def update(self, mapping: Any = None, /, **kwargs: Any) -> None:
        """Add the values of ``mapping`` and ``kwargs`` (existing values are kept)."""
        if mapping is not None:
            for key, value in _iter_multi_items(mapping):
                self.add(key, value)
        for key, value in _iter_multi_items(kwargs):
            self.add(key, value)

    def pop(self, key: Any, default: Any = _MISSING) -> Any:
        """Remove ``key`` and return its first value (BadRequestKeyError if missing)."""
        values = dict.pop(self, key, None)
        if values:
            return values[0]
        if default is _MISSING:
            raise BadRequestKeyError(key)
        return default

    def poplist(self, key: Any) -> list[Any]:
        """Remove ``key`` and return all its values (``[]`` if missing)."""
        values: list[Any] = dict.pop(self, key, [])
        return values

    def popitem(self) -> tuple[Any, Any]:
        """Remove a key and return ``(key, first value)``."""
        key, values = self.popitemlist()
        return key, values[0] if values else None

    def popitemlist(self) -> tuple[Any, list[Any]]:
        """Remove a key and return ``(key, list of values)``."""
        try:
            return dict.popitem(self)
        except KeyError as exc:
            raise BadRequestKeyError(exc.args[0] if exc.args else None) from None

    def copy(self) -> MultiDict:
        """Return a shallow copy (the value lists are new lists)."""
        return type(self)(self)

    def deepcopy(self, memo: dict[int, Any] | None = None) -> MultiDict:
        """Return a deep copy."""
        import copy  # NOTE: imported on use, to keep `import hipflask` lean

        return type(self)(copy.deepcopy(self.to_dict(flat=False), memo))

    def __copy__(self) -> MultiDict:
        return self.copy()

    def __deepcopy__(self, memo: dict[int, Any]) -> MultiDict:
        return self.deepcopy(memo)

    def __or__(self, other: Any) -> MultiDict:  # type: ignore[override]
        result = MultiDict(self)
        result.update(other)
        return result

    def __ior__(self, other: Any) -> MultiDict:  # type: ignore[override]
        self.update(other)
        return self

    def __eq__(self, other: object) -> bool:
        # NOTE: a plain mapping compares as if converted, so {"a": "1"} equals MultiDict(a="1").
        if isinstance(other, MultiDict):
            return dict.__eq__(self, other)
        if isinstance(other, Mapping):
            return dict.__eq__(self, MultiDict(other))
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        # NOTE: dict defines __ne__ itself, so it does not fall back to our __eq__.
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self.items(multi=True))!r})"


class ImmutableMultiDict(MultiDict):
    """A read-only MultiDict (``request.args``, ``request.form``); mutators raise TypeError."""

    __slots__ = ()

    __setitem__ = __delitem__ = add = setlist = setdefault = setlistdefault = _immutable
    pop = poplist = popitem = popitemlist = update = clear = __ior__ = _immutable

    def copy(self) -> MultiDict:
        """Return a mutable MultiDict copy."""
        return MultiDict(self)

    def __copy__(self) -> ImmutableMultiDict:
        return self


class CombinedMultiDict:
    """A read-only view over several MultiDicts (``request.values``); the first one wins."""

    __slots__ = ("dicts",)

    def __init__(self, dicts: Iterable[MultiDict] | None = None) -> None:
        self.dicts: list[MultiDict] = list(dicts or ())

    def __getitem__(self, key: Any) -> Any:
        """Return the first value of ``key`` in the first dict holding it (else 400)."""
        for mapping in self.dicts:
            values = dict.get(mapping, key)
            if values:
                return values[0]
        raise BadRequestKeyError(key)

    def get(self, key: Any, default: Any = None, type: Callable[[Any], Any] | None = None) -> Any:
        """Return the first value of ``key`` that ``type`` converts, or ``default``."""
        for mapping in self.dicts:
            values = dict.get(mapping, key)
            if values:
                value = _converted(values[0], type, _SKIP)
                if value is not _SKIP:
                    return value
        return default

    def getlist(self, key: Any, type: Callable[[Any], Any] | None = None) -> list[Any]:
        """Return the values of ``key`` from every dict, in order."""
        return [value for mapping in self.dicts for value in mapping.getlist(key, type)]

    def keys(self) -> KeysView[Any]:
        """Return the keys of all dicts, without duplicates."""
        return dict.fromkeys(key for mapping in self.dicts for key in mapping).keys()

    def __iter__(self) -> Iterator[Any]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self.keys())

    def __contains__(self, key: object) -> bool:
        return any(key in mapping for mapping in self.dicts)

    def items(self, multi: bool = False) -> Iterator[tuple[Any, Any]]:
        """Yield ``(key, first value)``, or every pair of every dict when ``multi``."""
        if multi:
            return (item for mapping in self.dicts for item in mapping.items(multi=True))
        return ((key, self[key]) for key in self.keys())

    def values(self) -> Iterator[Any]:
        """Yield the first value of each key."""
        return (self[key] for key in self.keys())

    def lists(self) -> Iterator[tuple[Any, list[Any]]]:
        """Yield ``(key, all values)`` pairs."""
        return ((key, self.getlist(key)) for key in self.keys())

    def listvalues(self) -> Iterator[list[Any]]:
        """Yield the list of all values of each key."""
        return (self.getlist(key) for key in self.keys())

    def to_dict(self, flat: bool = True) -> dict[Any, Any]:
        """Return a plain dict of first values, or of value lists when ``flat`` is false."""
        return dict(self.items()) if flat else dict(self.lists())

    def copy(self) -> MultiDict:
        """Return a mutable MultiDict holding every value."""
        return MultiDict(self)

    __setitem__ = __delitem__ = add = setlist = setdefault = pop = update = clear = _immutable

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.dicts!r})"


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
