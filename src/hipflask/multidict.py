"""The MultiDict family: ``request.args``, ``request.form`` and ``request.values``.

They are on every request's path, so they are dict subclasses or ``__slots__`` classes whose hot
methods (``[]``, ``get``, ``add``) are a few C-level operations. A missing key raises
:class:`~hipflask.exceptions.BadRequestKeyError`, so ``request.form["x"]`` answers 400, not 500.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, KeysView, Mapping

from .exceptions import BadRequestKeyError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, NoReturn, Self

__all__ = ["CombinedMultiDict", "ImmutableMultiDict", "MultiDict"]

_MISSING: Any = object()


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


class MultiDict(dict["Any", "list[Any]"]):
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

    @classmethod
    def from_lists(cls, mapping: Mapping[Any, list[Any]]) -> Self:
        """Build from a mapping of non-empty value lists, taking the lists as they are."""
        # PERF: dict.__new__ skips the general constructor (a Python call that finds no
        # mapping): from_lists 3,630 -> 3,162 instructions (the parsed form, the cookies).
        built: Self = dict.__new__(cls)
        dict.update(built, mapping)
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
        # PERF: no call for the usual get without ``type`` (CSRFProtect's token lookup).
        return value if type is None else _converted(value, type, default)

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
