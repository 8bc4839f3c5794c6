"""Flash messages: one-time notices that survive a redirect.

``flash()`` appends ``(category, message)`` to ``session['_flashes']``; the first
``get_flashed_messages()`` of a later request removes them from the session and keeps them on
the request context, so every later call in the same request sees the same list. Messages are
escaped by templates like any other value unless they are :class:`~markupsafe.Markup`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .ctx import _NO_CTX, _ctx

__all__ = ["flash", "get_flashed_messages"]

_FLASHES = "_flashes"
_CACHE = "_flashed_messages"


def flash(message: Any, category: str = "message") -> None:
    """Store ``message`` for the next request that calls :func:`get_flashed_messages`.

    ``category`` is free text; ``'message'``, ``'info'``, ``'warning'`` and ``'error'`` are the
    usual ones. Needs a working session (a SECRET_KEY).
    """
    ctx = _ctx.get(_NO_CTX)[1]
    if ctx is None:
        raise RuntimeError("'flash' can only be used while handling a request.")
    session = ctx.session
    flashes = session.get(_FLASHES, [])
    flashes.append((category, message))
    session[_FLASHES] = flashes
    app = ctx.app
    if app._signals_active:
        app._send_signal("message_flashed", message=message, category=category)


def get_flashed_messages(
    with_categories: bool = False, category_filter: Iterable[str] = ()
) -> list[Any]:
    """Return the flashed messages and remove them from the session.

    With ``with_categories`` each item is a ``(category, message)`` tuple. ``category_filter``
    keeps only the given categories (the others are removed from the session all the same).
    """
    ctx = _ctx.get(_NO_CTX)[1]
    if ctx is None:
        raise RuntimeError("'get_flashed_messages' can only be used while handling a request.")
    flashes: list[tuple[str, Any]] | None = getattr(ctx, _CACHE, None)
    if flashes is None:
        session = ctx.session
        flashes = [tuple(item) for item in session.pop(_FLASHES)] if _FLASHES in session else []
        setattr(ctx, _CACHE, flashes)
    if category_filter:
        wanted = set(category_filter)
        flashes = [item for item in flashes if item[0] in wanted]
    if not with_categories:
        return [item[1] for item in flashes]
    return list(flashes)
