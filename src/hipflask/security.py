"""Host checking and other request-level defences of the core."""

from __future__ import annotations

import re
from collections.abc import Iterable

# SECURITY: a Host header is a name or an IP literal with an optional port; anything else
# (spaces, slashes, "@", control characters) is malformed and refused outright.
_HOST_RE = re.compile(
    r"^(?:[A-Za-z0-9](?:[A-Za-z0-9\-\.]*[A-Za-z0-9])?|\[[0-9A-Fa-f:\.]+\])(?::\d{1,5})?$"
)


def split_host(host: str) -> str | None:
    """Return the host name of a Host header without its port, lower-cased, or None if malformed."""
    if not host or len(host) > 255 or not _HOST_RE.match(host):
        return None
    if host.startswith("["):
        return host[: host.index("]") + 1].lower()
    return host.rpartition(":")[0].lower() if ":" in host else host.lower()


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
