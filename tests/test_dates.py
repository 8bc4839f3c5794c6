"""HTTP dates: ``http_date`` and ``parse_date``."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hipflask.dates import http_date, parse_date


def test_http_date_forms() -> None:
    expected = "Sun, 06 Nov 1994 08:49:37 GMT"
    assert http_date(datetime(1994, 11, 6, 8, 49, 37)) == expected
    assert http_date(datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC)) == expected
    assert http_date(784111777) == expected
    assert http_date(784111777.5) == expected
    assert http_date(date(1994, 11, 6)) == "Sun, 06 Nov 1994 00:00:00 GMT"
    assert parse_date(http_date()) is not None
    assert http_date(0) == "Thu, 01 Jan 1970 00:00:00 GMT"


@pytest.mark.parametrize(
    "value",
    ["Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994"],
)
def test_parse_date_accepts_the_three_http_formats(value: str) -> None:
    assert parse_date(value) == datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC)


def test_parse_date_converts_to_utc() -> None:
    parsed = parse_date("Sun, 06 Nov 1994 10:49:37 +0200")
    assert parsed == datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC)
    assert parsed is not None and parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "value", [None, "", "garbage", "Sun, 99 Nov 1994 08:49:37 GMT", "Mon, 1 Jan 99999 00:00:00 GMT",
              "a" * 10_000, "\x00", "Sun, 06 Nov 1994 25:61:61 GMT"],
)  # fmt: skip
def test_parse_date_garbage_is_none(value: str | None) -> None:
    assert parse_date(value) is None


@given(st.text(max_size=80))
def test_fuzz_parse_date(value: str) -> None:
    parsed = parse_date(value)
    assert parsed is None or parsed.tzinfo is UTC
