"""The whole-body urlencoded parser gives exactly what python-multipart's streaming one gives.

A body of known length takes the standard library path (hipflask.urlencoded); the same body
without a Content-Length streams through python-multipart. Both must agree on any input: the
fields, their order and decoding, and the 413 for too many fields.
"""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hipflask.datastructures import ImmutableMultiDict
from hipflask.exceptions import RequestEntityTooLarge
from hipflask.formparser import FormLimits, parse_form_data
from hipflask.urlencoded import parse_urlencoded_bytes, parse_urlencoded_form

URLENCODED = "application/x-www-form-urlencoded"

# Bytes that matter to the grammar, escapes (good, truncated, non-hex), UTF-8 and bad UTF-8.
TOKENS = st.sampled_from(
    [b"&", b"=", b"+", b"%", b"%2", b"%20", b"%26", b"%3D", b"%2B", b"%C3", b"%A9", b"%ff",
     b"%zz", b"a", b"b", b"0", b" ", b";", b"\xc3\xa9", b"\xc3", b"\xff", b"\x00", b"\xe2\x9c"]
)  # fmt: skip
BODIES = st.one_of(st.binary(max_size=200), st.lists(TOKENS, max_size=40).map(b"".join))


def fields(result: ImmutableMultiDict) -> list[tuple[str, str]]:
    return list(result.items(multi=True))


def parse_whole(body: bytes, limits: FormLimits) -> list[tuple[str, str]] | str:
    try:
        form, _ = parse_form_data(io.BytesIO(body), URLENCODED, len(body), limits)
    except RequestEntityTooLarge as exc:
        return f"413 {exc.description}"
    return fields(form)


def parse_streamed(body: bytes, limits: FormLimits) -> list[tuple[str, str]] | str:
    try:
        form, _ = parse_form_data(io.BytesIO(body), URLENCODED, None, limits)
    except RequestEntityTooLarge as exc:
        return f"413 {exc.description}"
    return fields(form)


@settings(max_examples=500, deadline=None)
@given(BODIES)
def test_whole_body_parser_equals_the_streaming_parser(body: bytes) -> None:
    assert parse_whole(body, FormLimits()) == parse_streamed(body, FormLimits())


@settings(max_examples=200, deadline=None)
@given(BODIES, st.integers(min_value=0, max_value=6))
def test_both_parsers_refuse_the_same_field_counts(body: bytes, max_parts: int) -> None:
    limits = FormLimits(max_form_parts=max_parts)
    assert parse_whole(body, limits) == parse_streamed(body, limits)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"", []),
        (b"a=1&a=2&b=", [("a", "1"), ("a", "2"), ("b", "")]),
        (b"&&flag&&=v&", [("flag", ""), ("", "v")]),
        (b"na+me=a+b%20c%26d%3D", [("na me", "a b c&d=")]),
        (b"%C3%A9=\xc3%A9", [("é", "é")]),  # an escape completes a raw UTF-8 byte
        (b"a=%ff&b=%zz%4&c=\xff", [("a", "\ufffd"), ("b", "%zz%4"), ("c", "\ufffd")]),
        (b"a=1;b=2", [("a", "1;b=2")]),  # only & separates fields
    ],
)
def test_parse_urlencoded_bytes(body: bytes, expected: list[tuple[str, str]]) -> None:
    assert parse_urlencoded_bytes(body) == expected


def test_short_reads_are_read_on_to_the_announced_length() -> None:
    class Trickle(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            return super().read(min(size or 1, 3))

    form, _ = parse_form_data(Trickle(b"name=alice&age=30"), URLENCODED, 17, FormLimits())
    assert fields(form) == [("name", "alice"), ("age", "30")]


@pytest.mark.parametrize(
    ("body", "max_fields", "expected"),
    [
        (b"a=1&a=2&b", 3, [("a", "1"), ("a", "2"), ("b", "")]),
        (b"a=1&&&b=2&", 2, [("a", "1"), ("b", "2")]),  # more "&" than the limit, not fields
        (b"a=1&b=2&c=3", 2, "413"),
        (b"a=%41&b=\xff", None, [("a", "A"), ("b", "\ufffd")]),
        (b"", 0, []),
    ],
)
def test_parse_urlencoded_form(body: bytes, max_fields: int | None, expected: object) -> None:
    try:
        outcome: object = fields(parse_urlencoded_form(body, max_fields))
    except RequestEntityTooLarge:
        outcome = "413"
    assert outcome == expected
