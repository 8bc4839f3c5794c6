"""The URL converters: what each matches, what it builds, and custom converters."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from hipflask import routing
from hipflask.exceptions import NotFound
from hipflask.routing import BuildError, Map, Rule, converters
from hipflask.routing.converters import (
    DEFAULT_CONVERTERS,
    AnyConverter,
    BaseConverter,
    FloatConverter,
    IntegerConverter,
    PathConverter,
    UnicodeConverter,
    UUIDConverter,
)


def make_map(*rules: Rule, **options: Any) -> Map:
    return Map(rules, **options)


class ListConverter(BaseConverter):
    def to_python(self, value: str) -> list[str]:
        return value.split(",")

    def to_url(self, value: Any) -> str:
        return ",".join(super(ListConverter, self).to_url(item) for item in value)


def test_default_converters_have_werkzeug_names() -> None:
    assert {
        "default": UnicodeConverter,
        "string": UnicodeConverter,
        "any": AnyConverter,
        "path": PathConverter,
        "int": IntegerConverter,
        "float": FloatConverter,
        "uuid": UUIDConverter,
    } == DEFAULT_CONVERTERS


def test_string_converter_matches_one_segment() -> None:
    url_map = make_map(Rule("/user/<name>", endpoint="profile"))
    assert url_map.match("/user/Éléonore")[1] == {"name": "Éléonore"}
    with pytest.raises(NotFound):
        url_map.match("/user/a/b")
    with pytest.raises(NotFound):
        url_map.match("/user/")


def test_string_converter_length_arguments() -> None:
    url_map = make_map(
        Rule("/code/<string(length=2):code>", endpoint="code"),
        Rule("/name/<string(minlength=2, maxlength=3):name>", endpoint="name"),
    )
    assert url_map.match("/code/fr")[1] == {"code": "fr"}
    assert url_map.match("/name/abc")[1] == {"name": "abc"}
    for path in ("/code/f", "/code/fra", "/name/a", "/name/abcd"):
        with pytest.raises(NotFound):
            url_map.match(path)


def test_int_converter() -> None:
    url_map = make_map(Rule("/post/<int:post_id>", endpoint="post"))
    assert url_map.match("/post/42")[1] == {"post_id": 42}
    for path in ("/post/-1", "/post/4.2", "/post/x", "/post/\u0661", "/post/1_0", "/post/ 1"):
        with pytest.raises(NotFound):
            url_map.match(path)
    assert url_map.build("post", {"post_id": 7}) == "/post/7"
    with pytest.raises(BuildError, match="converter refused"):
        url_map.build("post", {"post_id": "seven"})


def test_int_converter_refuses_too_many_digits_with_a_404() -> None:
    url_map = make_map(Rule("/post/<int:post_id>", endpoint="post"))
    with pytest.raises(NotFound):
        url_map.match("/post/" + "9" * 10_000)


def test_an_int_converter_subclass_keeps_its_to_python() -> None:
    class Doubled(IntegerConverter):
        def to_python(self, value: str) -> int:
            return 2 * int(value)

    url_map = Map([Rule("/n/<doubled:n>", endpoint="n")], converters={"doubled": Doubled})
    assert url_map.match("/n/21")[1] == {"n": 42}


def test_signed_int_and_bounds() -> None:
    url_map = make_map(
        Rule("/delta/<int(signed=True):delta>", endpoint="delta"),
        Rule("/page/<int(min=1, max=10):page>", endpoint="page"),
    )
    assert url_map.match("/delta/-5")[1] == {"delta": -5}
    assert url_map.match("/delta/5")[1] == {"delta": 5}
    assert url_map.match("/page/10")[1] == {"page": 10}
    for path in ("/page/0", "/page/11", "/page/-1"):
        with pytest.raises(NotFound):
            url_map.match(path)


def test_int_fixed_digits_matches_and_pads() -> None:
    url_map = make_map(Rule("/year/<int(fixed_digits=4):year>", endpoint="year"))
    assert url_map.match("/year/0999")[1] == {"year": 999}
    with pytest.raises(NotFound):
        url_map.match("/year/999")
    assert url_map.build("year", {"year": 42}) == "/year/0042"


def test_float_converter() -> None:
    url_map = make_map(
        Rule("/price/<float:price>", endpoint="price"),
        Rule("/temp/<float(signed=True, max=60.0):temp>", endpoint="temp"),
    )
    assert url_map.match("/price/1.5")[1] == {"price": 1.5}
    assert url_map.match("/temp/-3.5")[1] == {"temp": -3.5}
    for path in ("/price/1", "/price/-1.5", "/temp/60.5", "/price/1e5"):
        with pytest.raises(NotFound):
            url_map.match(path)
    assert url_map.build("price", {"price": 2.25}) == "/price/2.25"


def test_uuid_converter() -> None:
    url_map = make_map(Rule("/item/<uuid:item_id>", endpoint="item"))
    value = uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert url_map.match("/item/12345678-1234-5678-1234-567812345678")[1] == {"item_id": value}
    assert url_map.match("/item/12345678-1234-5678-1234-56781234567A")[1]["item_id"] == uuid.UUID(
        "12345678-1234-5678-1234-56781234567a"
    )
    with pytest.raises(NotFound):
        url_map.match("/item/12345678123456781234567812345678")
    with pytest.raises(BuildError, match="converter refused"):
        url_map.build("item", {"item_id": "nope"})
    assert url_map.build("item", {"item_id": value}) == f"/item/{value}"


def test_any_converter() -> None:
    url_map = make_map(Rule('/<any(about, help, "c d"):page>', endpoint="page"))
    assert url_map.match("/about")[1] == {"page": "about"}
    assert url_map.match("/c d")[1] == {"page": "c d"}
    with pytest.raises(NotFound):
        url_map.match("/abouthelp")
    assert url_map.build("page", {"page": "c d"}) == "/c%20d"
    with pytest.raises(BuildError, match="refused"):
        url_map.build("page", {"page": "other"})


def test_path_converter_spans_slashes_and_builds_them() -> None:
    url_map = make_map(Rule("/files/<path:filename>", endpoint="files"))
    assert url_map.match("/files/a/b/c.txt")[1] == {"filename": "a/b/c.txt"}
    assert url_map.match("/files/a\nb")[1] == {"filename": "a\nb"}
    with pytest.raises(NotFound):
        url_map.match("/files//etc/passwd")
    assert url_map.build("files", {"filename": "a b/ü.txt"}) == "/files/a%20b/%C3%BC.txt"


def test_custom_converter_round_trips() -> None:
    url_map = Map()
    url_map.converters["list"] = ListConverter
    url_map.add(Rule("/tags/<list:tags>", endpoint="tags"))
    assert url_map.match("/tags/a,b,c")[1] == {"tags": ["a", "b", "c"]}
    assert url_map.build("tags", {"tags": ["x", "y z"]}) == "/tags/x,y%20z"


def test_part_isolating_follows_the_regex() -> None:
    class SlashConverter(BaseConverter):
        regex = "[a-z/]+"

    assert SlashConverter.part_isolating is False
    assert UnicodeConverter.part_isolating is True
    assert PathConverter.part_isolating is False


def test_routing_re_exports_the_converters() -> None:
    names = [
        "AnyConverter",
        "BaseConverter",
        "DEFAULT_CONVERTERS",
        "FloatConverter",
        "IntegerConverter",
        "NumberConverter",
        "PathConverter",
        "UUIDConverter",
        "UnicodeConverter",
        "ValidationError",
    ]
    for name in names:
        assert getattr(routing, name) is getattr(converters, name), name
