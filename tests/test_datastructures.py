"""MultiDict, ImmutableMultiDict, CombinedMultiDict, Headers and EnvironHeaders."""

from __future__ import annotations

import copy
import io
from collections.abc import Iterator
from typing import Any

import pytest

from hipflask import datastructures
from hipflask.datastructures import (
    CombinedMultiDict,
    EnvironHeaders,
    Headers,
    ImmutableMultiDict,
    MultiDict,
    check_header_name,
    check_header_value,
)
from hipflask.exceptions import BadRequest, BadRequestKeyError


def test_all_is_sorted_and_resolves() -> None:
    assert datastructures.__all__ == sorted(set(datastructures.__all__))
    for name in datastructures.__all__:
        assert getattr(datastructures, name) is not None


# --- MultiDict ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        [("a", "1"), ("b", "2"), ("a", "3")],
        {"a": ["1", "3"], "b": "2"},
        {"a": ("1", "3"), "b": ["2"]},
        MultiDict([("a", "1"), ("b", "2"), ("a", "3")]),
    ],
)
def test_multidict_constructors_agree(source: Any) -> None:
    md = MultiDict(source)
    assert md.to_dict(flat=False) == {"a": ["1", "3"], "b": ["2"]}
    assert md["a"] == "1"


def test_multidict_empty_and_from_combined() -> None:
    assert len(MultiDict()) == 0
    assert len(MultiDict(None)) == 0
    assert "a" not in MultiDict({"a": [], "b": ()})
    combined = CombinedMultiDict([MultiDict({"a": "1"}), MultiDict({"a": "2", "b": "3"})])
    assert MultiDict(combined).to_dict(flat=False) == {"a": ["1", "2"], "b": ["3"]}


def test_multidict_copy_from_multidict_does_not_share_lists() -> None:
    original = MultiDict([("a", "1")])
    clone = MultiDict(original)
    clone.add("a", "2")
    assert original.getlist("a") == ["1"]


def test_missing_key_is_a_400_and_a_key_error() -> None:
    md = MultiDict()
    with pytest.raises(BadRequestKeyError) as info:
        md["missing"]
    assert isinstance(info.value, KeyError)
    assert isinstance(info.value, BadRequest)
    assert info.value.code == 400
    assert info.value.key == "missing"


def test_setitem_replaces_all_values_and_add_appends() -> None:
    md = MultiDict([("a", "1"), ("a", "2")])
    md["a"] = "x"
    assert md.getlist("a") == ["x"]
    md.add("a", "y")
    md.add("new", "z")
    assert md.getlist("a") == ["x", "y"]
    assert md["new"] == "z"


def test_get_with_default_and_type() -> None:
    md = MultiDict([("n", "42"), ("n", "7"), ("bad", "x")])
    assert md.get("n") == "42"
    assert md.get("n", type=int) == 42
    assert md.get("bad", -1, type=int) == -1
    assert md.get("missing") is None
    assert md.get("missing", "d") == "d"
    assert md.get("n", type=lambda value: None if value else 1) is None


def test_getlist_is_a_copy_and_skips_failed_conversions() -> None:
    md = MultiDict([("n", "1"), ("n", "x"), ("n", "3")])
    values = md.getlist("n")
    values.append("mutated")
    assert md.getlist("n") == ["1", "x", "3"]
    assert md.getlist("n", type=int) == [1, 3]
    assert md.getlist("missing") == []


def test_setlist_setdefault_setlistdefault() -> None:
    md = MultiDict()
    md.setlist("a", iter(["1", "2"]))
    assert md.getlist("a") == ["1", "2"]
    assert md.setdefault("a", "z") == "1"
    assert md.setdefault("b", "z") == "z"
    assert md.getlist("b") == ["z"]
    live = md.setlistdefault("c", ["1"])
    live.append("2")
    assert md.getlist("c") == ["1", "2"]
    assert md.setlistdefault("c") is live


def test_empty_value_list_behaves_as_missing_for_reads() -> None:
    md = MultiDict()
    md.setlist("a", [])
    assert md.get("a", "d") == "d"
    with pytest.raises(BadRequestKeyError):
        md["a"]
    assert list(md.items()) == []
    assert md.to_dict() == {}
    assert md.setdefault("a", "v") == "v"


def test_views() -> None:
    md = MultiDict([("a", "1"), ("b", "2"), ("a", "3")])
    assert list(md.items()) == [("a", "1"), ("b", "2")]
    assert list(md.items(multi=True)) == [("a", "1"), ("a", "3"), ("b", "2")]
    assert list(md.values()) == ["1", "2"]
    assert list(md.keys()) == ["a", "b"]
    assert list(md) == ["a", "b"]
    assert list(md.lists()) == [("a", ["1", "3"]), ("b", ["2"])]
    assert list(md.listvalues()) == [["1", "3"], ["2"]]
    assert "a" in md
    assert "z" not in md
    assert len(md) == 2
    assert md.to_dict() == {"a": "1", "b": "2"}


def test_dict_and_unpacking_take_first_values_as_in_flask() -> None:
    md = ImmutableMultiDict([("a", "1"), ("a", "2"), ("b", "3")])
    assert dict(md) == {"a": "1", "b": "3"}
    assert {**md} == {"a": "1", "b": "3"}
    assert dict(MultiDict(md)) == {"a": "1", "b": "3"}
    assert MultiDict(md).getlist("a") == ["1", "2"]


def test_lists_are_copies() -> None:
    md = MultiDict([("a", "1")])
    next(md.lists())[1].append("x")
    next(md.listvalues()).append("y")
    md.to_dict(flat=False)["a"].append("z")
    assert md.getlist("a") == ["1"]


def test_pop_family() -> None:
    md = MultiDict([("a", "1"), ("a", "2"), ("b", "3")])
    assert md.pop("a") == "1"
    assert "a" not in md
    assert md.pop("a", "default") == "default"
    with pytest.raises(BadRequestKeyError):
        md.pop("a")
    assert md.poplist("b") == ["3"]
    assert md.poplist("b") == []
    md.add("c", "4")
    assert md.popitem() == ("c", "4")
    md.setlist("d", ["5", "6"])
    assert md.popitemlist() == ("d", ["5", "6"])
    with pytest.raises(BadRequestKeyError):
        md.popitem()


def test_update_adds_instead_of_replacing() -> None:
    md = MultiDict([("a", "1")])
    md.update({"a": "2", "b": ["3", "4"]})
    md.update([("a", "5")], c="6")
    md.update(MultiDict([("a", "7"), ("a", "8")]))
    assert md.getlist("a") == ["1", "2", "5", "7", "8"]
    assert md.getlist("b") == ["3", "4"]
    assert md["c"] == "6"


def test_or_operators() -> None:
    md = MultiDict([("a", "1")])
    merged = md | {"a": "2"}
    assert merged.getlist("a") == ["1", "2"]
    assert md.getlist("a") == ["1"]
    md |= {"b": "3"}
    assert md["b"] == "3"


def test_copy_and_deepcopy() -> None:
    inner = ["nested"]
    md = MultiDict([("a", inner)])
    shallow = md.copy()
    shallow.add("a", "x")
    assert md.getlist("a") == [inner]
    assert shallow["a"] is inner
    assert copy.copy(md) == md
    deep = md.deepcopy()
    assert deep["a"] == inner
    assert deep["a"] is not inner
    assert copy.deepcopy(md)["a"] is not inner
    assert type(deep) is MultiDict


def test_equality() -> None:
    md = MultiDict([("a", "1"), ("a", "2")])
    assert md == MultiDict([("a", "1"), ("a", "2")])
    assert md != MultiDict([("a", "2"), ("a", "1")])
    assert md == {"a": ["1", "2"]}
    assert MultiDict({"a": "1"}) == {"a": "1"}
    assert md != {"a": "1"}
    assert (md == 3) is False
    assert md != 3


def test_repr_shows_every_value() -> None:
    assert repr(MultiDict([("a", "1"), ("a", "2")])) == "MultiDict([('a', '1'), ('a', '2')])"


def test_fromkeys_wraps_values() -> None:
    md: Any = MultiDict.fromkeys(["a", "b"], "v")
    assert md["a"] == "v"
    assert md.getlist("b") == ["v"]


# --- ImmutableMultiDict -------------------------------------------------------------------------

MUTATORS = [
    ("__setitem__", ("a", "x")),
    ("__delitem__", ("a",)),
    ("add", ("a", "x")),
    ("setlist", ("a", ["x"])),
    ("setdefault", ("z", "x")),
    ("setlistdefault", ("z",)),
    ("pop", ("a",)),
    ("poplist", ("a",)),
    ("popitem", ()),
    ("popitemlist", ()),
    ("update", ({"a": "x"},)),
    ("clear", ()),
    ("__ior__", ({"a": "x"},)),
]


@pytest.mark.parametrize(("method", "args"), MUTATORS)
def test_immutable_multidict_refuses_every_mutation(method: str, args: tuple[Any, ...]) -> None:
    md = ImmutableMultiDict([("a", "1")])
    with pytest.raises(TypeError, match="immutable"):
        getattr(md, method)(*args)
    assert md.to_dict(flat=False) == {"a": ["1"]}


def test_immutable_multidict_reads_and_copies() -> None:
    md = ImmutableMultiDict([("a", "1"), ("a", "2")])
    assert md["a"] == "1"
    assert md.getlist("a") == ["1", "2"]
    mutable = md.copy()
    assert type(mutable) is MultiDict
    mutable.add("a", "3")
    assert md.getlist("a") == ["1", "2"]
    assert copy.copy(md) is md
    assert type(md.deepcopy()) is ImmutableMultiDict
    assert md | {"a": "3"} == {"a": ["1", "2", "3"]}
    with pytest.raises(TypeError):
        md["b"] = "x"


def test_from_single_values_keeps_values_whole() -> None:
    from hipflask.datastructures import ImmutableMultiDict

    built = ImmutableMultiDict.from_single_values({"a": "1", "b": "x"})
    assert isinstance(built, ImmutableMultiDict)
    assert built["a"] == "1"
    assert built.getlist("b") == ["x"]
    with pytest.raises(TypeError):
        built["c"] = "3"


# --- CombinedMultiDict --------------------------------------------------------------------------


@pytest.fixture
def combined() -> CombinedMultiDict:
    args = ImmutableMultiDict([("a", "1"), ("q", "x")])
    form = ImmutableMultiDict([("a", "2"), ("a", "3"), ("f", "y"), ("n", "5")])
    return CombinedMultiDict([args, form])


def test_combined_lookup_order(combined: CombinedMultiDict) -> None:
    assert combined["a"] == "1"
    assert combined["f"] == "y"
    assert combined.get("a") == "1"
    assert combined.get("n", type=int) == 5
    assert combined.get("a", type=lambda v: int(v) * 10) == 10
    assert combined.get("missing", "d") == "d"
    assert combined.getlist("a") == ["1", "2", "3"]
    assert combined.getlist("a", type=int) == [1, 2, 3]
    with pytest.raises(BadRequestKeyError):
        combined["missing"]


def test_combined_get_type_falls_through_to_next_dict() -> None:
    combined = CombinedMultiDict([MultiDict({"n": "x"}), MultiDict({"n": "4"})])
    assert combined.get("n", type=int) == 4


def test_combined_views(combined: CombinedMultiDict) -> None:
    assert list(combined.keys()) == ["a", "q", "f", "n"]
    assert list(combined) == ["a", "q", "f", "n"]
    assert len(combined) == 4
    assert "f" in combined
    assert "z" not in combined
    assert list(combined.items()) == [("a", "1"), ("q", "x"), ("f", "y"), ("n", "5")]
    assert ("a", "3") in list(combined.items(multi=True))
    assert len(list(combined.items(multi=True))) == 6
    assert list(combined.values()) == ["1", "x", "y", "5"]
    assert dict(combined.lists())["a"] == ["1", "2", "3"]
    assert next(combined.listvalues()) == ["1", "2", "3"]
    assert combined.to_dict() == {"a": "1", "q": "x", "f": "y", "n": "5"}
    assert combined.to_dict(flat=False)["a"] == ["1", "2", "3"]
    assert dict(combined) == {"a": "1", "q": "x", "f": "y", "n": "5"}
    copied = combined.copy()
    assert type(copied) is MultiDict
    assert copied.getlist("a") == ["1", "2", "3"]
    assert "CombinedMultiDict" in repr(combined)


def test_combined_is_read_only(combined: CombinedMultiDict) -> None:
    with pytest.raises(TypeError):
        combined["a"] = "x"
    with pytest.raises(TypeError):
        combined.add("a", "x")
    with pytest.raises(TypeError):
        del combined["a"]


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
