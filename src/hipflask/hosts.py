"""The Host header: its grammar, its name without the port, and ``TRUSTED_HOSTS`` matching.

Core, not a battery: :class:`~hipflask.request.Request` checks the host when it is read.
"""

from __future__ import annotations

from collections.abc import Iterable

from .lazyload import lazy_compile

TYPE_CHECKING = False
if TYPE_CHECKING:
    import re

__all__ = ["check_trusted_host", "is_valid_host", "split_host"]

# SECURITY: a Host header is a name or an IP literal with an optional port; anything else
# (spaces, slashes, "@", "?", control characters) is malformed and refused outright, so it can
# never reach request.url or an external URL. The grammar is Werkzeug's, except that "_" is
# tolerated (Docker and other internal service names use it; it cannot end a URL's host).
_HOST_RE = lazy_compile(r"(?ai)([a-z0-9._-]+|\[[a-f0-9]*:[a-f0-9.:]+\])(?::([1-9][0-9]{0,4}))?")


def _match_host(host: str) -> re.Match[str] | None:
    """Match ``host`` against the host grammar, with a port from 1 to 65535."""
    if len(host) > 255:
        return None
    match = _HOST_RE.fullmatch(host)
    if match is None or (match.group(2) is not None and int(match.group(2)) > 65535):
        return None
    return match


def is_valid_host(host: str) -> bool:
    """Tell whether ``host`` is a host name or IP literal with an optional port."""
    return _match_host(host) is not None


def split_host(host: str) -> str | None:
    """Return the host name of a Host header without its port, lower-cased, or None if malformed."""
    match = _match_host(host)
    return match.group(1).lower() if match is not None else None


def check_trusted_host(host: str, trusted_hosts: Iterable[str]) -> bool:
    """Tell whether ``host`` matches ``TRUSTED_HOSTS`` (an entry ``.example.com`` also admits
    its subdomains)."""
    name = split_host(host)
    if name is None:
        return False
    for entry in trusted_hosts:
        entry = entry.lower()
        if entry.startswith("."):
            if name == entry[1:] or name.endswith(entry):
                return True
        elif name == (split_host(entry) or entry):
            return True
    return False
