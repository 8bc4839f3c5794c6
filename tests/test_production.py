"""The production picture, end to end: two gunicorn "machines", Redis, PostgreSQL and a worker.

Two gunicorn servers on their own ports share sessions in Redis (a DB number and key prefix of
this run), users, login records and data in PostgreSQL (a schema of this run) and a task queue
on Redis (its own DB number, key prefix and queue name). One ``hipflask worker`` runs the tasks,
which write their rows to PostgreSQL. The test plays the load balancer: a user logs in on A and
is served by B, a task enqueued from B runs on the worker, then server A's whole process group
is killed with SIGKILL in the middle of a bounded load that alternates A and B. Afterwards B
still answers, the user is still logged in, every write answered 2xx is in the database and
nothing else is, no row is half-written, and every task enqueued by a 2xx answer ran.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import pytest

from .test_gunicorn import SOURCE_ROOT, gunicorn, request
from .test_sessions_stores import purge_redis, redis_prefix
from .test_tasks_workers import Site, _redis_broker

pytestmark = [pytest.mark.server, pytest.mark.redis, pytest.mark.postgres]

#: Requests of the load, alternating A and B; A is killed after ``KILL_AT`` of them.
LOAD = 120
KILL_AT = 50
WAIT = 120.0

APP_MODULE = """
import hashlib
import json
import os

from hipflask import App, request
from hipflask.auth import LoginManager, UserMixin, current_user, login_required, login_user
from hipflask.db import SQLAlchemy
from hipflask.health import Health
from hipflask.tasks import Tasks

app = App(__name__, instance_path=os.environ["PROD_INSTANCE"])
app.config.update(json.loads(os.environ["PROD_CONFIG"]))
db = SQLAlchemy(app)
tasks = Tasks(app)
login_manager = LoginManager(app)
Health(app)
SERVER = os.environ.get("PROD_SERVER", "worker")


class User(UserMixin, db.Model):
    __tablename__ = "users"
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(40), unique=True, nullable=False)


class Write(db.Model):
    __tablename__ = "writes"
    key = db.Column(db.String(40), primary_key=True)
    server = db.Column(db.String(10), nullable=False)
    payload = db.Column(db.Text, nullable=False)
    digest = db.Column(db.String(64), nullable=False)


class Run(db.Model):
    __tablename__ = "runs"
    id = db.Column(db.Integer, primary_key=True)
    key = db.Column(db.String(40), nullable=False)
    pid = db.Column(db.Integer, nullable=False)


@login_manager.user_loader
def load_user(user_id):
    return db.session.get(User, int(user_id))


@tasks.task
def record(key):
    db.session.add(Run(key=key, pid=os.getpgid(0)))
    db.session.commit()
    return key


@app.route("/")
def index():
    return "ok"


@app.route("/login/<name>", methods=["POST"])
def login(name):
    user = db.session.execute(db.select(User).filter_by(name=name)).scalar_one()
    login_user(user, remember=True)
    return {"user": user.name, "server": SERVER}


@app.route("/me")
@login_required
def me():
    return {"user": current_user.name, "server": SERVER}


@app.route("/write/<key>", methods=["POST"])
@login_required
def write(key):
    payload = request.get_data(as_text=True)
    digest = hashlib.sha256(payload.encode()).hexdigest()
    db.session.add(Write(key=key, server=SERVER, payload=payload, digest=digest))
    db.session.commit()
    return {"key": key, "task": record.delay(key).id, "server": SERVER}, 201


@app.route("/enqueue/<key>", methods=["POST"])
@login_required
def enqueue(key):
    return {"task": record.delay(key).id, "server": SERVER}
"""

SCHEMA = """
from gunicorn_app import app, db, User

with app.app_context():
    db.create_all()
    db.session.add(User(name="alice"))
    db.session.commit()
"""


class Machines:
    """The shared settings of the run, the servers' ports and pid files, and the test's client."""

    def __init__(self, tmp_path: Path, postgres_url: str, redis_url: str) -> None:
        run = uuid.uuid4().hex[:12]
        self.broker = _redis_broker(run)
        self.sessions_url, self.prefix = redis_url, redis_prefix()
        config = {
            "SECRET_KEY": "s" * 32,
            "SQLALCHEMY_DATABASE_URI": postgres_url,
            "SESSION_TYPE": "redis",
            "SESSION_REDIS_URL": redis_url,
            "SESSION_KEY_PREFIX": f"{self.prefix}session:",
            "AUTH_KEY_PREFIX": f"{self.prefix}auth:",
            "CELERY": self.broker.celery,
        }
        self.tmp_path = tmp_path
        self.env = {"PROD_CONFIG": json.dumps(config), "PROD_INSTANCE": str(tmp_path / "instance")}
        self.cookies: dict[str, str] = {}

    def cleanup(self) -> None:
        self.broker.cleanup()
        purge_redis(self.sessions_url, self.prefix)

    def folder(self, name: str) -> Path:
        folder = self.tmp_path / name
        folder.mkdir()
        (folder / "gunicorn_app.py").write_text(APP_MODULE)
        return folder

    def create_schema(self) -> None:
        folder = self.folder("schema")
        environ = {k: v for k, v in os.environ.items() if not k.startswith("HIPFLASK_")}
        environ |= self.env | {"PYTHONPATH": os.pathsep.join([SOURCE_ROOT, str(folder)])}
        done = subprocess.run(
            [sys.executable, "-c", SCHEMA], cwd=folder, env=environ, capture_output=True,
            timeout=60, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr.decode()

    def server(self, stack: ExitStack, name: str) -> int:
        folder = self.folder(name)
        pid_file = folder / "gunicorn.pid"
        env = self.env | {"PROD_SERVER": name}
        served = gunicorn(folder, "gunicorn_app:app", "--threads", "2", "--pid", str(pid_file),
                          source=APP_MODULE, env=env)  # fmt: skip
        return stack.enter_context(served)

    def worker(self, stack: ExitStack) -> subprocess.Popen[bytes]:
        site = Site(self.folder("worker"), {})
        (site.folder / "gunicorn_app.py").write_text(APP_MODULE)
        site.env = self.env
        self.site = site
        return stack.enter_context(site.worker("worker"))

    def send(self, port: int, method: str, path: str, body: bytes | None = None) -> Any:
        """Send one request with the user's cookies; keep the cookies it sets."""
        header = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        status, raw, response = request(port, path, method, body, headers={"Cookie": header})
        for line in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(line).items():
                self.cookies[name] = morsel.value
        return status, json.loads(raw) if raw.startswith(b"{") else raw

    def query(self, sql: str) -> list[Any]:
        import sqlalchemy as sa

        engine = sa.create_engine(json.loads(self.env["PROD_CONFIG"])["SQLALCHEMY_DATABASE_URI"],
                                  poolclass=sa.pool.NullPool)  # fmt: skip
        try:
            with engine.connect() as connection:
                return list(connection.execute(sa.text(sql)))
        finally:
            engine.dispose()

    def wait_for(self, predicate: Any, what: str) -> None:
        deadline = time.monotonic() + WAIT
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}:\n{self.site.log('worker')}")
            time.sleep(0.2)


@pytest.fixture
def machines(tmp_path: Path, postgres_url: str, redis_url: str) -> Iterator[Machines]:
    found = Machines(tmp_path, postgres_url, redis_url)
    try:
        yield found
    finally:
        found.cleanup()


def payload_of(key: str) -> bytes:
    return (key * 200).encode()


def test_two_machines_survive_losing_one(machines: Machines, tmp_path: Path) -> None:
    started = time.monotonic()
    machines.create_schema()
    with ExitStack() as stack:
        port_a = machines.server(stack, "a")
        port_b = machines.server(stack, "b")
        worker = machines.worker(stack)

        # Logged in on A, served as that user by B: the session and the login are shared.
        assert machines.send(port_a, "POST", "/login/alice") == (
            200, {"user": "alice", "server": "a"}
        )  # fmt: skip
        assert machines.send(port_b, "GET", "/me") == (200, {"user": "alice", "server": "b"})

        # A task enqueued by B runs on the worker and writes its row to PostgreSQL.
        status, body = machines.send(port_b, "POST", "/enqueue/from-b")
        assert (status, body["server"]) == (200, "b")
        machines.wait_for(
            lambda: machines.query("SELECT key, pid FROM runs") == [("from-b", worker.pid)],
            "the task enqueued by B",
        )
        assert machines.send(port_b, "GET", "/healthz")[0] == 200

        # The load: writes alternating A and B; A's whole process group dies mid-way.
        pid_a = int((tmp_path / "a" / "gunicorn.pid").read_text())
        assert os.getpgid(pid_a) == pid_a  # the master leads the group of all A's processes
        answered: dict[str, str] = {}
        failed: list[str] = []
        for number in range(LOAD):
            if number == KILL_AT:
                os.killpg(pid_a, signal.SIGKILL)
            port, name = (port_a, "a") if number % 2 == 0 else (port_b, "b")
            key = f"{name}-{number}"
            try:
                status, body = machines.send(port, "POST", f"/write/{key}", payload_of(key))
            except OSError:
                failed.append(key)
                continue
            if 200 <= status < 300:
                assert body["server"] == name
                answered[key] = name
            else:
                failed.append(key)

        # B alone, after A died: still serving, the user still logged in.
        assert machines.send(port_b, "GET", "/me") == (200, {"user": "alice", "server": "b"})
        assert machines.send(port_b, "GET", "/healthz")[0] == 200

        # Every 2xx write is in the database, whole, and nothing else is.
        rows = machines.query("SELECT key, server, payload, digest FROM writes")
        assert {key: server for key, server, _, _ in rows} == answered
        for key, _, payload, digest in rows:
            assert payload.encode() == payload_of(key)
            assert hashlib.sha256(payload.encode()).hexdigest() == digest

        # Every task enqueued by a 2xx answer ran (at least once) on the worker.
        def runs() -> set[str]:
            return {key for (key,) in machines.query("SELECT DISTINCT key FROM runs")}

        machines.wait_for(lambda: set(answered) <= runs(), "the tasks of the load")
        ran = machines.query("SELECT count(*), count(DISTINCT key) FROM runs")[0]
        assert runs() == set(answered) | {"from-b"}

    # The servers after A died: only A's requests failed, B served every one of its own.
    after_kill = [key for key in answered if int(key.split("-")[1]) >= KILL_AT]
    assert after_kill and all(key.startswith("b-") for key in after_kill)
    assert all(int(key.split("-")[1]) >= KILL_AT and key.startswith("a-") for key in failed)
    assert len(failed) == (LOAD - KILL_AT) // 2
    print(
        f"production e2e: {LOAD} requests, {len(answered)} 2xx, {len(failed)} refused, "
        f"{len(rows)} rows, {ran[0]} task runs ({ran[1]} distinct), "
        f"{time.monotonic() - started:.1f}s"
    )
