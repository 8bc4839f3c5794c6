"""The 429 raised when a request breaches a rate limit."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..exceptions import TooManyRequests

if TYPE_CHECKING:
    from .. import Response
    from .wrappers import Limit

__all__ = ["RateLimitExceeded"]


class RateLimitExceeded(TooManyRequests):
    """429 raised on a breach; ``limit`` is the :class:`~hipflask.limiter.Limit` that was breached.

    The description is the limit's ``error_message`` (a string, or a callable returning one),
    else the limit itself (``"5 per 1 minute"``), as in Flask-Limiter. Being an HTTPException,
    it renders as a negotiated HTML or JSON error page, and ``@app.errorhandler(429)`` (or
    ``errorhandler(RateLimitExceeded)``) replaces that page. ``retry_after`` (seconds until the
    breached window resets) is sent as ``Retry-After`` even when the ``X-RateLimit-*`` headers
    are off.
    """

    def __init__(
        self, limit: Limit, response: Response | None = None, retry_after: int | None = None
    ) -> None:
        message = limit.error_message
        if callable(message):
            message = message()
        super().__init__(str(message) if message else str(limit.limit), response=response)
        self.limit = limit
        self.retry_after = retry_after

    def get_headers(self) -> list[tuple[str, str]]:
        """Return ``Retry-After`` when the reset time of the breached window is known."""
        if self.retry_after is None:
            return []
        return [("Retry-After", str(self.retry_after))]
