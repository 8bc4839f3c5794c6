"""Login throttling: failures slow down, then 429 with Retry-After, per account and address."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hipflask import request
from hipflask.auth import LoginThrottle, LoginThrottled, login_user
from hipflask.passwords import check_password_hash

from .auth_app import make_app
from .test_sessions_stores import purge_redis


class Throttled:
    """The test app with a throttled login view, recording the delays instead of sleeping."""

    def __init__(self, tmp_path: Path, **config: Any) -> None:
        settings = {
            "AUTH_THROTTLE_ACCOUNT_LIMIT": "5 per minute",
            "AUTH_THROTTLE_ADDRESS_LIMIT": "8 per minute",
            "AUTH_THROTTLE_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
            **config,
        }
        app, users, _ = make_app(tmp_path, **settings)
        self.app = app
        self.delays: list[float] = []
        self.throttle = LoginThrottle(app)
        self.throttle.sleep = self.delays.append  # type: ignore[assignment]

        @app.post("/throttled-login")
        def throttled_login() -> Any:
            username = request.form["username"]
            self.throttle.check(username)
            user = users.get(username)
            if not check_password_hash(user.password_hash if user else None, request.form["pw"]):
                self.throttle.record_failure(username)
                return "bad credentials", 401
            assert user is not None
            self.throttle.reset(username)
            login_user(user)
            return "welcome"

    def attempt(self, username: str, password: str, address: str = "10.0.0.1") -> Any:
        return self.app.test_client().post(
            "/throttled-login",
            data={"username": username, "pw": password},
            environ_base={"REMOTE_ADDR": address},
        )


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def throttled(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Throttled]:
    if request.param == "memory":
        yield Throttled(tmp_path)
        return
    url = request.getfixturevalue("redis_url")
    prefix = f"throttle-{uuid.uuid4().hex}"
    yield Throttled(tmp_path, AUTH_THROTTLE_STORAGE_URI=url, AUTH_THROTTLE_KEY_PREFIX=prefix)
    purge_redis(url, f"*{prefix}")


def test_failures_slow_down_then_429_with_retry_after(throttled: Throttled) -> None:
    statuses = [throttled.attempt("alice", "wrong").status_code for _ in range(5)]
    assert statuses == [401] * 5
    # Delays start after 3 failures and double: 0.25 before the 4th and 0.5 before the 5th.
    assert throttled.delays == [0.25, 0.5]
    response = throttled.attempt("alice", "alice-pw")  # even the right password now
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 61
    assert "Too many failed logins" in response.get_data(as_text=True)


def test_the_limit_is_per_account(throttled: Throttled) -> None:
    for _ in range(5):
        throttled.attempt("alice", "wrong")
    assert throttled.attempt("alice", "alice-pw", address="10.9.9.9").status_code == 429
    assert throttled.attempt(" ALICE ", "x", address="10.9.9.9").status_code == 429  # same
    assert throttled.attempt("bob", "bob-pw").status_code == 200


def test_the_limit_is_per_address_across_accounts(throttled: Throttled) -> None:
    for index in range(8):  # password spraying: one try per account
        assert throttled.attempt(f"user{index}", "guess").status_code == 401
    assert throttled.attempt("bob", "bob-pw").status_code == 429
    assert throttled.attempt("bob", "bob-pw", address="10.0.0.2").status_code == 200


def test_success_resets_the_accounts_count(throttled: Throttled) -> None:
    for _ in range(4):
        throttled.attempt("alice", "wrong", address="10.0.0.3")
    assert throttled.attempt("alice", "alice-pw", address="10.0.0.4").status_code == 200
    with throttled.app.test_request_context(environ_base={"REMOTE_ADDR": "10.0.0.5"}):
        assert throttled.throttle.failures("alice") == 0
    assert throttled.attempt("alice", "wrong", address="10.0.0.4").status_code == 401


def test_delays_are_capped_and_the_throttle_can_be_turned_off(tmp_path: Path) -> None:
    throttled = Throttled(
        tmp_path,
        AUTH_THROTTLE_ACCOUNT_LIMIT="50 per minute",
        AUTH_THROTTLE_ADDRESS_LIMIT="50 per minute",
        AUTH_THROTTLE_MAX_DELAY=1.0,
    )
    for _ in range(8):
        throttled.attempt("alice", "wrong")
    assert throttled.delays == [0.25, 0.5, 1.0, 1.0, 1.0]
    throttled.app.config["AUTH_THROTTLE_ENABLED"] = False
    throttled.throttle.init_app(throttled.app)  # settings are read again
    throttled.delays.clear()
    assert throttled.attempt("alice", "alice-pw").status_code == 200
    assert throttled.delays == []


def test_throttled_is_a_429_exception() -> None:
    exc = LoginThrottled(42)
    assert exc.code == 429 and exc.get_headers() == [("Retry-After", "42")]


@pytest.mark.redis
def test_the_throttle_counts_in_the_apps_limiter_storage(tmp_path: Path, redis_url: str) -> None:
    """Two machines, each with its own Limiter on one Redis: failures add up across them."""
    from hipflask.limiter import Limiter, get_remote_address

    prefix = f"throttle-{uuid.uuid4().hex}"
    machines = []
    for index in range(2):
        machine = Throttled(tmp_path / str(index), AUTH_THROTTLE_KEY_PREFIX=prefix)
        Limiter(get_remote_address, app=machine.app, storage_uri=redis_url, key_prefix=prefix)
        machines.append(machine)
    try:
        for attempt in range(5):
            assert machines[attempt % 2].attempt("alice", "wrong").status_code == 401
        assert machines[1].attempt("alice", "alice-pw").status_code == 429
        import redis

        client = redis.Redis.from_url(redis_url)
        assert any(prefix.encode() in key for key in client.scan_iter(f"*{prefix}*"))
        client.close()
    finally:
        purge_redis(redis_url, f"*{prefix}*")


@pytest.mark.redis
def test_without_a_limiter_the_throttle_uses_ratelimit_storage_uri(
    tmp_path: Path, redis_url: str
) -> None:
    prefix = f"throttle-{uuid.uuid4().hex}"
    machines = [
        Throttled(
            tmp_path / str(i), RATELIMIT_STORAGE_URI=redis_url, AUTH_THROTTLE_KEY_PREFIX=prefix
        )
        for i in range(2)
    ]
    try:
        for attempt in range(5):
            assert machines[attempt % 2].attempt("alice", "wrong").status_code == 401
        assert machines[0].attempt("alice", "alice-pw").status_code == 429
    finally:
        purge_redis(redis_url, f"*{prefix}*")
