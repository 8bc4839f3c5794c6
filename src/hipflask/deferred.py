"""Run small work after the response has been sent: ``after_this_response(func)``.

For work too small for a task queue (a cache refresh, an audit row, a webhook ping): the client
has its answer, and the worker thread runs ``func`` before it takes the next request. Work that
must survive a crash or a restart belongs in ``hipflask.tasks``.
"""

from __future__ import annotations

from collections.abc import Callable

from .ctx import _ctx, after_this_request

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TypeVar

    from .app import App
    from .response import Response

    F = TypeVar("F", bound=Callable[[], Any])


def after_this_response(func: F) -> F:
    """Call ``func()`` once the server has sent the response body, in this worker.

    ``func`` runs inside an app context of the current app (after the request context is gone:
    read what it needs from ``request`` beforehand). Its errors are logged with their traceback
    on ``app.logger`` and never reach the client, who already has the answer. Works with streamed
    bodies (it runs after the last chunk) and with the test client (when the body is read).

    # NOTE: it rides on the response object the view returned; an ``after_request`` hook that
    # returns a different Response object must carry ``call_on_close`` functions over.
    """
    app = _ctx.get()[0].app

    def attach(response: Response) -> Response:
        response.call_on_close(lambda: _run(app, func))
        return response

    after_this_request(attach)
    return func


def _run(app: App, func: Callable[[], Any]) -> None:
    """Run ``func`` in an app context; log, never raise, its error: the response is gone."""
    try:
        with app.app_context():
            func()
    except Exception:
        app.logger.exception("Error in after_this_response function %r", func)
