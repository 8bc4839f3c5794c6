"""hipflask.gunicorn_conf, the strict mode: gunicorn refuses a missing or weak SECRET_KEY.

Plain gunicorn serves such an app (issue 14): without a key as Flask does, with a weak one after
a WARNING once per worker process.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from hipflask import App
from hipflask.gunicorn_conf import post_worker_init
from tests.test_gunicorn import TIMEOUT, free_port, gunicorn, request, stop_process_group

GUNICORN_CONF = ("-c", "python:hipflask.gunicorn_conf")
STRONG_KEY = "s" * 32
APP_MODULE = """
from hipflask import App

app = App(__name__)
app.config["SECRET_KEY"] = {key!r}


@app.route("/")
def index():
    return "served"
"""


def make_app(key: str | None, debug: bool = False) -> App:
    app = App(__name__)
    app.config.update(SECRET_KEY=key, DEBUG=debug)
    app.add_url_rule("/", "index", lambda: "served")
    return app


@contextmanager
def gunicorn_process(tmp_path: Path, key: str | None, *extra: str) -> Iterator[Any]:
    """Start gunicorn on an app with ``key``; yield the process, its port and its log."""
    (tmp_path / "weak_app.py").write_text(APP_MODULE.format(key=key))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HIPFLASK_")}
    log = tmp_path / "gunicorn.log"
    args = [
        sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}",
        "--chdir", str(tmp_path), *extra, "weak_app:app",
    ]  # fmt: skip
    with open(log, "wb") as out:
        process = subprocess.Popen(
            args, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield SimpleNamespace(process=process, port=port, log=log)
    finally:
        stop_process_group(process)


# -- a real gunicorn ------------------------------------------------------------------------


@pytest.mark.server
@pytest.mark.parametrize(("key", "reason"), [("short", "too short"), (None, "missing")])
def test_gunicorn_with_the_config_refuses_to_start(tmp_path: Path, key: Any, reason: str) -> None:
    with gunicorn_process(tmp_path, key, *GUNICORN_CONF) as started:
        try:
            status = started.process.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"gunicorn kept running:\n{started.log.read_text()}") from None
        output = started.log.read_text()
    # NOTE: usually 4, "App failed to load"; when both workers fail at once, gunicorn's halt
    # can trip over the second one's exit and end with 1 and a HaltServer traceback.
    assert status in (1, 4), output
    assert f"Refusing to start: SECRET_KEY is {reason}" in output
    assert "App failed to load" in output


@pytest.mark.server
def test_gunicorn_with_the_config_serves_an_app_with_a_strong_key(tmp_path: Path) -> None:
    with gunicorn(tmp_path, "gunicorn_app:create_app()", *GUNICORN_CONF) as port:
        assert request(port, "/")[0] == 200


@pytest.mark.server
@pytest.mark.parametrize(("key", "warned"), [("short", True), (None, False)])
def test_gunicorn_without_the_config_serves_and_warns_once_per_worker(
    tmp_path: Path, key: str | None, warned: bool
) -> None:
    with gunicorn_process(tmp_path, key) as started:
        deadline = time.monotonic() + TIMEOUT
        statuses: list[int] = []
        # NOTE: enough requests that both workers (most likely) finalize; each warns once.
        while len(statuses) < 20:
            assert started.process.poll() is None, started.log.read_text()
            try:
                status, body, _ = request(started.port, "/")
            except OSError:
                assert time.monotonic() < deadline, started.log.read_text()
                time.sleep(0.1)
                continue
            statuses.append(status)
            assert body == b"served"
        time.sleep(0.2)  # let the workers' log lines reach the file
        output = started.log.read_text()
    assert set(statuses) == {200}
    assert "CRITICAL" not in output and "Refusing" not in output
    count = output.count("SECRET_KEY is too short (5 bytes)")
    assert (1 <= count <= 2) if warned else "SECRET_KEY" not in output, output


# -- the hook and the warning, without a server ------------------------------------------------


def fake_worker(app: Any) -> Any:
    return SimpleNamespace(wsgi=app, log=logging.getLogger("fake.gunicorn"))


def test_post_worker_init_raises_gunicorns_app_import_error() -> None:
    errors = pytest.importorskip("gunicorn.errors")
    with pytest.raises(errors.AppImportError, match="SECRET_KEY is too short"):
        post_worker_init(fake_worker(make_app("short")))


def test_post_worker_init_passes_a_strong_key_and_debug_mode() -> None:
    post_worker_init(fake_worker(make_app(STRONG_KEY)))
    post_worker_init(fake_worker(make_app(None, debug=True)))


def test_post_worker_init_warns_about_what_is_not_an_app(caplog: pytest.LogCaptureFixture) -> None:
    post_worker_init(fake_worker(lambda environ, start_response: []))
    assert "is not a hipflask App" in caplog.text


@pytest.mark.parametrize(
    ("server", "key", "debug", "warned"),
    [
        ("gunicorn/23.0.0", "short", False, True),
        ("gunicorn/23.0.0", "short", True, False),
        ("gunicorn/23.0.0", STRONG_KEY, False, False),
        (None, "dev" * 20, False, False),  # long enough, and no placeholder
        (None, "Change-Me", False, True),  # a placeholder, whatever its case
        (None, None, False, False),  # no key: nothing to forge; a write names the setting
    ],
)
def test_finalize_warns_about_a_weak_key_once_under_any_server(
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    server: str | None,
    key: str | None,
    debug: bool,
    warned: bool,
) -> None:
    if server is None:
        monkeypatch.delenv("SERVER_SOFTWARE", raising=False)
    else:
        monkeypatch.setenv("SERVER_SOFTWARE", server)
    app = make_app(key, debug=debug)
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            assert app.test_client().get("/").status_code == 200
        app.finalize()
    records = [r for r in caplog.records if "SECRET_KEY is" in r.getMessage()]
    assert len(records) == (1 if warned else 0)
    assert all(r.levelname == "WARNING" for r in records)
