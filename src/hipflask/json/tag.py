"""Tagged JSON: JSON that round-trips the types sessions hold besides JSON's own.

A value JSON cannot represent is written as a one-key object whose key is a tag, in Flask's
format, so a session written by one can be read by the other::

    tuple     {" t": [...]}          bytes     {" b": "<base64>"}
    Markup    {" m": "<html>"}       UUID      {" u": "<hex>"}
    datetime  {" d": "<HTTP date>"}  a dict whose only key is a tag  {" di": {"<key>__": ...}}

Other dates, decimals and dataclasses are stored in their JSON form, as Flask stores them;
anything else raises :class:`TypeError` when dumped.
"""

from __future__ import annotations

import json
from base64 import b64decode, b64encode
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any
from uuid import UUID

from markupsafe import Markup

from .provider import to_json_compatible

__all__ = ["TaggedJSONSerializer"]

_SCALARS = frozenset({str, int, float, bool, type(None)})


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


class TaggedJSONSerializer:
    """Dump and load session data as compact tagged JSON (``dumps`` -> str, ``loads`` <- str)."""

    def __init__(self) -> None:
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

    def dumps(self, value: Any) -> str:
        """Return ``value`` as tagged JSON; raise TypeError for a type it cannot hold."""
        # NOTE: a flat dict of scalars (most sessions) skips the tagging walk.
        if isinstance(value, dict) and _is_flat(value):
            return self._encode(value)
        return self._encode(self.tag(value))

    def loads(self, data: str | bytes) -> Any:
        """Parse tagged JSON back into Python values (ValueError when it is not JSON)."""
        if isinstance(data, bytes):
            data = data.decode("utf-8")
        # NOTE: every tag key starts with '" ', so JSON without one needs no object hook.
        tagged = '" ' in data
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
        kind = type(value)
        if kind in _SCALARS:
            return value
        if isinstance(value, dict):
            if len(value) == 1:
                key = next(iter(value))
                if key in _UNTAG:
                    return {" di": {f"{key}__": self.tag(value[key])}}
            return {key: self.tag(item) for key, item in value.items()}
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
        if isinstance(value, str | int | float):
            return value
        # NOTE: like Flask, other dates, decimals and dataclasses are stored in their JSON form
        # (a date comes back as its HTTP-date string); anything else raises TypeError.
        return self.tag(to_json_compatible(value))

    @staticmethod
    def _untag(value: dict[str, Any]) -> Any:
        if len(value) != 1:
            return value
        key = next(iter(value))
        untag = _UNTAG.get(key)
        if untag is None:
            return value
        try:
            return untag(value[key])
        except Exception as exc:
            # SECURITY: a wrongly tagged value ({" t": 5}) is corrupt data (ValueError, which
            # readers treat as "no session"), never an unexpected error and a 500.
            raise ValueError(f"Invalid tagged value {key!r}: {exc}") from None


def _refuse(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _is_flat(value: dict[Any, Any]) -> bool:
    # NOTE: dict's own methods, so a session (a dict subclass) is not marked as accessed.
    if dict.__len__(value) == 1 and next(dict.__iter__(value)) in _UNTAG:
        return False
    # NOTE: a loop beats all() and its generator on the few values of a session.
    for item in dict.values(value):  # noqa: SIM110
        if type(item) not in _SCALARS:
            return False
    return True
