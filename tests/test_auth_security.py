"""Attacks on logins: fixation, stolen cookies after logout, stolen remember-me tokens."""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Iterator
from datetime import timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import pytest

from hipflask import session
from hipflask.auth import (
    FlaskLoginClient,
    LoginManager,
    login_remembered,
    login_user,
    user_loaded_from_cookie,
)

from .auth_app import User, make_app

Setup = tuple[Any, dict[str, User], LoginManager, Path]


@pytest.fixture(params=["cookie", "sqlite"])
def setup(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Setup]:
    """The test app on the signed-cookie session and on server-side (SQLite) sessions."""
    config: dict[str, Any] = {"SESSION_TYPE": request.param}
    if request.param == "sqlite":
        config["SESSION_SQLITE_PATH"] = str(tmp_path / "sessions.db")
    app, users, manager = make_app(tmp_path, **config)
    yield app, users, manager, tmp_path / "auth.db"
    store = app.extensions.get("auth_store")
    if store is not None:
        store.close()


def login(client: Any, name: str = "alice", remember: bool = False) -> Any:
    data = {"username": name, "password": f"{name}-pw"}
    if remember:
        data["remember"] = "1"
    response = client.post("/login", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def rows(db: Path, table: str) -> list[dict[str, Any]]:
    connection = sqlite3.connect(db)
    connection.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in connection.execute(f"SELECT * FROM hipflask_auth_{table}")]
    finally:
        connection.close()


def cookie_value(client: Any, name: str) -> str | None:
    cookie = client.get_cookie(name)
    return None if cookie is None else str(cookie.value)


def set_cookies(response: Any) -> dict[str, Any]:
    """The response's Set-Cookie headers as morsels, by name."""
    found: dict[str, Any] = {}
    for header in response.headers.getlist("Set-Cookie"):
        found.update(SimpleCookie(header))
    return found


def replay(app: Any, session_cookie: str | None, remember: str | None = None) -> Any:
    """A fresh browser (the attacker's) sending copied cookies."""
    thief = app.test_client()
    if session_cookie is not None:
        thief.set_cookie("session", session_cookie)
    if remember is not None:
        thief.set_cookie("remember_token", remember)
    return thief


def test_login_regenerates_the_session_and_rotates_the_csrf_secret(setup: Setup) -> None:
    app, _, _, _ = setup
    client = app.test_client()
    client.get("/token")  # an anonymous session with a CSRF secret
    before = cookie_value(client, "session")
    with client.session_transaction() as sess:
        secret_before = sess["csrf_token"]
    login(client)
    after = cookie_value(client, "session")
    assert before is not None and after is not None and after != before
    with client.session_transaction() as sess:
        assert "csrf_token" not in sess  # the next token comes from a new secret
    client.get("/token")
    with client.session_transaction() as sess:
        assert sess["csrf_token"] != secret_before
    if app.config["SESSION_TYPE"] == "sqlite":
        # Fixation: the pre-login id planted in a browser is dead, not logged in.
        assert before.split(".")[0] != after.split(".")[0]
        assert replay(app, before).get("/whoami").get_json() == {"user": None, "session": {}}


def test_a_session_cookie_copied_before_logout_is_refused_after_it(setup: Setup) -> None:
    app, _, _, db = setup
    client = app.test_client()
    login(client)
    stolen = cookie_value(client, "session")
    assert replay(app, stolen).get("/me").get_data(as_text=True) == "hello alice"
    assert len(rows(db, "logins")) == 1
    response = client.post("/logout")
    assert set_cookies(response)["session"]["max-age"] == "0"
    assert rows(db, "logins") == []
    if app.config["SESSION_TYPE"] == "sqlite":  # the server-side session is destroyed
        connection = sqlite3.connect(app.config["SESSION_SQLITE_PATH"])
        assert connection.execute("SELECT COUNT(*) FROM hipflask_sessions").fetchone()[0] == 0
        connection.close()
    thief = replay(app, stolen)
    response = thief.get("/me")
    assert response.status_code == 302 and response.location == "/login?next=%2Fme"
    assert thief.get("/whoami").get_json()["user"] is None


def test_log_out_everywhere_ends_every_login_and_token(setup: Setup) -> None:
    app, _, _, db = setup
    laptop, phone, tablet = app.test_client(), app.test_client(), app.test_client()
    login(laptop)
    login(phone, remember=True)
    login(tablet, "bob")
    phone_token = cookie_value(phone, "remember_token")
    assert laptop.post("/logout-everywhere").status_code == 200
    assert phone.get("/me").status_code == 302
    assert replay(app, None, phone_token).get("/me").status_code == 302
    assert tablet.get("/me").get_data(as_text=True) == "hello bob"  # other users stay
    assert {row["user_id"] for row in rows(db, "logins")} == {"2"}
    assert rows(db, "tokens") == []


def test_a_password_change_ends_earlier_sessions_and_remember_cookies(setup: Setup) -> None:
    app, users, _, _ = setup
    browser, other = app.test_client(), app.test_client()
    login(browser, remember=True)
    login(other)
    token = cookie_value(browser, "remember_token")
    users["alice"].set_password("new-pw")
    assert other.get("/me").status_code == 302
    assert browser.get("/me").status_code == 302
    assert replay(app, None, token).get("/me").status_code == 302
    response = browser.post("/login", data={"username": "alice", "password": "new-pw"})
    assert response.status_code == 302 and browser.get("/me").status_code == 200


def test_remember_me_logs_back_in_and_rotates_the_validator(setup: Setup) -> None:
    app, users, _, db = setup
    client = app.test_client()
    response = login(client, remember=True)
    morsel = set_cookies(response)["remember_token"]
    assert morsel["httponly"] is True and morsel["samesite"] == "Lax" and morsel["path"] == "/"
    assert not morsel["secure"]
    assert 30 * 86400 - 5 < int(morsel["max-age"]) <= 30 * 86400
    first = morsel.value
    selector, validator = first.split(".")
    [row] = rows(db, "tokens")
    # Only a hash of the validator is stored.
    assert row["selector"] == selector
    assert row["validator_hash"] == hashlib.sha256(validator.encode()).hexdigest()
    assert validator not in str(row)

    loaded: list[Any] = []
    user_loaded_from_cookie.connect(lambda app, user: loaded.append(user), weak=False)
    try:
        client.delete_cookie("session")  # the browser was closed
        response = client.get("/me")
    finally:
        user_loaded_from_cookie.receivers.clear()
    assert response.get_data(as_text=True) == "hello alice"
    assert loaded == [users["alice"]]
    second = set_cookies(response)["remember_token"].value
    assert second.split(".")[0] == selector and second != first
    assert client.get("/fresh").status_code == 401  # a remembered login is not fresh
    assert client.get("/me").status_code == 200  # now through the session
    assert rows(db, "tokens")[0]["validator_hash"] != row["validator_hash"]


def test_a_reused_old_validator_revokes_all_of_the_users_tokens(setup: Setup) -> None:
    app, _, _, db = setup
    app.config["AUTH_REMEMBER_GRACE"] = 0
    victim, laptop = app.test_client(), app.test_client()
    login(victim, remember=True)
    login(laptop, remember=True)
    stolen = cookie_value(victim, "remember_token")
    victim.delete_cookie("session")
    assert victim.get("/me").status_code == 200  # the victim's browser rotates the token
    thief = replay(app, None, stolen)
    response = thief.get("/me")
    assert response.status_code == 302
    assert set_cookies(response)["remember_token"]["max-age"] == "0"
    assert rows(db, "tokens") == [] and rows(db, "logins") == []
    assert victim.get("/me").status_code == 302  # theft ends every session of the user
    assert laptop.get("/me").status_code == 302


def test_parallel_requests_with_one_cookie_are_not_taken_for_theft(setup: Setup) -> None:
    app, _, _, db = setup
    client = app.test_client()
    login(client, remember=True)
    token = cookie_value(client, "remember_token")
    first, second = replay(app, None, token), replay(app, None, token)
    one = first.get("/me")
    two = second.get("/me")  # same old validator, within the grace period
    assert one.status_code == two.status_code == 200
    assert "remember_token" in set_cookies(one) and "remember_token" not in set_cookies(two)
    assert len(rows(db, "tokens")) == 1


def test_logout_revokes_the_remember_token_and_deletes_the_cookie_alike(setup: Setup) -> None:
    app, _, _, db = setup
    app.config.update(REMEMBER_COOKIE_DOMAIN="example.com", REMEMBER_COOKIE_PATH="/app")
    client = app.test_client()
    data = {"username": "alice", "password": "alice-pw", "remember": "1"}
    response = client.post("/login", data=data, base_url="https://www.example.com")
    set_attrs = set_cookies(response)["remember_token"]
    token = set_attrs.value
    response = client.post(
        "/logout",
        base_url="https://www.example.com",
        headers={"Cookie": f"remember_token={token}"},
    )
    deleted = set_cookies(response)["remember_token"]
    assert deleted.value == "" and deleted["max-age"] == "0"
    for attribute in ("domain", "path", "secure", "httponly", "samesite"):
        assert deleted[attribute] == set_attrs[attribute], attribute
    assert set_attrs["secure"] is True and set_attrs["domain"] == "example.com"
    assert rows(db, "tokens") == []
    assert replay(app, None, token).get("/me").status_code == 302


@pytest.mark.parametrize(
    "cookie",
    ["", "garbage", "a.b", "." * 50, "x" * 5000, "sel.val.extra", "ümlaut.x", "a.b;c", "%00.x"],
)
def test_forged_remember_cookies_are_ignored_and_deleted(setup: Setup, cookie: str) -> None:
    app, _, _, _ = setup
    client = app.test_client()
    response = client.get("/me", headers={"Cookie": f'remember_token="{cookie}"'})
    assert response.status_code == 302
    if cookie:
        assert set_cookies(response)["remember_token"]["max-age"] == "0"


def test_logging_in_without_remember_drops_an_earlier_remember_cookie(setup: Setup) -> None:
    app, _, _, db = setup
    client = app.test_client()
    login(client, "bob", remember=True)
    response = login(client, "alice")
    assert set_cookies(response)["remember_token"]["max-age"] == "0"
    assert rows(db, "tokens") == []
    client.delete_cookie("session")
    assert client.get("/whoami").get_json()["user"] is None


def test_a_second_login_in_one_browser_revokes_the_first(setup: Setup) -> None:
    app, _, _, db = setup
    client = app.test_client()
    login(client, "alice")
    first = cookie_value(client, "session")
    login(client, "bob")
    assert [row["user_id"] for row in rows(db, "logins")] == ["2"]
    assert replay(app, first).get("/me").status_code == 302


def test_strong_session_protection_ends_a_session_moved_to_another_client(setup: Setup) -> None:
    app, _, manager, _ = setup
    manager.session_protection = "strong"
    client = app.test_client()
    login(client)
    stolen = cookie_value(client, "session")
    thief = replay(app, stolen)
    assert thief.get("/me", headers={"User-Agent": "evil"}).status_code == 302
    # A signed cookie is the thief's own copy; a server-side record is shared, and ended.
    expected = 200 if app.config["SESSION_TYPE"] == "cookie" else 302
    assert client.get("/me").status_code == expected


def test_the_login_client_makes_a_real_login(setup: Setup) -> None:
    app, users, _, db = setup
    app.test_client_class = FlaskLoginClient
    client = app.test_client(user=users["alice"])
    assert client.get("/me").get_data(as_text=True) == "hello alice"
    assert client.get("/fresh").status_code == 200
    assert [row["user_id"] for row in rows(db, "logins")] == ["1"]
    client.post("/logout")
    assert client.get("/me").status_code == 302


def test_login_user_in_a_view_marks_the_session(setup: Setup) -> None:
    app, users, _, _ = setup
    with app.test_request_context():
        session["_login_id"] = "stale"
        assert login_user(users["bob"])
        assert session["_user_id"] == "2" and session["_fresh"] is True
        assert session["_login_id"] != "stale"


def test_remember_duration_sets_cookie_and_token_lifetime(setup: Setup) -> None:
    app, users, _, db = setup

    @app.post("/remember-briefly")
    def remember_briefly() -> str:
        login_user(users["alice"], remember=True, duration=timedelta(hours=2))
        return "ok"

    @app.post("/remember-badly")
    def remember_badly() -> str:
        login_user(users["alice"], remember=True, duration="forever")  # type: ignore[arg-type]
        return "ok"

    @app.route("/remembered")
    def remembered() -> str:
        return str(login_remembered())

    client = app.test_client()
    response = client.post("/remember-briefly")
    assert 7195 < int(set_cookies(response)["remember_token"]["max-age"]) <= 7200
    [row] = rows(db, "tokens")
    assert 7195 < row["expires"] - time.time() <= 7200
    assert client.get("/remembered").get_data(as_text=True) == "True"
    assert app.test_client().get("/remembered").get_data(as_text=True) == "False"
    app.config["TESTING"] = True
    with pytest.raises(TypeError, match="timedelta"):
        client.post("/remember-badly")


@pytest.mark.redis
def test_on_redis_sessions_and_store_a_copied_cookie_dies_at_logout(
    tmp_path: Path, redis_url: str
) -> None:
    from .test_sessions_stores import purge_redis, redis_prefix

    prefix = redis_prefix()
    app, _, _ = make_app(
        tmp_path,
        SESSION_TYPE="redis",
        SESSION_REDIS_URL=redis_url,
        SESSION_KEY_PREFIX=f"{prefix}s:",
        AUTH_KEY_PREFIX=f"{prefix}a:",
    )
    try:
        client = app.test_client()
        login(client, remember=True)
        stolen_session = cookie_value(client, "session")
        stolen_token = cookie_value(client, "remember_token")
        assert replay(app, stolen_session).get("/me").status_code == 200
        client.post("/logout")
        assert replay(app, stolen_session).get("/me").status_code == 302
        assert replay(app, None, stolen_token).get("/me").status_code == 302
    finally:
        app.extensions["auth_store"].close()
        purge_redis(redis_url, prefix)


class FlaskSQLAlchemyLike:
    """What hipflask.db puts in ``app.extensions['sqlalchemy']``: ``.engine`` and ``.metadata``."""

    def __init__(self, engine: Any) -> None:
        from sqlalchemy import MetaData

        self.engine = engine
        self.metadata = MetaData()


@pytest.mark.postgres
def test_with_a_database_configured_logins_live_in_its_tables(tmp_path: Path) -> None:
    import uuid

    from sqlalchemy import create_engine, text

    from .test_auth_stores import POSTGRES_URL, postgres_engine

    admin = postgres_engine()
    schema = f"auth_{uuid.uuid4().hex[:12]}"
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    engine = create_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})
    app = make_app(tmp_path)[0]
    app.extensions["sqlalchemy"] = db = FlaskSQLAlchemyLike(engine)
    try:
        client = app.test_client()
        login(client, remember=True)
        stolen = cookie_value(client, "session")
        assert "hipflask_auth_logins" in db.metadata.tables  # migrations see the tables
        with engine.connect() as connection:
            count = "SELECT COUNT(*) FROM hipflask_auth_logins"
            assert connection.execute(text(count)).scalar() == 1
        client.post("/logout")
        assert replay(app, stolen).get("/me").status_code == 302
        with engine.connect() as connection:
            assert connection.execute(text(count)).scalar() == 0
        assert not (tmp_path / "auth.db").exists()  # no SQLite file on the side
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def test_with_hipflask_db_a_copied_cookie_dies_at_logout_on_every_worker(tmp_path: Path) -> None:
    """Two apps on one SQLite file play two workers: the login check reads on each request's
    db.session connection, a pooled one that already served requests, and still sees the
    logout made by the other worker at once."""
    from hipflask.db import SQLAlchemy

    uri = f"sqlite:///{tmp_path / 'app.db'}"
    first, users, _ = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=uri)
    second, _, manager = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=uri)
    by_id = {str(user.id): user for user in users.values()}
    manager.user_loader(by_id.get)  # one user table (one password hash) for both workers
    apps = [first, second]
    databases = [SQLAlchemy(app) for app in apps]
    try:
        client = first.test_client()
        login(client)
        stolen = cookie_value(client, "session")
        for _ in range(3):  # the second worker's pooled connection reads the record each time
            assert replay(second, stolen).get("/me").status_code == 200
        client.post("/logout")
        assert replay(second, stolen).get("/me").status_code == 302
        assert replay(first, stolen).get("/me").status_code == 302
        assert not (tmp_path / "auth.db").exists()  # the records live in the app's database
    finally:
        for app, db in zip(apps, databases, strict=True):
            with app.app_context():
                db.engine.dispose()


def test_with_hipflask_db_the_login_check_and_the_loader_share_one_connection(
    tmp_path: Path,
) -> None:
    from sqlalchemy import event, select

    from hipflask.db import SQLAlchemy

    uri = f"sqlite:///{tmp_path / 'a.db'}"
    app, users, manager = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=uri)
    db = SQLAlchemy(app)
    by_id = {str(user.id): user for user in users.values()}

    @manager.user_loader
    def load_user(user_id: str) -> User | None:
        db.session.execute(select(1))  # the app's loader reads the database, as most do
        return by_id.get(user_id)

    checkouts: list[object] = []
    with app.app_context():
        engine = db.engine
    event.listen(engine, "checkout", lambda *args: checkouts.append(args[0]))
    try:
        client = app.test_client()
        login(client)
        checkouts.clear()
        assert client.get("/me").status_code == 200
        assert len(checkouts) == 1
    finally:
        engine.dispose()


def test_the_documented_pattern_upgrades_a_ported_werkzeug_hash(setup: Setup) -> None:
    import werkzeug.security  # only to make the hash a ported user table holds

    from hipflask import request
    from hipflask.passwords import check_password_hash, generate_password_hash, needs_rehash

    app, users, _, _ = setup
    alice = users["alice"]
    alice.password_hash = werkzeug.security.generate_password_hash("old-pw", "scrypt:1024:8:1")

    @app.post("/login-upgrading")
    def login_upgrading() -> str:
        password = request.form["password"]
        if not check_password_hash(alice.password_hash, password):
            return "no"
        if needs_rehash(alice.password_hash):
            alice.password_hash = generate_password_hash(password)
        login_user(alice)
        return "yes"

    client = app.test_client()
    assert client.post("/login-upgrading", data={"password": "nope"}).get_data() == b"no"
    assert client.post("/login-upgrading", data={"password": "old-pw"}).get_data() == b"yes"
    assert alice.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert client.get("/me").get_data(as_text=True) == "hello alice"
    assert client.post("/login-upgrading", data={"password": "old-pw"}).get_data() == b"yes"


def test_a_remember_cookie_of_a_deleted_user_is_revoked(setup: Setup) -> None:
    app, _, manager, db = setup
    client = app.test_client()
    login(client, "bob", remember=True)
    client.delete_cookie("session")
    manager.user_loader(lambda user_id: None)  # bob was deleted
    response = client.get("/me")
    assert response.status_code == 302
    assert set_cookies(response)["remember_token"]["max-age"] == "0"
    assert rows(db, "tokens") == []


def test_an_unknown_user_costs_the_same_hash_check_as_a_known_one(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No user enumeration by timing: the login pattern checks a dummy hash for nobody."""
    from hipflask import passwords

    app, _, _, _ = setup
    checked: list[str] = []
    real = passwords._check
    monkeypatch.setattr(passwords, "_check", lambda h, s: checked.append(h) or real(h, s))
    client = app.test_client()
    for username in ("nobody", "alice"):
        response = client.post("/login", data={"username": username, "password": "guess"})
        assert response.status_code == 401
    assert len(checked) == 2
    assert checked[0].startswith("$argon2id$")  # the dummy: what new hashes are
