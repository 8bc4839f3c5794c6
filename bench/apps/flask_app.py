"""The benchmark app on Flask."""

from __future__ import annotations

from flask import (
    Flask,
    Response,
    flash,
    get_flashed_messages,
    jsonify,
    make_response,
    render_template,
    request,
    session,
)
from flask_wtf.csrf import CSRFProtect, generate_csrf

from bench.apps.spec import (
    FILLER_RULES,
    SECRET_KEY,
    TEMPLATE_CONTEXT,
    TEMPLATE_FOLDER,
    TEMPLATE_NAME,
)

UNAVAILABLE: dict[str, str] = {
    "secure_hello": "hipflask's default security headers, read against its hello",
    "limited_memory": "the limiter's cost is read against hipflask's own hello",
    "limited_redis": "the limiter's cost is read against hipflask's own hello",
}


def create_app(static_dir: str) -> Flask:
    """Build the app; its ``static/`` folder is ``static_dir``, its templates the bench's."""
    app = Flask(
        __name__,
        static_folder=static_dir,
        static_url_path="/static",
        template_folder=TEMPLATE_FOLDER,
    )
    app.config["SECRET_KEY"] = SECRET_KEY

    def filler(a: str, b: str) -> str:
        return f"{a} {b}"

    for index in range(FILLER_RULES):
        app.add_url_rule(f"/r{index}/<a>/<b>", f"r{index}", filler)

    @app.route("/")
    def hello() -> str:
        return "Hello, World!"

    @app.route("/users/<int:user_id>/posts/<slug>")
    def params(user_id: int, slug: str) -> str:
        return f"user {user_id} post {slug}"

    @app.route("/json")
    def json() -> Response:
        return jsonify({"message": "Hello, World!", "items": [1, 2, 3]})

    @app.route("/form", methods=["POST"])
    def form() -> str:
        return request.form["name"]

    @app.route("/cookie")
    def cookie() -> Response:
        response = make_response(request.cookies["theme"])
        response.set_cookie("seen", "1")
        return response

    @app.route("/template")
    def template() -> str:
        return render_template(TEMPLATE_NAME, **TEMPLATE_CONTEXT)

    _add_session_routes(app)
    return app


def _add_session_routes(app: Flask) -> None:
    """Add the routes that use the session: a counter and a flash message."""

    @app.route("/session")
    def counter() -> str:
        session["counter"] = session.get("counter", 0) + 1
        return str(session["counter"])

    @app.route("/flash")
    def flash_message() -> str:
        flash("Saved.")
        return " ".join(get_flashed_messages())


def create_csrf_app(static_dir: str) -> Flask:
    """Build an app whose every POST needs a CSRF token (its hook would tax the other routes)."""
    app = Flask(__name__)
    app.config["SECRET_KEY"] = SECRET_KEY
    CSRFProtect(app)

    @app.route("/csrf-token")
    def csrf_token() -> str:
        return generate_csrf()

    @app.route("/csrf-form", methods=["POST"])
    def csrf_form() -> str:
        return request.form["name"]

    return app


def create_db_app(static_dir: str) -> Flask:
    """Build the database and login scenarios' app (bench/apps/flask_batteries.py), loading
    Flask-SQLAlchemy and Flask-Login only then."""
    from bench.apps import flask_batteries

    return flask_batteries.create_db_app(static_dir)
