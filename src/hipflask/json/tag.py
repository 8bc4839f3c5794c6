"""Tagged JSON: JSON that round-trips the types sessions hold besides JSON's own.

A value JSON cannot represent is written as a one-key object whose key is a tag, in Flask's
format, so a session written by one can be read by the other::

    tuple     {" t": [...]}          bytes     {" b": "<base64>"}
    Markup    {" m": "<html>"}       UUID      {" u": "<hex>"}
    datetime  {" d": "<HTTP date>"}  a dict whose only key is a tag  {" di": {"<key>__": ...}}

Other dates, decimals and dataclasses are stored in their JSON form, as Flask stores them;
anything else raises :class:`TypeError` when dumped, unless a :class:`JSONTag` registered with
:meth:`TaggedJSONSerializer.register` takes it (Flask's extension point, with Flask's API).
"""

from __future__ import annotations

import json
from base64 import b64decode, b64encode
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any
from uuid import UUID

from markupsafe import Markup

from .provider import to_json_compatible

__all__ = ["JSONTag", "TaggedJSONSerializer"]

_SCALARS = frozenset({str, int, float, bool, type(None)})
_encode_string: Callable[[str], str] = json.encoder.encode_basestring
#: The JSON of the scalars a flat session holds, as the encoder writes them (floats, rarer and
#: with NaN and infinities to spell, go through the encoder).
_SCALAR_JSON: dict[type[Any], Callable[[Any], str]] = {
    str: _encode_string,
    int: repr,
    bool: {True: "true", False: "false"}.__getitem__,
    type(None): {None: "null"}.__getitem__,
}


def _tag_datetime(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return format_datetime(value.astimezone(UTC), usegmt=True)


def _untag_dict(value: dict[str, Any]) -> dict[str, Any]:
    key = next(iter(value))
    return {key[:-2]: value[key]}


_UNTAG: dict[str, Callable[[Any], Any]] = {
    " di": _untag_dict,
    " t": tuple,
    " b": lambda value: b64decode(value),
    " m": Markup,
    " u": UUID,
    " d": parsedate_to_datetime,
}


class JSONTag:
    """A custom tag: subclass it, set ``key``, and register it with the serializer.

    ``check(value)`` tells whether the tag takes ``value``; ``to_json`` turns it into something
    JSON holds (call ``self.serializer.tag`` on values nested inside it); ``to_python`` reverses
    ``to_json``. A tag with an empty ``key`` only converts values while tagging.
    """

    __slots__ = ("serializer",)
    key: str = ""

    def __init__(self, serializer: TaggedJSONSerializer) -> None:
        self.serializer = serializer

    def check(self, value: Any) -> bool:
        """Tell whether this tag serializes ``value``."""
        raise NotImplementedError

    def to_json(self, value: Any) -> Any:
        """Return ``value`` as a JSON-compatible value."""
        raise NotImplementedError

    def to_python(self, value: Any) -> Any:
        """Return the Python value that ``to_json`` produced ``value`` from."""
        raise NotImplementedError

    def tag(self, value: Any) -> Any:
        """Return the tagged form of ``value``: ``{key: to_json(value)}``."""
        return {self.key: self.to_json(value)} if self.key else self.to_json(value)


class TaggedJSONSerializer:
    """Dump and load session data as compact tagged JSON (``dumps`` -> str, ``loads`` <- str)."""

    def __init__(self) -> None:
        #: Registered tags tried before the built-in ones, and after them.
        self._first: list[JSONTag] = []
        self._last: list[JSONTag] = []
        self._untaggers: dict[str, Callable[[Any], Any]] = _UNTAG
        encoder = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, default=_refuse)
        # PERF: one C encoder built once and two C scanners are 3x faster than json.dumps and
        # json.loads, which build an encoder and check their arguments on every call.
        self._encode: Callable[[Any], str] = encoder.encode
        make_encoder: Any = getattr(json.encoder, "c_make_encoder", None)
        if make_encoder is not None:
            c_encoder = make_encoder(
                None, _refuse, json.encoder.encode_basestring, None, ":", ",", False, False, True
            )
            self._encode = lambda value: "".join(c_encoder(value, 0))
        self._plain = json.JSONDecoder()
        self._tagged = json.JSONDecoder(object_hook=self._untag)
        self._scan_plain: Callable[[str, int], tuple[Any, int]] = self._plain.scan_once  # type: ignore[attr-defined]
        self._scan_tagged: Callable[[str, int], tuple[Any, int]] = self._tagged.scan_once  # type: ignore[attr-defined]
        self._always_tagged = False

    def register(
        self, tag_class: type[JSONTag], force: bool = False, index: int | None = None
    ) -> None:
        """Add a custom tag; ``index`` None tries it after the built-in tags, a number before
        them (at that position among the tags registered that way).

        Raise KeyError when its key is taken, unless ``force``.
        """
        tag = tag_class(self)
        if tag.key:
            if tag.key in self._untaggers and not force:
                raise KeyError(f"Tag '{tag.key}' is already registered.")
            self._untaggers = {**self._untaggers, tag.key: tag.to_python}
            # NOTE: the quick test in loads() only finds keys that start with a space.
            self._always_tagged = self._always_tagged or not tag.key.startswith(" ")
        if index is None:
            self._last.append(tag)
        else:
            self._first.insert(index, tag)

    def dumps(self, value: Any) -> str:
        """Return ``value`` as tagged JSON; raise TypeError for a type it cannot hold."""
        # NOTE: a flat dict of scalars (most sessions) skips the tagging walk.
        if not self._first and isinstance(value, dict):
            flat = _dump_flat(value, self._untaggers)
            if flat is not None:
                return flat
            if _is_flat(value, self._untaggers):
                return self._encode(value)
        return self._encode(self.tag(value))

    def loads(self, data: str | bytes) -> Any:
        """Parse tagged JSON back into Python values (ValueError when it is not JSON)."""
        if isinstance(data, bytes):
            data = data.decode("utf-8")
        # NOTE: every tag key starts with '" ', so JSON without one needs no object hook.
        tagged = self._always_tagged or '" ' in data
        try:
            try:
                value, end = (self._scan_tagged if tagged else self._scan_plain)(data, 0)
            except StopIteration:
                end = -1
            if end != len(data):
                # Leading or trailing space, or an error to raise with its position.
                return (self._tagged if tagged else self._plain).decode(data)
        except RecursionError:
            # SECURITY: absurd nesting reads as corrupt data, never a crashed request.
            raise ValueError("Invalid tagged JSON: nested too deeply.") from None
        return value

    def tag(self, value: Any) -> Any:
        """Return ``value`` with every non-JSON value replaced by its tagged form."""
        if self._first:
            custom = _taker(self._first, value)
            if custom is not None:
                return custom.tag(value)
        kind = type(value)
        if kind in _SCALARS:
            return value
        if isinstance(value, dict):
            return self._tag_dict(value)
        if isinstance(value, tuple):
            return {" t": [self.tag(item) for item in value]}
        if isinstance(value, list):
            return [self.tag(item) for item in value]
        if isinstance(value, bytes):
            return {" b": b64encode(value).decode("ascii")}
        if callable(getattr(value, "__html__", None)):
            return {" m": str(value.__html__())}
        if isinstance(value, UUID):
            return {" u": value.hex}
        if isinstance(value, datetime):
            return {" d": _tag_datetime(value)}
        return self._tag_other(value)

    def _tag_dict(self, value: dict[Any, Any]) -> dict[Any, Any]:
        if len(value) == 1:
            key = next(iter(value))
            if key in self._untaggers:
                # NOTE: a dict whose only key looks like a tag is wrapped, so it stays a dict.
                return {" di": {f"{key}__": self.tag(value[key])}}
        return {key: self.tag(item) for key, item in value.items()}

    def _tag_other(self, value: Any) -> Any:
        """Tag a value no built-in tag takes: a registered tag's form, else its JSON form."""
        if isinstance(value, str | int | float):
            return value
        custom = _taker(self._last, value)
        if custom is not None:
            return custom.tag(value)
        # NOTE: like Flask, other dates, decimals and dataclasses are stored in their JSON form
        # (a date comes back as its HTTP-date string); anything else raises TypeError.
        return self.tag(to_json_compatible(value))

    def _untag(self, value: dict[str, Any]) -> Any:
        if len(value) != 1:
            return value
        key = next(iter(value))
        untag = self._untaggers.get(key)
        if untag is None:
            return value
        try:
            return untag(value[key])
        except Exception as exc:
            # SECURITY: a wrongly tagged value ({" t": 5}) is corrupt data (ValueError, which
            # readers treat as "no session"), never an unexpected error and a 500.
            raise ValueError(f"Invalid tagged value {key!r}: {exc}") from None


def _taker(tags: list[JSONTag], value: Any) -> JSONTag | None:
    """Return the first of ``tags`` that takes ``value``."""
    for tag in tags:
        if tag.check(value):
            return tag
    return None


def _refuse(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _dump_flat(value: dict[Any, Any], tags: Mapping[str, Any]) -> str | None:
    """Return the JSON of a dict of str keys and str, int, bool or None values, else None.

    The encoder's output exactly (tests/test_json_tag.py compares them).
    """
    # PERF: one pass that checks and writes, instead of _is_flat's pass and the C encoder's
    # (which reads a dict subclass through its Python items()): ser.dumps of a one-key session
    # 13,750 -> 6,300 instructions, of a three-key one 15,900 -> 11,000.
    encode = _encode_string
    scalar = _SCALAR_JSON
    parts = []
    try:
        for key, item in dict.items(value):
            parts.append(f"{encode(key)}:{scalar[type(item)](item)}")
    except (KeyError, TypeError):  # a value of another type; a key that is not a str
        return None
    # NOTE: a dict whose only key is a tag must be tagged (wrapped), so that it stays a dict.
    if len(parts) == 1 and key in tags:
        return None
    # PERF: one f-string, not two concatenations: 5,970 -> 5,718 instructions a session.
    return f"{{{','.join(parts)}}}"


def _is_flat(value: dict[Any, Any], tags: Mapping[str, Any]) -> bool:
    # NOTE: dict's own methods, so a session (a dict subclass) is not marked as accessed.
    if dict.__len__(value) == 1 and next(dict.__iter__(value)) in tags:
        return False
    # NOTE: a loop beats all() and its generator on the few values of a session.
    for item in dict.values(value):  # noqa: SIM110
        if type(item) not in _SCALARS:
            return False
    return True
