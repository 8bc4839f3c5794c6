"""Production logging: JSON lines, the request id, the access line and redacted error records.

See ``docs/logging.md``. Nothing here is imported until a logging setting is used
(``LOGGING``, ``LOG_FORMAT``, ``ACCESS_LOG``) or a request fails with an unhandled exception.
"""

from __future__ import annotations

from .access import access_logger
from .jsonformat import JSONFormatter, json_handler
from .redact import redact_headers
from .request_ids import request_id

__all__ = ["JSONFormatter", "access_logger", "json_handler", "redact_headers", "request_id"]
