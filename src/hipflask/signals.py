"""Signals (blinker), sent with the app as sender and Flask's keyword arguments.

Importing this module is what turns signal sending on (it sets ``App._signals_active``, the one
place that sets state on the App class from outside): until it is imported nobody can have
connected a receiver, so the app skips every send site at the cost of one attribute lookup.
"""

from __future__ import annotations

from blinker import Namespace

__all__ = [
    "Namespace",
    "appcontext_popped",
    "appcontext_pushed",
    "appcontext_tearing_down",
    "before_render_template",
    "got_request_exception",
    "message_flashed",
    "request_finished",
    "request_started",
    "request_tearing_down",
    "template_rendered",
]

_signals = Namespace()

template_rendered = _signals.signal("template-rendered")
before_render_template = _signals.signal("before-render-template")
request_started = _signals.signal("request-started")
request_finished = _signals.signal("request-finished")
request_tearing_down = _signals.signal("request-tearing-down")
got_request_exception = _signals.signal("got-request-exception")
appcontext_tearing_down = _signals.signal("appcontext-tearing-down")
appcontext_pushed = _signals.signal("appcontext-pushed")
appcontext_popped = _signals.signal("appcontext-popped")
message_flashed = _signals.signal("message-flashed")


def _activate() -> None:
    from . import app, ctx

    app.App._signals_active = True
    # NOTE: the per-request send sites read these module globals (cheaper than the class
    # attribute through an instance).
    app._signals_on = True
    ctx._signals_on = True


_activate()
