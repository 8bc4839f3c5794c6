"""The development server over HTTPS: ``hipflask run --cert/--key`` and
``app.run(ssl_context=...)`` in real processes, served by gunicorn with a self-signed certificate.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import ssl
import sys
import threading
from pathlib import Path

import pytest

from hipflask import App
from hipflask.serving import StartupError, run_app
from hipflask.serving.tls import check_tls, split_ssl_context
from tests.test_serving_runner import (
    KEY,
    RELOADED_APP,
    SERVED_APP,
    TIMEOUT,
    _accepts,
    free_port,
    hipflask_run,
    serving,
)

pytest.importorskip("gunicorn")

TLS_APP = (
    SERVED_APP
    + """
from hipflask import request

@app.route("/scheme")
def scheme():
    return {"scheme": request.scheme, "is_secure": request.is_secure, "url": request.url}
"""
)


@pytest.fixture
def tls_app(tmp_path: Path) -> Path:
    (tmp_path / "served.py").write_text(TLS_APP)
    return tmp_path


def trusting(cert: Path) -> ssl.SSLContext:
    """Return a client context trusting only ``cert`` (hostname checked: its SAN has 127.0.0.1)."""
    return ssl.create_default_context(cafile=str(cert))


def tls_options(tls_files: tuple[Path, Path]) -> list[str]:
    return ["--cert", str(tls_files[0]), "--key", str(tls_files[1])]


def plain_http_request(port: int) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        connection.request("GET", "/")
        connection.getresponse().read()
    finally:
        connection.close()


# -- hipflask run --cert --key --------------------------------------------------------------------


@pytest.mark.server
def test_run_serves_https_with_threads(tls_app: Path, tls_files: tuple[Path, Path]) -> None:
    port = free_port()
    args = hipflask_run("served", port, "--threads", "4", *tls_options(tls_files))
    with serving(args, tls_app, port, trusting(tls_files[0])) as server:
        assert server.request("/")[:2] == (200, "hello from served")
        # SECURITY: a client's X-Forwarded-Proto cannot downgrade what the view sees.
        status, body, _ = server.request("/scheme", headers={"X-Forwarded-Proto": "http"})
        assert status == 200
        assert json.loads(body) == {
            "scheme": "https",
            "is_secure": True,
            "url": f"https://127.0.0.1:{port}/scheme",
        }
        # Two requests in flight at once meet in the view; served one at a time, they read "alone".
        results: list[str] = []
        threads = [
            threading.Thread(target=lambda: results.append(server.request("/meet")[1]))
            for _ in range(2)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(TIMEOUT)
        assert results == ["together", "together"]
        with pytest.raises((http.client.HTTPException, ConnectionError)):
            plain_http_request(port)
        server.wait_until(lambda: '"GET /scheme' in server.output(), "the request log")
        output = server.output()
        assert f"Serving app 'served' on https://127.0.0.1:{port} (gunicorn, 4 threads)" in output
        assert '127.0.0.1 - "GET / HTTP/1.1" 200 17 ' in output


@pytest.mark.server
def test_app_run_serves_https_with_an_ssl_context_pair(
    tmp_path: Path, tls_files: tuple[Path, Path]
) -> None:
    port = free_port()
    pair = (str(tls_files[0]), str(tls_files[1]))
    script = tmp_path / "script.py"
    script.write_text(
        TLS_APP + f"\nif __name__ == '__main__':\n    app.run(port={port}, ssl_context={pair!r})\n"
    )
    with serving([sys.executable, str(script)], tmp_path, port, trusting(tls_files[0])) as server:
        status, body, _ = server.request("/scheme")
        assert (status, json.loads(body)["scheme"]) == (200, "https")
        assert f"on https://127.0.0.1:{port} (gunicorn" in server.output()


@pytest.mark.server
def test_reloader_restarts_over_https(tmp_path: Path, tls_files: tuple[Path, Path]) -> None:
    module = tmp_path / "reloaded.py"
    module.write_text(RELOADED_APP.replace("{version}", "1"))
    port = free_port()
    args = hipflask_run("reloaded", port, "--reload", *tls_options(tls_files))
    with serving(args, tmp_path, port, trusting(tls_files[0])) as server:
        assert server.request("/")[1] == "version 1"
        module.write_text(RELOADED_APP.replace("{version}", "two"))
        server.wait_until(lambda: server.request("/")[1] == "version two", "the code reload")
        assert "Detected a change" in server.output()

        os.kill(server.process.pid, signal.SIGKILL)
        server.process.wait(TIMEOUT)
        server.wait_until(lambda: not _accepts(port), "the child and its worker to exit")


# -- in-process -----------------------------------------------------------------------------------


def test_check_tls_refusals(tls_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    cert, key = (str(path) for path in tls_files)
    check_tls(cert, key)
    with pytest.raises(StartupError, match="openssl req -x509"):
        check_tls("adhoc", None)
    with pytest.raises(StartupError, match="needs a certificate and its private key"):
        check_tls(cert, None)
    with pytest.raises(StartupError, match="needs a certificate and its private key"):
        check_tls(None, key)
    with pytest.raises(StartupError, match=r"The key file 'missing\.pem' was not found"):
        check_tls(cert, "missing.pem")
    monkeypatch.setitem(sys.modules, "gunicorn", None)
    with pytest.raises(StartupError, match=r"pip install 'hipflask\[gunicorn\]'"):
        check_tls(cert, key)


def test_split_ssl_context(tls_files: tuple[Path, Path]) -> None:
    cert, key = tls_files
    assert split_ssl_context((cert, key)) == (str(cert), str(key))
    assert split_ssl_context("adhoc") == ("adhoc", None)
    with pytest.raises(StartupError, match="not SSLContext"):
        split_ssl_context(ssl.create_default_context(ssl.Purpose.CLIENT_AUTH))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"ssl_context": "adhoc"}, "Error: 'adhoc' certificates are not supported"),
        ({"ssl_context": "cert.pem"}, "Error: HTTPS needs a certificate and its private key"),
        ({"cert": "cert.pem", "key": "key.pem"}, "Error: The certificate file 'cert.pem' was"),
    ],
)
def test_app_run_refuses_unusable_tls_in_one_line(
    options: dict[str, str], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HIPFLASK_RUN_FROM_CLI", raising=False)
    app = App(__name__)
    app.config["SECRET_KEY"] = KEY
    with pytest.raises(SystemExit) as info:
        run_app(app, port=free_port(), load_dotenv=False, **options)  # type: ignore[arg-type]
    assert str(info.value.code).startswith(message)
    assert "\n" not in str(info.value.code)
