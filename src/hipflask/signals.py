"""Signals (blinker), sent with the app as sender and Flask's keyword arguments.

Connecting the first receiver to one of these signals is what turns signal sending on (it sets
``App._signals_active``, the one place that sets state on the App class from outside): until
then nobody is listening, so the app skips every send site at the cost of one attribute lookup,
even when this module was imported (by an extension defining its own signals, say).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from blinker import ANY, NamedSignal, Namespace

F = TypeVar("F", bound=Callable[..., Any])

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


class _CoreSignal(NamedSignal):
    """A signal the app sends: its first receiver turns signal sending on."""

    def connect(self, receiver: F, sender: Any = ANY, weak: bool = True) -> F:
        # NOTE: connect_via and connected_to connect through here too.
        _activate()
        return super().connect(receiver, sender, weak)


_signals = Namespace()


def _signal(name: str) -> NamedSignal:
    signal = _signals[name] = _CoreSignal(name)
    return signal


template_rendered = _signal("template-rendered")
before_render_template = _signal("before-render-template")
request_started = _signal("request-started")
request_finished = _signal("request-finished")
request_tearing_down = _signal("request-tearing-down")
got_request_exception = _signal("got-request-exception")
appcontext_tearing_down = _signal("appcontext-tearing-down")
appcontext_pushed = _signal("appcontext-pushed")
appcontext_popped = _signal("appcontext-popped")
message_flashed = _signal("message-flashed")


def _activate() -> None:
    from . import app, ctx

    app.App._signals_active = True
    # NOTE: the per-request send sites read these module globals (cheaper than the class
    # attribute through an instance).
    app._signals_on = True
    ctx._signals_on = True
