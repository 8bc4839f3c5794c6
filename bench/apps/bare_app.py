"""The benchmark app as a bare WSGI callable: the floor a framework's overhead is measured from.

Hand-written the way one would for speed: a dict of static routes, ``str.split`` for the two
dynamic ones, and no request or response objects.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from urllib.parse import parse_qs
from wsgiref.types import StartResponse, WSGIEnvironment

import jinja2

from bench.apps.spec import (
    FILLER_RULES,
    STATIC_NAME,
    TEMPLATE_CONTEXT,
    TEMPLATE_FOLDER,
    TEMPLATE_NAME,
)

UNAVAILABLE = {
    "secure_hello": "hipflask's default security headers, read against its hello",
    "db_read": "no SQLAlchemy integration to compare",
    "db_page": "no SQLAlchemy integration to compare",
    "login_page": "no login extension to compare",
    "limited_memory": "the limiter's cost is read against hipflask's own hello",
    "limited_redis": "the limiter's cost is read against hipflask's own hello",
    "session": "a bare WSGI callable has no session",
    "flash": "a bare WSGI callable has no session",
    "csrf_form": "a bare WSGI callable has no CSRF protection",
}

Headers = list[tuple[str, str]]
Answer = tuple[str, Headers, bytes]
WSGIApp = Callable[[WSGIEnvironment, StartResponse], Iterable[bytes]]

TEXT = "text/plain; charset=utf-8"


def _text(status: str, text: str, content_type: str = TEXT) -> Answer:
    body = text.encode()
    return status, [("Content-Type", content_type), ("Content-Length", str(len(body)))], body


def _hello(environ: WSGIEnvironment) -> Answer:
    return _text("200 OK", "Hello, World!")


def _json(environ: WSGIEnvironment) -> Answer:
    payload = json.dumps({"message": "Hello, World!", "items": [1, 2, 3]})
    return _text("200 OK", payload, "application/json")


def _form(environ: WSGIEnvironment) -> Answer:
    size = int(environ.get("CONTENT_LENGTH") or 0)
    fields = parse_qs(environ["wsgi.input"].read(size).decode())
    return _text("200 OK", fields["name"][0])


def _cookie(environ: WSGIEnvironment) -> Answer:
    pairs = (part.strip().partition("=") for part in environ.get("HTTP_COOKIE", "").split(";"))
    cookies = {name: value for name, _, value in pairs}
    status, headers, body = _text("200 OK", cookies["theme"])
    headers.append(("Set-Cookie", "seen=1; Path=/"))
    return status, headers, body


def _not_found() -> Answer:
    return _text("404 Not Found", "Not Found")


def _static_view(path: str) -> Callable[[WSGIEnvironment], Answer]:
    def static(environ: WSGIEnvironment) -> Answer:
        with open(path, "rb") as file:
            stat = os.fstat(file.fileno())
            etag = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'
            if environ.get("HTTP_IF_NONE_MATCH") == etag:
                return "304 Not Modified", [("ETag", etag)], b""
            body = file.read()
        headers = [
            ("Content-Type", "application/octet-stream"),
            ("Content-Length", str(len(body))),
            ("ETag", etag),
        ]
        return "200 OK", headers, body

    return static


def _template_view() -> Callable[[WSGIEnvironment], Answer]:
    loader = jinja2.FileSystemLoader(TEMPLATE_FOLDER)
    template = jinja2.Environment(loader=loader, autoescape=True).get_template(TEMPLATE_NAME)

    def render(environ: WSGIEnvironment) -> Answer:
        return _text("200 OK", template.render(**TEMPLATE_CONTEXT), "text/html; charset=utf-8")

    return render


def _match_dynamic(method: str, path: str, fillers: frozenset[str]) -> Answer:
    """Match ``/users/<int>/posts/<slug>`` and the filler rules ``/r<n>/<a>/<b>``."""
    parts = path.split("/")
    if method != "GET":
        return _not_found()
    if len(parts) == 5 and parts[1] == "users" and parts[3] == "posts" and parts[4]:
        user_id = parts[2]
        if user_id.isascii() and user_id.isdigit():
            return _text("200 OK", f"user {int(user_id)} post {parts[4]}")
    if len(parts) == 4 and parts[1] in fillers and parts[2] and parts[3]:
        return _text("200 OK", f"{parts[2]} {parts[3]}")
    return _not_found()


def create_app(static_dir: str) -> WSGIApp:
    """Build the app; ``/static/blob.bin`` is read from ``static_dir`` on each request."""
    routes: dict[tuple[str, str], Callable[[WSGIEnvironment], Answer]] = {
        ("GET", "/"): _hello,
        ("GET", "/json"): _json,
        ("POST", "/form"): _form,
        ("GET", "/cookie"): _cookie,
        ("GET", "/template"): _template_view(),
        ("GET", f"/static/{STATIC_NAME}"): _static_view(os.path.join(static_dir, STATIC_NAME)),
    }
    fillers = frozenset(f"r{index}" for index in range(FILLER_RULES))

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        method, path = environ["REQUEST_METHOD"], environ["PATH_INFO"]
        view = routes.get((method, path))
        if view is None:
            status, headers, body = _match_dynamic(method, path, fillers)
        else:
            status, headers, body = view(environ)
        start_response(status, headers)
        return [body]

    return app
