"""Slow clients: nginx (configured as docs/deployment.md says) shields a threaded gunicorn.

200 connections send their request header a byte at a time to nginx, and a normal request is
still answered; 40 such connections sent to gunicorn directly leave it unanswered.
"""

from __future__ import annotations

import http.client
import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from .test_gunicorn import TIMEOUT, free_port, gunicorn, stop_process_group

pytestmark = pytest.mark.server

DEPLOYMENT = Path(__file__).resolve().parent.parent / "docs" / "deployment.md"
#: A probe must be answered within this bound; generous, it is far above the usual few ms.
PROBE_BOUND = 8.0
# NOTE: one worker: with two, the kernel may hand a worker fewer slow connections than it has
# threads, and a probe that reaches it is answered (1 run in 2 here, with gunicorn 27).
GTHREAD = ("--worker-class", "gthread", "--threads", "4", "-w", "1")


def documented_site() -> str:
    """Return the nginx block of docs/deployment.md that the docs say this test runs."""
    blocks = re.findall(r"```nginx\n(.*?)```", DEPLOYMENT.read_text(), re.DOTALL)
    [site] = [block for block in blocks if "tests/test_nginx.py runs this block" in block]
    return site


@contextmanager
def nginx(tmp_path: Path, upstream_port: int) -> Iterator[int]:
    """Run nginx in the foreground with the documented site, pid and logs in ``tmp_path``."""
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(binary).exists():
        pytest.skip("nginx is not installed (apt-get install nginx; .ci/run installs it)")
    port = free_port()
    site = documented_site()
    site = site.replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{upstream_port};")
    site = site.replace("listen 80;", f"listen 127.0.0.1:{port};")
    assert f":{port};" in site and f":{upstream_port};" in site
    temp = "\n".join(
        f"    {kind}_temp_path {tmp_path / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    config = tmp_path / "nginx.conf"
    config.write_text(
        f"daemon off;\nmaster_process off;\npid {tmp_path / 'nginx.pid'};\n"
        f"error_log {tmp_path / 'error.log'} warn;\n"
        "events { worker_connections 1024; }\n"
        f"http {{\n    access_log off;\n{temp}\n{site}\n}}\n"
    )
    log = tmp_path / "nginx.out"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [binary, "-c", str(config), "-p", str(tmp_path), "-e", str(tmp_path / "error.log")],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + TIMEOUT
        while probe(port, 1.0) != 200:
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"nginx did not start:\n{log.read_text()}")
            time.sleep(0.1)
        yield port
    finally:
        stop_process_group(process)


def probe(port: int, timeout: float) -> int | None:
    """GET / and return the status, or None when no answer came within ``timeout``."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", "/")
        response = connection.getresponse()
        response.read()
        return response.status
    except (OSError, http.client.HTTPException):
        return None
    finally:
        connection.close()


@contextmanager
def slow_clients(port: int, count: int) -> Iterator[list[socket.socket]]:
    """Open ``count`` connections that each send a header byte every 0.2 s until the block ends."""
    header = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 500
    sockets = [socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) for _ in range(count)]
    stop = threading.Event()

    def drip() -> None:
        for byte in header:
            for sock in sockets:
                try:
                    sock.send(bytes([byte]))
                except OSError:
                    pass
            if stop.wait(0.2):
                return

    dripper = threading.Thread(target=drip, daemon=True)
    dripper.start()
    try:
        time.sleep(1.0)  # every connection accepted and holding its first bytes
        yield sockets
    finally:
        stop.set()
        dripper.join(TIMEOUT)
        for sock in sockets:
            sock.close()


def test_nginx_answers_while_200_slow_clients_are_connected(tmp_path: Path) -> None:
    with (
        gunicorn(tmp_path, "gunicorn_app:app", *GTHREAD) as upstream,
        nginx(tmp_path, upstream) as port,
        slow_clients(port, 200) as sockets,
    ):
        assert probe(port, PROBE_BOUND) == 200
        # the slow clients are still connected: nginx is still waiting for their headers
        for sock in sockets[:10]:
            sock.send(b"a")


def test_gunicorn_alone_is_starved_by_40_slow_clients(tmp_path: Path) -> None:
    """The contrast: without the proxy, the same probe gets no answer within the bound."""
    with gunicorn(tmp_path, "gunicorn_app:app", *GTHREAD) as port:
        assert probe(port, PROBE_BOUND) == 200
        with slow_clients(port, 40):
            assert probe(port, PROBE_BOUND) is None
        assert probe(port, PROBE_BOUND) == 200  # the slow clients gone, it answers again
