"""The matcher: its segment trie finds the same rule a scan in priority order would, cheaply."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hipflask.exceptions import MethodNotAllowed, NotFound, RequestRedirect
from hipflask.routing import Map, Rule
from hipflask.routing.converters import BaseConverter
from hipflask.routing.matcher import Matcher, _may_match_slash


class AnythingConverter(BaseConverter):
    regex = ".*"  # NOTE: part_isolating is derived as True, though ".*" matches "/"


class SpanningSegmentConverter(BaseConverter):
    regex = "[a-z]+"
    part_isolating = False


class CountingPattern:
    """Stand in for a compiled pattern, counting the matches tried."""

    def __init__(self, pattern: re.Pattern[str], calls: list[str]) -> None:
        self.pattern = pattern
        self.calls = calls

    def fullmatch(self, path: str) -> re.Match[str] | None:
        self.calls.append(self.pattern.pattern)
        return self.pattern.fullmatch(path)


def count_regex_calls(url_map: Map) -> list[str]:
    calls: list[str] = []
    for candidates in url_map._compile().alternatives:
        candidates.regex = CountingPattern(candidates.regex, calls)  # type: ignore[assignment]
    return calls


def endpoint_for(url_map: Map, path: str, method: str = "GET") -> str | None:
    return url_map.match(path, method)[0].endpoint


# -- the regex scan ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("regex", "expected"),
    [
        ("[^/]+", False),
        ("[^/]{2,3}", False),
        ("[0-9]+", False),
        ("-?[0-9]+", False),
        (r"[0-9]+\.[0-9]+", False),
        ("[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}", False),
        ("(?:about|help|c\\ d)", False),
        ("([a-z])-([a-z])", False),
        (r"\d+\w*\s?", False),
        (r"[\w\-]+", False),
        (r"[^\/]+", False),
        ("[]a]", False),
        ("[^/].*?", True),
        (".*", True),
        ("a/b", True),
        (r"a\/b", True),
        ("[a/]", True),
        ("[!-0]", True),
        ("[^a]", True),
        (r"\S+", True),
        (r"\D", True),
        (r"[\W]", True),
        (r"\x2f", True),
        (r"[\x2f]", True),
        (r"\N{SOLIDUS}", True),
        (r"\57", True),
    ],
)
def test_may_match_slash_errs_towards_yes(regex: str, expected: bool) -> None:
    assert _may_match_slash(regex) is expected
    if not expected:
        assert re.fullmatch(f"(?:{regex})", "/") is None


def test_converters_that_may_match_a_slash_span_segments() -> None:
    url_map = Map(
        [
            Rule("/a/<anything:x>/", endpoint="anything"),
            Rule("/b/<spanning:x>/end", endpoint="spanning"),
            Rule("/c/<x>/<int:n>", endpoint="segment"),
        ],
        converters={"anything": AnythingConverter, "spanning": SpanningSegmentConverter},
    )
    assert url_map.match("/a/x/y/z/")[1] == {"x": "x/y/z"}
    assert endpoint_for(url_map, "/b/abc/end") == "spanning"
    assert endpoint_for(url_map, "/c/x/1") == "segment"
    with pytest.raises(NotFound):
        url_map.match("/c/x/y/1")


# -- the trie agrees with a scan in priority order -----------------------------------------

STATIC = ["a", "b", "users", "x.json", "", "v1"]
DYNAMIC = [
    "<{}>",
    "<int:{}>",
    "<path:{}>",
    "<any(a, b):{}>",
    "<string(length=2):{}>",
    "<anything:{}>",
    "<{}>.json",
    "v<int:{}>",
    "<string(minlength=0):{}>",
]
PIECES = ["a", "b", "users", "7", "-3", "x.json", "v1", "v12", "ab", "", "a/b"]


@st.composite
def rule_strings(draw: st.DrawFn) -> str:
    segments = draw(st.lists(st.sampled_from(STATIC + DYNAMIC), min_size=1, max_size=4))
    string = "/" + "/".join(segment.format(f"v{index}") for index, segment in enumerate(segments))
    return string + draw(st.sampled_from(["", "/"]))


@settings(max_examples=200, deadline=None)
@given(
    strings=st.lists(rule_strings(), min_size=1, max_size=30),
    paths=st.lists(
        st.lists(st.sampled_from(PIECES), max_size=5).map(lambda parts: "/" + "/".join(parts)),
        min_size=1,
        max_size=20,
    ),
)
def test_candidates_hold_every_matching_pattern_in_priority_order(
    strings: list[str], paths: list[str]
) -> None:
    url_map = Map(
        [Rule(string, endpoint=str(index)) for index, string in enumerate(strings)],
        converters={"anything": AnythingConverter},
    )
    matcher = url_map._compile()
    for path in [*paths, *(path + "/" for path in paths)]:
        scanned = [c for c in matcher.alternatives if c.regex.fullmatch(path)]
        found = [c for c in matcher.candidates(path) if c.regex.fullmatch(path)]
        assert found == scanned, path


def _outcome(match: Any, *arguments: Any) -> tuple[Any, ...]:
    try:
        rule, values = match(*arguments)
    except (NotFound, MethodNotAllowed, RequestRedirect) as exc:
        return (type(exc), getattr(exc, "new_url", None))
    return (rule, values)


@settings(max_examples=200, deadline=None)
@given(
    strings=st.lists(rule_strings(), min_size=1, max_size=30),
    paths=st.lists(
        st.lists(st.sampled_from(PIECES), max_size=5).map(lambda parts: "/".join(parts)),
        min_size=1,
        max_size=20,
    ),
    method=st.sampled_from(["GET", "POST", "get"]),
)
def test_match_inlines_the_head_lookup_as_the_slow_search_answers(
    strings: list[str], paths: list[str], method: str
) -> None:
    url_map = Map(
        [Rule(string, endpoint=str(index)) for index, string in enumerate(strings)],
        converters={"anything": AnythingConverter},
    )
    matcher = url_map._compile()
    # NOTE: paths with and without the leading slash: Map.match's head lookup guards both.
    for path in [*paths, *("/" + path for path in paths)]:
        expected = _outcome(matcher.match_slowly, path, method.upper(), None)
        assert _outcome(url_map.match, path, method) == expected, path


@st.composite
def options(draw: st.DrawFn) -> dict[str, Any]:
    """Draw the options of a rule that change which rule Map.match picks, or whether at all."""
    return {
        "methods": draw(st.sampled_from([None, ["GET"], ["POST"], ["GET", "POST"]])),
        "strict_slashes": draw(st.sampled_from([None, False])),
        "subdomain": draw(st.sampled_from([None, "api"])),
    }


@settings(max_examples=200, deadline=None)
@given(
    rules=st.lists(st.tuples(rule_strings(), options()), min_size=1, max_size=20),
    paths=st.lists(
        st.lists(st.sampled_from(PIECES), max_size=5).map(lambda parts: "/".join(parts)),
        min_size=1,
        max_size=10,
    ),
    method=st.sampled_from(["GET", "POST", "get"]),
    subdomain=st.sampled_from([None, "", "api"]),
)
def test_match_fast_paths_answer_as_the_slow_search_with_methods_slashes_and_subdomains(
    rules: list[tuple[str, dict[str, Any]]],
    paths: list[str],
    method: str,
    subdomain: str | None,
) -> None:
    # NOTE: a guard of Map.match's fast paths (the static table, the head lookup, the plain 404
    # of a path whose first segment no pattern has) dropped would change an answer here.
    url_map = Map(
        [
            Rule(string, endpoint=str(index), **kwargs)
            for index, (string, kwargs) in enumerate(rules)
        ],
        converters={"anything": AnythingConverter},
    )
    matcher = url_map._compile()
    for path in [*paths, *("/" + path for path in paths)]:
        expected = _outcome(matcher.match_slowly, path, method.upper(), subdomain)
        assert _outcome(url_map.match, path, method, subdomain) == expected, path


# -- a thousand rules ----------------------------------------------------------------------


def thousand_rules() -> Map:
    url_map = Map()
    for index in range(200):
        prefix = f"/shop/c{index}"
        url_map.add(Rule(f"{prefix}/<int:item_id>", endpoint=f"int{index}", methods=["GET"]))
        url_map.add(Rule(f"{prefix}/<slug>", endpoint=f"slug{index}", methods=["GET"]))
        url_map.add(Rule(f"{prefix}/<slug>/reviews/", endpoint=f"reviews{index}"))
        url_map.add(Rule(f"{prefix}/<path:rest>/raw", endpoint=f"raw{index}"))
        url_map.add(Rule(f"/<lang>/c{index}/<any(a, b):tab>", endpoint=f"tab{index}"))
    url_map.add(Rule("/shop/new", endpoint="new"))
    url_map.add(Rule("/shop/<path:rest>", endpoint="shop_any"))
    url_map.add(Rule("/<path:anything>", endpoint="anything"))
    return url_map


@pytest.mark.parametrize("index", [0, 1, 99, 100, 198, 199])
def test_a_thousand_rules_with_shared_prefixes_match_by_priority(index: int) -> None:
    url_map = thousand_rules()
    shop = f"/shop/c{index}"
    expected: list[tuple[str, str, str, dict[str, Any]]] = [
        ("GET", f"{shop}/7", f"int{index}", {"item_id": 7}),
        ("GET", f"{shop}/hat", f"slug{index}", {"slug": "hat"}),
        ("GET", f"{shop}/hat/reviews/", f"reviews{index}", {"slug": "hat"}),
        ("GET", f"{shop}/a/b/raw", f"raw{index}", {"rest": "a/b"}),
        ("GET", f"{shop}/raw", f"slug{index}", {"slug": "raw"}),
        ("GET", f"{shop}/hat/other", "shop_any", {"rest": f"c{index}/hat/other"}),
        ("POST", f"{shop}/7", "shop_any", {"rest": f"c{index}/7"}),
        ("GET", f"/en/c{index}/b", f"tab{index}", {"lang": "en", "tab": "b"}),
        ("GET", f"/en/c{index}/z", "anything", {"anything": f"en/c{index}/z"}),
        ("GET", f"/shop/c{index}x/7", "shop_any", {"rest": f"c{index}x/7"}),
        ("GET", f"{shop}/hat/reviews", "shop_any", {"rest": f"c{index}/hat/reviews"}),
        ("GET", "/shop/new", "new", {}),
    ]
    for method, path, endpoint, values in expected:
        rule, got = url_map.match(path, method)
        assert (rule.endpoint, got) == (endpoint, values), path


def test_a_thousand_rules_keep_405_and_slash_redirects() -> None:
    url_map = Map()
    for index in range(500):
        url_map.add(Rule(f"/r{index}/<int:n>", endpoint=f"get{index}", methods=["GET"]))
        url_map.add(Rule(f"/r{index}/<name>/", endpoint=f"put{index}", methods=["PUT"]))
    with pytest.raises(MethodNotAllowed) as info:
        url_map.match("/r499/7", "DELETE")
    assert info.value.valid_methods == ["GET", "HEAD"]
    assert url_map.allowed_methods("/r499/7/") == {"PUT"}
    with pytest.raises(RequestRedirect) as redirect:
        url_map.match("/r250/bob", "PUT")
    assert redirect.value.new_url == "/r250/bob/"
    with pytest.raises(NotFound):
        url_map.match("/r500/7")


# -- the cost does not grow with the rules -------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/shop/c199/7", "/shop/c0/a/b/raw", "/shop/c7/hat/reviews/", "/en/c150/a", "/en/c150"]
)
def test_a_match_among_a_thousand_rules_tries_a_few_patterns(path: str) -> None:
    url_map = thousand_rules()
    calls = count_regex_calls(url_map)
    url_map.match(path)
    assert 0 < len(calls) <= 6, calls
    # NOTE: at most 6 of the 1,003 patterns have a shape that fits any of these paths.
    assert len(url_map._compile().candidates(path)) <= 6


def test_a_404_among_a_thousand_rules_tries_no_pattern() -> None:
    url_map = Map([Rule(f"/r{index}/<int:a>/<b>", endpoint=f"r{index}") for index in range(1000)])
    calls = count_regex_calls(url_map)
    with pytest.raises(NotFound):
        url_map.match("/nope/7/x")
    assert calls == []
    assert url_map.match("/r999/7/x")[0].endpoint == "r999"
    assert calls == [r"/r999/([0-9]+)/([^/]{1,})"]


def test_a_404_whose_first_segment_no_pattern_has_skips_the_slash_search(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url_map = Map([Rule(f"/r{index}/<int:a>/<b>", endpoint=f"r{index}") for index in range(3)])
    url_map._compile()

    def refuse(self: Matcher, path: str) -> bool:
        raise AssertionError(f"may_redirect({path!r}) was called")

    monkeypatch.setattr(Matcher, "may_redirect", refuse)
    for path in ("/missing", "/nope/7/x", "missing", ""):
        with pytest.raises(NotFound):
            url_map.match(path)


def test_rules_starting_with_a_variable_are_walked() -> None:
    url_map = Map(
        [Rule(f"/<lang>/page{index}/<int:n>", endpoint=f"p{index}") for index in range(500)]
    )
    calls = count_regex_calls(url_map)
    assert url_map.match("/fr/page321/4") == (list(url_map)[321], {"lang": "fr", "n": 4})
    assert len(calls) == 1
