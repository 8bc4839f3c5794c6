"""The security headers in headless Chromium: a CSP nonce lets one inline script run, not another.

Chromium and the server come from tests/browser.py (skipped with the reason when missing,
except under ``CI=true``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from hipflask import App, render_template_string
from hipflask.secure_headers import csp

from .browser import chromium, new_page, served

pytestmark = pytest.mark.browser

PAGE = """<!doctype html><title>csp</title>
<script nonce="{{ csp_nonce() }}">window.withNonce = "ran";</script>
<script>window.withoutNonce = "ran";</script>
<p>page</p>"""


def make_app() -> App:
    app = App(__name__)
    app.config["CONTENT_SECURITY_POLICY"] = {"default-src": "'self'", "script-src": "'self'"}

    @app.route("/")
    def index() -> str:
        return render_template_string(PAGE)

    @app.route("/report-only")
    @csp({"default-src": "'self'"}, report_only=True)
    def report_only() -> str:
        return render_template_string(PAGE)

    @app.route("/framing")
    @csp({"default-src": "'self'"})
    def framing() -> str:
        return '<!doctype html><iframe id="inner" src="/"></iframe>'

    return app


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with served(make_app(), threads=2) as url:
        yield url


@pytest.fixture
def page(browser: Any, base_url: str) -> Iterator[Any]:
    with new_page(browser, base_url) as opened:
        yield opened


def test_the_nonced_inline_script_runs_and_the_other_is_blocked(page: Any) -> None:
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text))
    response = page.goto("/")
    assert response.status == 200
    assert "'nonce-" in response.headers["content-security-policy"]
    assert page.evaluate("window.withNonce") == "ran"
    assert page.evaluate("typeof window.withoutNonce") == "undefined"
    assert any("Content Security Policy" in text for text in messages), messages


def test_report_only_runs_both_and_reports(page: Any) -> None:
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text))
    response = page.goto("/report-only")
    assert "content-security-policy-report-only" in response.headers
    assert page.evaluate("[window.withNonce, window.withoutNonce]") == ["ran", "ran"]
    assert any("report-only" in text.lower() for text in messages), messages


def test_frame_ancestors_none_keeps_the_page_out_of_a_frame(page: Any) -> None:
    page.goto("/framing")
    page.wait_for_load_state("load")
    frames = [frame for frame in page.frames if frame is not page.main_frame]
    assert len(frames) == 1
    # NOTE: a refused frame is left on Chromium's error page, never the app's page.
    assert frames[0].evaluate("typeof window.withNonce") == "undefined"
