"""The development server: ``hipflask run`` and ``app.run()`` in real processes, over HTTP."""

from __future__ import annotations

import http.client
import logging
import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from hipflask import App
from hipflask.serving import RequestLogger, StartupError, check_startup, run_app

KEY = "k" * 32
TIMEOUT = 15.0

SERVED_APP = f"""
import threading
from hipflask import App

app = App(__name__)
app.config["SECRET_KEY"] = {KEY!r}
arrived = threading.Barrier(2)

@app.route("/")
def index():
    return "hello from served"

@app.route("/meet")
def meet():
    # Two requests in flight at once meet here; served one at a time, the first times out.
    try:
        arrived.wait(10)
    except threading.BrokenBarrierError:
        return "alone"
    return "together"

@app.route("/boom")
def boom():
    return 1 / 0
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HIPFLASK_")}
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


class Server:
    def __init__(
        self,
        process: subprocess.Popen[bytes],
        port: int,
        log: Path,
        context: ssl.SSLContext | None = None,
    ) -> None:
        self.process = process
        self.port = port
        self.log = log
        self.context = context

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def request(
        self,
        path: str,
        method: str = "GET",
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, str, dict[str, str]]:
        """Make a request, over HTTPS when the server was given an SSL context."""
        if self.context is None:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        else:
            connection = http.client.HTTPSConnection(
                "127.0.0.1", self.port, timeout=TIMEOUT, context=self.context
            )
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.read().decode(), dict(response.getheaders())
        finally:
            connection.close()

    def wait_until(self, predicate: Any, what: str) -> None:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            try:
                if predicate():
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}; server output:\n{self.output()}")


@contextmanager
def serving(
    args: list[str], cwd: Path, port: int, context: ssl.SSLContext | None = None
) -> Iterator[Server]:
    log = cwd / f"server-{port}.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            args, cwd=cwd, env=clean_env(), stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    server = Server(process, port, log, context)
    try:
        server.wait_until(lambda: _accepts(port) or process.poll() is not None, "the port")
        if process.poll() is not None:
            raise AssertionError(f"the server exited early:\n{server.output()}")
        yield server
    finally:
        _stop(process)


def _accepts(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            process.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(TIMEOUT)
    else:
        # A reloader child may outlive a parent that exited on its own.
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def hipflask_run(target: str, port: int, *options: str) -> list[str]:
    return [sys.executable, "-m", "hipflask", "--app", target, "run", "--port", str(port), *options]


def run_to_exit(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, env=clean_env(), capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def served_app(tmp_path: Path) -> Path:
    (tmp_path / "served.py").write_text(SERVED_APP)
    return tmp_path


# -- hipflask run --------------------------------------------------------------------------------


@pytest.mark.server
def test_run_serves_with_threads_and_logs_requests(served_app: Path) -> None:
    port = free_port()
    with serving(hipflask_run("served", port, "--threads", "4"), served_app, port) as server:
        status, body, _ = server.request("/")
        assert (status, body) == (200, "hello from served")
        results: list[str] = []

        def meet() -> None:
            results.append(server.request("/meet")[1])

        threads = [threading.Thread(target=meet) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(TIMEOUT)
        assert results == ["together", "together"]
        server.request("/missing?q=%0d%0a")
        server.wait_until(lambda: '"GET /missing' in server.output(), "the request log")
        output = server.output()
        assert f"Serving app 'served' on http://127.0.0.1:{port}" in output
        assert '127.0.0.1 - "GET / HTTP/1.1" 200 17 ' in output
        assert '"GET /missing?q=%0d%0a HTTP/1.1" 404' in output


@pytest.mark.server
def test_debug_off_gives_a_generic_500_and_logs_the_exception_once(served_app: Path) -> None:
    port = free_port()
    with serving(hipflask_run("served", port), served_app, port) as server:
        status, body, _ = server.request("/boom")
        assert status == 500
        assert "ZeroDivisionError" not in body
        assert "Traceback" not in body
        for path in ("/console", "/__debugger__", "/?__debugger__=yes&cmd=resource&f=debugger.js"):
            status, body, headers = server.request(path)
            assert "javascript" not in headers.get("Content-Type", "")
            assert status == 404 or body == "hello from served"
        server.wait_until(lambda: '"GET /boom HTTP/1.1" 500' in server.output(), "the log")
        output = server.output()
        assert output.count("Exception on /boom [GET]") == 1
        assert output.count("ZeroDivisionError: division by zero") == 1


@pytest.mark.server
def test_debug_mode_shows_the_traceback_page(served_app: Path) -> None:
    port = free_port()
    with serving(hipflask_run("served", port, "--debug", "--no-reload"), served_app, port) as s:
        status, body, _ = s.request("/boom")
        assert status == 500
        assert "ZeroDivisionError" in body
        assert "return 1 / 0" in body
        assert s.request("/console")[0] == 404
        assert "Debug mode: on" in s.output()


@pytest.mark.server
def test_debug_is_refused_on_a_public_address(served_app: Path) -> None:
    result = run_to_exit(
        hipflask_run("served", free_port(), "--debug", "--host", "0.0.0.0"), served_app
    )
    assert result.returncode == 1
    assert "Refusing to run in debug mode on '0.0.0.0'" in result.stderr
    assert result.stderr.strip().count("\n") == 0


@pytest.mark.server
def test_a_short_secret_key_is_refused(tmp_path: Path) -> None:
    (tmp_path / "weak.py").write_text(
        "from hipflask import App\napp = App(__name__)\napp.config['SECRET_KEY'] = 'dev'\n"
    )
    result = run_to_exit(hipflask_run("weak", free_port()), tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("Error: Refusing to start: SECRET_KEY is too short")
    assert result.stderr.strip().count("\n") == 0


# -- app.run() ----------------------------------------------------------------------------------


@pytest.mark.server
def test_app_run_in_a_script(tmp_path: Path) -> None:
    port = free_port()
    script = tmp_path / "script.py"
    script.write_text(SERVED_APP + f"\nif __name__ == '__main__':\n    app.run(port={port})\n")
    with serving([sys.executable, str(script)], tmp_path, port) as server:
        status, body, _ = server.request("/")
        assert (status, body) == (200, "hello from served")
        assert f"on http://127.0.0.1:{port}" in server.output()


@pytest.mark.server
def test_app_run_refuses_a_missing_secret_key_in_one_line(tmp_path: Path) -> None:
    script = tmp_path / "nokey.py"
    script.write_text("from hipflask import App\nApp(__name__).run(port=0)\n")
    result = run_to_exit([sys.executable, str(script)], tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "Error: Refusing to start: SECRET_KEY is missing; it must be at least 32 random bytes, "
        "e.g. python -c 'import secrets; print(secrets.token_hex(32))' (debug mode on "
        "localhost skips this check)."
    )


# -- the reloader --------------------------------------------------------------------------------

RELOADED_APP = f"""
from hipflask import App, render_template

app = App(__name__)
app.config["SECRET_KEY"] = {KEY!r}

@app.route("/")
def index():
    return "version {{version}}"

@app.route("/page")
def page():
    return render_template("page.html")
"""


@pytest.mark.server
def test_reloader_restarts_on_code_and_template_changes(tmp_path: Path) -> None:
    module = tmp_path / "reloaded.py"
    module.write_text(RELOADED_APP.replace("{version}", "1"))
    (tmp_path / "templates").mkdir()
    template = tmp_path / "templates" / "page.html"
    template.write_text("template one")
    port = free_port()
    with serving(hipflask_run("reloaded", port, "--reload"), tmp_path, port) as server:
        assert server.request("/")[1] == "version 1"
        assert server.request("/page")[1] == "template one"

        module.write_text(RELOADED_APP.replace("{version}", "two"))
        server.wait_until(lambda: server.request("/")[1] == "version two", "the code reload")

        template.write_text("template number two")
        server.wait_until(
            lambda: server.request("/page")[1] == "template number two", "the template reload"
        )

        module.write_text("this is not python(\n")
        server.wait_until(lambda: server.request("/")[0] == 500, "the broken app")
        assert "failed to load" in server.request("/")[1]

        module.write_text(RELOADED_APP.replace("{version}", "three"))
        server.wait_until(lambda: server.request("/")[1] == "version three", "the recovery")
        assert "Detected a change" in server.output()


@pytest.mark.server
def test_reloader_child_exits_when_the_parent_is_killed(served_app: Path) -> None:
    port = free_port()
    with serving(hipflask_run("served", port, "--reload"), served_app, port) as server:
        assert server.request("/")[0] == 200
        os.kill(server.process.pid, signal.SIGKILL)
        server.process.wait(TIMEOUT)
        server.wait_until(lambda: not _accepts(port), "the child to exit")


# -- in-process -----------------------------------------------------------------------------------


def test_check_startup() -> None:
    app = App(__name__)
    app.config["SECRET_KEY"] = KEY
    check_startup(app, "0.0.0.0", debug=False)
    check_startup(app, "127.0.0.1", debug=True)
    check_startup(app, "::1", debug=True)
    check_startup(app, "localhost", debug=True)
    check_startup(app, "0.0.0.0", debug=True, allow_unsafe_debug=True)
    with pytest.raises(StartupError, match="debug mode"):
        check_startup(app, "192.168.1.10", debug=True)
    app.config["SECRET_KEY"] = b"b" * 31
    with pytest.raises(StartupError, match="SECRET_KEY is too short"):
        check_startup(app, "127.0.0.1", debug=False)
    check_startup(app, "127.0.0.1", debug=True)
    with pytest.raises(StartupError, match="'adhoc' certificates are not supported"):
        check_startup(app, "127.0.0.1", debug=True, cert="adhoc")


def test_run_app_rejects_unknown_options_and_accepts_werkzeug_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = App(__name__)
    with pytest.raises(TypeError, match="colour"):
        run_app(app, colour=True)
    monkeypatch.setenv("HIPFLASK_RUN_FROM_CLI", "true")
    run_app(app, threaded=True, use_debugger=False)


def test_request_logger_escapes_control_characters(caplog: pytest.LogCaptureFixture) -> None:
    def inner(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [])
        return [b"abc", b"de"]

    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/a\x1b[31m\nforged",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
    }
    with caplog.at_level(logging.INFO, logger="hipflask.serving"):
        body = RequestLogger(inner)(environ, lambda status, headers, exc_info=None: None)
        assert b"".join(body) == b"abcde"
        body.close()  # type: ignore[attr-defined]
    [record] = caplog.records
    message = record.getMessage()
    assert "\n" not in message
    assert "\x1b" not in message
    assert '"GET /a\\x1b[31m\\x0aforged HTTP/1.1" 200 5 ' in message
