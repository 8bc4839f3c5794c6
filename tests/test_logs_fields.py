"""The request's fields in a record: the user id hook, the login manager default, odd paths."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hipflask import App, g
from hipflask.logs.fields import printable, user_id
from tests.conftest import JSONLog


class User:
    def __init__(self, ident: int, authenticated: bool = True) -> None:
        self.ident = ident
        self.is_authenticated = authenticated

    def get_id(self) -> str:
        return str(self.ident)


def make_app(json_log: JSONLog, tmp_path: Path, **config: Any) -> App:
    app = App(json_log.name, root_path=str(tmp_path))
    app.config.update(LOG_FORMAT="json", **config)

    @app.route("/")
    def index() -> str:
        app.logger.warning("in the view")
        return "ok"

    return app


def logged_user(json_log: JSONLog) -> Any:
    [line] = json_log.of(json_log.name)
    return line["user_id"]


def test_log_user_id_callable_names_the_user(json_log: JSONLog, tmp_path: Path) -> None:
    app = make_app(json_log, tmp_path, LOG_USER_ID=lambda: g.get("uid"))

    @app.before_request
    def load() -> None:
        g.uid = 42

    app.test_client().get("/")
    assert logged_user(json_log) == "42"


def test_no_user_without_a_hook_or_login_manager(json_log: JSONLog, tmp_path: Path) -> None:
    make_app(json_log, tmp_path).test_client().get("/")
    assert logged_user(json_log) is None


def test_a_raising_hook_gives_no_user_and_keeps_the_record(
    json_log: JSONLog, tmp_path: Path
) -> None:
    make_app(json_log, tmp_path, LOG_USER_ID=lambda: 1 / 0).test_client().get("/")
    assert logged_user(json_log) is None


def test_login_manager_default_reads_the_user_it_loaded(json_log: JSONLog, tmp_path: Path) -> None:
    app = make_app(json_log, tmp_path)
    app.extensions["login_manager"] = object()
    users = iter([User(7), User(0, authenticated=False), None])

    @app.before_request
    def load() -> None:
        user = next(users)
        if user is not None:
            g._login_user = user

    client = app.test_client()
    for _ in range(3):
        client.get("/")
    assert [line["user_id"] for line in json_log.of(json_log.name)] == ["7", None, None]


def test_user_id_outside_a_request_is_none(tmp_path: Path) -> None:
    app = App("fields_outside", root_path=str(tmp_path))
    app.extensions["login_manager"] = object()
    assert user_id(app) is None


def test_a_path_that_is_not_utf8_is_logged_raw(json_log: JSONLog, tmp_path: Path) -> None:
    app = make_app(json_log, tmp_path, ACCESS_LOG=True)
    response = app.test_client().get("/", environ_overrides={"PATH_INFO": "/caf\xe9"})
    assert response.status_code in (400, 404)
    [access] = json_log.of(f"{json_log.name}.access")
    assert access["path"] == "/caf\xe9"
    assert access["status"] == response.status_code


def test_printable_escapes_control_characters() -> None:
    assert printable("/a\r\nb\x00") == "/a\\r\\nb\\x00"
    assert printable("/caf\u00e9") == "/caf\u00e9"


def test_the_auth_batterys_user_is_in_the_access_line(json_log: JSONLog, tmp_path: Path) -> None:
    from hipflask.auth import LoginManager, UserMixin, current_user, login_required, login_user

    class Member(UserMixin):
        def __init__(self, user_id: int) -> None:
            self.id = user_id
            self.password_hash = "not-a-real-hash"

    app = App(json_log.name, root_path=str(tmp_path))
    app.config.update(
        SECRET_KEY="k" * 32,
        LOG_FORMAT="json",
        ACCESS_LOG=True,
        AUTH_SQLITE_PATH=str(tmp_path / "auth.sqlite3"),
    )
    LoginManager(app).user_loader(lambda user_id: Member(int(user_id)))

    @app.route("/login")
    def login() -> str:
        login_user(Member(7))
        return "in"

    @app.route("/me")
    @login_required
    def me() -> str:
        return str(current_user.id)

    client = app.test_client()
    client.get("/login")
    assert client.get("/me").text == "7"
    access = json_log.of(f"{json_log.name}.access")
    assert [(line["path"], line["user_id"]) for line in access] == [("/login", "7"), ("/me", "7")]
