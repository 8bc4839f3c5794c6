"""Production serving: a real gunicorn with two workers, over real HTTP."""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import pytest

import hipflask

pytest.importorskip("gunicorn")

pytestmark = pytest.mark.server

TIMEOUT = 15.0

#: The folder holding the hipflask under test, so the workers import the same code.
SOURCE_ROOT = str(Path(hipflask.__file__).resolve().parent.parent)

APP_MODULE = """
import hashlib
import os
import time

from hipflask import App, request, session


def create_app(label="factory"):
    app = App(__name__)
    app.config["SECRET_KEY"] = "s" * 32

    @app.route("/")
    def index():
        return {"label": label, "pid": os.getpid()}

    @app.route("/count")
    def count():
        session["n"] = session.get("n", 0) + 1
        return {"n": session["n"], "pid": os.getpid()}

    @app.route("/upload", methods=["POST"])
    def upload():
        upload = request.files["file"]
        data = upload.read()
        return {
            "filename": upload.filename,
            "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "note": request.form.get("note"),
        }

    @app.before_request
    def load_user():
        from hipflask import g

        g.user = session.get("user")

    @app.route("/login/<user>")
    def login(user):
        session["user"] = user
        return {"user": user}

    @app.route("/whoami")
    def whoami():
        from hipflask import g

        seen_in_g = g.user
        time.sleep(0.005)  # let other threads' requests interleave with this one
        return {"session": session.get("user"), "g": seen_in_g, "g_after": g.user}

    @app.route("/slow")
    def slow():
        with open(os.environ["SLOW_PID_FILE"], "w") as file:
            file.write(str(os.getpid()))
        time.sleep(30)
        return "too late"

    return app


app = create_app("module-app")
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def request(
    port: int, path: str, method: str = "GET", body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, bytes, http.client.HTTPResponse]:  # fmt: skip
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read(), response
    finally:
        connection.close()


def get_json(port: int, path: str, **kwargs: Any) -> Any:
    status, body, _ = request(port, path, **kwargs)
    assert status == 200, body
    return json.loads(body)


@contextmanager
def gunicorn(
    tmp_path: Path, target: str, *extra: str, source: str = APP_MODULE,
    env: Mapping[str, str] | None = None,
) -> Iterator[int]:  # fmt: skip
    """Serve ``target`` from ``source`` (saved as gunicorn_app.py) on two workers; yield the port.

    The app must answer ``GET /`` with 200: that is how the start-up is awaited.
    """
    (tmp_path / "gunicorn_app.py").write_text(source)
    port = free_port()
    environ = {k: v for k, v in os.environ.items() if not k.startswith("HIPFLASK_")}
    environ |= env or {}
    environ["PYTHONPATH"] = os.pathsep.join(filter(None, [SOURCE_ROOT, environ.get("PYTHONPATH")]))
    environ["SLOW_PID_FILE"] = str(tmp_path / "slow.pid")
    log = tmp_path / "gunicorn.log"
    args = [
        sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}",
        "--chdir", str(tmp_path), "--graceful-timeout", "2", "--timeout", "60", *extra, target,
    ]  # fmt: skip
    with open(log, "wb") as out:
        process = subprocess.Popen(
            args, env=environ, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + TIMEOUT
        while True:
            if process.poll() is not None:
                raise AssertionError(f"gunicorn exited:\n{log.read_text()}")
            try:
                if request(port, "/")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"gunicorn did not answer:\n{log.read_text()}")
            time.sleep(0.1)
        yield port
    finally:
        stop_process_group(process)


def stop_process_group(process: subprocess.Popen[bytes]) -> None:
    """Stop a server started with ``start_new_session=True``: TERM, then KILL if it lingers."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(TIMEOUT)


@pytest.mark.parametrize(
    ("target", "label"),
    [
        ("gunicorn_app:app", "module-app"),
        ("gunicorn_app:create_app()", "factory"),
        ("gunicorn_app:create_app('from-args')", "from-args"),
    ],
)
def test_app_and_factory_targets_on_two_workers(tmp_path: Path, target: str, label: str) -> None:
    with gunicorn(tmp_path, target) as port:
        for _ in range(10):
            assert get_json(port, "/")["label"] == label


def test_session_round_trip_across_workers(tmp_path: Path) -> None:
    with gunicorn(tmp_path, "gunicorn_app:app") as port:
        cookie = ""
        for expected in range(1, 6):
            status, body, response = request(port, "/count", headers={"Cookie": cookie})
            assert status == 200
            assert json.loads(body)["n"] == expected
            set_cookie = response.getheader("Set-Cookie")
            assert set_cookie is not None
            assert "HttpOnly" in set_cookie
            morsels = SimpleCookie(set_cookie)
            cookie = "; ".join(f"{name}={morsel.value}" for name, morsel in morsels.items())


def test_multipart_file_upload(tmp_path: Path) -> None:
    payload = os.urandom(300_000)
    boundary = uuid.uuid4().hex
    body = b"".join(
        [
            f"--{boundary}\r\n".encode(),
            b'Content-Disposition: form-data; name="note"\r\n\r\nhello\r\n',
            f"--{boundary}\r\n".encode(),
            b'Content-Disposition: form-data; name="file"; filename="data.bin"\r\n',
            b"Content-Type: application/octet-stream\r\n\r\n",
            payload,
            f"\r\n--{boundary}--\r\n".encode(),
        ]
    )
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    with gunicorn(tmp_path, "gunicorn_app:app") as port:
        data = get_json(port, "/upload", method="POST", body=body, headers=headers)
    assert data == {
        "filename": "data.bin",
        "size": len(payload),
        "sha256": hashlib.sha256(payload).hexdigest(),
        "note": "hello",
    }


def test_a_worker_killed_mid_request_leaves_other_requests_unaffected(tmp_path: Path) -> None:
    with gunicorn(tmp_path, "gunicorn_app:app") as port:
        outcome: list[object] = []

        def slow() -> None:
            try:
                outcome.append(request(port, "/slow")[0])
            except (OSError, http.client.HTTPException) as exc:
                outcome.append(exc)

        thread = threading.Thread(target=slow)
        thread.start()
        pid_file = tmp_path / "slow.pid"
        deadline = time.monotonic() + TIMEOUT
        while not (pid_file.exists() and pid_file.read_text()):
            assert time.monotonic() < deadline, "the slow request never started"
            time.sleep(0.05)
        busy_pid = int(pid_file.read_text())
        # The other worker answers while one is busy.
        assert get_json(port, "/")["pid"] != busy_pid
        os.kill(busy_pid, signal.SIGKILL)
        thread.join(TIMEOUT)
        assert not thread.is_alive()
        [result] = outcome
        assert isinstance(result, OSError | http.client.HTTPException)
        for _ in range(20):
            assert get_json(port, "/")["pid"] != busy_pid


def test_concurrent_users_never_see_each_others_session_or_g(tmp_path: Path) -> None:
    """SECURITY.md: 200 concurrent users under gunicorn with threads stay isolated."""
    users = 200
    mixups: list[str] = []
    checked: list[int] = []
    barrier = threading.Barrier(users, timeout=TIMEOUT)

    def user_session(index: int) -> None:
        name = f"user{index}"
        _, _, response = request(port, f"/login/{name}")
        cookie = SimpleCookie(response.getheader("Set-Cookie"))["session"].value
        barrier.wait()  # every user fires at once
        for _ in range(3):
            seen = get_json(port, "/whoami", headers={"Cookie": f"session={cookie}"})
            if seen != {"session": name, "g": name, "g_after": name}:
                mixups.append(f"{name} saw {seen}")
            checked.append(index)

    with gunicorn(tmp_path, "gunicorn_app:app", "--threads", "8") as port:
        threads = [threading.Thread(target=user_session, args=(i,)) for i in range(users)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not any(thread.is_alive() for thread in threads)
    assert mixups == []
    assert len(checked) == users * 3
