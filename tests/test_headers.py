"""Headers, EnvironHeaders and the header checks."""

from __future__ import annotations

import copy
import io
from collections.abc import Iterator
from typing import Any

import pytest

from hipflask import headers as headers_module
from hipflask.exceptions import BadRequestKeyError
from hipflask.headers import EnvironHeaders, Headers, check_header_name, check_header_value
from hipflask.multidict import MultiDict

# --- header checks ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["X-Foo", "Content-Type", "x_y", "A1!#$%&'*+.^`|~"])
def test_valid_header_names(name: str) -> None:
    assert check_header_name(name) == name


@pytest.mark.parametrize(
    "name", ["", "X Foo", "X-Foo:", "X-Foo\r\nSet-Cookie", "X\n", "Ünï", "a\x00", "(x)", "a/b"]
)
def test_invalid_header_names(name: str) -> None:
    with pytest.raises(ValueError, match="token"):
        check_header_name(name)
    with pytest.raises(ValueError):
        Headers().add(name, "v")


def test_invalid_header_names_are_never_cached() -> None:
    for _ in range(2):
        with pytest.raises(ValueError):
            check_header_name("bad name")


@pytest.mark.parametrize("value", ["a\r\nSet-Cookie: x=y", "a\nb", "a\rb", "a\x00b"])
def test_header_values_with_line_breaks_or_nul_are_refused(value: str) -> None:
    """SECURITY.md #24: never an extra header."""
    with pytest.raises(ValueError, match="CR, LF or NUL"):
        check_header_value(value)
    headers = Headers()
    for write in (
        lambda: headers.add("X-A", value),
        lambda: headers.set("X-A", value),
        lambda: headers.__setitem__("X-A", value),
        lambda: headers.setdefault("X-A", value),
        lambda: headers.extend({"X-A": value}),
        lambda: headers.update({"X-A": value}),
        lambda: headers.setlist("X-A", ["ok", value]),
        lambda: headers.add("X-A", "v", filename=value),
        lambda: Headers([("X-A", value)]),
    ):
        with pytest.raises(ValueError):
            write()
    assert all("\n" not in v and "\r" not in v for v in headers.values())


def test_header_values_keep_other_characters() -> None:
    assert check_header_value('a\tb; c="d" é') == 'a\tb; c="d" é'


# --- Headers ------------------------------------------------------------------------------------


def test_headers_construction() -> None:
    from_dict = Headers({"X-A": "1", "X-B": ["2", "3"]})
    assert from_dict.to_wsgi_list() == [("X-A", "1"), ("X-B", "2"), ("X-B", "3")]
    from_pairs = Headers([("X-A", "1"), ("X-A", "2")])
    assert from_pairs.getlist("x-a") == ["1", "2"]
    copied = Headers(from_pairs)
    copied.add("X-A", "3")
    assert len(from_pairs) == 2
    assert Headers(MultiDict([("X-M", "1"), ("X-M", "2")])).getlist("X-M") == ["1", "2"]
    assert len(Headers()) == 0


def test_headers_lookup_is_case_insensitive() -> None:
    headers = Headers([("Content-Type", "text/html"), ("X-A", "1"), ("x-a", "2")])
    assert headers["content-type"] == "text/html"
    assert headers["CONTENT-TYPE"] == "text/html"
    assert headers.get("x-A") == "1"
    assert headers.getlist("X-A") == ["1", "2"]
    assert headers.get_all("x-a") == ["1", "2"]
    assert "content-TYPE" in headers
    assert "X-Missing" not in headers
    assert 3 not in headers


def test_headers_index_and_missing() -> None:
    headers = Headers([("X-A", "1"), ("X-B", "2")])
    assert headers[0] == ("X-A", "1")
    assert headers[-1] == ("X-B", "2")
    with pytest.raises(BadRequestKeyError):
        headers["X-Missing"]
    assert headers.get("X-Missing") is None
    assert headers.get("X-Missing", "d") == "d"


def test_headers_get_with_type() -> None:
    headers = Headers([("X-N", "5"), ("X-N", "x"), ("X-N", "7")])
    assert headers.get("X-N", type=int) == 5
    assert headers.get("X-Bad", -1, type=int) == -1
    headers.set("X-Bad", "x")
    assert headers.get("X-Bad", -1, type=int) == -1
    assert headers.getlist("X-N", type=int) == [5, 7]


def test_values_are_coerced_to_str() -> None:
    headers = Headers()
    headers.add("Content-Length", 42)
    headers["X-Float"] = 1.5
    assert headers.to_wsgi_list() == [("Content-Length", "42"), ("X-Float", "1.5")]
    assert all(type(value) is str for _, value in headers)


def test_add_renders_params() -> None:
    headers = Headers()
    headers.add("Content-Disposition", "attachment", filename="foo.png")
    headers.add_header("Content-Disposition", "inline", filename="my file.txt", size=3)
    headers.add("X-Opt", "v", skipped=None, flag=True, content_id="a")
    assert headers.getlist("Content-Disposition") == [
        "attachment; filename=foo.png",
        'inline; filename="my file.txt"; size=3',
    ]
    assert headers["X-Opt"] == "v; flag; content-id=a"


def test_set_replaces_first_in_place_and_removes_the_rest() -> None:
    headers = Headers([("X-A", "1"), ("X-B", "b"), ("x-a", "2"), ("X-C", "c")])
    headers.set("X-A", "new")
    assert headers.to_wsgi_list() == [("X-A", "new"), ("X-B", "b"), ("X-C", "c")]
    headers["X-D"] = "d"
    assert headers.to_wsgi_list()[-1] == ("X-D", "d")
    headers.set("Content-Type", "text/plain", charset="utf-8")
    assert headers["content-type"] == "text/plain; charset=utf-8"


def test_setitem_with_index_replaces_the_pair() -> None:
    headers = Headers([("X-A", "1")])
    headers[0] = ("X-B", 2)
    assert headers.to_wsgi_list() == [("X-B", "2")]
    with pytest.raises(ValueError):
        headers[0] = ("X-B", "a\nb")


def test_setlist_and_setdefault() -> None:
    headers = Headers([("X-A", "1"), ("X-B", "b"), ("X-A", "2")])
    headers.setlist("X-A", ["3", "4"])
    assert headers.to_wsgi_list() == [("X-A", "3"), ("X-B", "b"), ("X-A", "4")]
    headers.setlist("X-A", [])
    assert "X-A" not in headers
    assert headers.setdefault("X-B", "z") == "b"
    assert headers.setdefault("X-N", 5) == "5"
    assert headers["X-N"] == "5"


def test_delete_and_remove() -> None:
    headers = Headers([("X-A", "1"), ("X-B", "b"), ("x-a", "2")])
    del headers["X-A"]
    assert headers.to_wsgi_list() == [("X-B", "b")]
    headers.remove("X-Missing")
    headers.add("X-C", "c")
    del headers[0]
    assert headers.to_wsgi_list() == [("X-C", "c")]
    headers.extend([("X-D", "d"), ("X-E", "e")])
    del headers[1:]
    assert headers.to_wsgi_list() == [("X-C", "c")]


def test_pop_variants() -> None:
    headers = Headers([("X-A", "1"), ("X-B", "b"), ("x-a", "2"), ("X-C", "c")])
    assert headers.pop("x-a") == "1"
    assert "X-A" not in headers
    assert headers.pop("X-A", "d") == "d"
    with pytest.raises(BadRequestKeyError):
        headers.pop("X-A")
    assert headers.pop() == ("X-C", "c")
    assert headers.pop(0) == ("X-B", "b")
    assert headers.pop(default="empty") == "empty"
    headers.add("X-Z", "z")
    assert headers.popitem() == ("X-Z", "z")
    with pytest.raises(IndexError):
        headers.popitem()


def test_extend_adds_and_update_replaces_per_name() -> None:
    headers = Headers([("Set-Cookie", "a=1"), ("X-A", "1")])
    headers.extend({"Set-Cookie": "b=2"}, X_Kw="k")
    assert headers.getlist("Set-Cookie") == ["a=1", "b=2"]
    assert headers["X_Kw"] == "k"
    headers.update({"set-cookie": "c=3", "X-New": ["n1", "n2"]})
    assert headers.getlist("Set-Cookie") == ["c=3"]
    assert headers.getlist("X-New") == ["n1", "n2"]
    headers.update([("X-A", "2"), ("X-A", "3")])
    assert headers.getlist("X-A") == ["2", "3"]
    other = Headers([("X-A", "4")])
    headers.update(other)
    assert headers.getlist("X-A") == ["4"]
    with pytest.raises(TypeError):
        headers.extend({}, {})  # type: ignore[call-arg]


def test_iteration_and_views() -> None:
    headers = Headers([("Content-Type", "text/html"), ("X-A", "1")])
    assert list(headers) == [("Content-Type", "text/html"), ("X-A", "1")]
    assert list(headers.items(lower=True)) == [("content-type", "text/html"), ("x-a", "1")]
    assert list(headers.items()) == list(headers)
    assert list(headers.keys()) == ["Content-Type", "X-A"]
    assert list(headers.keys(lower=True)) == ["content-type", "x-a"]
    assert list(headers.values()) == ["text/html", "1"]
    assert len(headers) == 2
    assert bool(Headers()) is False


def test_equality_ignores_name_case_and_order_between_names() -> None:
    one = Headers([("X-A", "1"), ("X-B", "2"), ("X-A", "3")])
    assert one == Headers([("x-b", "2"), ("x-a", "1"), ("X-A", "3")])
    assert one != Headers([("X-A", "3"), ("X-B", "2"), ("X-A", "1")])
    assert one != Headers([("X-A", "1")])
    assert (one == [("X-A", "1")]) is False


def test_copy_clear_wsgi_list_and_str() -> None:
    headers = Headers([("X-A", "1")])
    copied = headers.copy()
    copied.add("X-B", "2")
    assert len(headers) == 1
    assert copy.copy(headers) == headers
    wsgi = headers.to_wsgi_list()
    wsgi.append(("X-Injected", "x"))
    assert "X-Injected" not in headers
    assert str(Headers([("X-A", "1"), ("X-B", "2")])) == "X-A: 1\r\nX-B: 2\r\n\r\n"
    assert repr(headers) == "Headers([('X-A', '1')])"
    headers.clear()
    assert len(headers) == 0


# --- EnvironHeaders -----------------------------------------------------------------------------


class NoIterEnviron(dict[str, Any]):
    """An environ that fails if a lookup scans it instead of reading one key."""

    def __iter__(self) -> Iterator[str]:
        raise AssertionError("scanned")

    def items(self) -> Any:
        raise AssertionError("scanned")

    def keys(self) -> Any:
        raise AssertionError("scanned")


ENVIRON = {
    "REQUEST_METHOD": "GET",
    "HTTP_USER_AGENT": "curl/8",
    "HTTP_X_FORWARDED_FOR": "1.2.3.4",
    "HTTP_ACCEPT": "text/html",
    "CONTENT_TYPE": "text/plain",
    "CONTENT_LENGTH": "",
    "wsgi.input": io.BytesIO(),
}


def test_environ_headers_lookup_reads_one_key() -> None:
    headers = EnvironHeaders(NoIterEnviron(ENVIRON))
    assert headers.get("User-Agent") == "curl/8"
    assert headers["user-agent"] == "curl/8"
    assert headers.get("x-forwarded-for") == "1.2.3.4"
    assert headers.get("Content-Type") == "text/plain"
    assert "Accept" in headers
    assert headers.get("X-Missing", "d") == "d"


def test_environ_headers_empty_content_headers_are_absent() -> None:
    headers = EnvironHeaders(ENVIRON)
    assert headers.get("Content-Length") is None
    assert "Content-Length" not in headers
    with pytest.raises(BadRequestKeyError):
        headers["Content-Length"]
    with pytest.raises(BadRequestKeyError):
        headers["X-Missing"]


def test_environ_headers_iteration_title_cases() -> None:
    headers = EnvironHeaders(ENVIRON)
    assert sorted(headers) == [
        ("Accept", "text/html"),
        ("Content-Type", "text/plain"),
        ("User-Agent", "curl/8"),
        ("X-Forwarded-For", "1.2.3.4"),
    ]
    assert len(headers) == 4
    assert "x-forwarded-for" in list(headers.keys(lower=True))
    assert sorted(headers.values())[0] == "1.2.3.4"
    assert ("accept", "text/html") in list(headers.items(lower=True))
    assert "User-Agent: curl/8\r\n" in str(headers)
    assert "EnvironHeaders" in repr(headers)


def test_environ_headers_skips_http_content_duplicates() -> None:
    environ = {"HTTP_CONTENT_TYPE": "evil", "CONTENT_TYPE": "text/plain"}
    assert list(EnvironHeaders(environ)) == [("Content-Type", "text/plain")]


def test_environ_headers_typed_and_list_reads() -> None:
    headers = EnvironHeaders({"CONTENT_LENGTH": "12", "HTTP_X_N": "x"})
    assert headers.get("Content-Length", type=int) == 12
    assert headers.get("X-N", 0, type=int) == 0
    assert headers.getlist("Content-Length") == ["12"]
    assert headers.get_all("X-Missing") == []
    assert headers.getlist("X-N", type=int) == []


@pytest.mark.parametrize(
    ("method", "args"),
    [
        ("add", ("X-A", "1")),
        ("add_header", ("X-A", "1")),
        ("set", ("X-A", "1")),
        ("setlist", ("X-A", ["1"])),
        ("setdefault", ("X-A", "1")),
        ("extend", ({"X-A": "1"},)),
        ("update", ({"X-A": "1"},)),
        ("__setitem__", ("X-A", "1")),
        ("__delitem__", ("User-Agent",)),
        ("remove", ("User-Agent",)),
        ("pop", ("User-Agent",)),
        ("popitem", ()),
        ("clear", ()),
    ],
)
def test_environ_headers_are_read_only(method: str, args: tuple[Any, ...]) -> None:
    environ = dict(ENVIRON)
    with pytest.raises(TypeError, match="immutable"):
        getattr(EnvironHeaders(environ), method)(*args)
    assert environ == ENVIRON


def test_environ_headers_copy_is_mutable_headers() -> None:
    headers = EnvironHeaders(ENVIRON)
    copied = headers.copy()
    assert isinstance(copied, Headers)
    copied.add("X-New", "1")
    assert "X-New" not in headers
    assert Headers(headers)["User-Agent"] == "curl/8"
    assert headers == Headers(list(headers))
    assert headers.to_wsgi_list() == list(headers)


def test_headers_add_missing_adds_only_absent_names_and_checks_them() -> None:
    headers = Headers([("Content-Type", "text/plain"), ("x-frame-options", "SAMEORIGIN")])
    present = headers.add_missing(
        [("X-Frame-Options", "DENY"), ("X-Content-Type-Options", "nosniff")]
    )
    assert present == {"content-type", "x-frame-options"}
    assert headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    with pytest.raises(ValueError, match="CR, LF or NUL"):
        headers.add_missing([("X-Evil", "a\r\nSet-Cookie: x=1")])
    with pytest.raises(ValueError, match="token"):
        headers.add_missing([("Bad Name", "v")])


@pytest.fixture
def empty_checked_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """Start with no remembered tuple, so the second call of a test is sure to hit the cache."""
    monkeypatch.setattr(headers_module, "_CHECKED_PAIRS", {})


@pytest.mark.usefixtures("empty_checked_cache")
def test_headers_add_missing_tuple_passed_again_keeps_every_rule() -> None:
    # NOTE: guards of the cache of checked tuples (Headers.add_missing's fast path).
    defaults = (("X-Test-Cached-A", "1"), ("X-Test-Cached-B", "2"), ("x-test-cached-a", "3"))
    for _ in range(3):  # the first call checks and remembers, the others hit the cache
        headers = Headers([("Content-Type", "text/plain")])
        assert headers.add_missing(defaults) == {"content-type"}
        assert list(headers) == [("Content-Type", "text/plain"), *defaults]
        # some already set: those stay, the others are added in order (not the one extend)
        headers = Headers([("X-TEST-CACHED-A", "view")])
        assert headers.add_missing(defaults) == {"x-test-cached-a"}
        assert list(headers) == [("X-TEST-CACHED-A", "view"), ("X-Test-Cached-B", "2")]


@pytest.mark.usefixtures("empty_checked_cache")
def test_headers_add_missing_checks_an_invalid_tuple_every_time() -> None:
    evil = (("X-Test-Ok", "1"), ("X-Test-Evil", "a\r\nSet-Cookie: x=1"))
    bad_name = (("Bad Name", "v"),)
    for _ in range(3):
        with pytest.raises(ValueError, match="CR, LF or NUL"):
            Headers().add_missing(evil)
        with pytest.raises(ValueError, match="token"):
            Headers().add_missing(bad_name)


@pytest.mark.usefixtures("empty_checked_cache")
def test_headers_add_missing_tuple_of_unhashable_or_subclassed_pairs() -> None:
    class Name(str):
        pass

    class Pair(tuple[str, str]):
        pass

    unhashable = (["X-Test-List", "1"],)
    subclassed = ((Name("X-Test-Sub"), "1"),)
    pair_class = (Pair(("X-Test-Pair", "1")),)
    for _ in range(3):
        headers = Headers()
        headers.add_missing(unhashable)  # type: ignore[arg-type]
        headers.add_missing(subclassed)
        headers.add_missing(pair_class)
        assert list(headers) == [("X-Test-List", "1"), ("X-Test-Sub", "1"), ("X-Test-Pair", "1")]
        # what the checked path appends: plain tuples of the names and values given
        assert [type(pair) for pair in headers] == [tuple, tuple, tuple]
        assert type(headers[1][0]) is Name
    # neither was remembered: equal plain tuples give plain tuples of plain str
    for _ in range(2):
        headers = Headers()
        headers.add_missing((("X-Test-Sub", "1"),))
        headers.add_missing((("X-Test-Pair", "1"),))
        assert [type(pair) for pair in headers] == [tuple, tuple]
        assert type(headers[0][0]) is str
    assert len(headers_module._CHECKED_PAIRS) == 2
