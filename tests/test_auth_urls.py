"""``next=`` validation: only same-site relative paths are followed after login."""

from __future__ import annotations

from pathlib import Path

import pytest

from hipflask.auth import is_safe_redirect_url, make_next_param

from .auth_app import make_app

SAFE = ["/", "/me", "/me?tab=1&x=%2F", "/a/b/c#frag", "/caf%C3%A9", "/path;param"]
UNSAFE = [
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "http:/\\/evil.example",
    "https://evil.example",
    "http://localhost/me",  # absolute URLs are refused even for this host
    "https://host\\@evil.example",
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "\njavascript:alert(1)",
    "java\nscript:alert(1)",
    "/\t/evil.example",
    "/\n/evil.example",
    "/ /evil.example",
    "/me\r\nSet-Cookie: x=1",
    "/me\x00",
    "/café",  # unencoded non-ASCII
    "me",  # relative to the login page's directory: not a site path
    "",
    " /me",
    "data:text/html,<script>",
    "/" + "a" * 3000,
]


@pytest.mark.parametrize("url", SAFE)
def test_same_site_paths_are_safe(url: str) -> None:
    assert is_safe_redirect_url(url)


@pytest.mark.parametrize("url", UNSAFE)
def test_everything_else_is_unsafe(url: str) -> None:
    assert not is_safe_redirect_url(url)


def test_non_strings_are_unsafe() -> None:
    assert not is_safe_redirect_url(None)
    assert not is_safe_redirect_url(b"/me")  # type: ignore[arg-type]


@pytest.mark.parametrize("url", UNSAFE)
def test_the_login_view_falls_back_to_its_default_page(tmp_path: Path, url: str) -> None:
    app, _, _ = make_app(tmp_path)
    client = app.test_client()
    data = {"username": "alice", "password": "alice-pw", "next": url}
    response = client.post("/login", data=data)
    assert response.status_code == 302 and response.location == "/me"
    response = client.post("/login", query_string={"next": url}, data=data)
    assert response.location == "/me"


def test_the_login_view_follows_a_safe_next(tmp_path: Path) -> None:
    app, _, _ = make_app(tmp_path)
    client = app.test_client()
    data = {"username": "alice", "password": "alice-pw"}
    response = client.post("/login", query_string={"next": "/fresh?a=1"}, data=data)
    assert response.location == "/fresh?a=1"


def test_make_next_param_keeps_only_the_path_on_the_same_site() -> None:
    assert make_next_param("/login", "http://localhost/me?a=1") == "/me?a=1"
    assert make_next_param("http://localhost/login", "http://localhost/me") == "/me"
    assert make_next_param("https://sso.example/login", "http://app/me") == "http://app/me"
