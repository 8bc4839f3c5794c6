"""The demo app (examples/demo) through the test client: accounts, sessions, pages, errors."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from hipflask import App

from .demo_app import DEMO_ROOT, hipflask_demo, make_demo

PASSWORD = "correct horse battery"


@pytest.fixture
def app(tmp_path: Path) -> App:
    return make_demo(tmp_path)


@pytest.fixture
def client(app: App) -> Any:
    return app.test_client()


def token_from(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, html
    return match.group(1)


def register(client: Any, username: str = "ada", password: str = PASSWORD, **extra: Any) -> Any:
    token = token_from(client.get("/register").text)
    data = {"username": username, "password": password, "confirm": password, "csrf_token": token}
    return client.post("/register", data={**data, **extra})


def login(client: Any, username: str = "ada", password: str = PASSWORD, **extra: Any) -> Any:
    token = token_from(client.get("/login").text)
    data = {"username": username, "password": password, "csrf_token": token, **extra}
    return client.post("/login", data=data)


def logout(client: Any, path: str = "/logout") -> Any:
    return client.post(path, data={"csrf_token": token_from(client.get("/profile").text)})


def rows(app: App, sql: str) -> list[Any]:
    from hipflask_demo.extensions import db

    with app.app_context():
        return list(db.session.execute(db.text(sql)))


def set_cookies(response: Any) -> dict[str, str]:
    return {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}


def test_registration_stores_a_hash_and_queues_the_welcome(app: App, client: Any) -> None:
    response = register(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/profile"
    [(username, password_hash)] = rows(app, "SELECT username, password_hash FROM user")
    assert username == "ada"
    assert password_hash.startswith("$argon2id$")
    assert PASSWORD not in password_hash
    [(subject,)] = rows(app, "SELECT subject FROM outbox_message")
    assert subject == "Welcome to the hipflask demo, ada!"
    outbox = client.get("/outbox").text
    assert "Welcome to the hipflask demo, ada!" in outbox
    assert "Hello, ada" in client.get("/profile").text


def test_the_welcome_task_is_idempotent(app: App, client: Any) -> None:
    register(client)
    from hipflask_demo.jobs import send_welcome

    with app.app_context():
        first = send_welcome(1)
        assert send_welcome(1) == first
    assert len(rows(app, "SELECT id FROM outbox_message")) == 1


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"username": "ab"}, "Field must be between 3 and 64 characters long."),
        ({"username": "bad name!"}, "Use letters, digits, dots, dashes and underscores."),
        ({"password": "short", "confirm": "short"}, "Field must be between 8 and 128"),
        ({"confirm": "something else"}, "The passwords differ."),
    ],
)
def test_registration_errors_show_next_to_the_fields(
    app: App, client: Any, fields: dict[str, str], error: str
) -> None:
    html = register(client, **fields).text
    assert re.search(r'<ul class="field-errors" id="\w+-errors">\s*<li>' + re.escape(error), html)
    assert rows(app, "SELECT id FROM user") == []


def test_a_taken_username_is_refused(app: App, client: Any) -> None:
    register(client)
    logout(client)
    html = register(client, password="another password").text
    assert "That username is taken." in html
    assert len(rows(app, "SELECT id FROM user")) == 1


def test_login_and_logout(client: Any) -> None:
    register(client)
    logout(client)
    assert client.get("/profile").status_code == 302
    response = login(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/profile"
    last_user = set_cookies(response)["last_user"]
    assert "Max-Age=3600" in last_user and "HttpOnly" in last_user
    html = client.get("/profile").text
    assert '<li class="flash flash-success">Welcome back, ada!</li>' in html
    response = logout(client)
    assert response.headers["Location"] == "/login"
    assert "Max-Age=0" in set_cookies(response)["last_user"]
    assert (
        '<li class="flash flash-info">You have been logged out.</li>' in client.get("/login").text
    )
    assert client.get("/profile").status_code == 302


def test_wrong_password_and_unknown_user_get_the_same_answer(client: Any) -> None:
    register(client)
    logout(client)
    for username, password in (("ada", "wrong password"), ("mallory", PASSWORD)):
        html = login(client, username=username, password=password).text
        assert '<li class="flash flash-error">Invalid username or password.</li>' in html
    assert client.get("/profile").status_code == 302


def test_repeated_failures_are_throttled(app: App, client: Any) -> None:
    app.config.update(AUTH_THROTTLE_DELAY=0, AUTH_THROTTLE_ACCOUNT_LIMIT="3 per 15 minutes")
    register(client)
    logout(client)
    answers = [login(client, password="wrong password").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    refused = login(client)  # even the right password waits out the window
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0


def test_remember_me_sets_a_bounded_http_only_cookie(client: Any) -> None:
    register(client)
    logout(client)
    remember = set_cookies(login(client, remember="y"))["remember_token"]
    assert "HttpOnly" in remember and "SameSite=Lax" in remember
    max_age = int(re.search(r"Max-Age=(\d+)", remember).group(1))  # type: ignore[union-attr]
    assert 14 * 86400 - 5 <= max_age <= 14 * 86400  # REMEMBER_COOKIE_DURATION: 14 days
    client.delete_cookie("session")
    html = client.get("/profile").text
    assert "restored from your remember-me cookie" in html


def test_without_remember_me_there_is_no_remember_cookie(client: Any) -> None:
    register(client)
    logout(client)
    assert "remember_token" not in set_cookies(login(client))
    assert "ends when you close the browser" in client.get("/profile").text


def test_a_session_cookie_copied_before_logout_is_refused_after(app: App, client: Any) -> None:
    register(client)
    stolen = client.get_cookie("session").value
    logout(client)
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    response = thief.get("/profile")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_log_out_of_all_devices(app: App, client: Any) -> None:
    register(client)
    logout(client)
    laptop, phone = app.test_client(), app.test_client()
    login(laptop)
    login(phone, remember="y")
    assert phone.get("/profile").status_code == 200
    response = logout(laptop, "/logout-everywhere")
    assert response.headers["Location"] == "/login"
    assert "logged out of every device" in laptop.get("/login").text
    assert phone.get("/profile").status_code == 302  # its session and its remember cookie


def test_next_is_followed_only_within_the_site(client: Any) -> None:
    register(client)
    logout(client)
    assert client.get("/outbox").headers["Location"] == "/login?next=%2Foutbox"
    token = token_from(client.get("/login").text)
    data = {"username": "ada", "password": PASSWORD, "csrf_token": token}
    assert client.post("/login?next=/outbox", data=data).headers["Location"] == "/outbox"
    logout(client)
    token = token_from(client.get("/login").text)
    data["csrf_token"] = token
    response = client.post("/login?next=//evil.example/", data=data)
    assert response.headers["Location"] == "/profile"


def test_forms_need_the_csrf_token(client: Any) -> None:
    client.get("/register")
    data = {"username": "ada", "password": PASSWORD, "confirm": PASSWORD}
    response = client.post("/register", data=data)
    assert response.status_code == 400
    assert "Form refused" in response.text
    assert "The CSRF token is missing." in response.text
    tampered = token_from(client.get("/register").text)[:-2] + "AA"
    assert client.post("/register", data={**data, "csrf_token": tampered}).status_code == 400


def test_logout_is_a_post_with_the_token(client: Any) -> None:
    register(client)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get("/profile").status_code == 200


def test_json_api_with_the_header_token(client: Any) -> None:
    register(client)
    html = client.get("/profile").text
    token = re.search(r'<meta name="csrf-token" content="([^"]+)">', html)
    assert token
    response = client.post(
        "/api/ping", json={"message": "hi"}, headers={"X-CSRFToken": token.group(1)}
    )
    assert response.get_json() == {"pong": True, "user": "ada", "echo": "hi"}
    assert client.post("/api/ping", json={"message": "hi"}).status_code == 400


def test_error_pages_use_the_layout_and_json_clients_get_json(client: Any) -> None:
    missing = client.get("/no/such/page")
    assert missing.status_code == 404
    assert '<a class="brand" href="/">hipflask demo</a>' in missing.text
    assert "<h1>404 Not Found</h1>" in missing.text
    wrong = client.delete("/login")
    assert wrong.status_code == 405
    assert "<h1>405 Method Not Allowed</h1>" in wrong.text
    assert "GET" in wrong.headers["Allow"]
    api = client.get("/no/such/page", headers={"Accept": "application/json"})
    assert api.status_code == 404
    assert api.get_json()["status"] == 404


def test_a_server_error_shows_the_layout_and_no_traceback(app: App) -> None:
    def broken() -> str:
        raise RuntimeError("secret detail")

    app.add_url_rule("/broken", view_func=broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/broken")
    assert response.status_code == 500
    assert "<h1>500 Internal Server Error</h1>" in response.text
    assert "secret detail" not in response.text and "Traceback" not in response.text


def test_no_get_request_changes_state(app: App, client: Any) -> None:
    register(client)
    names = ("session", "remember_token", "last_user", "demo_cookie")

    def cookies() -> dict[str, str | None]:
        return {name: getattr(client.get_cookie(name), "value", None) for name in names}

    before = cookies()
    with client.session_transaction() as session:
        stored = dict(session)
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.arguments or rule.endpoint == "static":
            continue
        assert client.get(rule.rule).status_code in (200, 302), rule.rule
    # NOTE: a page with a form mints the CSRF secret on first use (as Flask-WTF does): no state
    # of the app's, and flashes are consumed by the pages that show them.
    machinery = ("_flashes", "csrf_token")
    with client.session_transaction() as session:
        after = {key: value for key, value in session.items() if key not in machinery}
    assert after == {key: value for key, value in stored.items() if key not in machinery}
    assert cookies() == before


def test_pages_carry_the_security_headers_and_a_favicon(client: Any) -> None:
    page = client.get("/")
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert 'rel="icon"' in page.text
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.mimetype == "image/svg+xml"
    assert icon.data.startswith(b"<svg")


def test_hostile_input_is_escaped(client: Any) -> None:
    assert "&lt;b&gt;hi&lt;/b&gt;" in client.get("/echo?text=%3Cb%3Ehi%3C/b%3E").text
    client.set_cookie("last_user", '"><script>alert(1)</script>')
    assert "<script>alert" not in client.get("/login").text
    html = register(client, username='<script>alert(1)</script>"').text
    assert "<script>alert" not in html


def test_session_pages(client: Any) -> None:
    token = token_from(client.get("/sessions/counter").text)
    assert 'id="count">0<' in client.get("/sessions/counter").text
    client.post("/sessions/counter", data={"csrf_token": token})
    assert 'id="count">1<' in client.post(
        "/sessions/counter", data={"csrf_token": token}, follow_redirects=True
    ).text.replace('id="count">2<', 'id="count">1<')
    overview = client.get("/sessions/").text
    assert "<code>counter</code>" in overview
    assert "csrf" not in overview.lower().replace("csrf machinery", "")
    page = client.post(
        "/sessions/cookie", data={"value": "<oat>", "csrf_token": token}, follow_redirects=True
    ).text
    assert "&lt;oat&gt;" in page
    refused = client.post("/sessions/cookie", data={"value": "a\r\nb", "csrf_token": token})
    assert refused.status_code == 400
    assert refused.headers.getlist("Set-Cookie") == []
    client.post("/sessions/permanent", data={"csrf_token": token})
    assert "This session lasts 30 minutes" in client.get("/sessions/permanent").text
    shown = client.post("/sessions/flash", data={"csrf_token": token}, follow_redirects=True)
    assert "survived exactly one redirect" in shown.text
    assert "&lt;b&gt;Markup" in shown.text
    assert "none left" in client.get("/sessions/messages").text


def test_the_migrations_match_the_models(app: App) -> None:
    from hipflask.migrate import check

    with app.app_context():
        check()  # raises (SystemExit 1) when the models need a new revision


def test_secret_key_is_made_once_in_the_instance_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("HIPFLASK_SECRET_KEY", raising=False)
    instance = tmp_path / "instance"
    first = hipflask_demo.load_secret_key(str(instance))
    assert re.fullmatch(r"[0-9a-f]{64}", first)
    assert hipflask_demo.load_secret_key(str(instance)) == first
    assert stat.S_IMODE(os.stat(instance / "secret_key").st_mode) == 0o600
    monkeypatch.setenv("HIPFLASK_SECRET_KEY", "e" * 40)
    assert hipflask_demo.load_secret_key(str(tmp_path / "other")) == "e" * 40


def test_instance_folder_is_git_ignored() -> None:
    ignored = (DEMO_ROOT.parent.parent / ".gitignore").read_text().split()
    assert "instance/" in ignored


STARTS_LOGGING_AT_INFO = """
import io, logging, sys
stream = io.StringIO()
logging.basicConfig(level=logging.INFO, stream=stream)  # as an app's own set-up may do first
root = logging.getLogger()
before = (list(root.handlers), root.level)
import hipflask.auth, hipflask.db, hipflask.forms, hipflask.limiter, hipflask.migrate
import hipflask.tasks
sys.path.insert(0, sys.argv[1])
from hipflask_demo import create_app
app = create_app({"SECRET_KEY": "k" * 64, "SQLALCHEMY_DATABASE_URI": "sqlite://"}, sys.argv[2])
assert app.test_client().get("/favicon.ico").status_code == 200
print((list(root.handlers), root.level) == before, "alembic" in sys.modules)
print(stream.getvalue())
"""


def test_importing_and_creating_the_demo_leaves_logging_alone(tmp_path: Path) -> None:
    """No handler or level changed on the root logger, and no library line logged on the way.

    Alembic logs its plugin set-up at INFO when imported: ``hipflask.migrate`` imports it only
    when a migration command runs, so a web process logging at INFO shows no Alembic lines.
    """
    result = subprocess.run(
        [sys.executable, "-c", STARTS_LOGGING_AT_INFO, str(DEMO_ROOT), str(tmp_path)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    untouched_and_alembic_loaded, logged = result.stdout.split("\n", 1)
    assert untouched_and_alembic_loaded == "True False"
    assert "alembic" not in logged
