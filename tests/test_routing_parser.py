"""The rule-string grammar: malformed rules and converter regexes are refused."""

from __future__ import annotations

from typing import Any

import pytest

from hipflask.routing import BaseConverter, Map, Rule


def make_map(*rules: Rule, **options: Any) -> Map:
    return Map(rules, **options)


@pytest.mark.parametrize(
    ("string", "message"),
    [
        ("user/<name>", "must start with a slash"),
        ("/<int:>", "Malformed"),
        ("/<name", "Malformed"),
        ("/name>", "Malformed"),
        ("/<>", "Malformed"),
        ("/<1x>", "Malformed"),
        ("/<int:a b>", "Malformed"),
        ("/<a>/<int:a>", "'a' twice"),
    ],
)
def test_bad_rule_syntax_is_refused(string: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Rule(string)


def test_converter_regex_with_named_groups_is_refused() -> None:
    class NamedConverter(BaseConverter):
        regex = "(?P<x>[a-z]+)"

    with pytest.raises(ValueError, match="named groups"):
        make_map(Rule("/<named:x>"), converters={"named": NamedConverter})
