"""The hipflask demo: the login example every Flask tutorial ends with.

``make demo`` serves it on http://127.0.0.1:5000. It shows forms with validation errors next to
the fields, CSRF protection on every form (and on a JSON call made with ``fetch()``), a
server-side session in SQLite that is permanent for 30 minutes after a login with remember-me
(checked by default; unchecked, the cookie ends with the browser), a ``last_user`` cookie for
an hour, flash messages with categories, and a logout that clears both.

The accounts come from the ``DEMO_USERS`` setting until hipflask's auth battery brings real
ones with hashed passwords. The secret key comes from ``HIPFLASK_SECRET_KEY``, else from
``instance/secret_key`` (32 random bytes, made on the first run; ``instance/`` is git-ignored).
"""

from __future__ import annotations

import hmac
import importlib.util
import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

from hipflask import (
    App,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from hipflask.csrf import CSRFError, CSRFProtect, rotate_csrf_token
from hipflask.forms import (
    BooleanField,
    DataRequired,
    Form,
    Length,
    PasswordField,
    StringField,
    SubmitField,
)

HERE = Path(__file__).resolve().parent
#: How long the ``last_user`` cookie lives, in seconds.
LAST_USER_MAX_AGE = 3600


class LoginForm(Form):
    """The login form: username, password and remember-me (plus the hidden CSRF token)."""

    username = StringField("Username", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=128)])
    remember = BooleanField("Remember me (stay logged in after closing the browser)", default=True)
    submit = SubmitField("Log in")


def create_app(config: Mapping[str, Any] | None = None) -> App:
    """Create the demo app; ``config`` overrides the settings (tests pass their own)."""
    app = App(__name__, root_path=str(HERE), instance_path=str(HERE / "instance"))
    app.config.from_mapping(
        SESSION_TYPE="sqlite",
        SESSION_SQLITE_PATH=os.path.join(app.instance_path, "sessions.sqlite3"),
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=30),
        DEMO_USERS={"alice": "wonderland"},
    )
    if config:
        app.config.update(config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_secret_key(app.instance_path)
    CSRFProtect(app)
    register_views(app)
    app.register_blueprint(load_sibling("sessions_demo").sessions_demo, url_prefix="/sessions")
    return app


def load_sibling(name: str) -> ModuleType:
    """Import ``<name>.py`` from this folder, however this file was loaded (CLI path, tests)."""
    spec = importlib.util.spec_from_file_location(f"hipflask_demo_{name}", HERE / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_secret_key(instance_path: str) -> str:
    """Return ``HIPFLASK_SECRET_KEY``, else the key in ``instance/secret_key`` (made once)."""
    key = os.environ.get("HIPFLASK_SECRET_KEY")
    if key:
        return key
    path = os.path.join(instance_path, "secret_key")
    if not os.path.exists(path):
        os.makedirs(instance_path, exist_ok=True)
        draft = f"{path}.{os.getpid()}.tmp"
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write(secrets.token_hex(32))
        try:
            # NOTE: link() fails when the file exists, so two processes starting at once agree
            # on whichever key landed first, and nobody ever reads a half-written file.
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(draft)
    with open(path, encoding="ascii") as file:
        return file.read().strip()


def check_credentials(users: Mapping[str, str], username: str, password: str) -> bool:
    """Tell whether ``password`` is ``username``'s, taking the same time for unknown users."""
    expected = users.get(username)
    # SECURITY: compare even for an unknown user, so timing does not reveal which names exist.
    matches = hmac.compare_digest(
        (expected or secrets.token_hex(16)).encode(), password.encode("utf-8", "replace")
    )
    return expected is not None and matches


def register_views(app: App) -> None:
    """Register the demo's views and its CSRF error page on ``app``."""
    app.add_url_rule("/", view_func=index)
    app.add_url_rule("/echo", view_func=echo)
    app.add_url_rule("/login", view_func=login, methods=["GET", "POST"])
    app.add_url_rule("/profile", view_func=profile)
    app.add_url_rule("/logout", view_func=logout, methods=["POST"])
    app.add_url_rule("/api/ping", view_func=ping, methods=["POST"])
    app.register_error_handler(CSRFError, csrf_error)
    app.context_processor(lambda: {"account_links": True})


def index() -> str:
    """Say hello, and who is logged in."""
    return render_template("index.html", user=session.get("user"))


def echo() -> str:
    """Show the ``text`` query argument back, escaped."""
    return render_template("echo.html", text=request.args.get("text", ""))


def login() -> Any:
    """Show the login form; log in on valid credentials, flash an error otherwise."""
    if session.get("user"):
        return redirect(url_for("profile"))
    form = LoginForm()
    if request.method == "GET":
        form.username.data = request.cookies.get("last_user", "")[:64]
    users = current_app.config["DEMO_USERS"]
    if form.validate_on_submit():
        username = form.username.data
        if check_credentials(users, username, form.password.data):
            return log_in(username, remember=bool(form.remember.data))
        flash("Invalid username or password.", "error")
    return render_template("login.html", form=form, demo_users=users)


def profile() -> Any:
    """Show the logged-in user's page, or send a visitor to the login page with a flash."""
    user = session.get("user")
    if user is None:
        flash("Please log in to see your profile.", "info")
        return redirect(url_for("login"))
    return render_template(
        "profile.html",
        user=user,
        permanent=session.permanent,
        last_user=request.cookies.get("last_user"),
    )


def logout() -> Response:
    """Clear the session, delete the ``last_user`` cookie, and go to the login page."""
    session.clear()
    flash("You have been logged out.", "info")
    response = redirect(url_for("login"))
    response.delete_cookie("last_user")
    return response


def ping() -> dict[str, Any]:
    """Answer the profile page's ``fetch()`` call (CSRF-checked through the header)."""
    body = request.get_json(silent=True)
    message = body.get("message") if isinstance(body, dict) else None
    return {"pong": True, "user": session.get("user"), "echo": message}


def csrf_error(exc: CSRFError) -> tuple[str, int]:
    """Explain a refused form on a page of the site's own layout."""
    return render_template("csrf_error.html", reason=exc.description), 400


def log_in(username: str, *, remember: bool) -> Response:
    """Start ``username``'s session and answer with the redirect to the profile."""
    # SECURITY: a new session id and CSRF secret, so values planted before login are useless.
    session.regenerate()
    rotate_csrf_token()
    session["user"] = username
    session.permanent = remember
    flash(f"Welcome, {username}! You are logged in.", "success")
    response = redirect(url_for("profile"))
    response.set_cookie(
        "last_user",
        username,
        max_age=LAST_USER_MAX_AGE,
        secure=request.is_secure,
        httponly=True,
        samesite="Lax",
    )
    return response
