"""Building URLs: the rule that fits the values, the query string, BuildError's messages."""

from __future__ import annotations

from typing import Any

import pytest

from hipflask.routing import BuildError, Map, Rule


def make_map(*rules: Rule, **options: Any) -> Map:
    return Map(rules, **options)


# -- building ------------------------------------------------------------------------------


def build_map() -> Map:
    return make_map(
        Rule("/", endpoint="index"),
        Rule("/user/<username>", endpoint="profile"),
        Rule("/users/", endpoint="users", defaults={"page": 1}),
        Rule("/users/page/<int:page>", endpoint="users"),
        Rule("/post/<int:post_id>", endpoint="post", methods=["GET"]),
        Rule("/post/<int:post_id>/edit", endpoint="post", methods=["POST"]),
        Rule("/über/<name>", endpoint="static_unicode"),
        Rule("/<path:p>", endpoint="anywhere"),
    )


def test_build_percent_encodes_non_ascii_values() -> None:
    assert build_map().build("profile", {"username": "Éléonore"}) == "/user/%C3%89l%C3%A9onore"
    assert build_map().build("profile", {"username": "a/b?c#d e"}) == "/user/a%2Fb%3Fc%23d%20e"
    assert build_map().build("profile", {"username": "x:y@z"}) == "/user/x:y@z"
    assert build_map().build("static_unicode", {"name": "a"}) == "/%C3%BCber/a"


def test_build_static_rule() -> None:
    assert build_map().build("index") == "/"
    assert build_map().build("index", {"q": "a b"}) == "/?q=a+b"


def test_build_appends_unknown_values_as_a_query() -> None:
    url = build_map().build(
        "profile",
        {"username": "bob", "tab": "posts", "skip": None, "tags": ["a", None, "b c"], "n": (1, 2)},
    )
    assert url == "/user/bob?tab=posts&tags=a&tags=b+c&n=1&n=2"
    assert build_map().build("profile", {"username": "bob", "x": 1}, append_unknown=False) == (
        "/user/bob"
    )


def test_build_uses_defaults_to_choose_the_rule() -> None:
    url_map = build_map()
    assert url_map.build("users") == "/users/"
    assert url_map.build("users", {"page": 1}) == "/users/"
    assert url_map.build("users", {"page": 2}) == "/users/page/2"
    assert url_map.build("users", {"page": None}) == "/users/"


def test_build_prefers_the_rule_using_the_most_values() -> None:
    url_map = make_map(
        Rule("/search", endpoint="search"),
        Rule("/search/<query>", endpoint="search"),
        Rule("/search/<query>/<int:page>", endpoint="search"),
    )
    assert url_map.build("search") == "/search"
    assert url_map.build("search", {"query": "a"}) == "/search/a"
    assert url_map.build("search", {"query": "a", "page": 2}) == "/search/a/2"
    assert url_map.build("search", {"page": 2}) == "/search?page=2"


def test_build_by_method() -> None:
    url_map = build_map()
    assert url_map.build("post", {"post_id": 3}) == "/post/3"
    assert url_map.build("post", {"post_id": 3}, "POST") == "/post/3/edit"
    assert url_map.build("post", {"post_id": 3}, "head") == "/post/3"


def test_build_never_makes_a_protocol_relative_url() -> None:
    assert build_map().build("anywhere", {"p": "/evil.example/x"}) == "/%2Fevil.example/x"


def test_build_error_for_an_unknown_endpoint_suggests_close_names() -> None:
    with pytest.raises(BuildError, match=r"no such endpoint\. Did you mean 'profile'") as info:
        build_map().build("profil", {"username": "a"})
    error = info.value
    assert isinstance(error, LookupError)
    assert (error.endpoint, error.values, error.method) == ("profil", {"username": "a"}, None)
    with pytest.raises(BuildError, match=r"no such endpoint\.$"):
        build_map().build("zzzzzz")


def test_build_error_names_the_missing_values() -> None:
    with pytest.raises(BuildError, match=r"Did you forget to specify values \['username'\]"):
        build_map().build("profile", {"user": "a", "other": None})


def test_build_error_names_the_allowed_methods() -> None:
    with pytest.raises(BuildError, match=r"\('DELETE'\). Did you mean to use methods") as info:
        build_map().build("post", {"post_id": 1}, "DELETE")
    assert info.value.method == "DELETE"
    assert "['GET', 'HEAD', 'POST']" in str(info.value)


def test_build_error_names_a_conflicting_default() -> None:
    url_map = make_map(Rule("/a", endpoint="a", defaults={"lang": "en"}))
    assert url_map.build("a", {"lang": "en"}) == "/a"
    with pytest.raises(BuildError, match="lang='fr' differs from the default 'en'"):
        url_map.build("a", {"lang": "fr"})
