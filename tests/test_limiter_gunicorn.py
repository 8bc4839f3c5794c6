"""One Redis-backed limit held by gunicorn workers in separate processes, over real HTTP.

Two gunicorn servers with two workers each stand in for two machines; the test alternates
between them with a new connection per request, so consecutive requests always reach different
processes, and only a counter kept in Redis can make the limit hold.
"""

from __future__ import annotations

import json
import uuid
from contextlib import ExitStack
from pathlib import Path

import pytest

from .test_gunicorn import gunicorn, request
from .test_sessions_stores import purge_redis

pytestmark = [pytest.mark.server, pytest.mark.redis]

LIMIT = 5

APP_MODULE = """
import os

from hipflask import App
from hipflask.limiter import Limiter, get_remote_address

app = App(__name__)
app.config["SECRET_KEY"] = "s" * 32
limiter = Limiter(
    get_remote_address,
    app=app,
    storage_uri=os.environ["LIMIT_REDIS_URL"],
    storage_options={"key_prefix": os.environ["LIMIT_STORAGE_PREFIX"]},
    key_prefix=os.environ["LIMIT_KEY_PREFIX"],
    headers_enabled=True,
)


@app.route("/")
@limiter.exempt
def index():
    return {"pid": os.getpid()}


@app.route("/limited")
@limiter.limit(os.environ["LIMIT_VALUE"])
def limited():
    return {"pid": os.getpid()}
"""


def test_limit_holds_across_workers_and_servers(tmp_path: Path, redis_url: str) -> None:
    unique = uuid.uuid4().hex
    storage_prefix = f"hipflask-test-limits-{unique}"
    env = {
        "LIMIT_REDIS_URL": redis_url,
        "LIMIT_STORAGE_PREFIX": storage_prefix,
        "LIMIT_KEY_PREFIX": f"gunicorn-{unique}",
        "LIMIT_VALUE": f"{LIMIT}/hour",
    }
    try:
        with ExitStack() as stack:
            ports = []
            for name in ("machine-a", "machine-b"):
                (tmp_path / name).mkdir()
                server = gunicorn(tmp_path / name, "gunicorn_app:app", source=APP_MODULE, env=env)
                ports.append(stack.enter_context(server))
            results = []
            for attempt in range(LIMIT + 2):
                status, body, response = request(ports[attempt % 2], "/limited")
                remaining = response.getheader("X-RateLimit-Remaining")
                pid = json.loads(body)["pid"] if status == 200 else None
                results.append((status, remaining, pid))
    finally:
        purge_redis(redis_url, storage_prefix)
    assert [status for status, _, _ in results] == [200] * LIMIT + [429, 429]
    expected = [str(LIMIT - n) for n in range(1, LIMIT + 1)] + ["0", "0"]
    assert [remaining for _, remaining, _ in results] == expected
    pids = {pid for _, _, pid in results if pid is not None}
    assert len(pids) >= 2  # two servers: the requests were served by different processes
