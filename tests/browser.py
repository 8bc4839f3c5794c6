"""What the browser tests share: Debian's Chromium through playwright, an app served on a free
port in a thread, and a fresh page per test.

A downloaded browser is never used. Without Chromium or playwright the tests skip with the
reason, except under ``CI=true``, where they fail (``.ci/run`` installs Chromium).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def unavailable(reason: str) -> NoReturn:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason}; CI=true requires it (.ci/run installs Chromium).")
    pytest.skip(reason)


@contextmanager
def chromium() -> Iterator[Any]:
    """Launch headless Chromium for a module's tests."""
    if not os.path.exists(CHROMIUM):
        unavailable(f"Chromium is not installed at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the playwright package is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@contextmanager
def served(app: Any, threads: int = 4) -> Iterator[str]:
    """Serve ``app`` with waitress on a free 127.0.0.1 port in a thread; yield its base URL."""
    from waitress import create_server, wasyncore

    server: Any = create_server(app, host="127.0.0.1", port=0, threads=threads)
    thread = threading.Thread(target=server.run, name="browser-test-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        wasyncore.close_all(server._map)
        server.task_dispatcher.shutdown()
        thread.join(5)


@contextmanager
def new_page(browser: Any, base_url: str, **options: Any) -> Iterator[Any]:
    """Open a page in a fresh browser context (own cookies), closed afterwards."""
    context = browser.new_context(base_url=base_url, **options)
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        yield page
    finally:
        context.close()
