"""What a response says about the limits: ``X-RateLimit-*`` and ``Retry-After``."""

from __future__ import annotations

import time
from email.utils import formatdate, parsedate_to_datetime
from typing import TYPE_CHECKING

from .settings import HEADERS

if TYPE_CHECKING:
    from .. import Response
    from .settings import AppLimits
    from .wrappers import RequestLimit

__all__ = ["inject_headers", "most_relevant", "seconds_until"]


def seconds_until(moment: int, now: int | None = None) -> int:
    """Return the whole seconds from now until ``moment`` (epoch seconds), never negative."""
    return max(0, moment - (int(time.time()) if now is None else now))


def most_relevant(limits: list[RequestLimit]) -> RequestLimit | None:
    """Return the limit that matters most: the first one breached, else the shortest window."""
    for found in limits:
        if found.breached:
            return found
    return min(limits, key=lambda found: found.limit.get_expiry(), default=None)


def inject_headers(state: AppLimits, response: Response, current: RequestLimit) -> None:
    """Write ``X-RateLimit-*`` and ``Retry-After`` (keeping a later Retry-After already set)."""
    names = state.header_names
    headers = response.headers
    reset_at = current.reset_at
    headers.set(names[HEADERS.LIMIT], str(current.limit.amount))
    headers.set(names[HEADERS.REMAINING], str(current.remaining))
    headers.set(names[HEADERS.RESET], str(reset_at))
    existing = headers.get(names[HEADERS.RETRY_AFTER])
    now = int(time.time())
    if existing:
        if existing.strip().isdigit():
            reset_at = max(reset_at, now + int(existing))
        else:
            try:
                reset_at = max(reset_at, int(parsedate_to_datetime(existing).timestamp()))
            except (TypeError, ValueError):
                pass
    if state.retry_after == "http-date":
        value = formatdate(reset_at, usegmt=True)
    else:
        value = str(seconds_until(reset_at, now))
    headers.set(names[HEADERS.RETRY_AFTER], value)
