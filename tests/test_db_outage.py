"""The database going away: 503 with a log line, rollback, and recovery without a restart.

Real servers only: a PostgreSQL backend is killed with ``pg_terminate_backend`` (a MariaDB one
with ``KILL``) from a second connection while a request is using it, and "server down" is a
TCP proxy in front of PostgreSQL that the test stops and starts again (the machine's server
itself is never stopped: other test runs use it).
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from hipflask import App
from hipflask.db import SQLAlchemy

pytestmark = pytest.mark.postgres


class TcpProxy:
    """Forward 127.0.0.1:<port> to a server; ``stop()`` refuses new and cuts open connections."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = 0
        self._listener: socket.socket | None = None
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        if self._listener is not None:
            # NOTE: shutdown() wakes the thread blocked in accept(); close() alone does not.
            try:
                self._listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._listener.close()
            self._listener = None
        with self._lock:
            for sock in self._sockets:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()
            self._sockets.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target, timeout=5)
            upstream.settimeout(None)
            with self._lock:
                self._sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


def make_app(url: str) -> tuple[App, SQLAlchemy, Any]:
    app = App(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    db = SQLAlchemy(app)

    class Visit(db.Model):
        id = db.Column(db.Integer, primary_key=True)

    with app.app_context():
        db.create_all()

    @app.route("/count")
    def count() -> str:
        return str(db.session.scalar(db.select(sa.func.count()).select_from(Visit)))

    return app, db, Visit


def add_killing_view(
    app: App, db: SQLAlchemy, model: Any, pid_sql: str, kill: Callable[[int], None]
) -> None:
    @app.post("/visit")
    def visit() -> str:
        db.session.add(model())
        db.session.flush()
        kill(db.session.execute(sa.text(pid_sql)).scalar_one())
        db.session.execute(sa.text("SELECT 1"))  # the connection is gone by now
        db.session.commit()
        return "saved"


@pytest.fixture
def warnings_of_app(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.WARNING)
    yield caplog


def test_postgres_connection_killed_mid_request_is_a_503_then_recovery(
    postgres_url: str, warnings_of_app: pytest.LogCaptureFixture
) -> None:
    app, db, Visit = make_app(postgres_url)
    admin = sa.create_engine(postgres_url, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT")

    def kill(pid: int) -> None:
        with admin.connect() as connection:
            connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})

    add_killing_view(app, db, Visit, "SELECT pg_backend_pid()", kill)
    client = app.test_client()
    try:
        response = client.post("/visit")
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "5"
        assert "Traceback" not in response.text
        messages = [r.getMessage() for r in warnings_of_app.records if r.levelname == "WARNING"]
        assert any(
            m.startswith("Database unavailable on POST /visit") and m.endswith("answered 503")
            for m in messages
        ), messages
        assert not [r for r in warnings_of_app.records if r.levelno >= logging.ERROR]
        assert client.get("/count").text == "0"  # rolled back; the next request works
    finally:
        admin.dispose()


def test_mariadb_connection_killed_mid_request_is_a_503_then_recovery(mariadb_url: str) -> None:
    app, db, Visit = make_app(mariadb_url)
    admin = sa.create_engine(mariadb_url, poolclass=sa.pool.NullPool)

    def kill(thread_id: int) -> None:
        with admin.connect() as connection:
            connection.execute(sa.text(f"KILL {int(thread_id)}"))

    add_killing_view(app, db, Visit, "SELECT CONNECTION_ID()", kill)
    client = app.test_client()
    try:
        assert client.post("/visit").status_code == 503
        assert client.get("/count").text == "0"
    finally:
        admin.dispose()


def test_server_down_answers_503_and_recovers_when_it_is_back(postgres_url: str) -> None:
    url = sa.engine.make_url(postgres_url)
    proxy = TcpProxy((url.host or "127.0.0.1", url.port or 5432))
    proxy.start()
    try:
        app, _, _ = make_app(url.set(port=proxy.port).render_as_string(hide_password=False))
        client = app.test_client()
        assert client.get("/count").text == "0"  # a pooled connection through the proxy
        proxy.stop()
        for _ in range(3):
            response = client.get("/count")
            assert response.status_code == 503
            assert "The database is unavailable" in response.text
        proxy.start()  # the same port again
        assert client.get("/count").text == "0"
    finally:
        proxy.stop()


def test_other_database_errors_stay_500(tmp_path: Any) -> None:
    app = App(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'e.db'}"
    SQLAlchemy(app)
    db = app.extensions["sqlalchemy"]

    @app.route("/broken")
    def broken() -> str:
        db.session.execute(sa.text("SELECT * FROM no_such_table"))
        return "unreachable"

    assert app.test_client().get("/broken").status_code == 500


def test_a_pooled_connection_killed_between_requests_is_replaced_silently(
    postgres_url: str,
) -> None:
    app, db, _ = make_app(postgres_url)

    @app.route("/pid")
    def pid() -> str:
        return str(db.session.scalar(sa.text("SELECT pg_backend_pid()")))

    client = app.test_client()
    first = int(client.get("/pid").text)
    admin = sa.create_engine(postgres_url, poolclass=sa.pool.NullPool)
    try:
        with admin.connect() as connection:
            connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
    finally:
        admin.dispose()
    response = client.get("/pid")  # pool_pre_ping notices the dead connection at checkout
    assert response.status_code == 200
    assert int(response.text) != first


def test_an_exhausted_pool_answers_503(tmp_path: Any) -> None:
    app = App(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'pool.db'}"
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        "pool_size": 1,
        "max_overflow": 0,
        "pool_timeout": 0.2,
    }
    db = SQLAlchemy(app)

    @app.route("/")
    def index() -> str:
        return str(db.session.scalar(sa.text("SELECT 1")))

    with app.app_context():
        engine = db.engine
    with engine.connect():  # the only connection is taken
        response = app.test_client().get("/")
        assert response.status_code == 503
    assert app.test_client().get("/").text == "1"


def test_a_host_that_never_answers_fails_at_the_connect_timeout(postgres_url: str) -> None:
    silent = socket.socket()  # accepts TCP connections (backlog) but never speaks PostgreSQL
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    url = sa.engine.make_url(postgres_url).set(port=silent.getsockname()[1])
    try:
        app = App(__name__)
        app.config["SQLALCHEMY_DATABASE_URI"] = url.render_as_string(hide_password=False)
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"connect_timeout": 2}}
        db = SQLAlchemy(app)

        @app.route("/")
        def index() -> str:
            return str(db.session.scalar(sa.text("SELECT 1")))

        assert app.test_client().get("/").status_code == 503
    finally:
        silent.close()


@pytest.mark.parametrize("backend", ["postgres", "mariadb"])
def test_server_engines_get_a_default_connect_timeout(
    backend: str, request: pytest.FixtureRequest
) -> None:
    app = App(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = request.getfixturevalue(f"{backend}_url")
    db = SQLAlchemy(app)
    seen: list[dict[str, Any]] = []
    with app.app_context():
        engine = db.engine
        sa.event.listen(engine, "do_connect", lambda d, r, args, params: seen.append(params))
        with engine.connect() as connection:
            assert connection.execute(sa.text("SELECT 1")).scalar() == 1
    assert seen[0]["connect_timeout"] == 10
