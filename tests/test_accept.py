"""Accept and MIMEAccept: ranking, matching and best_match, read through parse_accept_header."""

from __future__ import annotations

import pytest

from hipflask.accept import Accept, MIMEAccept
from hipflask.http import parse_accept_header


def test_accept_sorted_by_quality_then_specificity() -> None:
    accept = parse_accept_header("*/*;q=0.8, text/*, text/html, application/json;q=0.9")
    assert list(accept) == [
        ("text/html", 1.0),
        ("text/*", 1.0),
        ("application/json", 0.9),
        ("*/*", 0.8),
    ]
    assert accept[0] == ("text/html", 1.0)
    assert list(accept.values()) == ["text/html", "text/*", "application/json", "*/*"]
    assert accept.best == "text/html"
    assert len(accept) == 4
    assert accept.provided


def test_accept_quality_uses_the_most_specific_range() -> None:
    accept = parse_accept_header("text/*;q=0.5, text/html;q=0, */*;q=0.1")
    assert accept.quality("text/html") == 0
    assert accept["text/plain"] == 0.5
    assert accept.quality("image/png") == 0.1
    assert "text/html" not in accept
    assert "text/plain" in accept


def test_q_zero_means_not_acceptable() -> None:
    accept = parse_accept_header("application/json;q=0, text/html")
    assert "application/json" not in accept
    assert accept.best_match(["application/json"]) is None
    assert accept.best_match(["application/json"], default="x") == "x"
    assert parse_accept_header("text/html;q=0").best is None


def test_best_match() -> None:
    browser = parse_accept_header(
        "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
    )
    assert browser.best_match(["application/json", "text/html"]) == "text/html"
    assert browser.best_match(["application/json"]) == "application/json"
    api = parse_accept_header("application/json")
    assert api.best_match(["text/html", "application/json"]) == "application/json"
    assert api.best_match(["text/html"]) is None
    star = parse_accept_header("*/*")
    assert star.best_match(["text/html", "application/json"]) == "text/html"
    typed = parse_accept_header("text/*, application/json")
    assert typed.best_match(["text/html", "application/json"]) == "application/json"


def test_wildcards_and_params() -> None:
    accept = parse_accept_header("text/*;q=0.7, application/json; charset=utf-8")
    assert accept.quality("text/css") == 0.7
    assert accept.quality("image/png") == 0
    assert accept.quality("application/json") == 1
    assert accept.quality("application/json; charset=latin-1") == 0
    assert accept[0] == ("application/json;charset=utf-8", 1.0)
    assert parse_accept_header("*/html").quality("text/html") == 0
    assert parse_accept_header("garbage").quality("text/html") == 0
    assert parse_accept_header("text/html").quality("*/*") == 1


def test_mime_properties() -> None:
    browser = parse_accept_header("text/html, */*;q=0.1")
    assert browser.accept_html
    assert browser.accept_json
    api = parse_accept_header("application/json")
    assert api.accept_json
    assert not api.accept_html
    assert not api.accept_xhtml
    assert parse_accept_header("application/xhtml+xml").accept_html


def test_invalid_server_mimetype_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="MIME type"):
        parse_accept_header("text/html").best_match(["html"])


def test_absent_header_accepts_everything() -> None:
    accept = parse_accept_header(None)
    assert isinstance(accept, MIMEAccept)
    assert not accept.provided
    assert list(accept) == []
    assert accept.best is None
    assert "application/json" in accept
    assert accept.best_match(["application/json", "text/html"]) == "application/json"
    assert parse_accept_header("  ").provided is False


def test_plain_accept() -> None:
    accept = parse_accept_header("utf-8, iso-8859-1;q=0.5, *;q=0.1", Accept)
    assert type(accept) is Accept
    assert accept.quality("UTF-8") == 1
    assert accept.quality("ascii") == 0.1
    assert accept.best_match(["iso-8859-1", "utf-8"]) == "utf-8"
    assert accept.to_header() == "utf-8,iso-8859-1;q=0.5,*;q=0.1"
    assert str(accept) == accept.to_header()
    assert "Accept(" in repr(accept)
