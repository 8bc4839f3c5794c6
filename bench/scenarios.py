"""The benchmark scenarios: the request each one sends and the answer every app must give."""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from bench.apps.batteries import page_answer, read_answer
from bench.apps.spec import (
    STATIC_NAME,
    STATIC_SIZE,
    TEMPLATE_CONTEXT,
    TEMPLATE_FOLDER,
    TEMPLATE_NAME,
)

STATIC_BLOB = random.Random(0).randbytes(STATIC_SIZE)


@dataclass(frozen=True)
class Answer:
    """A response as the client sees it."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        """Return the first value of header ``name``, or ``None``."""
        name = name.lower()
        return next((value for key, value in self.headers if key.lower() == name), None)


# A check returns what is wrong with an answer, or ``None`` when it is right.
Check = Callable[[Answer], str | None]


def status_is(status: int) -> Check:
    return lambda answer: None if answer.status == status else f"status {answer.status}"


def body_is(body: bytes) -> Check:
    return lambda answer: None if answer.body == body else f"body {_shorten(answer.body)}"


def json_is(payload: Any) -> Check:
    def check(answer: Answer) -> str | None:
        try:
            if json.loads(answer.body) == payload:
                return None
        except ValueError:
            pass
        return f"body {_shorten(answer.body)}"

    return check


def header_has(name: str, part: str = "") -> Check:
    """Check header ``name`` is present and its value contains ``part``."""

    def check(answer: Answer) -> str | None:
        value = answer.header(name)
        if value is not None and part in value:
            return None
        return f"{name} {value!r}"

    return check


def _shorten(body: bytes, limit: int = 120) -> str:
    return repr(body) if len(body) <= limit else f"{body[:limit]!r}... ({len(body)} bytes)"


@dataclass(frozen=True)
class Scenario:
    """One request, what a correct answer looks like, and the speed-up hipflask targets."""

    name: str
    method: str
    path: str
    checks: tuple[Check, ...]
    body: bytes = b""
    query: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    # NOTE: hipflask may not have every feature yet: a failure here reads "n/a", not "FAIL".
    optional: bool = False
    # Call once first and send back the cookies it set, as a browser's second visit would.
    primed: bool = False
    # GET this path first: its answer's body is the token put in ``body`` for ``{token}``, and
    # its cookies are sent back (a form page fetched before the form is posted).
    token_path: str | None = None
    # Call once first and send back its ETag in If-None-Match (a browser revalidating).
    revalidate: bool = False
    # The app module's function that builds the app this scenario runs against.
    factory: str = "create_app"
    flask_target: float = 8.0

    def environ(
        self, cookie: str | None = None, extra: tuple[tuple[str, str], ...] = ()
    ) -> dict[str, Any]:
        """Build the WSGI environ template; the caller adds a fresh ``wsgi.input`` per call."""
        environ: dict[str, Any] = {
            "REQUEST_METHOD": self.method,
            "SCRIPT_NAME": "",
            "PATH_INFO": self.path,
            "QUERY_STRING": self.query,
            "SERVER_NAME": "localhost",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "localhost:8000",
            "HTTP_USER_AGENT": "hipflask-bench/1.0",
            "HTTP_ACCEPT": "*/*",
            "HTTP_ACCEPT_ENCODING": "gzip, deflate",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        if self.body:
            environ["CONTENT_LENGTH"] = str(len(self.body))
        for name, value in (*self.headers, *extra):
            key = name.upper().replace("-", "_")
            environ[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}"] = value
        if cookie is not None:
            environ["HTTP_COOKIE"] = cookie
        return environ


def write_static(directory: Path) -> None:
    """Write the file the ``static`` scenario fetches into ``directory``."""
    (directory / STATIC_NAME).write_bytes(STATIC_BLOB)


def _render_template() -> bytes:
    """Render the ``template`` scenario's file with plain Jinja2: what every app must answer."""
    loader = jinja2.FileSystemLoader(TEMPLATE_FOLDER)
    template = jinja2.Environment(loader=loader, autoescape=True).get_template(TEMPLATE_NAME)
    return template.render(TEMPLATE_CONTEXT).encode()


SCENARIOS = (
    Scenario("hello", "GET", "/", (status_is(200), body_is(b"Hello, World!"))),
    Scenario(
        "params",
        "GET",
        "/users/42/posts/hello-world",
        (status_is(200), body_is(b"user 42 post hello-world")),
    ),
    Scenario(
        "json",
        "GET",
        "/json",
        (
            status_is(200),
            header_has("Content-Type", "application/json"),
            json_is({"message": "Hello, World!", "items": [1, 2, 3]}),
        ),
    ),
    Scenario("not_found", "GET", "/missing", (status_is(404),)),
    Scenario(
        "form",
        "POST",
        "/form",
        (status_is(200), body_is(b"alice")),
        body=b"name=alice&age=30&city=paris",
        headers=(("Content-Type", "application/x-www-form-urlencoded"),),
    ),
    Scenario(
        "cookies",
        "GET",
        "/cookie",
        (status_is(200), body_is(b"dark"), header_has("Set-Cookie", "seen=1")),
        headers=(("Cookie", "a=1; b=2; theme=dark"),),
    ),
    Scenario(
        "session",
        "GET",
        "/session",
        (status_is(200), body_is(b"2"), header_has("Set-Cookie")),
        optional=True,
        primed=True,
        flask_target=10.0,
    ),
    Scenario(
        "template",
        "GET",
        "/template",
        (status_is(200), body_is(_render_template())),
        flask_target=3.0,
    ),
    Scenario(
        "static",
        "GET",
        f"/static/{STATIC_NAME}",
        (status_is(200), body_is(STATIC_BLOB), header_has("ETag")),
        flask_target=3.0,
    ),
    Scenario(
        "not_modified",
        "GET",
        f"/static/{STATIC_NAME}",
        (status_is(304), body_is(b"")),
        revalidate=True,
        flask_target=3.0,
    ),
    Scenario("flash", "GET", "/flash", (status_is(200), body_is(b"Saved."))),
    Scenario(
        "csrf_form",
        "POST",
        "/csrf-form",
        (status_is(200), body_is(b"alice")),
        body=b"name=alice&csrf_token={token}",
        headers=(("Content-Type", "application/x-www-form-urlencoded"),),
        token_path="/csrf-token",
        factory="create_csrf_app",
    ),
    Scenario(
        "secure_hello",
        "GET",
        "/",
        (status_is(200), body_is(b"Hello, World!"), header_has("X-Frame-Options", "DENY")),
        factory="create_secure_app",
    ),
    # The batteries: SQLAlchemy through hipflask.db (Flask-SQLAlchemy for Flask), a page behind
    # login_required (Flask-Login), and a limited hello (its cost: this minus ``hello``).
    Scenario(
        "db_read",
        "GET",
        "/db/read",
        (status_is(200), json_is(read_answer())),
        factory="create_db_app",
        flask_target=1.0,
    ),
    Scenario(
        "db_page",
        "GET",
        "/db/page",
        (status_is(200), json_is(page_answer())),
        query="page=2",
        factory="create_db_app",
        flask_target=1.0,
    ),
    Scenario(
        "login_page",
        "GET",
        "/account",
        (status_is(200), body_is(b"Welcome user7!")),
        token_path="/bench-login",
        factory="create_db_app",
        flask_target=5.0,
    ),
    Scenario(
        "limited_memory",
        "GET",
        "/limited",
        (status_is(200), body_is(b"Hello, World!")),
        factory="create_limited_memory_app",
    ),
    Scenario(
        "limited_redis",
        "GET",
        "/limited",
        (status_is(200), body_is(b"Hello, World!")),
        optional=True,
        factory="create_limited_redis_app",
    ),
)
