"""Load and faults under gunicorn (4 workers x 8 threads) on each session backend.

Bounded: 200 users x 20 requests per backend, every request with a timeout, every phase with a
deadline. The figures are printed (run with ``-s`` to see them).
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

import pytest

from .own_redis import OwnRedis, own_redis
from .test_gunicorn import gunicorn

pytestmark = pytest.mark.server

TIMEOUT = 30.0
USERS = 200
REQUESTS = 20

LOAD_APP = """
import os

from hipflask import App, g, request, session

app = App(__name__)
app.config["SECRET_KEY"] = "load-test-key-that-is-long-enough-0123456789"
backend = os.environ["LOAD_BACKEND"]
if backend == "redis":
    app.config.update(
        SESSION_TYPE="redis",
        SESSION_REDIS_URL=os.environ["LOAD_REDIS_URL"],
        SESSION_REDIS_TIMEOUT=0.3,
        SESSION_REDIS_BREAKER_COOLDOWN=1.0,
    )
elif backend == "sqlite":
    app.config.update(SESSION_TYPE="sqlite", SESSION_SQLITE_PATH=os.environ["LOAD_SQLITE"])


@app.before_request
def remember_the_caller():
    g.name = (request.view_args or {}).get("name")


@app.route("/")
def index():
    return {"pid": os.getpid()}


@app.route("/free")
def free():
    return {"pid": os.getpid()}


@app.route("/step/<name>")
def step(name):
    # Two fields written by one save: a half-written session would show them apart.
    n = session.get("a", 0) + 1
    if session.get("user", name) != name:
        return {"session": session.get("user"), "g": g.name, "n": n}
    session["user"] = name
    session["a"] = n
    session["b"] = n
    return {"session": session["user"], "g": g.name, "n": n, "b": session["b"]}
"""


@dataclass
class Tally:
    """What the users saw."""

    statuses: dict[int, int] = field(default_factory=dict)
    mixups: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, status: int) -> None:
        with self.lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1


class User:
    """One browser: a keep-alive connection and its session cookie."""

    def __init__(self, port: int, name: str) -> None:
        self.port = port
        self.name = name
        self.cookie: str | None = None
        self.connection: http.client.HTTPConnection | None = None
        self.last_n = 0

    def get(self, path: str) -> tuple[int, dict[str, object]]:
        """Make one request; a dead connection raises (it is never retried: a step is not
        idempotent) and the next request opens a new one."""
        if self.connection is None:
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        headers = {"Cookie": f"session={self.cookie}"} if self.cookie else {}
        try:
            self.connection.request("GET", path, headers=headers)
            response = self.connection.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        if set_cookie := response.getheader("Set-Cookie"):
            self.cookie = SimpleCookie(set_cookie)["session"].value
        try:
            data = json.loads(body)
        except ValueError:
            data = {}
        if response.getheader("Connection", "").lower() == "close":
            self.close()
        return response.status, data

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def run_users(
    port: int, users: int, requests: int, tally: Tally, prefix: str = "u", *, lossy: bool = False
) -> float:
    """Run ``users`` concurrent users of ``requests`` steps each; return the seconds taken.

    ``lossy``: the store may lose every session (a Redis without persistence restarted), so a
    count may start again at 1.
    """
    barrier = threading.Barrier(users, timeout=TIMEOUT)

    def one(index: int) -> None:
        user = User(port, f"{prefix}{index}")
        lost_since = 0
        try:
            barrier.wait()
            for _ in range(requests):
                try:
                    status, data = user.get(f"/step/{user.name}")
                except (OSError, http.client.HTTPException):
                    tally.count(0)  # the connection died (a killed worker)
                    lost_since += 1
                    continue
                tally.count(status)
                if status != 200:
                    continue
                n = data["n"]
                if (data["session"], data["g"]) != (user.name, user.name):
                    with tally.lock:
                        tally.mixups.append(f"{user.name} saw {data}")
                # A step whose response was lost may have been saved: the count then moves
                # on by more than one, but both fields always move together.
                elif data["b"] != n or not (
                    user.last_n < n <= user.last_n + 1 + lost_since or (lossy and n == 1)
                ):
                    with tally.lock:
                        tally.errors.append(f"{user.name}: after {user.last_n} got {data}")
                user.last_n = int(n)  # type: ignore[call-overload]
                lost_since = 0
        except Exception as exc:
            with tally.lock:
                tally.errors.append(f"{user.name}: {exc!r}")
        finally:
            user.close()

    threads = [threading.Thread(target=one, args=(i,)) for i in range(users)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT * 4)
    assert not any(thread.is_alive() for thread in threads), "users still running"
    return time.monotonic() - started


@contextmanager
def load_server(tmp_path: Path, backend: str, redis: OwnRedis | None = None) -> Iterator[int]:
    env = {"LOAD_BACKEND": backend, "LOAD_SQLITE": str(tmp_path / "sessions.sqlite3")}
    if redis is not None:
        env["LOAD_REDIS_URL"] = redis.url
    with gunicorn(
        tmp_path, "gunicorn_app:app", "-w", "4", "--threads", "8", source=LOAD_APP, env=env
    ) as port:
        yield port


@pytest.mark.parametrize("backend", ["cookie", "sqlite", "redis"])
def test_200_users_never_see_another_users_session_or_g(tmp_path: Path, backend: str) -> None:
    with own_redis() as redis, load_server(tmp_path, backend, redis) as port:
        tally = Tally()
        seconds = run_users(port, USERS, REQUESTS, tally)
    total = sum(tally.statuses.values())
    print(
        f"\nload {backend}: {total} requests by {USERS} users in {seconds:.1f}s "
        f"= {total / seconds:.0f} rps; statuses {tally.statuses}"
    )
    assert tally.mixups == []
    assert tally.errors == []
    assert tally.statuses == {200: USERS * REQUESTS}


def test_redis_killed_mid_run_then_restarted(tmp_path: Path) -> None:
    """Session routes answer 503 promptly while Redis is dead, session-free routes 200, and
    the app recovers when Redis is back, without restarting gunicorn."""
    with own_redis() as redis, load_server(tmp_path, "redis", redis) as port:
        user = User(port, "survivor")
        assert user.get("/step/survivor")[0] == 200
        tally = Tally()
        background = threading.Thread(
            target=run_users, args=(port, 20, 60, tally, "bg"), kwargs={"lossy": True}
        )
        background.start()
        time.sleep(0.5)
        redis.kill()
        outage: list[tuple[str, int, float]] = []
        for path in ["/step/survivor", "/free"] * 15:
            started = time.monotonic()
            status, _ = user.get(path)
            outage.append((path, status, time.monotonic() - started))
        redis.start()
        background.join(TIMEOUT * 4)
        assert not background.is_alive()
        deadline = time.monotonic() + TIMEOUT
        while (status := user.get("/step/survivor")[0]) != 200:
            assert status == 503
            assert time.monotonic() < deadline, "never recovered"
            time.sleep(0.2)
        user.close()
    assert {status for path, status, _ in outage if path == "/free"} == {200}
    assert {status for path, status, _ in outage if path != "/free"} == {503}
    slowest = max(seconds for path, _, seconds in outage if path != "/free")
    assert slowest < 10, slowest  # bounded, not a hang; never a tight timing
    assert tally.mixups == []
    assert tally.errors == []
    assert set(tally.statuses) <= {200, 503}
    print(
        f"\nredis killed under load: 15 session requests 503, slowest {slowest:.2f}s; "
        f"/free 15 of 15 OK; background users {tally.statuses}"
    )


def _worker_pids(port: int, count: int) -> set[int]:
    pids: set[int] = set()
    deadline = time.monotonic() + TIMEOUT
    while len(pids) < count and time.monotonic() < deadline:
        user = User(port, "probe")
        pids.add(int(user.get("/free")[1]["pid"]))  # type: ignore[call-overload]
        user.close()
    return pids


def test_a_worker_killed_mid_run_is_replaced_and_sessions_stay_whole(tmp_path: Path) -> None:
    with load_server(tmp_path, "sqlite") as port:
        victim = min(_worker_pids(port, 2))
        tally = Tally()
        killer = threading.Timer(1.0, os.kill, (victim, signal.SIGKILL))
        killer.start()
        seconds = run_users(port, 40, 50, tally, prefix="k")
        killer.join()
        assert tally.mixups == []
        assert tally.errors == []  # no user saw a half-written or rolled-back session
        assert set(tally.statuses) <= {0, 200}  # 0: in flight on the killed worker
        lost = tally.statuses.get(0, 0)
        after = _worker_pids(port, 4)
        assert victim not in after
        assert len(after) == 4
    ok = tally.statuses.get(200)
    print(f"\nworker killed: {lost} requests lost with it, {ok} OK in {seconds:.1f}s")
