"""A stalled Redis (SIGSTOP, not dead): the circuit breaker, and session-free routes untouched.

Each test pauses a redis-server of its own, on its own port, never the shared one.
"""

from __future__ import annotations

import http.client
import socket
import threading
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from http.cookies import SimpleCookie
from typing import TypeVar

import pytest

from hipflask import App, request, session
from hipflask.exceptions import ServiceUnavailable
from hipflask.serving.limits import waitress_server
from hipflask.sessions.server import ServerSideSessionInterface
from hipflask.sessions.stores import RedisStore

from .own_redis import OwnRedis, own_redis

pytestmark = pytest.mark.server

KEY = "a-secret-key-that-is-long-enough-123456"
TIMEOUT = 30.0
T = TypeVar("T")


class CountingStore(RedisStore):
    """The real Redis store, noting the request path of every call asked of it, and of every
    call that got past the breaker to Redis."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.asked: list[str] = []
        self.reached: list[str] = []

    def load(self, sid: str) -> dict[str, str] | None:
        self.asked.append(request.path)
        return super().load(sid)

    def save(
        self,
        sid: str,
        changed: Mapping[str, str],
        deleted: Collection[str],
        ttl: int,
        *,
        create: bool,
    ) -> bool:
        self.asked.append(request.path)
        return super().save(sid, changed, deleted, ttl, create=create)

    def _call(self, func: Callable[[], T]) -> T:
        def noted() -> T:
            self.reached.append(request.path)
            return func()

        return super()._call(noted)


@pytest.fixture
def redis_server() -> Iterator[OwnRedis]:
    with own_redis() as server:
        yield server


def test_the_breaker_fails_fast_while_open_and_closes_when_redis_answers(
    redis_server: OwnRedis,
) -> None:
    store = RedisStore(redis_server.url, timeout=0.2, breaker_failures=3, breaker_cooldown=1.0)
    try:
        store.save("sid", {"a": "1"}, (), 60, create=True)
        redis_server.pause()
        for _ in range(3):
            with pytest.raises(ServiceUnavailable, match="unavailable: Timeout"):
                store.load("sid")
        assert store.breaker.is_open
        with pytest.raises(ServiceUnavailable, match="timed out repeatedly"):
            store.load("sid")  # refused without asking Redis
        redis_server.resume()
        deadline = time.monotonic() + TIMEOUT
        while True:  # the cool-down passes, then one probe closes the breaker
            try:
                assert store.load("sid") == {"a": "1"}
                break
            except ServiceUnavailable:
                assert time.monotonic() < deadline, "the breaker never closed"
                time.sleep(0.2)
        assert not store.breaker.is_open
    finally:
        redis_server.resume()
        store.close()


def test_a_probe_that_fails_reopens_the_breaker(redis_server: OwnRedis) -> None:
    store = RedisStore(redis_server.url, timeout=0.2, breaker_failures=2, breaker_cooldown=0.5)
    try:
        redis_server.pause()
        for _ in range(2):
            with pytest.raises(ServiceUnavailable):
                store.load("sid")
        time.sleep(0.6)
        with pytest.raises(ServiceUnavailable, match="unavailable: Timeout"):
            store.load("sid")  # the probe reached the still-paused Redis
        with pytest.raises(ServiceUnavailable, match="timed out repeatedly"):
            store.load("sid")
    finally:
        redis_server.resume()
        store.close()


def _get(port: int, path: str, cookie: str | None = None) -> tuple[int, str, float]:
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = connection.getresponse()
        body = response.read().decode()
        if cookie is None and (header := response.getheader("Set-Cookie")):
            body = "session=" + SimpleCookie(header)["session"].value
        return response.status, body, time.monotonic() - started
    finally:
        connection.close()


def test_a_stalled_redis_never_holds_up_session_free_routes(redis_server: OwnRedis) -> None:
    """Six users hammer a session route while Redis is paused; a session-free route is served
    throughout, and no store call is ever made for it."""
    app = App(__name__)
    app.config.update(SECRET_KEY=KEY, SESSION_TYPE="redis")
    store = CountingStore(
        redis_server.url,
        prefix="breaker-test:",
        timeout=0.3,
        breaker_failures=3,
        breaker_cooldown=1.0,
    )
    app.session_interface = ServerSideSessionInterface(store)

    @app.route("/free")
    def free() -> str:
        return "free"

    @app.route("/count")
    def count() -> str:
        session["n"] = session.get("n", 0) + 1
        return str(session["n"])

    sock = socket.create_server(("127.0.0.1", 0))
    server = waitress_server(app, sock, 4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    port = sock.getsockname()[1]
    try:
        cookies = [_get(port, "/count")[1] for _ in range(6)]
        assert all(cookie.startswith("session=") for cookie in cookies)
        redis_server.pause()
        session_statuses: list[int] = []

        def user(cookie: str) -> None:
            for _ in range(10):
                session_statuses.append(_get(port, "/count", cookie)[0])

        users = [threading.Thread(target=user, args=(cookie,)) for cookie in cookies]
        for each in users:
            each.start()
        free_results = [_get(port, "/free") for _ in range(30)]
        for each in users:
            each.join(TIMEOUT * 2)
        assert not any(each.is_alive() for each in users)

        assert [(status, body) for status, body, _ in free_results] == [(200, "free")] * 30
        assert "/free" not in store.asked
        assert "/free" not in store.reached
        assert session_statuses == [503] * 60
        # The breaker answered most of the 60 requests without reaching the paused store.
        reached = store.reached.count("/count") - 6
        print(f"stalled Redis: {reached} of 60 session requests reached it; /free 30 of 30 OK")
        assert reached < 30, reached

        redis_server.resume()
        deadline = time.monotonic() + TIMEOUT
        while (status := _get(port, "/count", cookies[0]))[0] != 200:
            assert status[0] == 503
            assert time.monotonic() < deadline, "never recovered"
            time.sleep(0.2)
        assert status[1] == "2"  # the session survived the outage intact
    finally:
        redis_server.resume()
        server.close()
        thread.join(TIMEOUT)
        store.close()
