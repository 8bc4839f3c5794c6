"""hipflask.health: /healthz answers 200 or 503 with each check's outcome, bounded in time."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine

from hipflask import App
from hipflask.health import Health, check_redis
from hipflask.tasks import Tasks

from .test_gunicorn import free_port


@pytest.fixture
def app(tmp_path: Path) -> App:
    app = App(__name__, instance_path=str(tmp_path / "instance"))
    app.config["SECRET_KEY"] = "s" * 32
    return app


def probe(app: App, url: str = "/healthz") -> tuple[int, Any, Any]:
    response = app.test_client().get(url)
    return response.status_code, response.get_json(), response.headers


class Engines:
    """Stands where hipflask.db (or Flask-SQLAlchemy) keeps its engines: ``.engines``."""

    def __init__(self, **engines: Any) -> None:
        self.engines = engines


def test_no_checks_is_healthy(app: App) -> None:
    Health(app)
    status, body, headers = probe(app)
    assert (status, body) == (200, {"status": "ok", "checks": {}})
    assert headers["Cache-Control"] == "no-store"
    assert headers["Content-Type"] == "application/json"


def test_database_engines_are_each_checked(app: App, tmp_path: Path) -> None:
    good = create_engine(f"sqlite:///{tmp_path / 'good.sqlite'}")
    app.extensions["sqlalchemy"] = Engines(default=good)
    Health(app, url="/health")
    status, body, _ = probe(app, "/health")
    assert status == 200
    assert body["checks"]["database"]["ok"] is True
    bad = create_engine(f"sqlite:///{tmp_path / 'missing-folder' / 'x.sqlite'}")
    app.extensions["sqlalchemy"] = Engines(default=good, reports=bad)
    status, body, _ = probe(app, "/health")
    assert status == 503
    assert body["status"] == "fail"
    assert body["checks"] == {"database": {"ok": False, "error": "OperationalError"}}
    good.dispose()
    bad.dispose()


@pytest.mark.redis
def test_redis_session_store_is_checked(app: App, redis_url: str) -> None:
    app.config.update(SESSION_TYPE="redis", SESSION_REDIS_URL=redis_url)
    Health(app)
    status, body, _ = probe(app)
    assert status == 200
    assert list(body["checks"]) == ["redis"]


def test_redis_down_fails_with_503(app: App) -> None:
    Health(app, checks={"redis": check_redis(f"redis://127.0.0.1:{free_port()}/0", 0.5)})
    status, body, _ = probe(app)
    assert status == 503
    assert body["checks"]["redis"] == {"ok": False, "error": "ConnectionError"}


def test_task_broker_is_checked_on_the_embedded_default(app: App) -> None:
    Tasks(app)
    Health(app)
    status, body, _ = probe(app)
    assert status == 200, body
    assert body["checks"]["tasks"]["ok"] is True


def test_task_broker_down_fails_with_503(app: App) -> None:
    app.config["CELERY"] = {"broker_url": f"amqp://guest:guest@127.0.0.1:{free_port()}//"}
    Tasks(app)
    Health(app, timeout=3.0)
    status, body, _ = probe(app)
    assert status == 503
    assert body["checks"]["tasks"]["ok"] is False


def test_failing_check_is_logged_and_shows_only_its_class(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    def secret_failure() -> None:
        raise RuntimeError("db-primary.internal:5432 refused")

    health = Health(app, checks={})
    health.add_check("custom", secret_failure)
    with caplog.at_level(logging.WARNING, logger=app.logger.name):
        status, body, _ = probe(app)
    assert status == 503
    assert body["checks"]["custom"] == {"ok": False, "error": "RuntimeError"}
    assert "db-primary" not in str(body)
    [record] = [r for r in caplog.records if "Health check 'custom' failed" in r.getMessage()]
    assert record.exc_info is not None and "db-primary" in str(record.exc_info[1])


def test_slow_check_times_out_and_others_still_report(app: App) -> None:
    health = Health(app, checks={"fast": lambda: None}, timeout=0.3)
    health.add_check("slow", lambda: time.sleep(3))
    status, body, _ = probe(app)
    assert status == 503
    assert body["checks"]["fast"]["ok"] is True
    assert body["checks"]["slow"] == {"ok": False, "error": "timed out after 0.3 s"}
