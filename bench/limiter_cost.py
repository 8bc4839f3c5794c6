"""What a rate limit costs per request: one endpoint unlimited, then limited on memory and Redis.

Run: ``.venv/bin/python bench/limiter_cost.py [--requests N] [--redis URL]``. Each app is called
in-process as a WSGI server would (fresh environ, body drained and closed); the figure is the
median over several rounds of the mean µs per request. The Redis rows need a server (default
``redis://127.0.0.1:6379/15``) and are skipped when it is unreachable; their keys use a unique
prefix and are deleted at the end.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
import uuid
from collections.abc import Callable, Iterable
from io import BytesIO
from typing import Any

from hipflask import App
from hipflask.limiter import Limiter, get_remote_address

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
ROUNDS = 7
HUGE = "100000000 per hour"  # never breached: the cost measured is the counting, not the 429

ENVIRON = {
    "REQUEST_METHOD": "GET",
    "PATH_INFO": "/item",
    "QUERY_STRING": "",
    "SERVER_NAME": "localhost",
    "SERVER_PORT": "80",
    "SERVER_PROTOCOL": "HTTP/1.1",
    "REMOTE_ADDR": "127.0.0.1",
    "HTTP_HOST": "localhost",
    "wsgi.url_scheme": "http",
    "wsgi.errors": None,
    "wsgi.multithread": False,
    "wsgi.multiprocess": False,
    "wsgi.run_once": False,
}


def _start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
    if not status.startswith("200"):
        raise AssertionError(f"the benchmark expects 200, got {status}")
    return None


def call(app: WSGIApp) -> None:
    environ = dict(ENVIRON)
    environ["wsgi.input"] = BytesIO(b"")
    result = app(environ, _start_response)
    try:
        b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()


def microseconds_per_request(app: WSGIApp, count: int) -> float:
    for _ in range(min(count, 200)):
        call(app)  # warm up: the first request finishes the app's set-up
    rounds = []
    for _ in range(ROUNDS):
        gc.collect()
        started = time.perf_counter()
        for _ in range(count):
            call(app)
        rounds.append((time.perf_counter() - started) / count * 1e6)
    return statistics.median(rounds)


def make_app(limit: str | None, **options: Any) -> App:
    app = App(__name__)
    app.config["SECRET_KEY"] = "s" * 32
    view: Callable[[], Any] = lambda: {"id": 1, "name": "item"}  # noqa: E731
    if limit is not None:
        # NOTE: a prefix per case: strategies store different kinds of keys.
        limiter = Limiter(get_remote_address, app=app, key_prefix=uuid.uuid4().hex, **options)
        view = limiter.limit(limit)(view)
    app.add_url_rule("/item", "item", view)
    return app


def redis_reachable(url: str) -> bool:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        return bool(client.ping())
    except redis.exceptions.RedisError:
        return False
    finally:
        client.close()


def purge(url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)
    client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000, help="requests per round")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/15")
    args = parser.parse_args()
    prefix = f"hipflask-bench-limits-{uuid.uuid4().hex}"
    redis_options = {"storage_uri": args.redis, "storage_options": {"key_prefix": prefix}}
    cases: list[tuple[str, Callable[[], App]]] = [
        ("unlimited", lambda: make_app(None)),
        ("memory, fixed-window", lambda: make_app(HUGE)),
        ("memory, fixed-window, headers", lambda: make_app(HUGE, headers_enabled=True)),
        ("memory, moving-window", lambda: make_app(HUGE, strategy="moving-window")),
    ]
    if redis_reachable(args.redis):
        cases += [
            ("redis, fixed-window", lambda: make_app(HUGE, **redis_options)),
            (
                "redis, fixed-window, headers",
                lambda: make_app(HUGE, headers_enabled=True, **redis_options),
            ),
            (
                "redis, moving-window",
                lambda: make_app(HUGE, strategy="moving-window", **redis_options),
            ),
        ]
    else:
        print(f"(Redis unreachable at {args.redis}: its rows are skipped)")
    try:
        baseline = None
        print(f"{'case':<34} {'µs/request':>11} {'limiter cost':>13}")
        for name, factory in cases:
            figure = microseconds_per_request(factory(), args.requests)
            baseline = figure if baseline is None else baseline
            cost = "" if figure is baseline else f"+{figure - baseline:.1f} µs"
            print(f"{name:<34} {figure:>11.1f} {cost:>13}")
    finally:
        if redis_reachable(args.redis):
            purge(args.redis, prefix)


if __name__ == "__main__":
    main()
