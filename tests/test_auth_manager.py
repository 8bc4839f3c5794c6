"""hipflask.auth behaves as Flask-Login 0.6: views, messages, decorators, loaders, signals."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hipflask import Blueprint, get_flashed_messages, render_template_string, session
from hipflask.auth import (
    AnonymousUserMixin,
    FlaskLoginClient,
    LoginManager,
    UserMixin,
    confirm_login,
    current_user,
    login_fresh,
    login_remembered,
    login_required,
    login_url,
    login_user,
    logout_user,
    set_login_view,
    user_accessed,
    user_loaded_from_request,
    user_logged_in,
    user_logged_out,
    user_login_confirmed,
    user_needs_refresh,
    user_unauthorized,
)

from .auth_app import SECRET, User, make_app


@pytest.fixture
def app_users(tmp_path: Path) -> Iterator[tuple[Any, dict[str, User], LoginManager]]:
    app, users, manager = make_app(tmp_path)
    yield app, users, manager
    store = app.extensions.get("auth_store")
    if store is not None:
        store.close()


def login(client: Any, name: str = "alice", remember: bool = False) -> Any:
    data = {"username": name, "password": f"{name}-pw"}
    if remember:
        data["remember"] = "1"
    return client.post("/login", data=data)


def test_unauthorized_redirects_to_login_view_with_next_and_flashes(app_users: Any) -> None:
    app, _, _ = app_users
    client = app.test_client()
    response = client.get("/me?tab=1")
    assert response.status_code == 302
    assert response.location == "/login?next=%2Fme%3Ftab%3D1"
    with client.session_transaction() as sess:
        assert sess["_flashes"] == [("message", "Please log in to access this page.")]
    response = login(client)
    assert response.status_code == 302 and response.location == "/me"
    assert client.get("/me").get_data(as_text=True) == "hello alice"


def test_login_message_category_and_localize(app_users: Any) -> None:
    app, _, manager = app_users
    manager.login_message = "Sign in"
    manager.login_message_category = "info"
    manager.localize_callback = str.upper
    client = app.test_client()
    client.get("/me")
    with client.session_transaction() as sess:
        assert sess["_flashes"] == [("info", "SIGN IN")]
    manager.login_message = None
    other = app.test_client()
    other.get("/me")
    with other.session_transaction() as sess:
        assert "_flashes" not in sess


def test_without_login_view_the_answer_is_a_401_that_negotiates_json(app_users: Any) -> None:
    app, _, manager = app_users
    manager.login_view = None
    client = app.test_client()
    page = client.get("/me")
    assert page.status_code == 401 and page.mimetype == "text/html"
    api = client.get("/me", headers={"Accept": "application/json"})
    assert api.status_code == 401 and api.mimetype == "application/json"
    assert api.get_json()["status"] == 401


def test_blueprint_login_views(app_users: Any) -> None:
    app, _, manager = app_users
    admin = Blueprint("admin", __name__, url_prefix="/admin")

    @admin.route("/")
    @login_required
    def index() -> str:
        return "admin"

    @admin.route("/login")
    def admin_login() -> str:
        return "admin login"

    app.register_blueprint(admin)
    manager.blueprint_login_views = {"admin": "admin.admin_login"}
    client = app.test_client()
    assert client.get("/admin/").location == "/admin/login?next=%2Fadmin%2F"
    assert client.get("/me").location == "/login?next=%2Fme"
    manager.blueprint_login_views = {"admin": None}
    assert client.get("/admin/").location == "/login?next=%2Fadmin%2F"
    manager.blueprint_login_views = {}
    with app.app_context():
        set_login_view("admin.admin_login", admin)
    assert manager.login_view is None
    assert manager.blueprint_login_views == {"admin": "admin.admin_login", None: "login"}
    assert client.get("/admin/").location == "/admin/login?next=%2Fadmin%2F"
    assert client.get("/me").location == "/login?next=%2Fme"


def test_unauthorized_handler_and_use_session_for_next(app_users: Any) -> None:
    app, _, manager = app_users
    app.config["USE_SESSION_FOR_NEXT"] = True
    client = app.test_client()
    response = client.get("/me?x=1")
    assert response.location == "/login"
    with client.session_transaction() as sess:
        assert sess["next"] == "/me?x=1"
    manager.unauthorized_handler(lambda: ("custom no", 403))
    response = client.get("/me")
    assert (response.status_code, response.get_data(as_text=True)) == (403, "custom no")


def test_options_and_login_disabled_pass_unchecked(app_users: Any) -> None:
    app, _, _ = app_users
    client = app.test_client()
    assert client.options("/me").status_code == 200
    assert client.options("/fresh").status_code == 200
    app.config.update(LOGIN_DISABLED=True, TESTING=True)
    assert client.get("/whoami").get_json()["user"] is None
    with pytest.raises(AttributeError, match="username"):  # the view ran, anonymous user
        client.get("/me")


def test_inactive_users_are_refused_unless_forced(app_users: Any) -> None:
    app, users, _ = app_users
    client = app.test_client()
    assert login(client, "carol").status_code == 403
    assert client.get("/whoami").get_json()["user"] is None
    with app.test_request_context():
        assert login_user(users["carol"], force=True) is True
        assert current_user.username == "carol"


def test_fresh_login_required_refresh_view_and_confirm_login(app_users: Any) -> None:
    app, users, manager = app_users
    client = app.test_client(use_cookies=True)
    app.test_client_class = FlaskLoginClient
    stale = app.test_client(user=users["alice"], fresh_login=False)
    assert stale.get("/me").status_code == 200
    assert stale.get("/fresh").status_code == 401  # no refresh_view: 401
    manager.refresh_view = "login"
    manager.needs_refresh_message_category = "warning"
    response = stale.get("/fresh")
    assert response.status_code == 302 and response.location == "/login?next=%2Ffresh"
    with stale.session_transaction() as sess:
        assert sess["_flashes"] == [("warning", manager.needs_refresh_message)]
    manager.needs_refresh_handler(lambda: ("refresh please", 403))
    assert stale.get("/fresh").status_code == 403
    fresh = app.test_client(user=users["alice"])
    assert fresh.get("/fresh").get_data(as_text=True) == "fresh alice"
    assert client.get("/fresh").status_code == 302  # anonymous: unauthorized first

    @app.post("/confirm")
    def confirm() -> str:
        confirm_login()
        return str(login_fresh())

    assert stale.post("/confirm").get_data(as_text=True) == "True"
    assert stale.get("/fresh").get_data(as_text=True) == "fresh alice"


def test_async_views_are_guarded(app_users: Any) -> None:
    app, users, _ = app_users

    @app.route("/async")
    @login_required
    async def async_view() -> str:
        await asyncio.sleep(0)
        return f"async {current_user.username}"

    assert app.test_client().get("/async").status_code == 302
    app.test_client_class = FlaskLoginClient
    logged_in = app.test_client(user=users["bob"])
    assert logged_in.get("/async").get_data(as_text=True) == "async bob"


def test_current_user_outside_requests_and_anonymous_user_class(app_users: Any) -> None:
    app, _, manager = app_users
    assert not current_user
    assert repr(current_user) == "None"

    class Guest(AnonymousUserMixin):
        name = "guest"

    manager.anonymous_user = Guest
    with app.test_request_context():
        assert current_user.is_anonymous and current_user.name == "guest"
        assert current_user.get_id() is None
        assert not login_fresh() and not login_remembered()


def test_missing_loader_is_an_error(tmp_path: Path) -> None:
    from hipflask import App

    app = App(__name__)
    app.config["SECRET_KEY"] = SECRET
    LoginManager(app)
    with app.test_request_context(), pytest.raises(Exception, match="Missing user_loader"):
        current_user.is_authenticated  # noqa: B018


def test_request_loader_for_api_keys(app_users: Any) -> None:
    app, users, manager = app_users
    loaded: list[Any] = []

    @manager.request_loader
    def from_header(request: Any) -> User | None:
        header = request.headers.get("Authorization", "")
        return users["bob"] if header == "Bearer bob-key" else None

    user_loaded_from_request.connect(lambda app, user: loaded.append(user), weak=False)
    try:
        client = app.test_client()
        response = client.get("/me", headers={"Authorization": "Bearer bob-key"})
        assert response.get_data(as_text=True) == "hello bob"
        assert response.headers.get("Set-Cookie") is None  # no session for API calls
        assert client.get("/me", headers={"Authorization": "Bearer nope"}).status_code == 302
        assert loaded == [users["bob"]]
    finally:
        user_loaded_from_request.receivers.clear()


def test_signals_are_sent_with_the_app_and_user(app_users: Any) -> None:
    app, users, manager = app_users
    manager.refresh_view = "login"
    seen: list[tuple[str, Any]] = []
    connections = [
        (user_logged_in, lambda sender, user: seen.append(("in", user))),
        (user_logged_out, lambda sender, user: seen.append(("out", user))),
        (user_unauthorized, lambda sender: seen.append(("unauthorized", sender))),
        (user_needs_refresh, lambda sender: seen.append(("refresh", sender))),
        (user_login_confirmed, lambda sender: seen.append(("confirmed", sender))),
        (user_accessed, lambda sender: seen.append(("accessed", sender))),
    ]
    for signal, receiver in connections:
        signal.connect(receiver, weak=False)
    try:
        client = app.test_client()
        client.get("/me")
        login(client)
        client.post("/logout")
        app.test_client_class = FlaskLoginClient
        app.test_client(user=users["bob"], fresh_login=False).get("/fresh")
    finally:
        for signal, receiver in connections:
            signal.disconnect(receiver)
    names = [name for name, _ in seen]
    assert names.count("in") == 1 and names.count("out") == 1
    assert ("in", users["alice"]) in seen and ("out", users["alice"]) in seen
    assert ("unauthorized", app) in seen and ("refresh", app) in seen
    assert "accessed" in names


def test_current_user_in_templates(app_users: Any) -> None:
    app, users, _ = app_users

    @app.route("/page")
    def page() -> str:
        return render_template_string(
            "{% if current_user.is_authenticated %}hi {{ current_user.username }}"
            "{% else %}anonymous{% endif %}"
        )

    assert app.test_client().get("/page").get_data(as_text=True) == "anonymous"
    app.test_client_class = FlaskLoginClient
    assert app.test_client(user=users["alice"]).get("/page").get_data(as_text=True) == "hi alice"


def test_login_url_and_login_view_urls(app_users: Any) -> None:
    app, _, _ = app_users
    with app.test_request_context("/x"):
        assert login_url("login") == "/login"
        assert login_url("login", next_url="http://localhost/me?a=1") == "/login?next=%2Fme%3Fa%3D1"
        assert (
            login_url("https://sso.example/login?app=1", next_url="http://localhost/me")
            == "https://sso.example/login?app=1&next=http%3A%2F%2Flocalhost%2Fme"
        )
        app.config["FORCE_HOST_FOR_REDIRECTS"] = "auth.example"
        assert login_url("/login", "http://localhost/me") == "//auth.example/login?next=%2Fme"


def test_user_mixin() -> None:
    one, same, other = User(1, "a", "pw"), User(1, "b", "pw"), User(2, "a", "pw")
    assert one == same and one != other and one.__ne__(same) is False
    assert one.get_id() == "1" and one.is_authenticated and not one.is_anonymous
    assert one.get_auth_secret() == one.password_hash

    class NoId(UserMixin):
        pass

    with pytest.raises(NotImplementedError):
        NoId().get_id()
    assert NoId().get_auth_secret() is None


def test_logout_clears_the_session_and_sends_logged_out(app_users: Any) -> None:
    app, _, _ = app_users
    client = app.test_client()
    login(client)

    @app.post("/flash-then-logout")
    def flash_then_logout() -> dict[str, Any]:
        session["cart"] = [1, 2]
        logout_user()
        return {"left": dict(session), "flashes": get_flashed_messages()}

    assert client.post("/flash-then-logout").get_json() == {"left": {}, "flashes": []}
    assert client.get("/whoami").get_json() == {"user": None, "session": {}}


def test_user_proxy_types_current_user_as_the_apps_class(tmp_path: Path) -> None:
    """mypy --strict accepts ``user_proxy(User).username`` and rejects a misspelt attribute."""
    import subprocess
    import sys

    source = tmp_path / "probe.py"
    source.write_text(
        "from hipflask.auth import UserMixin, user_proxy\n\n\n"
        "class User(UserMixin):\n"
        "    username: str = ''\n\n\n"
        "me = user_proxy(User)\n"
        "name: str = me.username\n"
        "wrong: str = me.usernme\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "cache"),
         "--no-error-summary", str(source)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.stdout.strip().splitlines() == [
        f'{source}:10: error: "User" has no attribute "usernme"; maybe "username"?  [attr-defined]'
    ]


def test_importing_the_battery_loads_no_heavy_library() -> None:
    import subprocess
    import sys

    code = (
        "import sys, hipflask.auth, hipflask.passwords, hipflask.bcrypt\n"
        "heavy = ['sqlalchemy', 'redis', 'limits', 'argon2', 'bcrypt._bcrypt', 'click']\n"
        "print([name for name in heavy if name in sys.modules])\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "[]", result.stderr


def test_all_is_unique_and_every_name_resolves() -> None:
    import hipflask.auth

    names = hipflask.auth.__all__
    assert len(set(names)) == len(names) == 30
    assert all(getattr(hipflask.auth, name) is not None for name in names)
    assert hipflask.auth.FlaskLoginClient is FlaskLoginClient
    with pytest.raises(AttributeError):
        hipflask.auth.nothing  # type: ignore[attr-defined]  # noqa: B018
