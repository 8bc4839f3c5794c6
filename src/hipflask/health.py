"""A health endpoint for load balancers and orchestrators: ``Health(app)`` serves ``/healthz``.

Each check is a callable that returns (healthy) or raises (unhealthy); they run concurrently,
each in an app context, each bounded by ``timeout``. The endpoint answers 200 when all pass and
503 otherwise, with JSON naming every check. Failures are logged on ``app.logger``; the response
shows only the exception's class, so the endpoint can be public without leaking hostnames.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TYPE_CHECKING, Any

from hipflask import current_app, jsonify

if TYPE_CHECKING:
    from hipflask import App, Response

Check = Callable[[], object]


class Health:
    """Serve ``url`` with the result of the health checks.

    ``checks=None`` picks the built-in checks that apply to the app when a probe arrives:
    ``database`` (``app.extensions["sqlalchemy"]``), ``redis`` (``SESSION_TYPE = "redis"``)
    and ``tasks`` (``app.extensions["tasks"]``). A mapping replaces them; :meth:`add_check`
    adds to either.
    """

    def __init__(
        self,
        app: App | None = None,
        *,
        url: str = "/healthz",
        checks: Mapping[str, Check] | None = None,
        timeout: float = 2.0,
        endpoint: str = "health",
    ) -> None:
        self.url = url
        self.endpoint = endpoint
        self.timeout = timeout
        self.auto = checks is None
        self.checks: dict[str, Check] = dict(checks or {})
        self._executor: ThreadPoolExecutor | None = None
        if app is not None:
            self.init_app(app)

    def init_app(self, app: App) -> None:
        """Add the health route to ``app``."""
        app.extensions["health"] = self
        app.add_url_rule(self.url, self.endpoint, self.view, methods=["GET"])

    def add_check(self, name: str, check: Check) -> None:
        """Add (or replace) the check ``name``: ``check()`` returns when healthy, else raises."""
        self.checks[name] = check

    def checks_for(self, app: App) -> dict[str, Check]:
        """Return the checks to run for ``app``: the built-in ones that apply, then the added."""
        found: dict[str, Check] = {}
        if self.auto:
            if "sqlalchemy" in app.extensions:
                found["database"] = check_database
            if app.config.get("SESSION_TYPE") == "redis":
                found["redis"] = check_redis(app.config.get("SESSION_REDIS_URL"), self.timeout)
            if "tasks" in app.extensions:
                found["tasks"] = check_tasks
        return found | self.checks

    def view(self) -> Response:
        """Run the checks; answer 200 if all pass, else 503, with each check's outcome."""
        app: App = current_app._get_current_object()  # type: ignore[attr-defined]
        report = self.run(app)
        healthy = all(outcome["ok"] for outcome in report.values())
        response = jsonify(status="ok" if healthy else "fail", checks=report)
        response.status_code = 200 if healthy else 503
        response.headers["Cache-Control"] = "no-store"
        return response

    def run(self, app: App) -> dict[str, dict[str, Any]]:
        """Run every check concurrently; return each one's outcome, timeouts included."""
        checks = self.checks_for(app)
        if self._executor is None:
            self._executor = ThreadPoolExecutor(8, thread_name_prefix="hipflask-health")
        futures = {
            name: self._executor.submit(_timed, app, check) for name, check in checks.items()
        }
        deadline = time.monotonic() + self.timeout
        report: dict[str, dict[str, Any]] = {}
        for name, future in futures.items():
            try:
                report[name] = future.result(max(0.0, deadline - time.monotonic()))
            except FutureTimeout:
                report[name] = {"ok": False, "error": f"timed out after {self.timeout} s"}
            except Exception as exc:
                app.logger.warning("Health check %r failed", name, exc_info=exc)
                report[name] = {"ok": False, "error": type(exc).__name__}
        return report


def _timed(app: App, check: Check) -> dict[str, Any]:
    """Run ``check`` in an app context; return its outcome and duration in milliseconds."""
    start = time.perf_counter()
    with app.app_context():
        check()
    return {"ok": True, "ms": round((time.perf_counter() - start) * 1000, 1)}


def check_database() -> None:
    """Run ``SELECT 1`` on every engine of ``app.extensions["sqlalchemy"]``."""
    from sqlalchemy import text

    extension = current_app.extensions["sqlalchemy"]
    engines = getattr(extension, "engines", None)
    if not isinstance(engines, Mapping):
        engines = {None: extension.engine}
    for engine in engines.values():
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))


def check_redis(url: str | None = None, timeout: float = 2.0) -> Check:
    """Return a check that pings the Redis server at ``url`` (default: the local one)."""

    def check() -> None:
        import redis

        client = redis.Redis.from_url(
            url or "redis://127.0.0.1:6379/0",
            socket_connect_timeout=timeout,
            socket_timeout=timeout,
        )
        try:
            client.ping()
        finally:
            client.close()

    return check


def check_tasks() -> None:
    """Connect to the task broker of ``app.extensions["tasks"]`` and make one round trip."""
    celery = current_app.extensions["tasks"].celery
    with celery.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1)
        channel = connection.default_channel
        driver = connection.transport.driver_type
        if driver == "redis":
            channel.client.ping()
        elif driver == "sql":
            from sqlalchemy import text

            channel.session.execute(text("SELECT 1"))
            channel.session.rollback()
