"""The app's teardown: the ``teardown_request`` and ``teardown_appcontext`` callbacks.

These functions are methods of :class:`~hipflask.app.App`, bound in its class body
(``do_teardown_request = teardown.do_teardown_request``), so subclasses override them as before.
The contexts call them when they pop, only when a callback is registered or signals are on.
"""

from __future__ import annotations

from .ctx import _NO_CTX, _ctx

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Any

    from .app import App


def do_teardown_request(self: App, exc: BaseException | None = None) -> None:
    """Run every teardown_request callback, even when an earlier one raises."""
    if self.teardown_request_funcs:
        ctx = _ctx.get(_NO_CTX)[1]
        scopes = ctx.request._scopes if ctx is not None else (None,)
        funcs = [
            func
            for scope in scopes
            if scope in self.teardown_request_funcs
            for func in reversed(self.teardown_request_funcs[scope])
        ]
        self._run_all(funcs, exc)
    if self._signals_active:
        self._send_signal("request_tearing_down", exc=exc)


def do_teardown_appcontext(self: App, exc: BaseException | None = None) -> None:
    """Run every teardown_appcontext callback, even when an earlier one raises."""
    if self.teardown_appcontext_funcs:
        self._run_all(list(reversed(self.teardown_appcontext_funcs)), exc)
    if self._signals_active:
        self._send_signal("appcontext_tearing_down", exc=exc)


def _run_all(self: App, funcs: Iterable[Callable[[Any], Any]], exc: BaseException | None) -> None:
    """Call each teardown callback, log each error, and re-raise the first when propagating.

    # NOTE: Flask stops at the first error and always raises it, which turns an answered
    # request into a server error; here every callback runs, and tests still see the error.
    """
    first_error: BaseException | None = None
    for func in funcs:
        try:
            func(exc)
        except Exception as error:
            self.logger.exception("Error in teardown callback %r", func)
            first_error = first_error or error
    if first_error is not None and self._propagates_exceptions():
        raise first_error
