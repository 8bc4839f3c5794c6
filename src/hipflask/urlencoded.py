"""Parse a whole ``application/x-www-form-urlencoded`` body held in memory.

The body of known length (the usual form post, bounded by ``MAX_FORM_MEMORY_SIZE``) is parsed
in one call instead of streaming it through python-multipart's callbacks:
:func:`parse_urlencoded_form` splits a body without escapes with ``str.split`` and
groups its fields straight into the form; any other body goes through the standard library's
:func:`urllib.parse.parse_qsl` (:func:`parse_urlencoded_bytes`). The result is exactly the
streaming parser's: fields split on ``&``, empty ones skipped, a field without ``=`` has an
empty value, ``+`` is a space, ``%XX`` escapes are bytes, and the bytes of each name and value
are decoded as UTF-8 with bad sequences replaced (tests/test_urlencoded.py and
tests/test_request.py compare them with the streaming parser on arbitrary bodies).
"""

from __future__ import annotations

from .exceptions import RequestEntityTooLarge
from .lazyload import lazy_import
from .multidict import ImmutableMultiDict

TYPE_CHECKING = False
if TYPE_CHECKING:
    import urllib.parse as _urlparse
else:
    # NOTE: loaded by the first body with an escape: `import hipflask` stays without it.
    _urlparse = lazy_import("urllib.parse")

#: dict's own constructor and update, to fill an ImmutableMultiDict (which refuses updates).
_new_dict = dict.__new__
_update_dict = dict.update

__all__ = ["parse_urlencoded_bytes", "parse_urlencoded_form"]


def parse_urlencoded_form(body: bytes, max_fields: int | None) -> ImmutableMultiDict:
    """Return the fields of ``body`` as a form; 413 when there are more than ``max_fields``."""
    try:
        text = body.decode("ascii")
    except UnicodeDecodeError:
        return _counted_form(body, max_fields)
    # PERF: str checks, not bytes ones: ``b"%" in body`` first tries its operand as an int
    # and clears the TypeError; with the field bound taken from the split instead of
    # ``body.count(b"&")``, form 79,100 -> 74,300 instructions per request.
    if "%" in text:
        return _counted_form(body, max_fields)
    if "+" in text:
        # PERF: with no escape to undo, a plus is a space wherever it stands (as in
        # parse_qsl), so a form with spaces keeps to this path: name=alice+smith&age=30&
        # city=paris 41,000 -> 13,100 instructions.
        text = text.replace("+", " ")
    fields = text.split("&")
    # NOTE: a body has at most one field per "&" plus one: only one that might break the
    # limit has its fields counted.
    if max_fields is not None and len(fields) > max_fields:
        return _counted_form(body, max_fields)
    # PERF: nothing to unquote (name=alice+b&age=30): split and partition alone, grouped
    # straight into the form's value lists instead of a list of pairs the MultiDict
    # constructor groups again: pairs 8,300 + MultiDict 7,600 -> 10,100 + 2,000 instructions.
    lists: dict[str, list[str]] = {}
    for field in fields:
        if field:
            name, _, value = field.partition("=")
            if name in lists:
                lists[name].append(value)
            else:
                lists[name] = [value]
    # PERF: the body of ImmutableMultiDict.from_lists without its call: 1,000 instructions.
    form: ImmutableMultiDict = _new_dict(ImmutableMultiDict)
    _update_dict(form, lists)
    return form


def _counted_form(body: bytes, max_fields: int | None) -> ImmutableMultiDict:
    """Parse any body with :func:`parse_urlencoded_bytes`; 413 beyond ``max_fields`` fields."""
    fields = parse_urlencoded_bytes(body)
    if max_fields is not None and len(fields) > max_fields:
        raise RequestEntityTooLarge("The form has too many fields.")
    return ImmutableMultiDict(fields)


def parse_urlencoded_bytes(body: bytes) -> list[tuple[str, str]]:
    """Return the ``(name, value)`` fields of ``body`` in order."""
    # PERF: one C-level split per body instead of three Python callbacks per field: the form
    # scenario fell from 172,700 to 136,000 instructions per request (bench/count.py).
    if body.isascii():
        # NOTE: percent escapes of an all-ASCII string form one run, which parse_qsl's unquote
        # decodes as UTF-8 with replacement: the same as decoding the unescaped bytes.
        return _urlparse.parse_qsl(body.decode("ascii"), keep_blank_values=True)
    # NOTE: latin-1 maps each byte to one character and back, so raw bytes and escapes become
    # the field's bytes, decoded as UTF-8 only once whole (an escape may complete a raw byte).
    return [
        (_utf8(name), _utf8(value))
        for name, value in _urlparse.parse_qsl(
            body.decode("latin-1"), keep_blank_values=True, encoding="latin-1"
        )
    ]


def _utf8(latin: str) -> str:
    return latin.encode("latin-1").decode("utf-8", "replace")
