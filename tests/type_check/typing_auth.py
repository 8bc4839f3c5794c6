"""Code a user writes against hipflask.auth; ``make lint`` type-checks it with mypy --strict.

Never run: a mypy error here means the public types reject ordinary Flask-Login code.
"""

from __future__ import annotations

from datetime import timedelta

from hipflask import App, Response, redirect, request, url_for
from hipflask.auth import (
    LoginManager,
    LoginThrottle,
    UserMixin,
    current_user,
    login_required,
    login_user,
    logout_user,
    safe_next_url,
    user_proxy,
)
from hipflask.bcrypt import Bcrypt
from hipflask.passwords import check_password_hash, generate_password_hash, needs_rehash

app = App(__name__)
bcrypt = Bcrypt(app)
login_manager = LoginManager(app)
login_manager.login_view = "login"
throttle = LoginThrottle(app)


class User(UserMixin):
    def __init__(self, id: int, username: str, password: str) -> None:
        self.id = id
        self.username = username
        self.password = password


USERS: dict[str, User] = {}

#: ``current_user`` typed as the app's class: ``me.username`` is a ``str`` for mypy, and a
#: misspelt attribute (``me.usernme``) is an error.
me = user_proxy(User)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return USERS.get(user_id)


@app.route("/dashboard")
@login_required
def dashboard() -> str:
    name: str = me.username
    return f"Welcome {current_user.username}! ({name}, {current_user.is_authenticated})"


@app.post("/login")
def login() -> Response:
    username = request.form["username"]
    throttle.check(username)
    user = USERS.get(username)
    password = request.form["password"]
    if not check_password_hash(user.password if user else None, password):
        throttle.record_failure(username)
        return redirect(url_for("login"))
    assert user is not None
    throttle.reset(username)
    if needs_rehash(user.password):
        user.password = generate_password_hash(password)
    login_user(user, remember=True, duration=timedelta(days=7))
    return redirect(safe_next_url(url_for("dashboard")))


@app.post("/register")
def register() -> str:
    hashed: str = bcrypt.generate_password_hash(request.form["password"]).decode("utf-8")
    ok: bool = bcrypt.check_password_hash(hashed, request.form["password"])
    return f"{ok}"


@app.post("/logout")
def logout() -> Response:
    logout_user()
    return redirect(url_for("login"))
