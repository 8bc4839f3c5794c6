"""hipflask.limiter on the real Redis: shared counters, strategies, and Redis down or back."""

from __future__ import annotations

import logging
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hipflask import App, request
from hipflask.limiter import Limiter, get_remote_address

from .test_gunicorn import free_port
from .test_sessions_stores import purge_redis

LOGGER = "hipflask.limiter"


@pytest.fixture
def redis_options(redis_url: str) -> Iterator[dict[str, Any]]:
    """Limiter options on the test Redis, with key prefixes unique to this test."""
    unique = uuid.uuid4().hex
    storage_prefix = f"hipflask-test-limits-{unique}"
    yield {
        "storage_uri": redis_url,
        "storage_options": {"key_prefix": storage_prefix},
        "key_prefix": f"run-{unique}",
    }
    purge_redis(redis_url, storage_prefix)


def make_app(config: dict[str, Any] | None = None, **options: Any) -> tuple[App, Limiter]:
    app = App(__name__)
    app.config["TESTING"] = True
    app.config.update(config or {})
    limiter = Limiter(get_remote_address, app=app, **options)
    app.add_url_rule("/", "index", lambda: "hi")
    return app, limiter


def statuses(app: App, path: str, count: int) -> list[int]:
    client = app.test_client()
    return [client.get(path).status_code for _ in range(count)]


def redis_keys(url: str, prefix: str) -> dict[str, int]:
    import redis

    client = redis.Redis.from_url(url, decode_responses=True)
    try:
        return {key: int(client.get(key) or 0) for key in client.scan_iter(f"{prefix}*")}
    finally:
        client.close()


def closed_port_url() -> str:
    return f"redis://127.0.0.1:{free_port()}/0"


@pytest.mark.redis
def test_two_apps_share_one_redis_limit(redis_url: str, redis_options: dict[str, Any]) -> None:
    """Two apps stand for two machines: the counter lives in Redis, so the limit holds across."""
    machine_a, _ = make_app(default_limits=["3/minute"], **redis_options)
    machine_b, _ = make_app(default_limits=["3/minute"], **redis_options)
    a, b = machine_a.test_client(), machine_b.test_client()
    codes = [client.get("/").status_code for client in (a, b, a, b, a)]
    assert codes == [200, 200, 200, 429, 429]
    keys = redis_keys(redis_url, redis_options["storage_options"]["key_prefix"])
    [(key, count)] = keys.items()
    assert key.endswith(f"LIMITER/{redis_options['key_prefix']}/127.0.0.1/index/3/1/minute")
    assert count == 5


@pytest.mark.redis
def test_another_key_prefix_counts_apart(redis_options: dict[str, Any]) -> None:
    first, _ = make_app(default_limits=["1/minute"], **redis_options)
    other = {**redis_options, "key_prefix": redis_options["key_prefix"] + "-other"}
    second, _ = make_app(default_limits=["1/minute"], **other)
    assert statuses(first, "/", 2) == [200, 429]
    assert statuses(second, "/", 2) == [200, 429]


@pytest.mark.redis
@pytest.mark.parametrize("strategy", ["fixed-window", "moving-window", "sliding-window-counter"])
def test_each_strategy_on_redis_with_headers(strategy: str, redis_options: dict[str, Any]) -> None:
    app, _ = make_app(
        default_limits=["2/minute"], strategy=strategy, headers_enabled=True, **redis_options
    )
    client = app.test_client()
    responses = [client.get("/") for _ in range(3)]
    assert [r.status_code for r in responses] == [200, 200, 429]
    assert [r.headers["X-RateLimit-Remaining"] for r in responses] == ["1", "0", "0"]
    now = time.time()
    assert now < int(responses[-1].headers["X-RateLimit-Reset"]) <= now + 62
    assert 0 < int(responses[-1].headers["Retry-After"]) <= 62


@pytest.mark.redis
def test_reset_clears_only_this_storage_prefix(
    redis_url: str, redis_options: dict[str, Any]
) -> None:
    import redis

    app, limiter = make_app(default_limits=["1/minute"], **redis_options)
    bystander = f"hipflask-test-bystander-{uuid.uuid4().hex}"
    client = redis.Redis.from_url(redis_url)
    client.set(bystander, "1", ex=60)
    try:
        assert statuses(app, "/", 2) == [200, 429]
        with app.app_context():
            limiter.reset()
        assert statuses(app, "/", 2) == [200, 429]
        assert client.get(bystander) == b"1"
    finally:
        client.delete(bystander)
        client.close()


@pytest.mark.redis
def test_deduct_when_on_redis(redis_options: dict[str, Any]) -> None:
    app, limiter = make_app(**redis_options)

    @app.route("/login", methods=["POST"])
    @limiter.limit("1/minute", deduct_when=lambda response: response.status_code != 200)
    def login() -> Any:
        return ("ok", 200) if request.form.get("password") == "right" else ("no", 403)

    client = app.test_client()
    good = [client.post("/login", data={"password": "right"}).status_code for _ in range(3)]
    assert good == [200] * 3
    assert [client.post("/login").status_code for _ in range(2)] == [403, 429]


def test_redis_down_fails_closed_with_503_by_default(caplog: pytest.LogCaptureFixture) -> None:
    app, _ = make_app(default_limits=["5/minute"], storage_uri=closed_port_url())
    with caplog.at_level(logging.INFO, logger=LOGGER):
        response = app.test_client().get("/", headers={"Accept": "application/json"})
    assert response.status_code == 503
    assert response.get_json()["error"] == "The rate limit storage is unavailable."
    [record] = [r for r in caplog.records if r.name == LOGGER]
    assert record.levelno == logging.ERROR
    assert "request refused with 503" in record.getMessage()


def test_redis_down_fails_open_with_swallow_errors(caplog: pytest.LogCaptureFixture) -> None:
    app, _ = make_app(
        {"RATELIMIT_SWALLOW_ERRORS": True, "RATELIMIT_STORAGE_URI": closed_port_url()},
        default_limits=["1/minute"],
        headers_enabled=True,
    )
    with caplog.at_level(logging.INFO, logger=LOGGER):
        assert statuses(app, "/", 3) == [200] * 3
    messages = [r.getMessage() for r in caplog.records if r.name == LOGGER]
    assert len(messages) == 3
    assert all("request allowed without a limit" in m for m in messages)
    assert {r.levelno for r in caplog.records if r.name == LOGGER} == {logging.WARNING}


def test_redis_down_falls_back_to_memory_keeping_the_limits(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app, _ = make_app(
        default_limits=["2/minute"],
        storage_uri=closed_port_url(),
        in_memory_fallback_enabled=True,
    )
    with caplog.at_level(logging.INFO, logger=LOGGER):
        assert statuses(app, "/", 3) == [200, 200, 429]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "unreachable" in warnings[0] and "counting in memory" in warnings[0]


def test_redis_down_uses_the_fallback_limits_when_given() -> None:
    app, _ = make_app(
        {"RATELIMIT_IN_MEMORY_FALLBACK": "3/minute", "RATELIMIT_STORAGE_URI": closed_port_url()},
        default_limits=["1/minute"],
    )
    assert statuses(app, "/", 4) == [200, 200, 200, 429]


def test_redis_password_never_reaches_the_log(caplog: pytest.LogCaptureFixture) -> None:
    port = free_port()
    app, _ = make_app(
        default_limits=["1/minute"],
        storage_uri=f"redis://:hunter2@127.0.0.1:{port}/0",
        in_memory_fallback_enabled=True,
    )
    with caplog.at_level(logging.INFO, logger=LOGGER):
        statuses(app, "/", 1)
    assert f"redis://***@127.0.0.1:{port}/0" in caplog.text
    assert "hunter2" not in caplog.text


@pytest.mark.redis
def test_counting_returns_to_redis_once_it_is_back(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A private redis-server is stopped, then started again: the fallback ends by itself."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    command = [
        server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
        "--dir", str(tmp_path),
    ]  # fmt: skip

    def start() -> subprocess.Popen[bytes]:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        import redis

        while True:
            try:
                redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
                return process
            except redis.exceptions.ConnectionError:
                if time.monotonic() > deadline or process.poll() is not None:
                    process.kill()
                    raise AssertionError("redis-server did not start") from None
                time.sleep(0.05)

    def stop(process: subprocess.Popen[bytes]) -> None:
        process.terminate()
        process.wait(10)

    process = start()
    try:
        app, _ = make_app(
            {"RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True, "RATELIMIT_STORAGE_URI": url},
            default_limits=["100/minute"],
        )
        assert statuses(app, "/", 2) == [200, 200]
        assert list(redis_keys(url, "LIMITS").values()) == [2]
        stop(process)
        with caplog.at_level(logging.INFO, logger=LOGGER):
            assert statuses(app, "/", 2) == [200, 200]  # counted in memory
            process = start()
            deadline = time.monotonic() + 10  # the first re-ping comes a second after the failure
            while "recovered" not in caplog.text and time.monotonic() < deadline:
                statuses(app, "/", 1)
                time.sleep(0.2)
        assert "recovered" in caplog.text
        assert list(redis_keys(url, "LIMITS").values()) == [1]  # a fresh server, counting again
    finally:
        stop(process)
