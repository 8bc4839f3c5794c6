"""Secrets kept out of the logs: request headers and query parameters that carry credentials."""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["REDACTED", "is_secret_name", "redact_headers", "redact_query"]

#: What a secret value is replaced with.
REDACTED = "[redacted]"

#: Names that are always secret, whatever they look like (lower case).
SECRET_NAMES = frozenset(
    {"cookie", "authorization", "proxy-authorization", "x-csrftoken", "x-csrf-token"}
)
# SECURITY: any name holding one of these words is treated as a credential (X-Api-Key,
# X-Auth-Token, X-Client-Secret, ?password=, ?access_token=...): too much redaction costs a
# little debugging, too little leaks a credential into every log store the record reaches.
_SECRET_WORDS = re.compile(r"token|secret|key|passw|auth|session|signature|credential", re.I)


def is_secret_name(name: str) -> bool:
    """Tell whether a header or parameter called ``name`` holds a secret."""
    return name.lower() in SECRET_NAMES or _SECRET_WORDS.search(name) is not None


def redact_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Return the headers as a dict, secret values replaced by ``[redacted]``.

    A header sent twice keeps its values joined with ``, ``.
    """
    result: dict[str, str] = {}
    for name, value in headers:
        shown = REDACTED if is_secret_name(name) else value
        result[name] = f"{result[name]}, {shown}" if name in result else shown
    return result


def redact_query(query: str) -> str:
    """Return the raw query string with the values of secret parameters redacted."""
    if not query:
        return query
    parts = []
    for part in query.split("&"):
        name, sep, _ = part.partition("=")
        parts.append(f"{name}={REDACTED}" if sep and is_secret_name(name) else part)
    return "&".join(parts)
