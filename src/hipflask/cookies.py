"""The cookie grammar: ``Cookie`` headers read (:func:`parse_cookie`), ``Set-Cookie`` values
written (:func:`dump_cookie`).

The parser never raises on garbage and stops after :data:`MAX_COOKIES` cookies. The writer
refuses anything that could end a header line early (CR, LF, NUL) with ValueError.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from time import time

from .dates import http_date, parse_date
from .headers import check_header_name
from .lazyload import lazy_compile, lazy_import

TYPE_CHECKING = False
if TYPE_CHECKING:
    import re
    import urllib.parse as _urlparse
else:
    _urlparse = lazy_import("urllib.parse")

__all__ = ["dump_cookie", "parse_cookie", "parse_cookie_lists"]

#: The parser stops after this many cookies; legitimate headers are far below.
MAX_COOKIES = 256

_COOKIE_OCTETS = lazy_compile(r"[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*")
_COOKIE_ESCAPE = lazy_compile(rb'[\x00-\x20",;\\\x7f-\xff]')
_COOKIE_ESCAPES = {
    **{
        bytes([byte]): f"\\{byte:03o}".encode()
        for byte in (*range(0x21), *b",;", *range(0x7F, 0x100))
    },
    b'"': b'\\"',
    b"\\": b"\\\\",
}
_COOKIE_UNESCAPE = lazy_compile(r"(?s)\\([0-3][0-7]{2}|.)")
_SAMESITE = frozenset(("Strict", "Lax", "None"))
_ATTRIBUTE_BREAKERS = lazy_compile(r"[;\r\n\x00]")


def parse_cookie(header: str | None) -> dict[str, str]:
    """Parse a ``Cookie`` header into ``{name: value}``; the first of duplicated names wins.

    See :func:`parse_cookie_lists` for the grammar; this keeps each name's first value.
    """
    return {name: values[0] for name, values in parse_cookie_lists(header).items()}


def parse_cookie_lists(header: str | None) -> dict[str, list[str]]:
    """Parse a ``Cookie`` header into ``{name: [value, ...]}``, duplicates in header order.

    Tolerant as browsers are: pieces without a name or ``=`` are skipped, quoted values are
    unquoted (``\\"``, ``\\\\`` and octal ``\\054`` escapes), and a WSGI header (bytes held as
    latin-1) is read as UTF-8 when it is valid UTF-8. Never raises; stops after
    :data:`MAX_COOKIES` cookies.
    """
    if not header:
        return {}
    if not header.isascii():
        header = _latin1_to_utf8(header)
    cookies: dict[str, list[str]] = {}
    count = 0
    for piece in header.split(";"):
        name, equals, value = piece.partition("=")
        name = name.strip()
        # SECURITY: "=__Host-s=evil" has no name; it must not become a "__Host-s" cookie.
        if not equals or not name:
            continue
        value = value.strip()
        if len(value) > 1 and value[0] == value[-1] == '"':
            value = _unquote_cookie_value(value[1:-1])
        cookies.setdefault(name, []).append(value)
        count += 1
        if count >= MAX_COOKIES:
            break
    return cookies


def _first_cookie(header: str | None, name: str) -> str | None:
    """Return ``parse_cookie(header).get(name)`` without parsing the other cookies' values."""
    # PERF: the session reads one cookie; building the whole dict of lists and then a dict of
    # first values cost 9,900 instructions on a one-cookie header, this 5,100. NOTE: the loop
    # repeats parse_cookie_lists' on purpose: sharing it through a generator of pairs cost
    # session +3,400 and the cookies scenario +4,300 instructions per request.
    if not header:
        return None
    if not header.isascii():
        header = _latin1_to_utf8(header)
    count = 0
    # PERF: a header of one cookie (the session alone) is not split, which copies it into a
    # list: _first_cookie 5,234 -> 4,130 instructions on a session cookie (csrf_form 164,953 ->
    # 163,233); a header of several cookies pays ~100 for the test.
    for piece in header.split(";") if ";" in header else (header,):
        key, equals, value = piece.partition("=")
        key = key.strip()
        if not equals or not key:
            continue
        if key == name:
            value = value.strip()
            if len(value) > 1 and value[0] == value[-1] == '"':
                return _unquote_cookie_value(value[1:-1])
            return value
        count += 1
        if count >= MAX_COOKIES:
            break
    return None


def _latin1_to_utf8(text: str) -> str:
    """Re-read a WSGI string (bytes decoded as latin-1) as UTF-8, or keep it unchanged."""
    try:
        return text.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return text


def _unquote_cookie_value(value: str) -> str:
    if "\\" not in value:
        return value
    unescaped = _COOKIE_UNESCAPE.sub(_unescape_cookie_char, value)
    # NOTE: octal escapes are UTF-8 bytes (as dump_cookie writes them); reassemble them.
    return _latin1_to_utf8(unescaped)


def _unescape_cookie_char(match: re.Match[str]) -> str:
    escaped = match.group(1)
    return chr(int(escaped, 8)) if len(escaped) == 3 else escaped


def dump_cookie(
    key: str,
    value: str = "",
    max_age: timedelta | int | None = None,
    expires: str | datetime | date | int | float | None = None,
    path: str | None = "/",
    domain: str | None = None,
    secure: bool = False,
    httponly: bool = False,
    samesite: str | None = None,
    partitioned: bool = False,
    *,
    max_size: int = 4093,
) -> str:
    """Return a ``Set-Cookie`` header value.

    A value outside the cookie-octet set is quoted (backslash and octal escapes) so that
    :func:`parse_cookie` reads it back unchanged. ``max_age`` also sets ``Expires`` when
    ``expires`` is None; a naive ``expires`` is UTC. ``partitioned`` implies ``Secure``.
    Raises ValueError for an illegal name, a CR/LF/NUL in the value, a ``;`` in the path or
    domain, an unknown ``samesite``, or a ``__Host-``/``__Secure-`` name without its
    requirements. A cookie over ``max_size`` bytes (0 disables) is logged as a warning.
    """
    try:
        check_header_name(key)
    except ValueError:
        raise ValueError(
            f"Invalid cookie name {key!r}: it must be a non-empty token, without spaces, "
            "quotes, '=', ';', ',' or control characters."
        ) from None
    if partitioned:
        secure = True
    _check_cookie_prefix(key, secure, path, domain)
    seconds, expires_date = _cookie_lifetime(max_age, expires)
    parts = [f"{key}={_quote_cookie_value(value)}"]
    if domain:
        parts.append(f"Domain={_cookie_domain(domain)}")
    if expires_date:
        parts.append(f"Expires={expires_date}")
    if seconds is not None:
        parts.append(f"Max-Age={seconds}")
    if secure:
        parts.append("Secure")
    if httponly:
        parts.append("HttpOnly")
    if path is not None:
        parts.append(f"Path={_cookie_path(path)}")
    if samesite is not None:
        parts.append(f"SameSite={_cookie_samesite(samesite)}")
    if partitioned:
        parts.append("Partitioned")
    header = "; ".join(parts)
    if max_size and len(header) > max_size:
        import logging  # NOTE: only oversized cookies need these; keeps start-up lean
        import warnings

        message = (
            f"The {key!r} cookie is {len(header)} bytes, over the {max_size}-byte limit; "
            "browsers may silently ignore it."
        )
        logging.getLogger("hipflask.http").warning(message)
        # NOTE: Werkzeug warns too (UserWarning), so a test suite ported from Flask that turns
        # warnings into errors still catches the oversized cookie.
        warnings.warn(message, UserWarning, stacklevel=3)
    return header


def _cookie_lifetime(
    max_age: timedelta | int | None, expires: str | datetime | date | int | float | None
) -> tuple[int | None, str | None]:
    """Return ``(Max-Age seconds, Expires date)``; a Max-Age alone also sets Expires."""
    seconds = None
    if max_age is not None:
        seconds = int(max_age.total_seconds() if isinstance(max_age, timedelta) else max_age)
        if expires is None:
            expires = time() + max(seconds, 0)
    return seconds, None if expires is None else _cookie_expires(expires)


def _check_cookie_prefix(key: str, secure: bool, path: str | None, domain: str | None) -> None:
    """Enforce the ``__Host-`` and ``__Secure-`` rules (case-insensitive, as in browsers)."""
    lowered = key[:9].lower()
    if lowered.startswith("__host-") and (not secure or path != "/" or domain):
        raise ValueError(f"The {key!r} cookie needs secure=True, path='/' and no domain.")
    if lowered == "__secure-" and not secure:
        raise ValueError(f"The {key!r} cookie needs secure=True.")


def _quote_cookie_value(value: str) -> str:
    if _COOKIE_OCTETS.fullmatch(value):
        return value
    if "\r" in value or "\n" in value or "\0" in value:
        # SECURITY: refused rather than escaped, so a mistake is loud, never a header.
        raise ValueError("Cookie values must not contain CR, LF or NUL characters.")
    escaped = _COOKIE_ESCAPE.sub(lambda match: _COOKIE_ESCAPES[match.group()], value.encode())
    return f'"{escaped.decode("ascii")}"'


def _check_attribute(name: str, value: str) -> str:
    if _ATTRIBUTE_BREAKERS.search(value) is not None:
        raise ValueError(f"The cookie {name} must not contain ';', CR, LF or NUL: {value!r}")
    return value


def _cookie_domain(domain: str) -> str:
    domain = _check_attribute("domain", domain).partition(":")[0].lstrip(".")
    if any(char in domain for char in " ,\t"):
        raise ValueError(f"Invalid cookie domain {domain!r}.")
    return domain if domain.isascii() else domain.encode("idna").decode("ascii")


def _cookie_path(path: str) -> str:
    if path == "/":
        return path
    return _urlparse.quote(_check_attribute("path", path), safe="%!$&'()*+,/:=@~")


def _cookie_expires(expires: str | datetime | date | int | float) -> str:
    if not isinstance(expires, str):
        return http_date(expires)
    parsed = parse_date(expires)
    if parsed is None:
        raise ValueError(f"Invalid cookie expires date {expires!r}.")
    return http_date(parsed)


def _cookie_samesite(samesite: str) -> str:
    normalised = str(samesite).title()
    if normalised not in _SAMESITE:
        raise ValueError(f"Invalid SameSite value {samesite!r}: use 'Strict', 'Lax' or 'None'.")
    return normalised
