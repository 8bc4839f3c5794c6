"""``UserAgent``: the ``User-Agent`` header, as ``request.user_agent`` returns it."""

from __future__ import annotations


class UserAgent(str):
    """The ``User-Agent`` header as a string; ``.string`` mirrors Werkzeug's attribute."""

    @property
    def string(self) -> str:
        """Return the raw header value."""
        return str(self)
