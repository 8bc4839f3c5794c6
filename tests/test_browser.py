"""The demo in headless Chromium: register, the welcome task, log in and out, a stolen cookie,
remember-me, refused CSRF tokens, and every page on a phone-sized screen.

The demo runs on waitress in a thread on a free 127.0.0.1 port, with a real ``hipflask worker``
beside it on the embedded SQLite broker; playwright drives Debian's ``/usr/bin/chromium`` (a
downloaded browser is never used). Without Chromium or playwright these tests skip with the
reason, except under ``CI=true``, where they fail.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .browser import chromium, new_page, served
from .demo_app import DEMO_ROOT, make_demo

pytestmark = pytest.mark.browser

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PASSWORD = "correct horse battery"
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("demo")


@pytest.fixture(scope="module")
def queue(demo_folder: Path) -> dict[str, Any]:
    """The task queue of the embedded default: a SQLite broker and result file."""
    return {
        "broker_url": f"hipflask+sqlite:///{demo_folder / 'broker.sqlite3'}",
        "result_backend": f"db+sqlite:///{demo_folder / 'results.sqlite3'}",
    }


@pytest.fixture(scope="module")
def worker(demo_folder: Path, queue: dict[str, Any]) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``hipflask worker`` for the demo, configured through HIPFLASK_* variables."""
    env = {
        **os.environ,
        "HIPFLASK_SECRET_KEY": "b" * 64,
        "HIPFLASK_SQLALCHEMY_DATABASE_URI": f"sqlite:///{demo_folder / 'demo.sqlite3'}",
        "HIPFLASK_CELERY": json.dumps(queue),
        "DEMO_INSTANCE_PATH": str(demo_folder / "instance"),
    }
    command = [
        str(Path(sys.executable).with_name("hipflask")),
        "--app", str(DEMO_ROOT / "hipflask_demo"), "worker", "--concurrency", "1",
    ]  # fmt: skip
    log = demo_folder / "worker.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        # NOTE: not waiting for the worker's "ready.": the first publish may meet the worker
        # creating the broker's tables, which the transport handles (test_tasks_transport).
        yield process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)


@pytest.fixture(scope="module")
def base_url(demo_folder: Path, queue: dict[str, Any], worker: Any) -> Iterator[str]:
    """Serve a fresh demo app on a free port for the module's tests."""
    with served(make_demo(demo_folder, SECRET_KEY="b" * 64, CELERY=queue)) as url:
        yield url


@pytest.fixture
def page(browser: Any, base_url: str) -> Iterator[Any]:
    with new_page(browser, base_url) as opened:
        yield opened


def flashes(page: Any) -> list[str]:
    return [text.strip() for text in page.locator(".flash").all_inner_texts()]


def cookie(page: Any, name: str) -> dict[str, Any] | None:
    return next((c for c in page.context.cookies() if c["name"] == name), None)


def register(page: Any, username: str) -> None:
    page.goto("/register")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    page.click("#submit")
    page.wait_for_load_state()


def log_in(page: Any, username: str, *, remember: bool = False) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.set_checked("#remember", remember)
    page.click("#submit")
    page.wait_for_load_state()


def log_out(page: Any) -> None:
    page.goto("/profile")
    page.click(".logout-forms form:first-child button")
    page.wait_for_load_state()


def test_register_then_the_worker_delivers_the_welcome(page: Any, base_url: str) -> None:
    register(page, "ada")
    assert page.url == f"{base_url}/profile"
    assert page.inner_text("h1") == "Hello, ada"
    assert flashes(page) == ["Welcome, ada! Your account is ready."]
    deadline = time.monotonic() + 60
    while True:  # the real worker process picks the task up from the SQLite broker
        page.goto("/outbox")
        if page.locator(".outbox li").count() or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert "Welcome to the hipflask demo, ada!" in page.inner_text(".outbox")


def test_field_errors_and_a_taken_name(page: Any) -> None:
    register(page, "grace")
    log_out(page)
    register(page, "grace")
    assert page.inner_text("#username-errors") == "That username is taken."
    page.fill("#password", "short")
    page.fill("#confirm", "other")
    page.click("#submit")
    page.wait_for_load_state()
    assert "Field must be between 8 and 128 characters long." in page.inner_text("#password-errors")
    assert page.inner_text("#confirm-errors") == "The passwords differ."


def test_a_session_cookie_stolen_before_logout_is_refused(
    page: Any, browser: Any, base_url: str
) -> None:
    register(page, "linus")
    stolen = cookie(page, "session")
    assert stolen is not None and stolen["httpOnly"]
    log_out(page)
    assert flashes(page) == ["You have been logged out."]
    thief = browser.new_context(base_url=base_url)
    try:
        thief.add_cookies([stolen])
        other = thief.new_page()
        other.goto("/profile")
        assert other.url.startswith(f"{base_url}/login")
        assert other.inner_text("h1") == "Log in"
    finally:
        thief.close()


def test_remember_me_survives_a_dropped_session_cookie(page: Any, base_url: str) -> None:
    register(page, "hopper")
    log_out(page)
    log_in(page, "hopper", remember=True)
    first = cookie(page, "remember_token")
    assert first is not None and first["httpOnly"] and first["sameSite"] == "Lax"
    page.context.clear_cookies(name="session")
    page.goto("/profile")
    assert page.url == f"{base_url}/profile"
    assert "restored from your remember-me cookie" in page.inner_text("#session-kind")
    second = cookie(page, "remember_token")
    assert second is not None
    selector, validator = first["value"].split(".")
    assert second["value"].startswith(selector + ".")  # the same token, rotated
    assert not second["value"].endswith(validator)


def test_tampered_and_missing_csrf_tokens_are_refused(page: Any, base_url: str) -> None:
    page.goto("/login")
    page.eval_on_selector(
        "input[name=csrf_token]", "input => { input.value = input.value.slice(0, -4) + 'AAAA'; }"
    )
    page.fill("#username", "ada")
    page.fill("#password", PASSWORD)
    with page.expect_response(f"{base_url}/login") as refused:
        page.click("#submit")
    assert refused.value.status == 400
    assert page.inner_text("h1") == "Form refused"
    assert page.inner_text(".csrf-reason") == "The CSRF token is invalid."
    page.goto("/login")
    page.eval_on_selector("input[name=csrf_token]", "input => input.remove()")
    page.fill("#username", "ada")
    page.fill("#password", PASSWORD)
    page.click("#submit")
    page.wait_for_load_state()
    assert page.inner_text(".csrf-reason") == "The CSRF token is missing."


def test_the_fetch_call_carries_the_header_token(page: Any) -> None:
    register(page, "margaret")
    page.click("#ping")
    page.wait_for_function("document.getElementById('ping-result').textContent.length > 0")
    result = page.inner_text("#ping-result")
    assert result.startswith("200 ")
    assert json.loads(result[4:]) == {"pong": True, "user": "margaret", "echo": "hello"}


PAGES = [
    "/", "/login", "/register", "/echo?text=%3Cb%3Ehi%3C%2Fb%3E", "/profile", "/outbox",
    "/sessions/", "/sessions/cookie", "/sessions/counter", "/sessions/permanent",
    "/sessions/flash", "/no/such/page",
]  # fmt: skip


def test_every_page_fits_a_phone(browser: Any, base_url: str, tmp_path: Path) -> None:
    with new_page(browser, base_url, viewport=PHONE, device_scale_factor=1) as phone:
        register(phone, "katherine")
        for path in PAGES:
            phone.goto(path)
            overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{path} scrolls sideways by {overflow}px"
            assert phone.locator(".site-header .brand").is_visible(), path
            shot = tmp_path / (path.strip("/").split("?")[0].replace("/", "-") or "home")
            phone.screenshot(path=f"{shot}.png", full_page=True)
            assert Path(f"{shot}.png").read_bytes().startswith(PNG_SIGNATURE)
        icon = phone.goto("/favicon.ico")
        assert icon is not None and icon.status == 200
