"""The server edge: request-line and header limits, request smuggling, short and chunked bodies,
and slow clients, over raw sockets against `hipflask run` (waitress) and gunicorn."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from hipflask import App
from hipflask.serving.limits import ServerLimits, waitress_server

from .test_gunicorn import gunicorn
from .test_serving_runner import free_port, hipflask_run, serving

pytestmark = pytest.mark.server

EDGE_APP = """
from hipflask import App, request

app = App(__name__)
app.config["SECRET_KEY"] = "k" * 32
app.config["MAX_CONTENT_LENGTH"] = 1000


@app.route("/")
def index():
    return "ok"


@app.post("/form")
def form():
    return {"form": request.form.to_dict()}
"""


def exchange(port: int, raw: bytes, *, wait: float = 10.0) -> tuple[int, bytes, bool]:
    """Send ``raw`` and read until the server closes or ``wait`` passes.

    Return the first status (0 when no response came), everything read, and whether the server
    closed the connection.
    """
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        try:
            sock.sendall(raw)
        except OSError:
            pass  # the server may refuse and close before reading everything
        received = b""
        closed = False
        try:
            while chunk := sock.recv(65536):
                received += chunk
            closed = True
        except TimeoutError:
            pass
        except ConnectionResetError:
            closed = True
    status = int(received.split(b" ", 2)[1]) if received.startswith(b"HTTP/") else 0
    return status, received, closed


#: Which server listens on each port the fixture yields.
SERVER_ON: dict[int, str] = {}


@pytest.fixture(scope="module", params=["waitress", "gunicorn"])
def edge_port(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[int]:
    folder = tmp_path_factory.mktemp(request.param)
    if request.param == "gunicorn":
        with gunicorn(folder, "gunicorn_app:app", "--threads", "4", source=EDGE_APP) as port:
            SERVER_ON[port] = "gunicorn"
            yield port
        return
    (folder / "edge_app.py").write_text(EDGE_APP)
    port = free_port()
    SERVER_ON[port] = "waitress"
    with serving(hipflask_run("edge_app.py", port), folder, port):
        yield port


def _request(head: str, body: bytes = b"") -> bytes:
    return head.replace("\n", "\r\n").encode("latin-1") + b"\r\n" + body


def test_a_plain_request_passes(edge_port: int) -> None:
    status, received, _ = exchange(
        edge_port, _request("GET / HTTP/1.1\nHost: x\nConnection: close\n")
    )
    assert status == 200
    assert received.endswith(b"ok")


def test_a_long_request_line_is_414(edge_port: int) -> None:
    raw = _request(f"GET /{'a' * 10_000} HTTP/1.1\nHost: x\n")
    status, _, closed = exchange(edge_port, raw)
    assert (status, closed) == (414, True)


def test_too_many_header_fields_is_431(edge_port: int) -> None:
    fields = "".join(f"X-H{i}: v\n" for i in range(150))
    status, _, closed = exchange(edge_port, _request(f"GET / HTTP/1.1\nHost: x\n{fields}"))
    assert (status, closed) == (431, True)


def test_a_huge_header_field_is_431(edge_port: int) -> None:
    raw = _request(f"GET / HTTP/1.1\nHost: x\nX-Big: {'b' * 10_000}\n")
    status, _, closed = exchange(edge_port, raw)
    assert (status, closed) == (431, True)


def test_content_length_with_transfer_encoding_is_400_and_closed(edge_port: int) -> None:
    # A proxy framing by Content-Length would forward all of this as one request; read as
    # chunked, the tail would be a second, smuggled request.
    smuggled = b"GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
    body = b"0\r\n\r\n" + smuggled
    raw = _request(
        "POST /form HTTP/1.1\nHost: x\nContent-Type: application/x-www-form-urlencoded\n"
        f"Content-Length: {len(body)}\nTransfer-Encoding: chunked\n",
        body,
    )
    status, received, closed = exchange(edge_port, raw)
    assert (status, closed) == (400, True)
    assert received.count(b"HTTP/1.") == 1  # no second response to the smuggled request


def _chunked_form(size: int) -> bytes:
    data = b"a=" + b"x" * size
    body = f"{len(data):x}\r\n".encode() + data + b"\r\n0\r\n\r\n"
    return _request(
        "POST /form HTTP/1.1\nHost: x\nContent-Type: application/x-www-form-urlencoded\n"
        "Transfer-Encoding: chunked\nConnection: close\n",
        body,
    )


def test_a_chunked_body_over_max_content_length_is_413(edge_port: int) -> None:
    assert exchange(edge_port, _chunked_form(2000))[0] == 413


def test_a_chunked_body_under_the_limit_is_read_whole(edge_port: int) -> None:
    status, received, _ = exchange(edge_port, _chunked_form(500))
    assert status == 200
    assert b"x" * 500 in received


def test_a_body_shorter_than_its_length_never_reaches_the_view_as_a_form(edge_port: int) -> None:
    head = _request(
        "POST /form HTTP/1.1\nHost: x\nContent-Type: application/x-www-form-urlencoded\n"
        "Content-Length: 100\n",
        b"a=1&b=2",
    )
    with socket.create_connection(("127.0.0.1", edge_port), timeout=10) as sock:
        sock.sendall(head)
        sock.shutdown(socket.SHUT_WR)  # the client goes away before the promised 100 bytes
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    # gunicorn hands the short body to the app, which answers 400 (ClientDisconnected);
    # waitress waits for the whole body and drops the connection without calling the app.
    if SERVER_ON[edge_port] == "gunicorn":
        assert received.startswith(b"HTTP/1.1 400 ")
    else:
        assert received == b""
    assert b'"a"' not in received


# -- slow clients (hipflask run's own timeouts, shortened) --------------------------------------


@pytest.fixture
def quick_waitress() -> Iterator[int]:
    app = App(__name__)

    @app.route("/")
    def index() -> str:
        return "ok"

    sock = socket.create_server(("127.0.0.1", 0))
    server = waitress_server(app, sock, 2, ServerLimits(header_timeout=2, idle_timeout=2))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield sock.getsockname()[1]
    finally:
        server.close()
        thread.join(10)


def test_a_slowloris_client_is_cut_off(quick_waitress: int) -> None:
    with socket.create_connection(("127.0.0.1", quick_waitress), timeout=10) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        started = time.monotonic()
        closed = False
        # A header line every half second keeps the connection busy but never ends the headers.
        while time.monotonic() - started < 15:
            try:
                sock.sendall(b"X-Drip: 1\r\n")
                sock.settimeout(0.5)
                if sock.recv(1024) == b"":
                    closed = True
                    break
            except TimeoutError:
                continue
            except OSError:
                closed = True
                break
    assert closed, "the server kept a connection whose headers never ended"


def test_an_idle_connection_is_closed(quick_waitress: int) -> None:
    with socket.create_connection(("127.0.0.1", quick_waitress), timeout=15) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        received = b""
        while chunk := sock.recv(65536):  # returns b"" once the server closes
            received += chunk
    assert received.startswith(b"HTTP/1.1 200 ")
