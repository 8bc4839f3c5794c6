"""The benchmark app on Falcon: one resource class per route, as Falcon has it."""

from __future__ import annotations

import falcon
import jinja2

from bench.apps.spec import FILLER_RULES, TEMPLATE_CONTEXT, TEMPLATE_FOLDER, TEMPLATE_NAME

UNAVAILABLE = {
    "secure_hello": "hipflask's default security headers, read against its hello",
    "db_read": "no SQLAlchemy integration to compare",
    "db_page": "no SQLAlchemy integration to compare",
    "login_page": "no login extension to compare",
    "limited_memory": "the limiter's cost is read against hipflask's own hello",
    "limited_redis": "the limiter's cost is read against hipflask's own hello",
    "session": "Falcon has no session",
    "flash": "Falcon has no session",
    "csrf_form": "Falcon has no CSRF protection",
}


class Filler:
    def on_get(self, req: falcon.Request, resp: falcon.Response, a: str, b: str) -> None:
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = f"{a} {b}"


class Hello:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = "Hello, World!"


class Params:
    def on_get(self, req: falcon.Request, resp: falcon.Response, user_id: int, slug: str) -> None:
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = f"user {user_id} post {slug}"


class Json:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = {"message": "Hello, World!", "items": [1, 2, 3]}


class Form:
    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = req.get_media()["name"]


class Cookie:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = req.cookies["theme"]
        # NOTE: Flask's defaults (Falcon's are Secure and HttpOnly), so the headers match.
        resp.set_cookie("seen", "1", secure=False, http_only=False, path="/")


class Template:
    def __init__(self) -> None:
        # NOTE: Falcon has no templating: load and compile the file once, as a Falcon app would.
        loader = jinja2.FileSystemLoader(TEMPLATE_FOLDER)
        environment = jinja2.Environment(loader=loader, autoescape=True)
        self.template = environment.get_template(TEMPLATE_NAME)

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = falcon.MEDIA_HTML
        resp.text = self.template.render(**TEMPLATE_CONTEXT)


def create_app(static_dir: str) -> falcon.App:
    """Build the app; ``/static/<filename>`` serves files from ``static_dir``."""
    app = falcon.App()
    filler = Filler()
    for index in range(FILLER_RULES):
        app.add_route(f"/r{index}/{{a}}/{{b}}", filler)
    app.add_route("/", Hello())
    app.add_route("/users/{user_id:int}/posts/{slug}", Params())
    app.add_route("/json", Json())
    app.add_route("/form", Form())
    app.add_route("/cookie", Cookie())
    app.add_route("/template", Template())
    app.add_static_route("/static", static_dir)
    return app
