"""Call a WSGI app in-process the way a server would, and time it."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterable
from http.cookies import SimpleCookie
from io import BytesIO
from typing import Any

from bench.scenarios import Answer

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
    return _write


def _write(data: bytes) -> None:
    pass


def call(app: WSGIApp, environ: dict[str, Any], body: bytes) -> Answer:
    """Make one request and collect the answer."""
    started: list[tuple[str, list[tuple[str, str]]]] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        started.append((status, headers))
        return _write

    environ = environ.copy()
    environ["wsgi.input"] = BytesIO(body)
    result = app(environ, start_response)
    try:
        content = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    status, headers = started[-1]
    return Answer(int(status.split()[0]), headers, content)


def cookies_set(answer: Answer) -> str:
    """Return the ``Cookie`` header a browser would send back after ``answer``."""
    jar = SimpleCookie()
    for name, value in answer.headers:
        if name.lower() == "set-cookie":
            jar.load(value)
    return "; ".join(f"{name}={morsel.coded_value}" for name, morsel in jar.items())


def serve(app: WSGIApp, environ: dict[str, Any], body: bytes) -> None:
    """Make one request as a server would: a fresh environ and input, the answer drained and
    closed, and nothing kept."""
    environ_copy = environ.copy()
    environ_copy["wsgi.input"] = BytesIO(body)
    result = app(environ_copy, _start_response)
    for _chunk in result:
        pass
    close = getattr(result, "close", None)
    if close is not None:
        close()


def seconds_per_call(app: WSGIApp, environ: dict[str, Any], body: bytes, count: int) -> float:
    """Make ``count`` identical requests; return the mean wall time of one.

    Each call gets a fresh environ and ``wsgi.input``, and its response is drained and closed,
    as a server would. The garbage of earlier batches is collected first so that it is not
    charged to this one; the collector stays on, since the garbage a framework makes is its cost.
    """
    gc.collect()
    # NOTE: the loop repeats serve() inline, so no extra call is timed with each request.
    start_response = _start_response
    started = time.perf_counter()
    for _ in range(count):
        environ_copy = environ.copy()
        environ_copy["wsgi.input"] = BytesIO(body)
        result = app(environ_copy, start_response)
        for _chunk in result:
            pass
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return (time.perf_counter() - started) / count


def calibrate(app: WSGIApp, environ: dict[str, Any], body: bytes, batch_seconds: float) -> int:
    """Return how many calls make a batch last about ``batch_seconds``."""
    count = 1
    while True:
        elapsed = seconds_per_call(app, environ, body, count) * count
        if elapsed >= min(batch_seconds, 0.005) or count >= 1 << 20:
            return max(1, round(count * batch_seconds / elapsed))
        count *= 2
