"""Secrets kept out of the logs: credential headers and query parameters are redacted."""

from __future__ import annotations

import pytest

from hipflask.logs.redact import REDACTED, is_secret_name, redact_headers, redact_query


@pytest.mark.parametrize(
    "name",
    [
        "Cookie",
        "cookie",
        "Authorization",
        "Proxy-Authorization",
        "X-CSRFToken",
        "X-CSRF-Token",
        "X-Api-Key",
        "X-Auth-Token",
        "X-Client-Secret",
        "X-Amz-Security-Token",
        "X-Session-Id",
        "X-Hub-Signature",
        "password",
        "access_token",
    ],
)
def test_credential_names_are_secret(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize(
    "name", ["Host", "User-Agent", "Accept", "Content-Type", "X-Request-ID", "Referer", "q"]
)
def test_ordinary_names_are_not(name: str) -> None:
    assert not is_secret_name(name)


def test_redact_headers_keeps_names_and_replaces_secret_values() -> None:
    headers = [
        ("Host", "example.com"),
        ("Cookie", "session=abc"),
        ("Authorization", "Bearer xyz"),
        ("X-Forwarded-For", "10.0.0.1"),
        ("X-Forwarded-For", "10.0.0.2"),
    ]
    assert redact_headers(headers) == {
        "Host": "example.com",
        "Cookie": REDACTED,
        "Authorization": REDACTED,
        "X-Forwarded-For": "10.0.0.1, 10.0.0.2",
    }


def test_redact_query_replaces_secret_parameter_values_only() -> None:
    query = "page=2&token=abc&api_key=k&q=a%3Db&password=p&flag"
    assert redact_query(query) == (
        f"page=2&token={REDACTED}&api_key={REDACTED}&q=a%3Db&password={REDACTED}&flag"
    )
    assert redact_query("") == ""
