"""Server-side sessions on SQLite and on the real Redis server (SECURITY.md #20, Redis down)."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from hipflask import App, flash, get_flashed_messages, redirect, session
from hipflask.exceptions import ServiceUnavailable
from hipflask.sessions import stores as stores_module
from hipflask.sessions.server import ServerSideSession, ServerSideSessionInterface
from hipflask.sessions.stores import RedisStore, SessionStore, SQLiteStore
from tests.reference_signer import Signer

KEY = "a-secret-key-that-is-long-enough-123456"


# -- fixtures --------------------------------------------------------------------------------


def redis_prefix() -> str:
    return f"hipflask-test:{uuid.uuid4().hex}:"


def purge_redis(url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)
    client.close()


@pytest.fixture(params=["sqlite", pytest.param("redis", marks=pytest.mark.redis)])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def store_config(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """The config keys that select this backend (Redis under a prefix unique to the test)."""
    if kind == "sqlite":
        yield {"SESSION_TYPE": "sqlite", "SESSION_SQLITE_PATH": str(tmp_path / "sessions.db")}
        return
    url = request.getfixturevalue("redis_url")
    prefix = redis_prefix()
    yield {"SESSION_TYPE": "redis", "SESSION_REDIS_URL": url, "SESSION_KEY_PREFIX": prefix}
    purge_redis(url, prefix)


@pytest.fixture
def store(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SessionStore]:
    made: SessionStore
    if kind == "sqlite":
        made = SQLiteStore(tmp_path / "store.db")
        yield made
        made.close()
        return
    url = request.getfixturevalue("redis_url")
    prefix = redis_prefix()
    made = RedisStore(url, prefix=prefix)
    yield made
    made.close()
    purge_redis(url, prefix)


def make_app(config: dict[str, Any]) -> App:
    app = App(__name__)
    app.config.update(SECRET_KEY=KEY, TESTING=True, **config)

    @app.route("/set/<key>/<value>")
    def set_value(key: str, value: str) -> str:
        session[key] = value
        return "ok"

    @app.route("/get")
    def get() -> Any:
        return dict(session.items())

    @app.route("/pop/<key>")
    def pop(key: str) -> str:
        return str(session.pop(key, None))

    @app.route("/login/<user>")
    def login(user: str) -> str:
        session.regenerate()
        session["user"] = user
        return "welcome"

    @app.route("/logout")
    def logout() -> str:
        session.clear()
        return "bye"

    @app.route("/permanent")
    def permanent() -> str:
        session.permanent = True
        session["p"] = "1"
        return "ok"

    @app.route("/append")
    def append() -> Any:
        cart = session.setdefault("cart", [])
        cart.append(len(cart))
        session.modified = True
        return cart

    @app.route("/count")
    def count() -> str:
        session["n"] = session.get("n", 0) + 1
        return str(session["n"])

    return app


@pytest.fixture
def app(store_config: dict[str, Any]) -> Iterator[App]:
    app = make_app(store_config)
    yield app
    interface = app.session_interface
    assert isinstance(interface, ServerSideSessionInterface)
    interface.store.close()


def store_of(app: App) -> SessionStore:
    interface = app.session_interface
    assert isinstance(interface, ServerSideSessionInterface)
    return interface.store


def session_cookie(response: Any) -> str:
    (header,) = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("session=")]
    return str(header)


# -- the store interface ---------------------------------------------------------------------


def test_store_save_load_merge_delete(store: SessionStore) -> None:
    assert store.load("sid") is None
    assert store.save("sid", {"a": "1", "b": "2"}, (), 60, create=True) is True
    assert store.load("sid") == {"a": "1", "b": "2"}
    assert store.save("sid", {"c": "3"}, ("a",), 60, create=False) is True
    assert store.load("sid") == {"b": "2", "c": "3"}
    assert store.count() == 1
    store.delete("sid")
    assert store.load("sid") is None
    assert store.count() == 0
    store.delete("sid")


def test_store_never_resurrects_a_missing_record(store: SessionStore) -> None:
    assert store.save("gone", {"a": "1"}, (), 60, create=False) is False
    assert store.load("gone") is None
    assert store.touch("gone", 60) is False
    assert store.count() == 0


def test_store_deletes_a_record_emptied_by_a_save(store: SessionStore) -> None:
    store.save("sid", {"a": "1"}, (), 60, create=True)
    assert store.save("sid", {}, ("a",), 60, create=False) is False
    assert store.load("sid") is None
    assert store.count() == 0


def test_store_touch_extends_the_expiry(store: SessionStore) -> None:
    store.save("sid", {"a": "1"}, (), 60, create=True)
    assert store.touch("sid", 3600) is True
    if isinstance(store, RedisStore):
        assert 3500 < store.client.ttl(store.prefix + "sid") <= 3600


@pytest.mark.redis
def test_redis_ttl_is_the_session_lifetime(redis_url: str) -> None:
    prefix = redis_prefix()
    store = RedisStore(redis_url, prefix=prefix)
    try:
        store.save("sid", {"a": "1"}, (), 1800, create=True)
        assert 1790 < store.client.ttl(prefix + "sid") <= 1800
        store.save("sid", {"b": "2"}, (), 60, create=False)
        assert 50 < store.client.ttl(prefix + "sid") <= 60
        store.save("short", {"a": "1"}, (), 1, create=True)
        time.sleep(1.2)
        assert store.load("short") is None
    finally:
        store.close()
        purge_redis(redis_url, prefix)


def test_sqlite_expiry_and_purge(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = SQLiteStore(tmp_path / "s.db", purge_interval=0)
    now = time.time()
    store.save("old", {"a": "1"}, (), 10, create=True)
    store.save("new", {"a": "1"}, (), 1000, create=True)
    monkeypatch.setattr(stores_module.time, "time", lambda: now + 100)
    assert store.load("old") is None
    assert store.touch("old", 10) is False
    assert store.save("old", {"b": "2"}, (), 10, create=False) is False
    assert store.count() == 1
    assert store.purge() == 1
    store.save("newer", {"a": "1"}, (), 1000, create=True)  # a save purges lazily too
    store.close()


def test_sqlite_store_creates_its_folder(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "deep" / "er" / "s.db")
    store.save("sid", {"a": "1"}, (), 60, create=True)
    assert store.load("sid") == {"a": "1"}
    store.close()


def test_sqlite_is_safe_across_processes(tmp_path: Path) -> None:
    """Four processes open a new database at once and merge 25 keys each onto one record."""
    path = tmp_path / "shared.db"
    code = (
        "import sys\n"
        "from hipflask.sessions.stores import SQLiteStore\n"
        "store = SQLiteStore(sys.argv[1])\n"
        "for i in range(25):\n"
        "    assert store.save('shared', {f'{sys.argv[2]}-{i}': '1'}, (), 600, create=True)\n"
    )
    workers = [subprocess.Popen([sys.executable, "-c", code, str(path), f"w{n}"]) for n in range(4)]
    assert [worker.wait(60) for worker in workers] == [0, 0, 0, 0]
    store = SQLiteStore(path)
    fields = store.load("shared")
    assert fields is not None and len(fields) == 4 * 25
    store.close()


def test_sqlite_unavailable_is_a_503(tmp_path: Path) -> None:
    app = make_app({"SESSION_TYPE": "sqlite", "SESSION_SQLITE_PATH": str(tmp_path)})
    response = app.test_client().get("/count")
    assert response.status_code == 503


def test_sqlite_default_path_is_in_the_instance_folder(tmp_path: Path) -> None:
    app = App(__name__, instance_path=str(tmp_path / "instance"))
    app.config.update(SECRET_KEY=KEY, SESSION_TYPE="sqlite")
    store = store_of(app)
    assert isinstance(store, SQLiteStore)
    assert store.path == str(tmp_path / "instance" / "sessions.sqlite3")


# -- sessions through the app ----------------------------------------------------------------


def test_counter_round_trip_with_only_a_signed_id_in_the_cookie(app: App) -> None:
    client = app.test_client()
    assert [client.get("/count").text for _ in range(3)] == ["1", "2", "3"]
    client.get("/set/secret/swordfish")
    value = client.get_cookie("session").value
    sid, signature = value.split(".")
    assert len(sid) == 43 and len(signature) == 43
    assert "swordfish" not in value
    assert Signer(KEY, (), "session-id").unsign(value) == (sid, False)
    assert store_of(app).count() == 1


def test_cookie_is_sent_only_when_it_changes(app: App) -> None:
    client = app.test_client()
    first = client.get("/count")
    assert "HttpOnly" in session_cookie(first) and "SameSite=Lax" in session_cookie(first)
    assert first.headers["Vary"] == "Cookie"
    second = client.get("/count")
    assert second.headers.getlist("Set-Cookie") == []
    assert second.headers["Vary"] == "Cookie"


def test_a_request_that_stores_nothing_creates_no_record(app: App) -> None:
    """SECURITY.md #20: /logout hit 10,000 times does not grow the store."""
    client = app.test_client(use_cookies=False)
    for _ in range(10_000):
        response = client.get("/logout")
        assert response.headers.getlist("Set-Cookie") == []
    for path in ("/get", "/pop/x"):
        assert client.get(path).headers.getlist("Set-Cookie") == []
    forged = client.get("/logout", headers={"Cookie": "session=forged.signature"})
    assert forged.status_code == 200
    assert store_of(app).count() == 0


def test_clear_destroys_the_record(app: App) -> None:
    client = app.test_client()
    client.get("/login/alice")
    stolen = client.get_cookie("session").value
    assert store_of(app).count() == 1
    header = session_cookie(client.get("/logout"))
    assert "Max-Age=0" in header
    assert store_of(app).count() == 0
    replay = app.test_client().get("/get", headers={"Cookie": f"session={stolen}"})
    assert replay.json == {}


def test_clear_then_store_uses_a_new_id(app: App) -> None:
    @app.route("/logout-with-message")
    def logout_with_message() -> Any:
        session.clear()
        flash("Logged out.")
        return redirect("/messages")

    @app.route("/messages")
    def messages() -> Any:
        return get_flashed_messages()

    client = app.test_client()
    client.get("/login/alice")
    old = client.get_cookie("session").value
    client.get("/logout-with-message")
    assert client.get_cookie("session").value != old
    assert app.test_client().get("/get", headers={"Cookie": f"session={old}"}).json == {}
    assert client.get("/messages").json == ["Logged out."]
    assert client.get_cookie("session") is None  # read, the message emptied the session
    assert store_of(app).count() == 0


def test_regenerate_moves_the_data_and_destroys_the_old_id(app: App) -> None:
    client = app.test_client()
    client.get("/set/cart/3-items")
    before = client.get_cookie("session").value
    client.get("/login/alice")
    after = client.get_cookie("session").value
    assert after != before
    assert client.get("/get").json == {"cart": "3-items", "user": "alice"}
    assert app.test_client().get("/get", headers={"Cookie": f"session={before}"}).json == {}
    assert store_of(app).count() == 1


def test_a_request_overlapping_login_does_not_delete_the_new_cookie(app: App) -> None:
    """A request opened with the pre-login id saves after login's regenerate() destroyed it."""
    opened, login_done = threading.Event(), threading.Event()

    @app.route("/slow-set")
    def slow_set() -> str:
        assert session.get("cart") == "3-items"  # opened while the old record exists
        opened.set()
        login_done.wait(10)
        session["late"] = "1"
        return "ok"

    client = app.test_client()
    client.get("/set/cart/3-items")
    before = client.get_cookie("session").value
    stale: list[Any] = []
    worker = threading.Thread(
        target=lambda: stale.append(
            app.test_client().get("/slow-set", headers={"Cookie": f"session={before}"})
        )
    )
    worker.start()
    assert opened.wait(10)
    client.get("/login/alice")
    login_done.set()
    worker.join(10)
    assert stale[0].status_code == 200
    assert stale[0].headers.getlist("Set-Cookie") == []  # no deletion racing the login cookie
    assert client.get("/get").json == {"cart": "3-items", "user": "alice"}
    assert store_of(app).count() == 1


def test_a_planted_id_is_never_adopted(app: App) -> None:
    """Session fixation: a validly signed id the store does not know gets replaced."""
    planted = Signer(KEY, (), "session-id").sign("attacker-chosen-id-" + "x" * 24)
    client = app.test_client()
    client.set_cookie("session", planted)
    client.get("/login/alice")
    assert client.get_cookie("session").value != planted
    assert app.test_client().get("/get", headers={"Cookie": f"session={planted}"}).json == {}


def test_tampered_id_cookie_gives_an_empty_session(app: App) -> None:
    client = app.test_client()
    client.get("/login/alice")
    value = client.get_cookie("session").value
    for forged in (value.swapcase(), value + "x", value[:-1], value.split(".")[0], "", "é"):
        response = app.test_client().get(
            "/get", environ_overrides={"HTTP_COOKIE": f"session={forged}"}
        )
        assert (response.status_code, response.json) == (200, {})


def test_pop_and_explicit_modified(app: App) -> None:
    client = app.test_client()
    client.get("/set/a/1")
    client.get("/set/b/2")
    assert client.get("/pop/a").text == "1"
    assert client.get("/get").json == {"b": "2"}
    client.get("/append")
    assert client.get("/append").json == [0, 1]
    assert client.get("/get").json == {"b": "2", "cart": [0, 1]}


def test_permanent_session_refreshes_the_cookie_and_the_record(app: App) -> None:
    app.config["PERMANENT_SESSION_LIFETIME"] = 1800
    client = app.test_client()
    assert "Max-Age=1800" in session_cookie(client.get("/permanent"))
    assert "Max-Age=1800" in session_cookie(client.get("/get"))
    app.config["SESSION_REFRESH_EACH_REQUEST"] = False
    assert client.get("/get").headers.getlist("Set-Cookie") == []


def test_key_rotation_re_signs_the_id(app: App) -> None:
    client = app.test_client()
    client.get("/login/alice")
    old = client.get_cookie("session").value
    new_key = "the-new-secret-key-for-this-app-0123456789"
    app.config.update(SECRET_KEY=new_key, SECRET_KEY_FALLBACKS=[KEY])
    response = client.get("/get")
    assert response.json == {"user": "alice"}
    new = client.get_cookie("session").value
    assert new != old and new.split(".")[0] == old.split(".")[0]
    assert Signer(new_key, (), "session-id").unsign(new) is not None


def test_tagged_values_and_unserializable_values(app: App) -> None:
    @app.route("/typed")
    def typed() -> str:
        session["pair"] = (1, 2)
        session["raw"] = b"\x00"
        return "ok"

    @app.route("/typed/check")
    def typed_check() -> str:
        return f"{session['pair']!r} {session['raw']!r}"

    @app.route("/bad")
    def bad() -> str:
        session["fine"] = 1
        session["bad"] = {1, 2}
        return "ok"

    client = app.test_client()
    client.get("/typed")
    assert client.get("/typed/check").text == "(1, 2) b'\\x00'"
    with pytest.raises(TypeError, match=r"session\['bad'\] holds a set"):
        client.get("/bad")


def test_a_corrupt_field_is_dropped(app: App) -> None:
    client = app.test_client()
    client.get("/set/a/1")
    sid = client.get_cookie("session").value.split(".")[0]
    store_of(app).save(sid, {"broken": "{not json"}, (), 60, create=False)
    assert client.get("/get").json == {"a": "1"}


@pytest.mark.parametrize("stored", ['{" t": 5}', '{" d": 7}', "[" * 50_000 + "]" * 50_000])
def test_a_wrongly_tagged_or_absurdly_nested_field_is_dropped(app: App, stored: str) -> None:
    client = app.test_client()
    client.get("/set/a/1")
    sid = client.get_cookie("session").value.split(".")[0]
    store_of(app).save(sid, {"broken": stored}, (), 60, create=False)
    response = client.get("/get")
    assert response.status_code == 200
    assert response.json == {"a": "1"}


def test_no_secret_key_is_a_null_session(store_config: dict[str, Any]) -> None:
    app = make_app(store_config)
    app.config["SECRET_KEY"] = None
    # NOTE: issue 14, as in Flask: the null session reads as empty; a write names the key.
    assert app.test_client().get("/get").json == {}
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        app.test_client().get("/count")


def test_save_session_refuses_a_foreign_session(app: App) -> None:
    from hipflask import Response
    from hipflask.sessions import SecureCookieSession

    with pytest.raises(TypeError, match="ServerSideSession"):
        app.session_interface.save_session(app, SecureCookieSession(), Response())


def test_session_transaction(app: App) -> None:
    client = app.test_client()
    with client.session_transaction() as sess:
        assert isinstance(sess, ServerSideSession)
        sess["n"] = 41
    assert client.get("/count").text == "42"


# -- concurrency -----------------------------------------------------------------------------


def run_overlapping(app: App, cookie: str, paths: list[str]) -> list[int]:
    """Run requests that all open the session before any of them saves."""
    barrier = threading.Barrier(len(paths), timeout=10)

    @app.before_request
    def wait_for_each_other() -> None:
        dict(session.items())  # open (load) the session
        barrier.wait()

    statuses: list[int] = []

    def call(path: str) -> None:
        client = app.test_client()
        statuses.append(client.get(path, headers={"Cookie": f"session={cookie}"}).status_code)

    threads = [threading.Thread(target=call, args=(path,)) for path in paths]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    app.before_request_funcs.clear()
    return statuses


def test_overlapping_requests_changing_different_keys_both_keep_their_change(app: App) -> None:
    client = app.test_client()
    client.get("/set/seed/0")
    client.get("/set/gone/1")
    cookie = client.get_cookie("session").value
    assert run_overlapping(app, cookie, ["/set/a/1", "/set/b/2", "/pop/gone"]) == [200] * 3
    assert client.get("/get").json == {"seed": "0", "a": "1", "b": "2"}


def test_a_logout_is_never_undone_by_an_overlapping_request(app: App) -> None:
    client = app.test_client()
    client.get("/login/alice")
    cookie = client.get_cookie("session").value
    assert run_overlapping(app, cookie, ["/logout", "/set/late/1"]) == [200, 200]
    assert app.test_client().get("/get", headers={"Cookie": f"session={cookie}"}).json == {}
    assert store_of(app).count() == 0


# -- Redis down ------------------------------------------------------------------------------


class FlakyProxy:
    """A TCP proxy in front of Redis that can pass traffic, refuse it, or hang."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.mode = "up"
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.05)
        self.port = self.listener.getsockname()[1]
        self.connections: list[socket.socket] = []
        self.stopped = False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        self._drop_connections()

    def close(self) -> None:
        self.stopped = True
        self.thread.join(5)
        self.listener.close()
        self._drop_connections()

    def _drop_connections(self) -> None:
        connections, self.connections = self.connections, []
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            connection.close()

    def _accept(self) -> None:
        while not self.stopped:
            try:
                client, _ = self.listener.accept()
            except OSError:
                continue
            if self.mode == "refuse":
                client.close()
                continue
            self.connections.append(client)
            if self.mode == "hang":
                continue
            upstream = socket.create_connection(self.target)
            self.connections.append(upstream)
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass


@pytest.fixture
def flaky_app(redis_url: str) -> Iterator[tuple[App, FlakyProxy]]:
    from urllib.parse import urlsplit

    parts = urlsplit(redis_url)
    proxy = FlakyProxy((parts.hostname or "127.0.0.1", parts.port or 6379))
    prefix = redis_prefix()
    app = make_app(
        {
            "SESSION_TYPE": "redis",
            "SESSION_REDIS_URL": f"redis://127.0.0.1:{proxy.port}{parts.path}",
            "SESSION_KEY_PREFIX": prefix,
            "SESSION_REDIS_TIMEOUT": 0.2,
        }
    )
    yield app, proxy
    store_of(app).close()
    proxy.close()
    purge_redis(redis_url, prefix)


def timed_get(client: Any, path: str) -> tuple[int, float]:
    started = time.monotonic()
    status = client.get(path).status_code
    return status, time.monotonic() - started


@pytest.mark.redis
def test_redis_on_a_closed_port_fails_closed_with_503_quickly() -> None:
    app = make_app(
        {
            "SESSION_TYPE": "redis",
            "SESSION_REDIS_URL": "redis://127.0.0.1:1/0",
            "SESSION_REDIS_TIMEOUT": 0.2,
        }
    )
    ran: list[str] = []

    @app.route("/guarded")
    def guarded() -> str:
        user = session.get("user")
        ran.append("after the session")
        return str(user)

    client = app.test_client()
    assert client.get("/guarded").text == "None"  # no cookie: nothing to load, Redis unused
    ran.clear()
    client.set_cookie("session", Signer(KEY, (), "session-id").sign("x" * 43))
    status, seconds = timed_get(client, "/guarded")
    assert status == 503 and seconds < 2.0
    assert ran == []
    assert timed_get(client, "/count")[0] == 503
    store_of(app).close()


@pytest.mark.redis
def test_redis_down_or_hung_gives_503_in_bounded_time_then_recovers(
    flaky_app: tuple[App, FlakyProxy],
) -> None:
    app, proxy = flaky_app
    client = app.test_client()
    assert client.get("/count").text == "1"
    for expected, mode in enumerate(("refuse", "hang"), start=2):
        proxy.set_mode(mode)
        status, seconds = timed_get(client, "/count")
        assert status == 503, mode
        assert seconds < 2.0, (mode, seconds)
        proxy.set_mode("up")
        assert client.get("/count").text == str(expected), mode


@pytest.mark.redis
def test_redis_failing_at_save_time_is_a_503_once(flaky_app: tuple[App, FlakyProxy]) -> None:
    app, proxy = flaky_app

    @app.route("/read-then-break")
    def read_then_break() -> str:
        value = session.get("n", 0)
        proxy.set_mode("hang")
        session["n"] = value + 1
        return "unreachable for the client"

    client = app.test_client()
    client.get("/count")
    status, seconds = timed_get(client, "/read-then-break")
    assert status == 503 and seconds < 2.0
    proxy.set_mode("up")
    assert client.get("/count").text == "2"


@pytest.mark.redis
def test_store_errors_other_than_outages_are_not_hidden(redis_url: str) -> None:
    store = RedisStore(redis_url, prefix=redis_prefix())
    try:
        with pytest.raises(ServiceUnavailable):
            RedisStore("redis://127.0.0.1:1/0", timeout=0.1).load("x")
        store.client.set(store.prefix + "wrongtype", "x")
        with pytest.raises(Exception, match="WRONGTYPE"):
            store.load("wrongtype")
    finally:
        store.client.delete(store.prefix + "wrongtype")
        store.close()


# -- factories -------------------------------------------------------------------------------


def test_interfaces_are_built_from_config(store_config: dict[str, Any]) -> None:
    app = make_app(store_config)
    interface = app.session_interface
    assert isinstance(interface, ServerSideSessionInterface)
    expected: Callable[..., Any] = (
        SQLiteStore if store_config["SESSION_TYPE"] == "sqlite" else RedisStore
    )
    assert isinstance(interface.store, expected)  # type: ignore[arg-type]
    interface.store.close()


def test_a_failed_regenerate_keeps_the_old_record(app: App) -> None:
    @app.route("/bad-login")
    def bad_login() -> str:
        session.regenerate()
        session["bad"] = object()
        return "ok"

    client = app.test_client()
    client.get("/login/alice")
    with pytest.raises(TypeError, match="session\\['bad'\\]"):
        client.get("/bad-login")
    assert client.get("/get").json == {"user": "alice"}
