"""Rate limiting with Flask-Limiter 3's API, on the ``limits`` library (a battery).

Port ``from flask_limiter import Limiter`` and ``from flask_limiter.util import
get_remote_address`` by changing ``flask_limiter`` to ``hipflask.limiter``. The ``limits``
library loads when a limiter is set up on an app, never at ``import hipflask``.
"""

from __future__ import annotations

from .errors import RateLimitExceeded
from .extension import LimitDecorator, Limiter
from .settings import DEFAULT_SETTINGS, HEADERS, ExemptionScope, HeaderNames
from .util import get_ipaddr, get_remote_address
from .wrappers import Limit, RequestLimit

__all__ = [
    "DEFAULT_SETTINGS",
    "HEADERS",
    "ExemptionScope",
    "HeaderNames",
    "Limit",
    "LimitDecorator",
    "Limiter",
    "RateLimitExceeded",
    "RequestLimit",
    "get_ipaddr",
    "get_remote_address",
]
