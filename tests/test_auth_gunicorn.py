"""A stolen login cookie is refused after logout by every gunicorn worker, over real HTTP.

Two gunicorn servers of two workers each share the login store (a SQLite file); the test
plays the load balancer, alternating servers with a new connection per request, so every
step is handled by a different process than the one before.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlsplit

import pytest

from .test_gunicorn import gunicorn
from .test_gunicorn_sessions import LoadBalancer, different_processes_in_a_row

pytestmark = pytest.mark.server

APP_MODULE = """
import json
import os

from hipflask import App
from hipflask.auth import LoginManager, UserMixin, current_user, login_required, login_user
from hipflask.auth import logout_user


class User(UserMixin):
    def __init__(self, id, username):
        self.id, self.username, self.password_hash = id, username, f"hash-of-{username}"


USERS = {"1": User(1, "alice"), "2": User(2, "bob")}
app = App(__name__)
app.config.update(json.loads(os.environ["AUTH_TEST_CONFIG"]))
login_manager = LoginManager(app)
login_manager.user_loader(USERS.get)


@app.route("/")
def index():
    return {"pid": os.getpid()}


@app.route("/login/<user_id>", methods=["POST"])
def login(user_id):
    login_user(USERS[user_id], remember=True)
    return {"user": current_user.username, "pid": os.getpid()}


@app.route("/me")
@login_required
def me():
    return {"user": current_user.username, "pid": os.getpid()}


@app.route("/logout", methods=["POST"])
def logout():
    logout_user()
    return {"user": None, "pid": os.getpid()}
"""


@pytest.fixture(scope="module")
def balancer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoadBalancer]:
    tmp_path = tmp_path_factory.mktemp("gunicorn-auth")
    config = {"SECRET_KEY": "s" * 32, "AUTH_SQLITE_PATH": str(tmp_path / "auth.db")}
    env = {"AUTH_TEST_CONFIG": json.dumps(config)}
    with ExitStack() as stack:
        ports = []
        for name in ("machine-a", "machine-b"):
            (tmp_path / name).mkdir()
            server = gunicorn(tmp_path / name, "gunicorn_app:app", source=APP_MODULE, env=env)
            ports.append(stack.enter_context(server))
        yield LoadBalancer(ports)


def send(balancer: LoadBalancer, method: str, path: str, cookies: dict[str, str]) -> Any:
    """Return the status, JSON body (or None) and Set-Cookie morsels of one request."""
    from .test_gunicorn import request

    header = "; ".join(f"{name}={value}" for name, value in cookies.items())
    port = urlsplit(balancer.url("/")).port
    assert port is not None
    status, body, response = request(port, path, method, headers={"Cookie": header})
    jar: dict[str, Any] = {}
    for line in response.headers.get_all("Set-Cookie") or []:
        jar.update(SimpleCookie(line))
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    return status, data, jar


def test_cookies_copied_before_logout_are_refused_by_every_worker(balancer: LoadBalancer) -> None:
    status, body, jar = send(balancer, "POST", "/login/1", {})
    assert status == 200 and body["user"] == "alice"
    stolen = {"session": jar["session"].value, "remember_token": jar["remember_token"].value}
    pids = [body["pid"]]
    for _ in range(4):  # the login holds on every worker
        status, body, _ = send(balancer, "GET", "/me", {"session": stolen["session"]})
        assert (status, body["user"]) == (200, "alice")
        pids.append(body["pid"])

    status, body, jar = send(balancer, "POST", "/logout", stolen)
    assert status == 200
    assert jar["session"]["max-age"] == "0" and jar["remember_token"]["max-age"] == "0"
    pids.append(body["pid"])

    for _ in range(4):  # the attacker's copies, on every worker
        status, _, _ = send(balancer, "GET", "/me", {"session": stolen["session"]})
        assert status == 401
        status, _, jar = send(balancer, "GET", "/me", {"remember_token": stolen["remember_token"]})
        assert status == 401 and jar["remember_token"]["max-age"] == "0"
        status, body, _ = send(balancer, "GET", "/", {})
        pids.append(body["pid"])
    assert different_processes_in_a_row(pids[:6])
