"""The demo in headless Chromium: log in and out, flashes, field errors, a refused tampered token.

The demo runs on waitress in a thread on a free 127.0.0.1 port; playwright drives Debian's
``/usr/bin/chromium`` (a downloaded browser is never used). Without Chromium or playwright
these tests skip with the reason, except under ``CI=true``, where they fail.
"""

from __future__ import annotations

import importlib.util
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
DEMO = Path(__file__).resolve().parent.parent / "examples" / "demo" / "app.py"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason}; CI=true requires it (.ci/run installs Chromium).")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        _unavailable(f"Chromium is not installed at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Serve a fresh demo app on a free port for the module's tests."""
    from waitress import create_server, wasyncore

    spec = importlib.util.spec_from_file_location("hipflask_demo_browser", DEMO)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sessions = tmp_path_factory.mktemp("demo") / "sessions.sqlite3"
    app = module.create_app({"SECRET_KEY": "b" * 64, "SESSION_SQLITE_PATH": str(sessions)})
    server: Any = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, name="demo-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        wasyncore.close_all(server._map)
        server.task_dispatcher.shutdown()
        thread.join(5)


@pytest.fixture
def page(browser: Any, base_url: str) -> Iterator[Any]:
    context = browser.new_context(base_url=base_url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def flashes(page: Any) -> list[str]:
    return [text.strip() for text in page.locator(".flash").all_inner_texts()]


def cookie(page: Any, name: str) -> dict[str, Any] | None:
    return next((c for c in page.context.cookies() if c["name"] == name), None)


def log_in(page: Any, username: str, password: str) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#submit")
    page.wait_for_load_state()


def test_login_profile_logout(page: Any, base_url: str, tmp_path: Path) -> None:
    page.goto("/profile")
    assert page.url == f"{base_url}/login"
    assert flashes(page) == ["Please log in to see your profile."]
    assert "DEMO_USERS" in page.inner_text(".note")

    log_in(page, "alice", "not-the-password")
    assert page.url == f"{base_url}/login"
    assert flashes(page) == ["Invalid username or password."]
    assert page.locator(".flash-error").count() == 1

    log_in(page, "", "")
    assert page.inner_text("#username-errors").strip() == "This field is required."
    assert page.inner_text("#password-errors").strip() == "This field is required."
    assert page.get_attribute("#username", "aria-invalid") == "true"

    log_in(page, "alice", "wonderland")
    assert page.url == f"{base_url}/profile"
    assert page.inner_text("h1") == "Hello, alice"
    assert flashes(page) == ["Welcome, alice! You are logged in."]
    assert page.locator(".flash-success").count() == 1
    last_user = cookie(page, "last_user")
    assert last_user is not None and last_user["value"] == "alice"
    assert 3500 < last_user["expires"] - time.time() <= 3600
    session = cookie(page, "session")
    assert session is not None and session["httpOnly"] and session["sameSite"] == "Lax"
    assert 1700 < session["expires"] - time.time() <= 1800

    screenshot = tmp_path / "profile.png"
    page.screenshot(path=str(screenshot), full_page=True)
    data = screenshot.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    assert len(data) > 1000

    page.click("#ping")
    page.wait_for_function("document.getElementById('ping-result').textContent.length > 0")
    result = page.inner_text("#ping-result")
    assert result.startswith("200 ")
    assert '"pong":true' in result.replace(" ", "")

    page.click(".logout-form button")
    page.wait_for_load_state()
    assert page.url == f"{base_url}/login"
    assert flashes(page) == ["You have been logged out."]
    assert cookie(page, "last_user") is None

    page.goto("/profile")
    assert page.url == f"{base_url}/login"
    assert flashes(page) == ["Please log in to see your profile."]


def test_tampered_csrf_token_is_refused(page: Any, base_url: str) -> None:
    page.goto("/login")
    page.eval_on_selector(
        "input[name=csrf_token]", "input => { input.value = input.value.slice(0, -4) + 'AAAA'; }"
    )
    page.fill("#username", "alice")
    page.fill("#password", "wonderland")
    with page.expect_response(f"{base_url}/login") as refused:
        page.click("#submit")
    assert refused.value.status == 400
    assert page.inner_text("h1") == "Form refused"
    assert page.inner_text(".csrf-reason") == "The CSRF token is invalid."

    page.goto("/profile")
    assert page.url == f"{base_url}/login"


def test_missing_csrf_token_is_refused(page: Any, base_url: str) -> None:
    page.goto("/login")
    page.eval_on_selector("input[name=csrf_token]", "input => input.remove()")
    page.fill("#username", "alice")
    page.fill("#password", "wonderland")
    page.click("#submit")
    page.wait_for_load_state()
    assert page.inner_text(".csrf-reason") == "The CSRF token is missing."


def test_each_page_load_gets_a_fresh_token(page: Any) -> None:
    page.goto("/login")
    first = page.get_attribute("input[name=csrf_token]", "value")
    page.reload()
    second = page.get_attribute("input[name=csrf_token]", "value")
    assert first and second and first != second
    page.fill("#username", "alice")
    page.fill("#password", "wonderland")
    page.click("#submit")
    page.wait_for_load_state()
    assert page.inner_text("h1") == "Hello, alice"
