"""Pure functions for the HTTP grammar: options headers, ``Accept``, ranges, ETags, downloads.

Parsers never raise on garbage (except where a 400 or 416 is the documented answer) and are
bounded: they run in linear time and stop after a fixed number of items. Writers refuse
anything that could end a header line early (CR, LF, NUL) with ValueError. The cookie grammar
(``cookies.py``) and HTTP dates (``dates.py``) live in their own modules and are importable
from here too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from .accept import Accept, MIMEAccept
from .cookies import MAX_COOKIES as MAX_COOKIES
from .cookies import dump_cookie, parse_cookie, parse_cookie_lists
from .dates import http_date, parse_date
from .etags import ETags
from .exceptions import BadRequest, RequestedRangeNotSatisfiable
from .headers import check_header_name, check_header_value
from .lazyload import lazy_compile, lazy_import
from .multidict import MultiDict

TYPE_CHECKING = False
if TYPE_CHECKING:
    import urllib.parse as _urlparse
    from typing import Any, TypeVar, overload

    _AcceptT = TypeVar("_AcceptT", bound=Accept)
else:
    _urlparse = lazy_import("urllib.parse")

__all__ = [
    "check_header_name",
    "check_header_value",
    "content_disposition",
    "content_range_header",
    "dump_cookie",
    "dump_options_header",
    "generate_etag",
    "http_date",
    "is_resource_modified",
    "parse_accept_header",
    "parse_content_length",
    "parse_cookie",
    "parse_cookie_lists",
    "parse_date",
    "parse_etags",
    "parse_options_header",
    "parse_range_header",
    "quote_etag",
    "quote_header_value",
    "unquote_etag",
    "url_encode",
    "url_quote",
]


#: Parsers stop after this many items; legitimate headers are far below.
MAX_ACCEPT_ENTRIES = 64
MAX_OPTIONS = 64
MAX_RANGES = 100

_TOKEN_CHARS = frozenset(
    "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
)
# NOTE: only \" and \\ are unescaped: browsers send Windows paths with raw backslashes.
_BACKSLASH_ESCAPE = lazy_compile(r'\\(["\\])')

# -- options headers ---------------------------------------------------------------------------

# NOTE: an unclosed quote runs to the end of the input instead of failing, so a match never
# backtracks and a whole header is scanned once (linear time on any input).
_OPTION = lazy_compile(
    r"""(?sx)
    ;\s*
    (?P<key>[^\s;=]*)\s*
    (?:=\s*(?P<value>"(?:[^"\\]|\\.)*\\?(?:"|\Z)|[^;]*))?
    [^;]*
    """
)
_EXTENDED_CHARSETS = frozenset(("utf-8", "utf8", "iso-8859-1", "latin-1", "us-ascii"))


def parse_options_header(value: str | None) -> tuple[str, dict[str, str]]:
    """Split a header like ``Content-Type`` into its value and ``{param: value}``.

    ``'text/html; charset="utf-8"'`` gives ``('text/html', {'charset': 'utf-8'})``. Parameter
    names are lower-cased, quoted values unquoted, the first of duplicated names wins, and
    RFC 2231 ``name*=UTF-8''...`` values are decoded. Never raises; reads at most
    :data:`MAX_OPTIONS` parameters.
    """
    if not value:
        return "", {}
    main, semicolon, _ = value.partition(";")
    if not semicolon:
        return main.strip(), {}
    params: dict[str, str] = {}
    extended: dict[str, str] = {}
    for count, match in enumerate(_OPTION.finditer(value, len(main))):
        if count >= MAX_OPTIONS:
            break
        key, raw = match.group("key").lower(), match.group("value")
        if not key or raw is None:
            continue
        if key[-1] == "*":
            decoded = _decode_rfc2231(_unquote_option(raw))
            if decoded is not None:
                extended.setdefault(key[:-1], decoded)
        else:
            params.setdefault(key, _unquote_option(raw))
    # SECURITY: with both, the plain parameter wins (SECURITY.md #13): a filter that checked
    # filename="a.txt" must not be bypassed by filename*=UTF-8''evil.php.
    for key, decoded in extended.items():
        params.setdefault(key, decoded)
    return main.strip(), params


def _unquote_option(raw: str) -> str:
    if raw[:1] != '"':
        return raw.strip()
    inner = raw[1:-1] if len(raw) > 1 and raw[-1] == '"' else raw[1:]
    return _BACKSLASH_ESCAPE.sub(r"\1", inner) if "\\" in inner else inner


def _decode_rfc2231(value: str) -> str | None:
    """Decode ``charset'language'percent-encoded``; None for an unknown charset."""
    charset, quote_mark, rest = value.partition("'")
    if not quote_mark:
        return _urlparse.unquote(value, errors="replace")
    charset = charset.lower() or "utf-8"
    if charset not in _EXTENDED_CHARSETS:
        return None
    return _urlparse.unquote(rest.partition("'")[2], encoding=charset, errors="replace")


def quote_header_value(value: Any, allow_token: bool = True) -> str:
    """Quote ``value`` for a header parameter; tokens stay bare when ``allow_token``."""
    text = str(value)
    if allow_token and text and _TOKEN_CHARS.issuperset(text):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def dump_options_header(header: str, options: Mapping[str, Any]) -> str:
    """Join a value and its parameters: ``text/plain; charset=utf-8``.

    A None parameter is left out and a True one is written as a bare name.
    """
    parts = [header]
    for key, value in options.items():
        if value is None:
            continue
        parts.append(key if value is True else f"{key}={quote_header_value(value)}")
    return "; ".join(parts)


if TYPE_CHECKING:

    @overload
    def parse_accept_header(value: str | None) -> MIMEAccept: ...
    @overload
    def parse_accept_header(value: str | None, cls: type[_AcceptT]) -> _AcceptT: ...


def parse_accept_header(value: str | None, cls: type[Accept] = MIMEAccept) -> Accept:
    """Parse an ``Accept``-style header into ``cls``.

    An entry with a malformed quality is skipped; only the first :data:`MAX_ACCEPT_ENTRIES`
    entries are read. A missing or empty header gives an Accept whose ``provided`` is false.
    """
    if not value or not value.strip():
        return cls(None)
    entries: list[tuple[str, float]] = []
    for piece in value.split(",", MAX_ACCEPT_ENTRIES)[:MAX_ACCEPT_ENTRIES]:
        entry = _parse_accept_entry(piece)
        if entry is not None:
            entries.append(entry)
    return cls(entries)


_QUALITY = lazy_compile(r"(?a)\d{1,3}(?:\.\d{0,6})?|\.\d{1,6}")


def _parse_accept_entry(piece: str) -> tuple[str, float] | None:
    """Return ``(value with its parameters, quality)``; None for an empty or invalid entry."""
    if ";" not in piece:
        piece = piece.strip()
        return (piece, 1.0) if piece else None
    main, *params = piece.split(";")
    main = main.strip()
    if not main:
        return None
    kept = []
    for param in params:
        key, _, raw = param.partition("=")
        key, raw = key.strip().lower(), raw.strip()
        if key != "q":
            if key:
                kept.append(f"{key}={raw}")
            continue
        quality = float(raw) if _QUALITY.fullmatch(raw) else 2.0
        if quality > 1:
            return None
        # NOTE: parameters after q are accept-extensions, not part of the media range.
        return ";".join([main, *kept]), quality
    return ";".join([main, *kept]), 1.0


# -- content length and ranges -----------------------------------------------------------------


def parse_content_length(value: str | None) -> int | None:
    """Return the ``Content-Length`` as an int; None when absent or empty.

    Raises BadRequest for anything but ASCII digits (``-1``, ``+5``, ``1e3``, ``5, 5``), or
    more than 19 of them.
    """
    if value is None:
        return None
    value = value.strip(" \t")
    if not value:
        return None
    # SECURITY: int() would accept "+5", "٣" and "1_0"; a framing header takes digits only.
    if not (value.isascii() and value.isdigit()) or len(value) > 19:
        raise BadRequest("Invalid Content-Length header.")
    return int(value)


_RANGE_SPEC = lazy_compile(r"(?a)\s*(\d{0,19})\s*-\s*(\d{0,19})\s*")


def parse_range_header(value: str | None, length: int) -> list[tuple[int, int]] | None:
    """Return the byte ranges of a ``Range`` header as ``(start, stop)`` (stop exclusive).

    ``bytes=0-99``, ``bytes=100-`` and ``bytes=-500`` are resolved against ``length``.
    Returns None when the header should be ignored (serve the whole resource with 200): it is
    absent, malformed, not in bytes, has more than :data:`MAX_RANGES` parts, or has
    overlapping parts (RFC 9110 lets a server ignore those; coalescing them is how
    "thousands of overlapping ranges" attacks amplify). Parts beyond the end are dropped;
    raises :class:`~hipflask.exceptions.RequestedRangeNotSatisfiable` (416) when no part is
    left. Linear time on any input.
    """
    if not value:
        return None
    unit, equals, spec = value.partition("=")
    if not equals or unit.strip().lower() != "bytes":
        return None
    specs = spec.split(",", MAX_RANGES)
    if len(specs) > MAX_RANGES:
        return None
    ranges: list[tuple[int, int]] = []
    for part in specs:
        if not part.strip():
            continue
        match = _RANGE_SPEC.fullmatch(part)
        if match is None:
            return None
        first, last = match.groups()
        if (not first and not last) or (first and last and int(last) < int(first)):
            return None
        satisfiable = _resolve_range(first, last, length)
        if satisfiable is not None:
            ranges.append(satisfiable)
    if not ranges:
        if not any(part.strip() for part in specs):
            return None
        raise RequestedRangeNotSatisfiable(length)
    ordered = sorted(ranges)
    if any(ordered[i][1] > ordered[i + 1][0] for i in range(len(ordered) - 1)):
        return None
    return ranges


def _resolve_range(first: str, last: str, length: int) -> tuple[int, int] | None:
    """Resolve one valid range spec against ``length``; None when it is unsatisfiable."""
    if not first:
        suffix = int(last)
        return (max(length - suffix, 0), length) if suffix > 0 and length > 0 else None
    start = int(first)
    if start >= length:
        return None
    return start, min(int(last) + 1, length) if last else length


def content_range_header(start: int, stop: int, length: int) -> str:
    """Return the ``Content-Range`` value of the bytes ``start`` to ``stop`` (exclusive)."""
    return f"bytes {start}-{stop - 1}/{length}"


# -- etags and conditional requests ------------------------------------------------------------

# NOTE: the bare alternative is greedy (and stripped later): a lazy one backtracks
# quadratically over long runs of spaces.
_ETAG = lazy_compile(r'\s*([Ww]/)?(?:"([^"]*)"\s*(?:,|\Z)|([^,]*)(?:,|\Z))')


def quote_etag(etag: str, weak: bool = False) -> str:
    """Quote an entity tag (``"abc"`` or ``W/"abc"``); a ``"`` in it raises ValueError."""
    if '"' in etag:
        raise ValueError("An entity tag must not contain '\"'.")
    return f'W/"{etag}"' if weak else f'"{etag}"'


def unquote_etag(value: str | None) -> tuple[str | None, bool]:
    """Return ``(tag, is_weak)`` of a quoted (or bare) entity tag; ``(None, False)`` if empty."""
    if not value:
        return None, False
    value = value.strip()
    weak = value[:2] in ("W/", "w/")
    if weak:
        value = value[2:]
    if len(value) > 1 and value[0] == value[-1] == '"':
        value = value[1:-1]
    return value, weak


def parse_etags(value: str | None) -> ETags:
    """Parse an ``If-Match`` or ``If-None-Match`` header; ``*`` sets ``star_tag``."""
    if not value:
        return ETags()
    strong: list[str] = []
    weak: list[str] = []
    position, end = 0, len(value)
    while position < end:
        match = _ETAG.match(value, position)
        if match is None or match.end() == position:
            break
        position = match.end()
        is_weak, quoted, bare = match.groups()
        etag = quoted if quoted is not None else bare.strip()
        if not etag:
            continue
        if bare == "*" and not is_weak:
            return ETags(star_tag=True)
        (weak if is_weak else strong).append(etag)
    return ETags(strong, weak)


def generate_etag(data: bytes) -> str:
    """Return an entity tag for ``data`` (its SHA-1, hex)."""
    import hashlib  # NOTE: imported on use, to keep `import hipflask` lean

    return hashlib.sha1(data, usedforsecurity=False).hexdigest()


def is_resource_modified(
    *,
    if_none_match: str | None,
    if_modified_since: str | None,
    etag: str | None = None,
    last_modified: datetime | float | None = None,
) -> bool:
    """Decide whether a conditional GET should get the full response rather than a 304.

    As RFC 9110 says, ``If-None-Match`` (weak comparison) wins over ``If-Modified-Since``,
    which is compared to the second. ``etag`` may be quoted or bare.
    """
    if if_none_match:
        # PERF: a client revalidating sends back the very tag it was given; when that is one
        # non-empty quoted tag, it matches without parsing the header: not_modified 171,457
        # -> 158,199 instructions per request. (No regex: compiling one costs start-up time.)
        if if_none_match == etag:
            quoted = etag[2:] if etag[:2] in ("W/", "w/") else etag
            if len(quoted) > 2 and quoted[0] == quoted[-1] == '"' and '"' not in quoted[1:-1]:
                return False
        etags = parse_etags(if_none_match)
        if etags.star_tag:
            return False
        tag = unquote_etag(etag)[0]
        return tag is None or not etags.contains_weak(tag)
    if not if_modified_since or last_modified is None:
        return True
    since = parse_date(if_modified_since)
    if since is None:
        return True
    if isinstance(last_modified, datetime):
        modified = last_modified if last_modified.tzinfo else last_modified.replace(tzinfo=UTC)
    else:
        modified = datetime.fromtimestamp(last_modified, UTC)
    return modified.replace(microsecond=0) > since


# -- downloads and URLs ------------------------------------------------------------------------

_CONTROL_CHARS = lazy_compile(r"[\x00-\x1f\x7f]")


def content_disposition(filename: str | None, as_attachment: bool) -> str:
    """Return a ``Content-Disposition`` value for a download.

    A non-ASCII name gets an ASCII fallback ``filename`` plus ``filename*=UTF-8''...``
    (RFC 6266). Control characters are removed, so a name can never end the header line.
    """
    kind = "attachment" if as_attachment else "inline"
    if filename is None:
        return kind
    # SECURITY: CR, LF and NUL are dropped (SECURITY.md #24), not encoded.
    cleaned = _CONTROL_CHARS.sub("", filename)
    import unicodedata  # NOTE: imported on use, to keep `import hipflask` lean

    simple = unicodedata.normalize("NFKD", cleaned).encode("ascii", "ignore").decode("ascii")
    header = f"{kind}; filename={quote_header_value(simple)}"
    if simple != cleaned:
        header += f"; filename*=UTF-8''{_urlparse.quote(cleaned, safe='!#$&+^`|~')}"
    return header


def url_quote(value: str, safe: str = "/:") -> str:
    """Percent-encode ``value`` as UTF-8, keeping ``safe`` and unreserved characters."""
    return _urlparse.quote(value, safe=safe, encoding="utf-8", errors="strict")


_QUERY_SAFE = "!$'()*,/:;?@"


def url_encode(pairs: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> str:
    """Encode a query string; None values are dropped, list and tuple values repeated."""
    if isinstance(pairs, MultiDict):
        items: Iterable[tuple[str, Any]] = pairs.items(multi=True)
    else:
        items = pairs.items() if isinstance(pairs, Mapping) else pairs
    encoded = []
    for key, value in items:
        values = value if isinstance(value, list | tuple) else (value,)
        quoted_key = _urlparse.quote_plus(str(key), safe=_QUERY_SAFE)
        for item in values:
            if item is not None:
                encoded.append(f"{quoted_key}={_urlparse.quote_plus(str(item), safe=_QUERY_SAFE)}")
    return "&".join(encoded)
