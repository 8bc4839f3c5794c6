"""Gunicorn configuration for ``bench/e2e.py --count``: mark each request for callgrind.

Loaded with ``gunicorn -c python:bench.e2e_hooks`` under ``valgrind --tool=callgrind
--collect-atstart=no --toggle-collect=_operator_call``. After ``HIPFLASK_E2E_WARMUP``
requests, the sync worker's handling of each of the next ``HIPFLASK_E2E_REQUESTS`` connections
(everything ``SyncWorker.accept`` does once ``listener.accept()`` has returned: parsing, the
environ, the app, writing, closing) runs inside one ``operator.call`` call, a C function nothing
else calls, so callgrind counts exactly that; the app itself runs inside ``sys.call_tracing``,
whose inclusive cost in the profile is the app's share.
"""

from __future__ import annotations

import operator
import os
import sys
from typing import Any

from gunicorn import util

WARMUP = int(os.environ.get("HIPFLASK_E2E_WARMUP", "20"))
REQUESTS = int(os.environ.get("HIPFLASK_E2E_REQUESTS", "200"))
# NOTE: a worker under valgrind is slow; the default 30 s would have the arbiter kill it.
timeout = 600


def post_worker_init(worker: Any) -> None:
    """Wrap the worker's accept and its app so that callgrind sees each request."""
    app = worker.wsgi
    served = 0

    def finish(listener: Any, client: Any, address: Any) -> None:
        # NOTE: the body of SyncWorker.accept after listener.accept() (gunicorn 27).
        client.setblocking(1)
        util.close_on_exec(client)
        worker.handle(listener, client, address)

    def accept(listener: Any) -> None:
        nonlocal served
        client, address = listener.accept()
        served += 1
        if WARMUP < served <= WARMUP + REQUESTS:
            operator.call(finish, listener, client, address)
        else:
            finish(listener, client, address)

    def wsgi(environ: dict[str, Any], start_response: Any) -> Any:
        return sys.call_tracing(app, (environ, start_response))

    worker.accept = accept
    worker.wsgi = wsgi
