"""Tagged JSON: the session's types round-trip, in Flask's format."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup

from hipflask.json.tag import JSONTag, TaggedJSONSerializer, _dump_flat
from hipflask.sessions import SecureCookieSession

serializer = TaggedJSONSerializer()


@pytest.mark.parametrize(
    "value",
    [
        {"a": 1, "b": "x", "c": None, "d": True, "e": 1.5},
        {"t": (1, 2, (3, "x"))},
        {"b": b"\x00\xffbytes"},
        {"m": Markup("<b>bold</b>")},
        {"u": UUID("12345678-1234-5678-1234-567812345678")},
        {"d": datetime(2024, 2, 29, 12, 30, 5, tzinfo=UTC)},
        {"nested": {" t": [1, 2]}},
        {" di": {" m": "x"}},
        {"list": [(1,), {"k": b"v"}, [Markup("&")]]},
        {"é": "ünïcode ☃"},
        [1, (2, 3)],
    ],
)
def test_round_trip(value: Any) -> None:
    assert serializer.loads(serializer.dumps(value)) == value


def test_tagged_types_come_back_as_their_types() -> None:
    loaded = serializer.loads(serializer.dumps({"t": (1,), "m": Markup("x"), "b": b"x"}))
    assert type(loaded["t"]) is tuple
    assert type(loaded["m"]) is Markup
    assert type(loaded["b"]) is bytes


def test_format_is_flasks() -> None:
    text = serializer.dumps({"t": (1, 2), "b": b"x", "u": UUID(int=1), " t": 0})
    assert text == (
        '{"t":{" t":[1,2]},"b":{" b":"eA=="},"u":{" u":"00000000000000000000000000000001"}," t":0}'
    )
    dt = serializer.dumps({"d": datetime(2020, 1, 1, tzinfo=UTC)})
    assert dt == '{"d":{" d":"Wed, 01 Jan 2020 00:00:00 GMT"}}'


def test_naive_datetime_is_utc() -> None:
    loaded = serializer.loads(serializer.dumps({"d": datetime(2020, 1, 1, 10)}))
    assert loaded["d"] == datetime(2020, 1, 1, 10, tzinfo=UTC)


@pytest.mark.parametrize("bad", [object(), {1, 2}, bytearray(b"x"), complex(1, 2)])
def test_unsupported_types_raise_type_error(bad: Any) -> None:
    with pytest.raises(TypeError, match="not JSON serializable"):
        serializer.dumps({"k": bad})


def test_loads_accepts_bytes_and_whitespace_and_rejects_garbage() -> None:
    assert serializer.loads(b'{"a":1}') == {"a": 1}
    assert serializer.loads(' {"a": [1, 2]} ') == {"a": [1, 2]}
    for garbage in ("{", "", '{"a":1} x', "nope"):
        with pytest.raises(ValueError):
            serializer.loads(garbage)


@dataclass
class _Point:
    x: int
    day: date


def test_dates_decimals_and_dataclasses_are_stored_as_flask_stores_them() -> None:
    text = serializer.dumps(
        {"d": date(2026, 11, 21), "n": Decimal("1.50"), "p": _Point(1, date(2020, 1, 1))}
    )
    assert serializer.loads(text) == {
        "d": "Sat, 21 Nov 2026 00:00:00 GMT",
        "n": "1.50",
        "p": {"x": 1, "day": "Wed, 01 Jan 2020 00:00:00 GMT"},
    }


@pytest.mark.parametrize(
    "corrupt",
    [
        '{" t": 5}',
        '{"a": {" d": 5}}',
        '{" d": "not a date"}',
        '{" u": "zz"}',
        '{" di": {}}',
        '{" di": 5}',
        "[" * 100_000 + "]" * 100_000,
        '{"a":' * 100_000 + "1" + "}" * 100_000,
    ],
)
def test_wrongly_tagged_or_absurdly_nested_data_is_a_value_error(corrupt: str) -> None:
    with pytest.raises(ValueError):
        serializer.loads(corrupt)


class TagOrderedDict(JSONTag):
    """Flask's documented example of a custom tag."""

    __slots__ = ()
    key = " od"

    def check(self, value: Any) -> bool:
        return isinstance(value, OrderedDict)

    def to_json(self, value: Any) -> Any:
        return [[key, self.serializer.tag(item)] for key, item in value.items()]

    def to_python(self, value: Any) -> Any:
        return OrderedDict(value)


class Point:
    def __init__(self, x: int, y: int) -> None:
        self.x, self.y = x, y


class TagPoint(JSONTag):
    __slots__ = ()
    key = "point"  # no leading space: loads() must still untag it

    def check(self, value: Any) -> bool:
        return isinstance(value, Point)

    def to_json(self, value: Any) -> Any:
        return [value.x, value.y]

    def to_python(self, value: Any) -> Any:
        return Point(*value)


def test_a_registered_tag_before_the_built_ins_round_trips() -> None:
    custom = TaggedJSONSerializer()
    custom.register(TagOrderedDict, index=0)
    data = OrderedDict([("b", (1, 2)), ("a", b"x")])
    dumped = custom.dumps(data)
    assert dumped == '{" od":[["b",{" t":[1,2]}],["a",{" b":"eA=="}]]}'
    loaded = custom.loads(dumped)
    assert type(loaded) is OrderedDict
    assert loaded == data
    assert list(loaded) == ["b", "a"]


def test_a_registered_tag_after_the_built_ins_takes_unknown_types() -> None:
    custom = TaggedJSONSerializer()
    with pytest.raises(TypeError):
        custom.dumps({"p": Point(1, 2)})
    custom.register(TagPoint)
    dumped = custom.dumps({"p": Point(1, 2), "n": 3})
    assert dumped == '{"p":{"point":[1,2]},"n":3}'
    loaded = custom.loads(dumped)
    assert (loaded["p"].x, loaded["p"].y, loaded["n"]) == (1, 2, 3)


def test_a_taken_key_is_refused_unless_forced() -> None:
    class TagTuple(JSONTag):
        __slots__ = ()
        key = " t"

        def check(self, value: Any) -> bool:
            return False

        def to_python(self, value: Any) -> Any:
            return list(value)

    custom = TaggedJSONSerializer()
    with pytest.raises(KeyError, match="' t' is already registered"):
        custom.register(TagTuple)
    custom.register(TagTuple, force=True)
    assert custom.loads('{" t": [1]}') == [1]
    assert serializer.loads('{" t": [1]}') == (1,)  # other serializers keep the built-in tag


FLAT_KEYS = st.one_of(st.text(max_size=8), st.sampled_from([" t", " di", " m", "k"]))
ANY_SCALAR = st.one_of(
    st.text(max_size=8),
    st.integers(),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=True),
    st.builds(Markup, st.text(max_size=4)),
    st.binary(max_size=4),
    st.lists(st.integers(), max_size=2),
)


def _general(value: dict[Any, Any]) -> str:
    """What dumps wrote before the flat fast path: the tagging walk, then the encoder."""
    return serializer._encode(serializer.tag(dict(value)))


@given(st.dictionaries(FLAT_KEYS, ANY_SCALAR, max_size=4), st.booleans())
def test_flat_fast_path_writes_what_the_encoder_writes(
    data: dict[str, Any], as_session: bool
) -> None:
    """The one-pass writer of flat dicts agrees with the general path, or steps aside."""
    value = SecureCookieSession(data) if as_session else data
    flat = _dump_flat(value, serializer._untaggers)
    if as_session:
        assert not value.accessed  # type: ignore[attr-defined]
    assert flat is None or flat == _general(value)
    assert serializer.dumps(value) == _general(value)
    if all(type(item) in (str, int, bool, type(None)) for item in data.values()):
        one_tag_key = len(data) == 1 and next(iter(data)) in serializer._untaggers
        assert (flat is None) == one_tag_key


def test_flat_fast_path_leaves_odd_keys_and_types_to_the_encoder() -> None:
    assert _dump_flat({1: "a"}, serializer._untaggers) is None
    assert serializer.dumps({1: "a", None: 2}) == '{"1":"a","null":2}'
    assert _dump_flat({"a": 1.5}, serializer._untaggers) is None
    assert serializer.dumps({"a": float("nan")}) == '{"a":NaN}'
    assert _dump_flat({"m": Markup("<b>")}, serializer._untaggers) is None
    assert _dump_flat({" t": 1}, serializer._untaggers) is None
    assert serializer.dumps({" t": 1}) == '{" di":{" t__":1}}'
    assert _dump_flat({"é": '☃\n"'}, serializer._untaggers) == '{"é":"☃\\n\\""}'
