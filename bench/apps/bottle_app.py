"""The benchmark app on Bottle; its session is a signed cookie holding the counter."""

from __future__ import annotations

import bottle
from bottle import request, response

from bench.apps.spec import (
    FILLER_RULES,
    SECRET_KEY,
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
    "flash": "Bottle has no flash messages",
    "csrf_form": "Bottle has no CSRF protection",
}


def create_app(static_dir: str) -> bottle.Bottle:
    """Build the app; ``/static/<filename>`` serves files from ``static_dir``."""
    app = bottle.Bottle()
    # NOTE: one list for the app's life: Bottle caches a compiled template under id(lookup).
    template_lookup = [TEMPLATE_FOLDER]
    # Autoescape, as Flask and hipflask do for .html, so every framework does the same work.
    template_settings = {"autoescape": True}

    def filler(a: str, b: str) -> str:
        return f"{a} {b}"

    for index in range(FILLER_RULES):
        app.route(f"/r{index}/<a>/<b>", callback=filler)

    @app.get("/")
    def hello() -> str:
        return "Hello, World!"

    @app.get("/users/<user_id:int>/posts/<slug>")
    def params(user_id: int, slug: str) -> str:
        return f"user {user_id} post {slug}"

    @app.get("/json")
    def json() -> dict[str, object]:
        return {"message": "Hello, World!", "items": [1, 2, 3]}

    @app.post("/form")
    def form() -> str:
        return str(request.forms["name"])

    @app.get("/cookie")
    def cookie() -> str:
        response.set_cookie("seen", "1")
        return str(request.get_cookie("theme"))

    @app.get("/session")
    def counter() -> str:
        # NOTE: a string value: Bottle deprecates pickling anything else into a signed cookie.
        count = str(int(request.get_cookie("session", "0", secret=SECRET_KEY)) + 1)
        response.set_cookie("session", count, secret=SECRET_KEY)
        return count

    @app.get("/template")
    def template() -> str:
        return str(
            bottle.jinja2_template(
                TEMPLATE_NAME,
                template_lookup=template_lookup,
                template_settings=template_settings,
                **TEMPLATE_CONTEXT,
            )
        )

    @app.get("/static/<filename:path>")
    def static(filename: str) -> bottle.HTTPResponse:
        return bottle.static_file(filename, root=static_dir)

    return app
