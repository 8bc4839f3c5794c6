"""Login URLs and ``next=``: :func:`login_url`, and only same-site paths are ever followed."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from .. import current_app, request, url_for

__all__ = [
    "is_safe_redirect_url",
    "login_url",
    "make_next_param",
    "safe_next_url",
    "set_login_view",
]

#: Longer ``next`` values are refused (no legitimate path is this long).
MAX_NEXT_LENGTH = 2048
# A path: one '/', then no second '/' or '\' right after it; printable ASCII only (encoded).
_SAFE_PATH = re.compile(r"/(?![/\\])[\x21-\x7e]*")


def is_safe_redirect_url(url: str | None) -> bool:
    """Tell whether ``url`` is a path on this site, safe to redirect to after login.

    Only relative paths starting with a single ``/`` pass: no scheme (``https:``,
    ``javascript:``), no host (``//evil``, ``/\\evil``, which browsers read as ``//evil``), no
    backslashes, whitespace or control characters anywhere (browsers drop some of them, which
    can turn a path into a host), and at most :data:`MAX_NEXT_LENGTH` characters.
    """
    if not isinstance(url, str) or not url or len(url) > MAX_NEXT_LENGTH:
        return False
    if _SAFE_PATH.fullmatch(url) is None or "\\" in url:
        return False
    parts = urlsplit(url)
    return not parts.scheme and not parts.netloc


def safe_next_url(default: str, field: str = "next") -> str:
    """Return the request's ``next`` (query string, else form) when safe, else ``default``."""
    target = request.args.get(field)
    if target is None and request.method == "POST":
        target = request.form.get(field)
    return target if is_safe_redirect_url(target) else default


def make_next_param(login_url: str, current_url: str) -> str:
    """Return ``current_url`` relative to ``login_url`` when both are on the same site."""
    login = urlsplit(login_url)
    current = urlsplit(current_url)
    if (not login.scheme or login.scheme == current.scheme) and (
        not login.netloc or login.netloc == current.netloc
    ):
        return urlunsplit(("", "", current.path, current.query, ""))
    return current_url


def expand_login_view(login_view: str) -> str:
    """Return ``login_view`` as a URL: an endpoint goes through ``url_for``, a URL stays."""
    if login_view.startswith(("https://", "http://", "/")):
        return login_view
    return str(url_for(login_view))


def login_url(login_view: str, next_url: str | None = None, next_field: str = "next") -> str:
    """Return the URL of ``login_view`` (an endpoint or URL) with ``next_url`` added."""
    base = expand_login_view(login_view)
    if next_url is None:
        return base
    parts = urlsplit(base)
    query = parse_qs(parts.query, keep_blank_values=True)
    query[next_field] = [make_next_param(base, next_url)]
    netloc = str(current_app.config.get("FORCE_HOST_FOR_REDIRECTS") or parts.netloc)
    return urlunsplit((parts.scheme, netloc, parts.path, urlencode(query, doseq=True), ""))


def set_login_view(login_view: str, blueprint: Any = None) -> None:
    """Set the current app's login view, or a blueprint's (as Flask-Login's function does).

    Once a blueprint has its own, the app-wide view moves under the key None of
    ``blueprint_login_views``, and ``login_view`` becomes None.
    """
    manager = current_app.extensions["login_manager"]
    views = manager.blueprint_login_views
    if blueprint is None and not views:
        manager.login_view = login_view
        return
    views[blueprint.name if blueprint is not None else None] = login_view
    if manager.login_view is not None and None not in views:
        views[None] = manager.login_view
    manager.login_view = None
