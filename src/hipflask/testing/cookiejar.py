"""The test client's cookie jar: what a browser would store from responses and send back.

``Set-Cookie`` headers are read as a browser reads them (RFC 6265): a ``Domain`` widens a
cookie to the subdomains, a missing ``Path`` defaults to the request's directory, ``Max-Age``
wins over ``Expires``, and ``Secure`` cookies travel only over HTTPS or to a local host.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ..cookies import parse_cookie
from ..dates import parse_date

# NOTE: browsers treat these hosts as secure contexts, so Secure cookies work over plain HTTP.
_TRUSTWORTHY_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class Cookie:
    """A cookie in the test client's jar, as the server set it.

    ``value`` is the value as sent on the wire; ``decoded_value`` undoes any quoting.
    ``origin_only`` means no ``Domain`` was given, so only the exact host receives it.
    """

    key: str
    value: str
    domain: str = "localhost"
    path: str = "/"
    origin_only: bool = True
    expires: datetime | None = None
    secure: bool = False
    http_only: bool = False
    same_site: str | None = None

    @property
    def decoded_value(self) -> str:
        """The value with cookie quoting undone."""
        return parse_cookie(f"{self.key}={self.value}").get(self.key, self.value)

    def is_expired(self, now: datetime) -> bool:
        """Tell whether the cookie has expired at ``now``."""
        return self.expires is not None and self.expires <= now

    def matches(self, host: str, path: str, secure: bool) -> bool:
        """Tell whether a request to ``host`` and ``path`` should carry this cookie (RFC 6265)."""
        if self.origin_only:
            if host != self.domain:
                return False
        elif host != self.domain and not host.endswith(f".{self.domain}"):
            return False
        if self.secure and not (secure or host in _TRUSTWORTHY_HOSTS):
            return False
        if path == self.path:
            return True
        return path.startswith(self.path) and (
            self.path.endswith("/") or path[len(self.path)] == "/"
        )


def _parse_set_cookie(header: str, host: str, request_path: str, now: datetime) -> Cookie | None:
    """Read a ``Set-Cookie`` header the way a browser does, or None when it must be ignored."""
    pair, *parts = header.split(";")
    key, separator, value = pair.partition("=")
    key = key.strip()
    if not separator or not key:
        return None
    attrs = {}
    for part in parts:
        name, _, arg = part.partition("=")
        attrs[name.strip().lower()] = arg.strip()
    domain = attrs.get("domain", "").lstrip(".").lower()
    if domain and host != domain and not host.endswith(f".{domain}"):
        return None
    path = attrs.get("path", "")
    if not path.startswith("/"):
        path = request_path[: request_path.rfind("/")] or "/"
    return Cookie(
        key=key,
        value=value.strip(),
        domain=domain or host,
        path=path,
        origin_only=not domain,
        expires=_expiry(attrs, now),
        secure="secure" in attrs,
        http_only="httponly" in attrs,
        same_site=attrs.get("samesite") or None,
    )


def _expiry(attrs: dict[str, str], now: datetime) -> datetime | None:
    """Return when a cookie expires: ``Max-Age`` wins over ``Expires``; None lasts the session."""
    if "max-age" in attrs:
        try:
            seconds = int(attrs["max-age"])
        except ValueError:
            pass
        else:
            return now + timedelta(seconds=seconds) if seconds > 0 else _EPOCH
    return parse_date(attrs.get("expires"))


class _CookieJar:
    """The client's cookies, keyed by (domain, path, name) as a browser keys them."""

    def __init__(self) -> None:
        self.cookies: dict[tuple[str, str, str], Cookie] = {}

    def update(self, host: str, path: str, secure: bool, headers: Iterable[str]) -> None:
        """Store, replace or delete cookies from a response's ``Set-Cookie`` headers."""
        now = datetime.now(UTC)
        for header in headers:
            cookie = _parse_set_cookie(header, host, path, now)
            if cookie is None or (cookie.secure and not secure and host not in _TRUSTWORTHY_HOSTS):
                continue
            slot = (cookie.domain, cookie.path, cookie.key)
            if cookie.is_expired(now):
                self.cookies.pop(slot, None)
            else:
                self.cookies[slot] = cookie

    def header(self, host: str, path: str, secure: bool) -> str | None:
        """Return the ``Cookie`` header for a request, longest paths first (RFC 6265)."""
        now = datetime.now(UTC)
        for slot in [slot for slot, cookie in self.cookies.items() if cookie.is_expired(now)]:
            del self.cookies[slot]
        matching = [c for c in self.cookies.values() if c.matches(host, path, secure)]
        if not matching:
            return None
        matching.sort(key=lambda cookie: len(cookie.path), reverse=True)
        return "; ".join(f"{cookie.key}={cookie.value}" for cookie in matching)
