from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hipflask.exceptions import MethodNotAllowed, NotFound, RequestRedirect
from hipflask.routing import (
    AnyConverter,
    BaseConverter,
    Map,
    Rule,
    ValidationError,
)


def make_map(*rules: Rule, **options: Any) -> Map:
    return Map(rules, **options)


def endpoint_for(url_map: Map, path: str, method: str = "GET") -> str | None:
    return url_map.match(path, method)[0].endpoint


def redirect_target(url_map: Map, path: str, method: str = "GET") -> str:
    with pytest.raises(RequestRedirect) as info:
        url_map.match(path, method)
    return info.value.new_url


class EvenConverter(BaseConverter):
    regex = "[0-9]+"

    def to_python(self, value: str) -> int:
        if int(value) % 2:
            raise ValidationError(value)
        return int(value)


# -- converters in the router --------------------------------------------------------------


def test_converters_given_to_the_map() -> None:
    url_map = Map([Rule("/n/<even:n>", endpoint="even")], converters={"even": EvenConverter})
    assert url_map.match("/n/4")[1] == {"n": 4}
    with pytest.raises(NotFound):
        url_map.match("/n/3")


def test_validation_error_falls_through_to_the_next_rule() -> None:
    url_map = make_map(
        Rule("/n/<even:n>", endpoint="even"),
        Rule("/n/<int:n>", endpoint="odd"),
        converters={"even": EvenConverter},
    )
    assert endpoint_for(url_map, "/n/4") == "even"
    assert endpoint_for(url_map, "/n/3") == "odd"


def test_converter_regex_may_hold_groups() -> None:
    class PairConverter(BaseConverter):
        regex = "([a-z])-([a-z])"

    url_map = make_map(
        Rule("/a/<pair:left>/<int:n>", endpoint="pair"),
        Rule("/b/<int:n>", endpoint="b"),
        converters={"pair": PairConverter},
    )
    assert url_map.match("/a/x-y/3")[1] == {"left": "x-y", "n": 3}
    assert url_map.match("/b/4")[1] == {"n": 4}


# -- rules ---------------------------------------------------------------------------------


def test_rule_attributes() -> None:
    rule = Rule(
        "/user/<int:user_id>/<name>",
        endpoint="profile",
        methods=["get", "post"],
        defaults={"tab": "home"},
        subdomain="api",
    )
    assert rule.rule == "/user/<int:user_id>/<name>"
    assert str(rule) == rule.rule
    assert rule.endpoint == "profile"
    assert rule.methods == frozenset({"GET", "HEAD", "POST"})
    assert rule.arguments == {"user_id", "name"}
    assert rule.defaults == {"tab": "home"}
    assert rule.subdomain == "api"
    assert rule.map is None
    url_map = make_map(rule)
    assert rule.map is url_map
    assert rule.strict_slashes is True


def test_rule_methods_none_means_every_method() -> None:
    url_map = make_map(Rule("/any", endpoint="any"))
    assert url_map.match("/any", "PATCH")[0].methods is None
    assert url_map.match("/any", "BREW")[0].endpoint == "any"


def test_rule_repr() -> None:
    assert repr(Rule("/user/<name>", endpoint="profile", methods=["GET"])) == (
        "<Rule '/user/<name>' (GET, HEAD) -> profile>"
    )
    assert repr(Rule("/", endpoint="index")) == "<Rule '/' -> index>"


def test_methods_as_a_string_is_refused() -> None:
    with pytest.raises(TypeError, match="iterable of strings"):
        Rule("/", methods="GET")


@pytest.mark.parametrize(
    ("string", "message"),
    [
        ("/<nope:x>", "unknown converter 'nope'"),
        ("/<int(bogus=1):x>", "Bad arguments for the converter 'int'"),
        ("/<any():x>", "at least one item"),
        ("/<any(a, b=1, c):x>", "Positional converter argument after a keyword"),
        ("/<any(a-b):x>", "Cannot parse the converter argument"),
        ("/<any('a):x>", "Cannot parse the converter argument"),
    ],
)
def test_bad_converters_are_refused_at_registration(string: str, message: str) -> None:
    url_map = Map()
    with pytest.raises(ValueError, match=message):
        url_map.add(Rule(string))
    assert len(url_map) == 0


def test_converter_arguments_are_python_literals_or_bare_names() -> None:
    url_map = make_map(
        Rule('/<any(class, help.me, 1, "it\'s"):page>', endpoint="page"),
        Rule("/n/<int(signed=True, min=-3, max=None):n>", endpoint="n"),
    )
    converter = next(url_map.iter_rules("page"))._converters["page"]
    assert isinstance(converter, AnyConverter)
    assert converter.items == ("class", "help.me", "1", "it's")
    assert url_map.match("/n/-3")[1] == {"n": -3}


def test_a_rule_binds_to_one_map() -> None:
    rule = Rule("/", endpoint="index")
    make_map(rule)
    with pytest.raises(RuntimeError, match="already bound"):
        make_map(rule)


def test_redirect_to_with_placeholders() -> None:
    url_map = make_map(
        Rule("/old/<int:post_id>", endpoint="old", redirect_to="/post/<post_id>"),
        Rule("/legacy", redirect_to="about"),
    )
    assert redirect_target(url_map, "/old/5") == "/post/5"
    assert redirect_target(url_map, "/legacy") == "/about"
    with pytest.raises(ValueError, match="unknown values"):
        make_map(Rule("/x", redirect_to="/<missing>"))


# -- the map and matching ------------------------------------------------------------------


def test_map_iterates_in_registration_order() -> None:
    rules = [
        Rule("/b/<x>", endpoint="b"),
        Rule("/a", endpoint="a"),
        Rule("/a/<int:x>", endpoint="a"),
    ]
    url_map = make_map(*rules)
    assert list(url_map) == rules
    assert list(url_map.iter_rules()) == rules
    assert list(url_map.iter_rules("a")) == rules[1:]
    assert list(url_map.iter_rules("missing")) == []
    assert len(url_map) == 3


def test_static_text_is_literal_not_a_regex() -> None:
    url_map = make_map(Rule("/v1.0/<name>", endpoint="v1"), Rule("/a+b", endpoint="plus"))
    assert endpoint_for(url_map, "/v1.0/x") == "v1"
    assert endpoint_for(url_map, "/a+b") == "plus"
    for path in ("/v1x0/x", "/aab"):
        with pytest.raises(NotFound):
            url_map.match(path)


def test_rules_added_after_matching_are_found() -> None:
    url_map = make_map(Rule("/a", endpoint="a"))
    assert endpoint_for(url_map, "/a") == "a"
    url_map.add(Rule("/b/<int:n>", endpoint="b"))
    url_map.add(Rule("/c", endpoint="c"))
    assert endpoint_for(url_map, "/b/1") == "b"
    assert endpoint_for(url_map, "/c") == "c"


def test_defaults_are_merged_under_the_view_args() -> None:
    url_map = make_map(
        Rule("/users/", endpoint="users", defaults={"page": 1}),
        Rule("/users/page/<int:page>", endpoint="users", defaults={"sort": "name"}),
    )
    assert url_map.match("/users/")[1] == {"page": 1}
    assert url_map.match("/users/page/3")[1] == {"page": 3, "sort": "name"}
    rule, values = url_map.match("/users/")
    values["page"] = 2
    assert rule.defaults == {"page": 1}


def test_head_is_allowed_when_get_is() -> None:
    url_map = make_map(Rule("/a", endpoint="a", methods=["GET"]))
    assert endpoint_for(url_map, "/a", "HEAD") == "a"
    assert endpoint_for(url_map, "/a", "head") == "a"


def test_method_not_allowed_carries_the_union_of_allowed_methods() -> None:
    url_map = make_map(
        Rule("/items", endpoint="list", methods=["GET"]),
        Rule("/items", endpoint="create", methods=["POST"]),
        Rule("/items/<int:item_id>", endpoint="show", methods=["GET"]),
        Rule("/items/<item_slug>", endpoint="update", methods=["PUT"]),
    )
    with pytest.raises(MethodNotAllowed) as info:
        url_map.match("/items", "DELETE")
    assert info.value.valid_methods == ["GET", "HEAD", "POST"]
    with pytest.raises(MethodNotAllowed) as info:
        url_map.match("/items/3", "DELETE")
    assert info.value.valid_methods == ["GET", "HEAD", "PUT"]
    assert url_map.allowed_methods("/items/3") == {"GET", "HEAD", "PUT"}
    assert url_map.allowed_methods("/items/x") == {"PUT"}
    assert url_map.allowed_methods("/nothing") == set()


def test_a_later_rule_with_the_right_method_wins_over_405() -> None:
    url_map = make_map(
        Rule("/user/new", endpoint="new", methods=["GET"]),
        Rule("/user/<name>", endpoint="rename", methods=["POST"]),
    )
    assert endpoint_for(url_map, "/user/new", "POST") == "rename"


def test_method_table_on_a_shared_pattern() -> None:
    url_map = make_map(
        Rule("/items/<int:item_id>", endpoint="show", methods=["GET"]),
        Rule("/items/<int:item_id>", endpoint="delete", methods=["DELETE"]),
        Rule("/items/<int:id>", endpoint="replace", methods=["PUT"]),
        Rule("/items/<int:item_id>", endpoint="fallback"),
    )
    router = url_map._compile()
    assert len(router.alternatives) == 1
    assert endpoint_for(url_map, "/items/1") == "show"
    assert endpoint_for(url_map, "/items/1", "DELETE") == "delete"
    assert url_map.match("/items/1", "PUT") == (list(url_map)[2], {"id": 1})
    assert endpoint_for(url_map, "/items/1", "PATCH") == "fallback"


def test_subdomains() -> None:
    url_map = make_map(
        Rule("/", endpoint="api_index", subdomain="api"),
        Rule("/", endpoint="index"),
        Rule("/u/<name>", endpoint="api_user", subdomain="api"),
        Rule("/u/<name>", endpoint="user"),
    )
    assert url_map.match("/", subdomain="api")[0].endpoint == "api_index"
    assert url_map.match("/", subdomain="")[0].endpoint == "index"
    assert url_map.match("/u/a", subdomain="")[0].endpoint == "user"
    assert url_map.match("/u/a", subdomain="api")[0].endpoint == "api_user"
    assert url_map.match("/u/a")[0].endpoint == "api_user"
    with pytest.raises(NotFound):
        url_map.match("/", subdomain="www")


# -- slashes -------------------------------------------------------------------------------


def test_missing_trailing_slash_redirects() -> None:
    url_map = make_map(
        Rule("/projects/", endpoint="projects"),
        Rule("/projects/<int:n>/", endpoint="project"),
        Rule("/", endpoint="index"),
    )
    assert redirect_target(url_map, "/projects") == "/projects/"
    assert redirect_target(url_map, "/projects/3") == "/projects/3/"
    assert redirect_target(url_map, "") == "/"
    assert endpoint_for(url_map, "/projects/") == "projects"


def test_extra_trailing_slash_is_a_404() -> None:
    url_map = make_map(Rule("/about", endpoint="about"), Rule("/u/<name>", endpoint="user"))
    for path in ("/about/", "/u/a/"):
        with pytest.raises(NotFound):
            url_map.match(path)


def test_exact_rule_beats_the_slash_redirect() -> None:
    url_map = make_map(Rule("/a/", endpoint="slash"), Rule("/a", endpoint="bare"))
    assert endpoint_for(url_map, "/a") == "bare"
    assert endpoint_for(url_map, "/a/") == "slash"


def test_static_slash_redirect_beats_a_dynamic_match() -> None:
    url_map = make_map(Rule("/<name>", endpoint="page"), Rule("/projects/", endpoint="projects"))
    assert redirect_target(url_map, "/projects") == "/projects/"
    assert endpoint_for(url_map, "/other") == "page"


def test_slash_redirect_needs_a_fitting_method() -> None:
    url_map = make_map(
        Rule("/a/", endpoint="a", methods=["GET"]),
        Rule("/b", endpoint="b_post", methods=["POST"]),
        Rule("/b/", endpoint="b", methods=["GET"]),
    )
    with pytest.raises(NotFound):
        url_map.match("/a", "POST")
    assert redirect_target(url_map, "/b", "GET") == "/b/"


def test_non_strict_rules_match_both_ways() -> None:
    url_map = make_map(
        Rule("/dir/", endpoint="dir", strict_slashes=False),
        Rule("/file", endpoint="file", strict_slashes=False),
        Rule("/u/<name>", endpoint="user", strict_slashes=False),
    )
    assert endpoint_for(url_map, "/dir") == "dir"
    assert endpoint_for(url_map, "/dir/") == "dir"
    assert endpoint_for(url_map, "/file/") == "file"
    assert url_map.match("/u/a/") == (list(url_map)[2], {"name": "a"})
    non_strict_map = make_map(Rule("/dir/", endpoint="dir"), strict_slashes=False)
    assert endpoint_for(non_strict_map, "/dir") == "dir"


def test_a_path_whose_first_segment_no_pattern_has_still_finds_a_loose_rule() -> None:
    # NOTE: Map.match answers 404 at once when no pattern starts with the path's first segment,
    # unless the path ends in "/": a rule without strict slashes may match it without.
    url_map = make_map(
        Rule("/users/<int:n>", endpoint="user"),
        Rule("/posts/<slug>", endpoint="post"),
        Rule("/about", endpoint="about", strict_slashes=False),
    )
    assert endpoint_for(url_map, "/about/") == "about"
    assert endpoint_for(url_map, "/about") == "about"
    for path in ("/missing/", "/missing", "missing", "", "/users/x"):
        with pytest.raises(NotFound):
            url_map.match(path)


def test_slash_redirects_of_dynamic_rules_found_by_the_head_or_the_walk() -> None:
    # NOTE: the patterns under a first segment (one, or several walked) may want a slash.
    url_map = make_map(
        Rule("/projects/<int:n>/", endpoint="project"),
        Rule("/users/<int:n>", endpoint="user"),
        Rule("/users/<int:n>/posts/<slug>/", endpoint="post"),
        Rule("/<lang>/docs/<page>/", endpoint="docs", subdomain="api"),
    )
    assert redirect_target(url_map, "/projects/3") == "/projects/3/"
    assert redirect_target(url_map, "/users/3/posts/x") == "/users/3/posts/x/"
    assert redirect_target(url_map, "/en/docs/intro") == "/en/docs/intro/"
    headed = make_map(
        Rule("/projects/<int:n>/", endpoint="project"), Rule("/users/<int:n>", endpoint="user")
    )
    assert redirect_target(headed, "/projects/3") == "/projects/3/"


def test_the_first_rule_for_the_method_wins_unless_subdomains_are_compared() -> None:
    url_map = make_map(
        Rule("/", endpoint="api_index", subdomain="api", methods=["GET"]),
        Rule("/", endpoint="index", methods=["GET"]),
        Rule("/u/<int:n>", endpoint="api_user", subdomain="api", methods=["GET"]),
        Rule("/u/<int:n>", endpoint="user", methods=["GET"]),
        Rule("/u/<int:n>", endpoint="user_post", methods=["POST"]),
    )
    for path, api, plain in (("/", "api_index", "index"), ("/u/1", "api_user", "user")):
        assert url_map.match(path, "GET")[0].endpoint == api
        assert url_map.match(path, "GET", "api")[0].endpoint == api
        assert url_map.match(path, "GET", "")[0].endpoint == plain
    assert url_map.match("/u/1", "POST", "")[0].endpoint == "user_post"
    with pytest.raises(MethodNotAllowed):
        url_map.match("/u/1", "POST", "api")
    with pytest.raises(MethodNotAllowed):
        url_map.match("/u/1", "DELETE")
    with pytest.raises(MethodNotAllowed):
        url_map.match("/", "POST", "")


def test_slash_redirect_target_is_encoded() -> None:
    url_map = make_map(Rule("/<path:p>/", endpoint="p"), Rule("/<a>/<b>/", endpoint="ab"))
    assert redirect_target(url_map, "/a b?c#d") == "/a%20b%3Fc%23d/"
    assert redirect_target(url_map, "/ü/x\r\nSet-Cookie: a") == "/%C3%BC/x%0D%0ASet-Cookie:%20a/"
    assert redirect_target(url_map, "/a\\evil.example") == "/a%5Cevil.example/"
    assert redirect_target(url_map, "/x/\udcff") == "/x/%FF/"
    assert redirect_target(url_map, "/x/\ud800").startswith("/x/%")


def test_slash_redirect_never_targets_another_host() -> None:
    class AnythingConverter(BaseConverter):
        regex = ".*"

    url_map = make_map(
        Rule("/<anything:x>/", endpoint="x"), converters={"anything": AnythingConverter}
    )
    assert redirect_target(url_map, "//evil.example") == "/%2Fevil.example/"


# -- priority ------------------------------------------------------------------------------


@pytest.mark.parametrize("reverse", [False, True])
def test_static_beats_dynamic(reverse: bool) -> None:
    rules = [Rule("/user/new", endpoint="new"), Rule("/user/<name>", endpoint="profile")]
    url_map = make_map(*(reversed(rules) if reverse else rules))
    assert endpoint_for(url_map, "/user/new") == "new"
    assert endpoint_for(url_map, "/user/bob") == "profile"


@pytest.mark.parametrize("reverse", [False, True])
def test_more_specific_dynamic_rules_win(reverse: bool) -> None:
    rules = [
        Rule("/files/<path:p>", endpoint="file"),
        Rule("/files/<int:file_id>/raw", endpoint="raw"),
        Rule("/<path:p>", endpoint="catch_all"),
        Rule("/<path:p>/edit", endpoint="edit"),
        Rule("/n/<name>", endpoint="name"),
        Rule("/n/<int:n>", endpoint="number"),
        Rule("/n/<uuid:u>", endpoint="uuid"),
        Rule("/d/<name>", endpoint="doc"),
        Rule("/d/<name>.json", endpoint="json"),
        Rule("/<a>/x", endpoint="late_static"),
        Rule("/y/<b>", endpoint="early_static"),
    ]
    url_map = make_map(*(reversed(rules) if reverse else rules))
    assert endpoint_for(url_map, "/files/a/b") == "file"
    assert endpoint_for(url_map, "/files/3/raw") == "raw"
    assert endpoint_for(url_map, "/files/3") == "file"
    assert endpoint_for(url_map, "/a/b/edit") == "edit"
    assert endpoint_for(url_map, "/a/b") == "catch_all"
    assert endpoint_for(url_map, "/n/42") == "number"
    assert endpoint_for(url_map, "/n/bob") == "name"
    assert endpoint_for(url_map, "/n/12345678-1234-5678-1234-567812345678") == "uuid"
    assert endpoint_for(url_map, "/d/a.json") == "json"
    assert endpoint_for(url_map, "/d/a.xml") == "doc"
    assert endpoint_for(url_map, "/y/x") == "early_static"


def test_five_hundred_dynamic_rules_match_correctly() -> None:
    url_map = Map()
    for index in range(500):
        url_map.add(Rule(f"/r{index}/<int:item_id>", endpoint=f"int{index}", methods=["GET"]))
        url_map.add(Rule(f"/r{index}/<int:item_id>", endpoint=f"del{index}", methods=["DELETE"]))
        url_map.add(Rule(f"/r{index}/<name>/<path:rest>", endpoint=f"path{index}"))
    for index in (0, 1, 250, 498, 499):
        assert url_map.match(f"/r{index}/7") == (
            next(url_map.iter_rules(f"int{index}")),
            {"item_id": 7},
        )
        assert endpoint_for(url_map, f"/r{index}/7", "DELETE") == f"del{index}"
        assert url_map.match(f"/r{index}/a/b/c")[1] == {"name": "a", "rest": "b/c"}
    with pytest.raises(MethodNotAllowed):
        url_map.match("/r499/7", "PUT")
    with pytest.raises(NotFound):
        url_map.match("/r500/7")
    assert len(url_map._compile().alternatives) == 1000


def test_is_endpoint_expecting() -> None:
    url_map = make_map(
        Rule("/<lang>/about", endpoint="about"),
        Rule("/<lang>/post/<int:post_id>", endpoint="post"),
        Rule("/post/<int:post_id>", endpoint="post"),
        Rule("/users/", endpoint="users", defaults={"page": 1}),
        Rule("/", endpoint="index"),
    )
    assert url_map.is_endpoint_expecting("about", "lang")
    assert url_map.is_endpoint_expecting("post", "lang", "post_id")
    assert not url_map.is_endpoint_expecting("post", "lang", "page")
    assert url_map.is_endpoint_expecting("users", "page")
    assert url_map.is_endpoint_expecting("index")
    assert not url_map.is_endpoint_expecting("index", "lang")
    assert not url_map.is_endpoint_expecting("missing", "lang")


# -- hostile paths -------------------------------------------------------------------------


def hostile_map() -> Map:
    return make_map(
        Rule("/", endpoint="index"),
        Rule("/a", endpoint="a"),
        Rule("/projects/", endpoint="projects"),
        Rule("/user/<name>", endpoint="user", methods=["GET"]),
        Rule("/user/<int:user_id>/", endpoint="user_id", methods=["POST"]),
        Rule("/files/<path:p>", endpoint="files"),
        Rule("/n/<float(signed=True):x>/<uuid:u>", endpoint="n"),
        Rule("/any/<any(a, b):x>", endpoint="any", strict_slashes=False),
        Rule("/<a>/<b>/c/", endpoint="abc"),
    )


@pytest.mark.parametrize(
    "path",
    [
        "//a",
        "/a\x00",
        "\x00",
        "/..",
        "/../a",
        "/a/../a",
        "/" + "a" * 1_000_000,
        "/é",
        "",
        "a",
        "/a\n",
    ],
)
def test_hostile_paths_only_raise_routing_exceptions(path: str) -> None:
    with pytest.raises((NotFound, MethodNotAllowed, RequestRedirect)):
        hostile_map().match(path)


ROUTING_OUTCOMES = (NotFound, MethodNotAllowed, RequestRedirect)


@settings(max_examples=300, deadline=None)
@given(
    path=st.one_of(st.text(), st.text().map(lambda text: "/" + text)),
    method=st.sampled_from(["GET", "POST", "HEAD", "DELETE", "get", ""]),
    subdomain=st.one_of(st.none(), st.text(max_size=3)),
)
def test_match_fuzz(path: str, method: str, subdomain: str | None) -> None:
    url_map = hostile_map()
    try:
        rule, values = url_map.match(path, method, subdomain)
    except RequestRedirect as exc:
        assert exc.new_url.startswith("/")
        assert not exc.new_url.startswith("//")
        assert exc.new_url.isascii()
        assert not any(char in exc.new_url for char in " \r\n\t\\")
    except ROUTING_OUTCOMES:
        pass
    else:
        assert isinstance(rule, Rule)
        assert rule.arguments <= values.keys()
    assert isinstance(url_map.allowed_methods(path, subdomain), set)


# -- the converter function written per rule (Rule._convert) --------------------------------


def _reference_convert(rule: Rule, path: str) -> dict[str, Any]:
    """Convert as the loop over ``_variables`` did before rules wrote their own function."""
    match = rule._regex.fullmatch(path)
    assert match is not None
    values = dict(rule._defaults)
    for name, index, to_python in rule._variables:
        raw = match.group(index + 1)
        values[name] = raw if to_python is None else to_python(raw)
    return values


class _Pair(BaseConverter):
    """A converter whose regex holds two groups, shifting the variables after it."""

    regex = "([a-z])-([a-z])"

    def to_python(self, value: str) -> str:
        return value.upper()


_KINDS = {"": "x", "int:": "17", "pair:": "a-b", "path:": "p/q", "float:": "1.5"}


@settings(max_examples=60, deadline=None)
@given(
    kinds=st.lists(st.sampled_from(sorted(_KINDS)), min_size=1, max_size=5),
    defaults=st.dictionaries(st.sampled_from(["d", "e"]), st.integers(), max_size=2),
)
def test_written_converter_equals_the_variable_loop(
    kinds: list[str], defaults: dict[str, int]
) -> None:
    string = "/" + "/".join(f"<{kind}v{index}>" for index, kind in enumerate(kinds))
    path = "/" + "/".join(_KINDS[kind] for kind in kinds)
    rule = Rule(string, endpoint="e", defaults=defaults or None)
    Map([rule], converters={"pair": _Pair})
    match = rule._regex.fullmatch(path)
    assert match is not None
    got = rule._convert(match)
    assert got == _reference_convert(rule, path)
    assert list(got) == list(_reference_convert(rule, path))  # the same key order


def test_a_converter_raising_value_error_is_not_turned_into_a_404() -> None:
    class Broken(BaseConverter):
        def to_python(self, value: str) -> Any:
            raise ValueError("a bug in the converter")

    url_map = make_map(Rule("/b/<int:n>/<broken:x>", endpoint="b"), converters={"broken": Broken})
    with pytest.raises(ValueError, match="a bug") as info:
        url_map.match("/b/1/x")
    assert not isinstance(info.value, ValidationError)


def test_converters_run_in_variable_order() -> None:
    seen: list[str] = []

    class Recording(BaseConverter):
        def to_python(self, value: str) -> Any:
            seen.append(value)
            return value

    url_map = make_map(
        Rule("/<rec:a>/<int:n>/<rec:b>", endpoint="r"), converters={"rec": Recording}
    )
    assert url_map.match("/x/3/y")[1] == {"a": "x", "n": 3, "b": "y"}
    assert seen == ["x", "y"]
    seen.clear()
    with pytest.raises(NotFound):
        url_map.match("/x/" + "9" * 5000 + "/y")
    assert "y" not in seen  # the int failed before the last converter ran


@pytest.mark.parametrize("path", ["users", "users/1/posts/x", "//users/1/posts/x"])
def test_paths_without_a_leading_slash_or_head_find_nothing(path: str) -> None:
    url_map = make_map(Rule("/users/<int:n>/posts/<s>", endpoint="p"), Rule("/", endpoint="i"))
    with pytest.raises(NotFound):
        url_map.match(path)
