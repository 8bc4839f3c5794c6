"""Server-side sessions (SQLite, Redis) under real gunicorn servers, over real HTTP.

The promise is "gunicorn workers behind a load balancer, with sessions in Redis". Two gunicorn
servers with two workers each stand in for the machines, and the tests play the load balancer:
round-robin, a new connection per request. Consecutive requests therefore always reach different
processes (one gunicorn alone may serve every request from the same worker), so a session
survives only when its data lives in the shared store, which the tests read directly (redis-py,
sqlite3) rather than through hipflask's stores.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack
from http.cookiejar import CookieJar
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import pytest

from .test_gunicorn import TIMEOUT, gunicorn, request
from .test_sessions_stores import purge_redis, redis_prefix

pytestmark = pytest.mark.server

LIFETIME = 1800

APP_MODULE = """
import json
import os

from hipflask import App, session

app = App(__name__)
app.config.update(json.loads(os.environ["SESSION_TEST_CONFIG"]))


@app.route("/")
def index():
    return {"pid": os.getpid()}


@app.route("/count")
def count():
    session.permanent = True
    session["n"] = session.get("n", 0) + 1
    session["label"] = f"count-is-{session['n']}"
    return {"n": session["n"], "pid": os.getpid()}


@app.route("/login/<user>")
def login(user):
    session.regenerate()
    session["user"] = user
    return {"user": user, "pid": os.getpid()}


@app.route("/whoami")
def whoami():
    return {"user": session.get("user"), "n": session.get("n"), "pid": os.getpid()}


@app.route("/logout")
def logout():
    user = session.get("user")
    session.clear()
    return {"was": user, "pid": os.getpid()}
"""


class SQLiteRecords:
    """The session table of a SQLite file that the workers share, read with sqlite3."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.config = {"SESSION_TYPE": "sqlite", "SESSION_SQLITE_PATH": str(path)}

    def _query(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        connection = sqlite3.connect(self.path)
        try:
            return connection.execute(sql, args).fetchall()
        finally:
            connection.close()

    def count(self) -> int:
        """Count every row, expired or not: a record nobody needed is a record too many."""
        return int(self._query("SELECT COUNT(*) FROM hipflask_sessions")[0][0])

    def load(self, sid: str) -> dict[str, Any] | None:
        rows = self._query("SELECT data FROM hipflask_sessions WHERE id = ?", sid)
        if not rows:
            return None
        return {key: json.loads(value) for key, value in json.loads(rows[0][0]).items()}

    def expires_in(self, sid: str) -> float:
        [(expires,)] = self._query("SELECT expires FROM hipflask_sessions WHERE id = ?", sid)
        return float(expires) - time.time()

    def close(self) -> None:
        """Nothing to release: the file goes with the temporary folder."""


class RedisRecords:
    """The session hashes under a prefix unique to this module, read with redis-py."""

    def __init__(self, url: str) -> None:
        import redis

        self.url = url
        self.prefix = redis_prefix()
        self.client = redis.Redis.from_url(url, decode_responses=True)
        self.config = {
            "SESSION_TYPE": "redis",
            "SESSION_REDIS_URL": url,
            "SESSION_KEY_PREFIX": self.prefix,
        }

    def count(self) -> int:
        return sum(1 for _ in self.client.scan_iter(f"{self.prefix}*"))

    def load(self, sid: str) -> dict[str, Any] | None:
        fields = self.client.hgetall(self.prefix + sid)
        return {str(key): json.loads(value) for key, value in fields.items()} or None

    def expires_in(self, sid: str) -> float:
        return float(self.client.ttl(self.prefix + sid))

    def close(self) -> None:
        self.client.close()
        purge_redis(self.url, self.prefix)


Records = SQLiteRecords | RedisRecords


class LoadBalancer:
    """Round-robin over the servers' ports, a new connection per request."""

    def __init__(self, ports: list[int]) -> None:
        self._ports = itertools.cycle(ports)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{next(self._ports)}{path}"

    def request(self, path: str, cookie: str | None = None) -> tuple[int, Any, Any]:
        """Send ``path`` without a cookie jar; return the status, the JSON body, the response."""
        headers = {"Cookie": f"session={cookie}"} if cookie is not None else {}
        status, body, response = request(next(self._ports), path, headers=headers)
        return status, json.loads(body), response


@pytest.fixture(scope="module", params=["sqlite", pytest.param("redis", marks=pytest.mark.redis)])
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LoadBalancer, Records]]:
    """Two gunicorn servers on one store for the module, and a direct view of the store."""
    tmp_path = tmp_path_factory.mktemp(f"gunicorn-{request.param}")
    records: Records
    if request.param == "sqlite":
        records = SQLiteRecords(tmp_path / "sessions.db")
    else:
        records = RedisRecords(request.getfixturevalue("redis_url"))
    config = {"SECRET_KEY": "s" * 32, "PERMANENT_SESSION_LIFETIME": LIFETIME, **records.config}
    env = {"SESSION_TEST_CONFIG": json.dumps(config)}
    with ExitStack() as stack:
        stack.callback(records.close)  # after both servers stopped
        ports = []
        for name in ("machine-a", "machine-b"):
            (tmp_path / name).mkdir()
            server = gunicorn(tmp_path / name, "gunicorn_app:app", source=APP_MODULE, env=env)
            ports.append(stack.enter_context(server))
        yield LoadBalancer(ports), records


class Browser:
    """A client with a cookie jar, reaching the servers through the load balancer."""

    def __init__(self, balancer: LoadBalancer) -> None:
        self.balancer = balancer
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}), urllib.request.HTTPCookieProcessor(self.jar)
        )

    def get(self, path: str) -> tuple[Any, SimpleCookie, Any]:
        """Return the JSON body, the session cookie the response set (if any), the headers."""
        with self.opener.open(self.balancer.url(path), timeout=TIMEOUT) as response:
            assert response.status == 200
            headers = response.headers
            set_cookies = headers.get_all("Set-Cookie") or []
            assert len(set_cookies) <= 1, set_cookies
            return json.loads(response.read()), SimpleCookie("".join(set_cookies)), headers

    @property
    def session_id(self) -> str:
        """The session cookie's value as the jar holds it: ``<sid>.<signature>``."""
        [cookie] = [cookie for cookie in self.jar if cookie.name == "session"]
        assert cookie.value is not None
        return cookie.value


def different_processes_in_a_row(pids: list[int]) -> bool:
    return len(pids) > 1 and all(one != next_ for one, next_ in itertools.pairwise(pids))


def sid_of(cookie_value: str) -> str:
    """Return the random id out of ``<sid>.<signature>``, checking its shape."""
    sid, signature = cookie_value.split(".")
    assert len(sid) == 43 and len(signature) == 43  # 256-bit id, 256-bit HMAC, base64url
    return sid


def test_counter_counts_across_workers_with_only_a_signed_id_in_the_cookie(
    served: tuple[LoadBalancer, Records],
) -> None:
    balancer, records = served
    browser = Browser(balancer)
    counts, pids, cookies = [], [], set()
    for expected in range(1, 21):
        body, set_cookie, headers = browser.get("/count")
        counts.append(body["n"])
        pids.append(body["pid"])
        morsel = set_cookie["session"]  # a permanent session is refreshed on every response
        assert f"count-is-{expected}" not in morsel.OutputString()
        assert morsel["httponly"] is True
        assert morsel["samesite"] == "Lax"
        assert morsel["path"] == "/"
        assert morsel["max-age"] == str(LIFETIME)
        assert headers.get_all("Vary") == ["Cookie"]
        cookies.add(morsel.value)
    assert counts == list(range(1, 21))
    assert different_processes_in_a_row(pids)
    assert cookies == {browser.session_id}  # one id for the whole session, on every worker
    sid = sid_of(browser.session_id)
    assert records.load(sid) == {"n": 20, "label": "count-is-20", "_permanent": True}
    assert LIFETIME - 10 < records.expires_in(sid) <= LIFETIME


def test_requests_that_store_nothing_create_no_record(
    served: tuple[LoadBalancer, Records],
) -> None:
    """SECURITY.md #20 over HTTP: /logout and reads without a cookie leave the store alone."""
    balancer, records = served
    Browser(balancer).get("/count")  # the store exists and holds someone else's session
    before = records.count()
    assert before >= 1
    pids = []
    for path in ["/logout"] * 200 + ["/whoami"] * 20:
        status, body, response = balancer.request(path)
        assert status == 200
        assert response.getheader("Set-Cookie") is None
        assert response.getheader("Vary") == "Cookie"
        assert body.get("was", body.get("user")) is None
        pids.append(body["pid"])
    status, _, response = balancer.request("/logout", cookie="forged.signature")
    assert status == 200 and response.getheader("Set-Cookie") is None
    assert different_processes_in_a_row(pids)
    assert records.count() == before


def test_regenerate_moves_the_data_to_a_new_id_and_destroys_the_old_one(
    served: tuple[LoadBalancer, Records],
) -> None:
    balancer, records = served
    browser = Browser(balancer)
    browser.get("/count")
    browser.get("/count")
    old = browser.session_id
    body, set_cookie, _ = browser.get("/login/alice")
    assert body["user"] == "alice"
    new = set_cookie["session"].value
    assert new == browser.session_id and sid_of(new) != sid_of(old)
    assert records.load(sid_of(old)) is None
    assert records.load(sid_of(new)) == {
        "n": 2, "label": "count-is-2", "_permanent": True, "user": "alice",
    }  # fmt: skip

    # On every worker the new id loads the data and the old one loads nothing.
    for _ in range(4):
        body = browser.get("/whoami")[0]
        assert (body["user"], body["n"]) == ("alice", 2)
        status, replay, response = balancer.request("/whoami", cookie=old)
        assert status == 200 and response.getheader("Set-Cookie") is None
        assert (replay["user"], replay["n"]) == (None, None)

    # The old cookie starts a fresh session, under an id of the server's choosing.
    status, fresh, response = balancer.request("/count", cookie=old)
    assert status == 200 and fresh["n"] == 1
    issued = SimpleCookie(response.getheader("Set-Cookie"))["session"].value
    assert sid_of(issued) not in {sid_of(old), sid_of(new)}
    assert records.load(sid_of(old)) is None
    assert records.load(sid_of(issued)) == {"n": 1, "label": "count-is-1", "_permanent": True}
