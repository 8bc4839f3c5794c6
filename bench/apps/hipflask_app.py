"""The benchmark app on hipflask: the Flask app with its imports changed."""

from __future__ import annotations

from bench.apps.spec import (
    FILLER_RULES,
    SECRET_KEY,
    TEMPLATE_CONTEXT,
    TEMPLATE_FOLDER,
    TEMPLATE_NAME,
)
from hipflask import (
    App,
    Response,
    flash,
    get_flashed_messages,
    jsonify,
    make_response,
    render_template,
    request,
    session,
)
from hipflask.csrf import CSRFProtect, generate_csrf

UNAVAILABLE: dict[str, str] = {}


def create_app(static_dir: str) -> App:
    """Build the app; its ``static/`` folder is ``static_dir``, its templates the bench's."""
    app = App(
        __name__,
        static_folder=static_dir,
        static_url_path="/static",
        template_folder=TEMPLATE_FOLDER,
    )
    app.config["SECRET_KEY"] = SECRET_KEY
    # NOTE: the peers send no security headers; the same answer is compared. What hipflask's
    # default headers cost is the ``secure_hello`` scenario (``create_secure_app``).
    app.config["SECURITY_HEADERS"] = False

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


def _add_session_routes(app: App) -> None:
    """Add the routes that use the session: a counter and a flash message."""

    @app.route("/session")
    def counter() -> str:
        session["counter"] = session.get("counter", 0) + 1
        return str(session["counter"])

    @app.route("/flash")
    def flash_message() -> str:
        flash("Saved.")
        return " ".join(get_flashed_messages())


def create_secure_app(static_dir: str) -> App:
    """Build ``hello`` with hipflask's defaults: the security headers on (issue 14)."""
    app = App(__name__)

    @app.route("/")
    def hello() -> str:
        return "Hello, World!"

    return app


def create_csrf_app(static_dir: str) -> App:
    """Build an app whose every POST needs a CSRF token (its hook would tax the other routes)."""
    app = App(__name__)
    app.config["SECRET_KEY"] = SECRET_KEY
    app.config["SECURITY_HEADERS"] = False  # as in create_app: the peers send none
    CSRFProtect(app)

    @app.route("/csrf-token")
    def csrf_token() -> str:
        return generate_csrf()

    @app.route("/csrf-form", methods=["POST"])
    def csrf_form() -> str:
        return request.form["name"]

    return app


# NOTE: the battery scenarios' apps live beside and load SQLAlchemy, the login manager and the
# limiter only when built, so the core scenarios (and the memory reading) never import them.
def create_db_app(static_dir: str) -> App:
    """Build the database and login scenarios' app (bench/apps/hipflask_batteries.py)."""
    from bench.apps import hipflask_batteries

    return hipflask_batteries.create_db_app(static_dir)


def create_limited_memory_app(static_dir: str) -> App:
    """Build ``hello`` under a limit counted in memory (bench/apps/hipflask_batteries.py)."""
    from bench.apps import hipflask_batteries

    return hipflask_batteries.create_limited_memory_app(static_dir)


def create_limited_redis_app(static_dir: str) -> App:
    """Build ``hello`` under a limit counted in Redis (bench/apps/hipflask_batteries.py)."""
    from bench.apps import hipflask_batteries

    return hipflask_batteries.create_limited_redis_app(static_dir)
