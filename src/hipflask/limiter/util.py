"""Key functions: what a limit counts requests by (the port of ``flask_limiter.util``)."""

from __future__ import annotations

from .. import request

__all__ = ["get_ipaddr", "get_remote_address"]


def get_remote_address() -> str:
    """Return the client's address (``REMOTE_ADDR``), or ``127.0.0.1`` when the server gave none.

    Behind a proxy every request comes from the proxy's address: wrap the app in
    :class:`~hipflask.middleware.proxy_fix.ProxyFix` with the right hop counts, which rewrites
    ``REMOTE_ADDR`` from ``X-Forwarded-For``; the header is never read otherwise.
    """
    return request.remote_addr or "127.0.0.1"


def get_ipaddr() -> str:
    """Return the last address of ``request.access_route`` (Flask-Limiter 1.x's name).

    hipflask's ``access_route`` never trusts ``X-Forwarded-For`` by itself (ProxyFix does that,
    with hop counts), so this is the same address as :func:`get_remote_address`.
    """
    route = request.access_route
    return route[-1] if route else "127.0.0.1"
