"""The HTTP grammar: options headers, Accept, lengths, ranges, ETags, URLs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hipflask import http
from hipflask.datastructures import Accept, ETags, MIMEAccept, MultiDict
from hipflask.exceptions import BadRequest, RequestedRangeNotSatisfiable
from hipflask.http import (
    content_disposition,
    content_range_header,
    dump_options_header,
    generate_etag,
    is_resource_modified,
    parse_accept_header,
    parse_content_length,
    parse_etags,
    parse_options_header,
    parse_range_header,
    quote_etag,
    quote_header_value,
    unquote_etag,
    url_encode,
    url_quote,
)
from tests.conftest import CountMatches

PLUS_TWO = timezone(timedelta(hours=2))


def test_all_is_sorted_and_resolves() -> None:
    assert http.__all__ == sorted(set(http.__all__))
    for name in http.__all__:
        assert callable(getattr(http, name))


# --- options headers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("text/html", ("text/html", {})),
        ('text/html; charset="utf-8"', ("text/html", {"charset": "utf-8"})),
        ("text/html;Charset=UTF-8", ("text/html", {"charset": "UTF-8"})),
        ("  text/plain ;  a=1 ; b = 2 ", ("text/plain", {"a": "1", "b": "2"})),
        ('form-data; name="a;b"; x=1', ("form-data", {"name": "a;b", "x": "1"})),
        (r'a; v="q\"uo\\te"', ("a", {"v": 'q"uo\\te'})),
        ('a; filename="C:\\dir\\file.txt"', ("a", {"filename": "C:\\dir\\file.txt"})),
        ("a; flag; k=v", ("a", {"k": "v"})),
        ("a; k=1; k=2", ("a", {"k": "1"})),
        ('a; k="unclosed', ("a", {"k": "unclosed"})),
        ("a;;;", ("a", {})),
        ("", ("", {})),
        (None, ("", {})),
    ],
)
def test_parse_options_header(header: str | None, expected: tuple[str, dict[str, str]]) -> None:
    assert parse_options_header(header) == expected


def test_rfc2231_extended_values() -> None:
    assert parse_options_header("attachment; filename*=UTF-8''%E2%82%AC%20rates.pdf") == (
        "attachment",
        {"filename": "€ rates.pdf"},
    )
    assert parse_options_header("a; filename*=iso-8859-1'en'%A3.txt")[1] == {"filename": "£.txt"}
    assert parse_options_header("a; title*=''plain")[1] == {"title": "plain"}
    assert parse_options_header("a; filename*=EBCDIC''%C1")[1] == {}
    assert parse_options_header("a; filename*=%ff%fe")[1] == {"filename": "\ufffd\ufffd"}


@pytest.mark.parametrize(
    "header",
    [
        'form-data; name="f"; filename="a.txt"; filename*=utf-8\'\'evil.php',
        'form-data; name="f"; filename*=utf-8\'\'evil.php; filename="a.txt"',
        "form-data; name=\"f\"; FILENAME*=UTF-8''evil.php; Filename=a.txt",
    ],
)
def test_plain_filename_wins_over_extended(header: str) -> None:
    """SECURITY.md #13."""
    assert parse_options_header(header) == ("form-data", {"name": "f", "filename": "a.txt"})


def test_parse_options_header_reads_at_most_max_options(count_matches: CountMatches) -> None:
    options = count_matches(http, "_OPTION")
    many = "a" + "".join(f"; k{i}=v" for i in range(1000))
    assert len(parse_options_header(many)[1]) == http.MAX_OPTIONS
    assert options.count == http.MAX_OPTIONS + 1  # the rest of the header is never matched
    options.count = 0
    assert parse_options_header("a" + '; b="' * 200_000) == ("a", {"b": "; b="})
    assert options.count == http.MAX_OPTIONS + 1
    options.count = 0
    assert parse_options_header("a" + ';b="\\' * 200_000) == ("a", {"b": "\\;b="})
    assert options.count == http.MAX_OPTIONS + 1
    options.count = 0
    assert parse_options_header("a;" + " " * 1_000_000 + "=x") == ("a", {})
    assert options.count == 1


@given(st.text(max_size=200))
def test_fuzz_parse_options_header(header: str) -> None:
    value, params = parse_options_header(header)
    assert isinstance(value, str)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in params.items())
    assert all(k == k.lower() for k in params)


def test_quote_header_value() -> None:
    assert quote_header_value("token") == "token"
    assert quote_header_value("two words") == '"two words"'
    assert quote_header_value('a"b\\c') == '"a\\"b\\\\c"'
    assert quote_header_value("") == '""'
    assert quote_header_value("token", allow_token=False) == '"token"'
    assert quote_header_value(12) == "12"


def test_dump_options_header_round_trips() -> None:
    header = dump_options_header("form-data", {"name": "f", "filename": 'a "b".txt', "x": None})
    assert header == 'form-data; name=f; filename="a \\"b\\".txt"'
    assert parse_options_header(header) == ("form-data", {"name": "f", "filename": 'a "b".txt'})
    assert dump_options_header("a", {"flag": True}) == "a; flag"


# --- Accept -------------------------------------------------------------------------------------


def test_parse_accept_header_types() -> None:
    assert isinstance(parse_accept_header("text/html"), MIMEAccept)
    plain = parse_accept_header("en-US, fr;q=0.5", Accept)
    assert type(plain) is Accept
    assert list(plain) == [("en-US", 1.0), ("fr", 0.5)]


@pytest.mark.parametrize(
    "bad_q", ["q=2", "q=-1", "q=abc", "q=nan", "q=inf", "q=1e0", "q=", "q=0.5.5"]
)
def test_bad_quality_skips_the_entry(bad_q: str) -> None:
    accept = parse_accept_header(f"application/json;{bad_q}, text/html")
    assert list(accept) == [("text/html", 1.0)]


def test_quality_forms() -> None:
    accept = parse_accept_header("a/a;q=1.000, b/b;q=0.5, c/c;q=.25, d/d;Q=0, e/e;q=1.")
    assert dict(accept) == {"a/a": 1.0, "b/b": 0.5, "c/c": 0.25, "d/d": 0.0, "e/e": 1.0}


def test_params_are_kept_and_extensions_after_q_dropped() -> None:
    accept = parse_accept_header("text/html;level=1;q=0.5;ext=1")
    assert list(accept) == [("text/html;level=1", 0.5)]


def test_accept_entries_are_capped_and_garbage_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    parsed: list[str] = []
    parse_entry = http._parse_accept_entry

    def counting(piece: str) -> tuple[str, float] | None:
        parsed.append(piece)
        return parse_entry(piece)

    monkeypatch.setattr(http, "_parse_accept_entry", counting)
    header = ", ".join(f"type/sub{i}" for i in range(500))
    accept = parse_accept_header(header)
    assert [value for value, _ in accept] == [f"type/sub{i}" for i in range(64)]
    assert len(parsed) == http.MAX_ACCEPT_ENTRIES == 64  # the entries past the cap are not read
    parsed.clear()
    assert list(parse_accept_header(",,, ;q=1, , x/y;q=high, ;q=0.5")) == []
    assert len(parsed) == 7
    parsed.clear()
    assert list(parse_accept_header("a/b, " * 1000 + "c/d")) == [("a/b", 1.0)] * 64
    assert len(parsed) == http.MAX_ACCEPT_ENTRIES


@given(st.text(max_size=200))
def test_fuzz_parse_accept_header(header: str) -> None:
    accept = parse_accept_header(header)
    assert isinstance(accept, MIMEAccept)
    assert len(accept) <= http.MAX_ACCEPT_ENTRIES
    assert all(isinstance(v, str) and 0 <= q <= 1 for v, q in accept)
    accept.best_match(["text/html", "application/json"])


# --- Content-Length -----------------------------------------------------------------------------


def test_parse_content_length_valid() -> None:
    assert parse_content_length("42") == 42
    assert parse_content_length(" 42\t") == 42
    assert parse_content_length("0") == 0
    assert parse_content_length("007") == 7
    assert parse_content_length(None) is None
    assert parse_content_length("") is None
    assert parse_content_length("  ") is None


@pytest.mark.parametrize(
    "value", ["-1", "+5", "1e3", "5, 5", "5,5", "1_0", "٣", "²", "0x10", "1.0", "5 5", "9" * 20]
)
def test_parse_content_length_invalid_is_a_400(value: str) -> None:
    """SECURITY.md #6."""
    with pytest.raises(BadRequest, match="Invalid Content-Length"):
        parse_content_length(value)


# --- ranges -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-99", [(0, 100)]),
        ("bytes=100-", [(100, 1000)]),
        ("bytes=-500", [(500, 1000)]),
        ("bytes=-5000", [(0, 1000)]),
        ("bytes=900-5000", [(900, 1000)]),
        ("bytes=0-0,-1", [(0, 1), (999, 1000)]),
        ("Bytes = 0-9 , 20-29", [(0, 10), (20, 30)]),
        ("bytes=20-29,0-9", [(20, 30), (0, 10)]),
        ("bytes=0-9,2000-3000", [(0, 10)]),
        ("bytes=0-9,,", [(0, 10)]),
    ],
)
def test_parse_range_header(header: str, expected: list[tuple[int, int]]) -> None:
    assert parse_range_header(header, 1000) == expected


@pytest.mark.parametrize(
    "header",
    [None, "", "bytes", "bytes=", "bytes=,", "items=0-9", "bytes=a-b", "bytes=-", "bytes=9-1",
     "bytes=0-9;x", "bytes=1-2-3", "bytes=+1-2", "bytes=٣-4", "bytes=" + "1" * 30 + "-"],
)  # fmt: skip
def test_malformed_range_is_ignored(header: str | None) -> None:
    assert parse_range_header(header, 1000) is None


@pytest.mark.parametrize(
    "header", ["bytes=1000-", "bytes=5000-6000", "bytes=-0", "bytes=1000-,2000-"]
)
def test_unsatisfiable_range_is_a_416(header: str) -> None:
    with pytest.raises(RequestedRangeNotSatisfiable) as info:
        parse_range_header(header, 1000)
    assert info.value.code == 416
    assert info.value.get_headers() == [("Content-Range", "bytes */1000")]


def test_any_range_of_an_empty_resource_is_unsatisfiable() -> None:
    with pytest.raises(RequestedRangeNotSatisfiable):
        parse_range_header("bytes=0-", 0)
    with pytest.raises(RequestedRangeNotSatisfiable):
        parse_range_header("bytes=-10", 0)


def test_thousands_of_overlapping_parts_are_ignored_unread(count_matches: CountMatches) -> None:
    """SECURITY.md #11: too many parts are refused before any is parsed; served as a 200."""
    specs = count_matches(http, "_RANGE_SPEC")
    assert parse_range_header("bytes=" + ",".join(["0-"] * 50_000), 10**9) is None
    assert specs.count == 0
    assert parse_range_header("bytes=" + ",".join(["0-"] * http.MAX_RANGES), 10**9) is None
    assert specs.count == http.MAX_RANGES
    assert parse_range_header("bytes=" + ",".join(["0-1"] * 5), 100) is None
    assert parse_range_header("bytes=0-10,5-20", 100) is None
    assert parse_range_header("bytes=-10,85-", 100) is None


def test_range_part_limit() -> None:
    within = "bytes=" + ",".join(f"{i * 10}-{i * 10 + 1}" for i in range(http.MAX_RANGES))
    beyond = "bytes=" + ",".join(f"{i * 10}-{i * 10 + 1}" for i in range(http.MAX_RANGES + 1))
    ranges = parse_range_header(within, 10**6)
    assert ranges is not None and len(ranges) == http.MAX_RANGES
    assert parse_range_header(beyond, 10**6) is None


@given(st.text(max_size=200), st.integers(min_value=0, max_value=10**12))
def test_fuzz_parse_range_header(header: str, length: int) -> None:
    for candidate in (header, "bytes=" + header):
        try:
            ranges = parse_range_header(candidate, length)
        except RequestedRangeNotSatisfiable:
            continue
        if ranges is None:
            continue
        assert ranges
        assert all(0 <= start < stop <= length for start, stop in ranges)


def test_content_range_header() -> None:
    assert content_range_header(0, 100, 1000) == "bytes 0-99/1000"
    assert content_range_header(999, 1000, 1000) == "bytes 999-999/1000"


# --- ETags and conditional requests -------------------------------------------------------------


def test_quote_and_unquote_etag() -> None:
    assert quote_etag("abc") == '"abc"'
    assert quote_etag("abc", weak=True) == 'W/"abc"'
    with pytest.raises(ValueError):
        quote_etag('a"b')
    assert unquote_etag('"abc"') == ("abc", False)
    assert unquote_etag('W/"abc"') == ("abc", True)
    assert unquote_etag('w/"abc"') == ("abc", True)
    assert unquote_etag("abc") == ("abc", False)
    assert unquote_etag(None) == (None, False)
    assert unquote_etag("") == (None, False)


def test_parse_etags() -> None:
    etags = parse_etags('"a", W/"b", c, "d,e" ,W/"f"')
    assert etags.as_set() == {"a", "c", "d,e"}
    assert etags.as_set(include_weak=True) == {"a", "b", "c", "d,e", "f"}
    assert etags.is_weak("b")
    assert parse_etags("*").star_tag
    assert not parse_etags(None)
    assert not parse_etags("")
    assert not parse_etags(" , ,")
    assert parse_etags(" spaced tag ,x").as_set() == {"spaced tag", "x"}
    assert parse_etags('W/"x", *').as_set(include_weak=True) == set()


def test_parse_etags_matches_once_per_tag(count_matches: CountMatches) -> None:
    tags = count_matches(http, "_ETAG")
    assert parse_etags("x" + " " * 200_000 + "y").as_set() == {"x" + " " * 200_000 + "y"}
    assert tags.count == 1
    tags.count = 0
    etags = parse_etags('"' + ",x" * 200_000)
    assert etags.as_set() == {'"', "x"}
    assert tags.count == 200_001


@given(st.text(max_size=200))
def test_fuzz_parse_etags(header: str) -> None:
    assert isinstance(parse_etags(header), ETags)


def test_generate_etag() -> None:
    assert generate_etag(b"hello") == "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"
    assert generate_etag(b"a") != generate_etag(b"b")


def test_if_none_match_uses_weak_comparison() -> None:
    assert not is_resource_modified(if_none_match='"x"', if_modified_since=None, etag="x")
    assert not is_resource_modified(if_none_match='W/"x"', if_modified_since=None, etag='"x"')
    assert not is_resource_modified(if_none_match='"a", "x"', if_modified_since=None, etag='W/"x"')
    assert is_resource_modified(if_none_match='"y"', if_modified_since=None, etag="x")
    assert not is_resource_modified(if_none_match="*", if_modified_since=None, etag="x")
    assert is_resource_modified(if_none_match='"x"', if_modified_since=None, etag=None)


@given(
    st.text(alphabet='"Ww/ ,*ab\t', max_size=12)
    | st.from_regex(r'(?:[Ww]/)?"[^"]*"', fullmatch=True)
)
def test_a_tag_sent_back_as_it_was_given_reads_as_the_parsed_header_says(tag: str) -> None:
    # The revalidation fast path (header == ETag) must answer as parsing the header does.
    etags = parse_etags(tag)
    unquoted = unquote_etag(tag)[0]
    parsed = not etags.star_tag and (unquoted is None or not etags.contains_weak(unquoted))
    expected = parsed if tag else True
    assert is_resource_modified(if_none_match=tag, if_modified_since=None, etag=tag) is expected


def test_if_none_match_wins_over_if_modified_since() -> None:
    long_ago = "Sun, 06 Nov 1994 08:49:37 GMT"
    future = "Sun, 06 Nov 2094 08:49:37 GMT"
    last_modified = datetime(2000, 1, 1, tzinfo=UTC)
    assert is_resource_modified(
        if_none_match='"other"', if_modified_since=future, etag="x", last_modified=last_modified
    )
    assert not is_resource_modified(
        if_none_match='"x"', if_modified_since=long_ago, etag="x", last_modified=last_modified
    )


def test_if_modified_since_to_the_second() -> None:
    since = "Sat, 01 Jan 2000 00:00:00 GMT"
    same = datetime(2000, 1, 1, 0, 0, 0, 999_999)
    assert not is_resource_modified(if_none_match=None, if_modified_since=since, last_modified=same)
    later = datetime(2000, 1, 1, 0, 0, 1, tzinfo=UTC)
    assert is_resource_modified(if_none_match=None, if_modified_since=since, last_modified=later)
    assert not is_resource_modified(
        if_none_match=None, if_modified_since=since, last_modified=946684800.5
    )
    assert is_resource_modified(if_none_match=None, if_modified_since="junk", last_modified=same)
    assert is_resource_modified(if_none_match=None, if_modified_since=since, last_modified=None)
    assert is_resource_modified(if_none_match=None, if_modified_since=None, etag="x")
    assert is_resource_modified(if_none_match="", if_modified_since="", etag="x")


# --- downloads and URLs -------------------------------------------------------------------------


def test_content_disposition_ascii() -> None:
    assert content_disposition("report.csv", True) == "attachment; filename=report.csv"
    assert content_disposition("my report.csv", False) == 'inline; filename="my report.csv"'
    assert content_disposition(None, True) == "attachment"
    assert content_disposition(None, False) == "inline"
    assert content_disposition('a"b\\c.txt', True) == 'attachment; filename="a\\"b\\\\c.txt"'


def test_content_disposition_non_ascii() -> None:
    assert content_disposition("résumé.pdf", True) == (
        "attachment; filename=resume.pdf; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf"
    )
    header = content_disposition("日本語.txt", False)
    assert header == "inline; filename=.txt; filename*=UTF-8''%E6%97%A5%E6%9C%AC%E8%AA%9E.txt"
    assert parse_options_header(header)[1]["filename"] == ".txt"


@pytest.mark.parametrize(
    "name", ["a\r\nSet-Cookie: x=y.txt", "a\nb.txt", "a\x00b.txt", "é\r\n.txt"]
)
def test_content_disposition_never_breaks_the_header(name: str) -> None:
    """SECURITY.md #24."""
    header = content_disposition(name, True)
    assert not any(char in header for char in "\r\n\x00")
    assert header.isascii()


def test_url_quote() -> None:
    assert url_quote("/a b/é?") == "/a%20b/%C3%A9%3F"
    assert url_quote("a/b", safe="") == "a%2Fb"
    assert url_quote("http://x") == "http://x"
    assert url_quote("~-._") == "~-._"


def test_url_encode() -> None:
    assert url_encode([("a", "1"), ("b", "x y"), ("c", None)]) == "a=1&b=x+y"
    assert url_encode({"q": ["1", None, 2], "é": "&="}) == "q=1&q=2&%C3%A9=%26%3D"
    assert url_encode(MultiDict([("a", "1"), ("a", "2")])) == "a=1&a=2"
    assert url_encode({"t": (True, 1.5), "p": "/a:b"}) == "t=True&t=1.5&p=/a:b"
    assert url_encode([]) == ""
