"""A small app using hipflask.auth the documented way, shared by the auth tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hipflask import App, request, session
from hipflask.auth import (
    LoginManager,
    UserMixin,
    current_user,
    fresh_login_required,
    login_required,
    login_user,
    logout_user,
    safe_next_url,
)
from hipflask.csrf import generate_csrf
from hipflask.passwords import check_password_hash, generate_password_hash

SECRET = "k" * 40
# Cheap hashes keep the tests fast; the hashing itself is tested in test_passwords.py.
FAST = "pbkdf2:sha256:1000"


class User(UserMixin):
    def __init__(self, id: int, username: str, password: str, active: bool = True) -> None:
        self.id = id
        self.username = username
        self.password_hash = generate_password_hash(password, method=FAST)
        self.active = active

    @property
    def is_active(self) -> bool:
        return self.active

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=FAST)


def make_app(tmp_path: Path, **config: Any) -> tuple[App, dict[str, User], LoginManager]:
    """Return the app, its users by name (alice, bob, carol inactive) and its manager."""
    app = App(__name__, instance_path=str(tmp_path / "instance"))
    app.config.update(
        {"SECRET_KEY": SECRET, "AUTH_SQLITE_PATH": str(tmp_path / "auth.db"), **config}
    )
    users = {
        "alice": User(1, "alice", "alice-pw"),
        "bob": User(2, "bob", "bob-pw"),
        "carol": User(3, "carol", "carol-pw", active=False),
    }
    by_id = {str(user.id): user for user in users.values()}
    manager = LoginManager(app)
    manager.login_view = "login"

    @manager.user_loader
    def load_user(user_id: str) -> User | None:
        return by_id.get(user_id)

    @app.route("/login", methods=["GET", "POST"])
    def login() -> Any:
        if request.method == "GET":
            return "login page"
        user = users.get(request.form.get("username", ""))
        password = request.form.get("password", "")
        if not check_password_hash(user.password_hash if user else None, password):
            return "bad credentials", 401
        assert user is not None
        if not login_user(user, remember=bool(request.form.get("remember"))):
            return "inactive", 403
        from hipflask import redirect

        return redirect(safe_next_url("/me"))

    @app.route("/me")
    @login_required
    def me() -> str:
        return f"hello {current_user.username}"

    @app.route("/fresh")
    @fresh_login_required
    def fresh() -> str:
        return f"fresh {current_user.username}"

    @app.route("/whoami")
    def whoami() -> dict[str, Any]:
        return {"user": current_user.get_id(), "session": dict(session)}

    @app.route("/token")
    def token() -> str:
        return generate_csrf()

    @app.post("/logout")
    def logout() -> str:
        logout_user()
        return "bye"

    @app.post("/logout-everywhere")
    def logout_everywhere() -> str:
        logout_user(everywhere=True)
        return "bye everywhere"

    return app, users, manager
