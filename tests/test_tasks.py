"""hipflask.tasks in eager mode: declaration, app context, retries, config, factory pattern.

Real workers on real brokers are in test_tasks_workers.py.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from hipflask import App, current_app, g, url_for
from hipflask.tasks import Tasks


def make_app(tmp_path: Path, **celery: Any) -> App:
    app = App(__name__, instance_path=str(tmp_path / "instance"))
    app.config["SECRET_KEY"] = "s" * 32
    app.config["CELERY"] = {"task_always_eager": True, **celery}
    return app


@pytest.fixture
def app(tmp_path: Path) -> App:
    return make_app(tmp_path)


def test_delay_runs_eagerly_in_an_app_context_torn_down_after(app: App) -> None:
    tasks = Tasks(app)
    torn_down: list[str] = []
    app.teardown_appcontext(lambda exc: torn_down.append("teardown"))

    @tasks.task
    def add(a: int, b: int) -> int:
        g.seen = current_app.name
        return a + b

    result = add.delay(2, 3)
    assert result.get() == 5
    assert result.state == "SUCCESS"
    assert torn_down == ["teardown"]
    assert add.name == f"{__name__}.add"


def test_function_stays_directly_callable(app: App) -> None:
    tasks = Tasks(app)

    @tasks.task(max_retries=1)
    def double(value: int) -> int:
        """Double the value."""
        return value * 2 if current_app else 0

    assert double(21) == 42
    assert double.__doc__ == "Double the value."
    assert double.__name__ == "double"


def test_eager_task_inside_a_request_shares_its_context(app: App) -> None:
    tasks = Tasks(app)
    events: list[str] = []
    app.teardown_appcontext(lambda exc: events.append("teardown"))

    @tasks.task
    def remember() -> str:
        events.append(f"task sees g.user={g.user}")
        return "done"

    @app.route("/")
    def index() -> str:
        g.user = "ada"
        value = remember.delay().get()
        events.append("view continues")
        return str(value)

    assert app.test_client().get("/").data == b"done"
    # NOTE: a nested context's teardown would have closed the request's database session.
    assert events == ["task sees g.user=ada", "view continues", "teardown"]


def test_url_for_with_server_name(app: App) -> None:
    app.config["SERVER_NAME"] = "example.test"
    tasks = Tasks(app)

    @app.route("/users/<int:user_id>")
    def user(user_id: int) -> str:
        return str(user_id)

    @tasks.task
    def link(user_id: int) -> str:
        return url_for("user", user_id=user_id, _external=True)

    assert link.delay(7).get() == "http://example.test/users/7"


def test_declared_retries_then_failure_logged_with_traceback(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    tasks = Tasks(app)
    attempts: list[int] = []

    @tasks.task(bind=True, autoretry_for=(ConnectionError,), max_retries=2, retry_backoff=False)
    def flaky(self: Any, value: int) -> int:
        attempts.append(self.request.retries)
        raise ConnectionError(f"mail server down for {value}")

    with caplog.at_level(logging.WARNING, logger=app.logger.name):
        result = flaky.apply_async((5,), countdown=0)
    assert attempts == [0, 1, 2]
    assert result.state == "FAILURE"
    assert isinstance(result.result, ConnectionError)
    with pytest.raises(ConnectionError, match="mail server down for 5"):
        result.get()
    retries = [r for r in caplog.records if "will retry" in r.getMessage()]
    failures = [r for r in caplog.records if "failed" in r.getMessage()]
    assert len(retries) == 2
    [failure] = failures
    assert failure.levelno == logging.ERROR
    assert failure.exc_info is not None and failure.exc_info[0] is ConnectionError


def test_bound_task_called_directly_gets_its_task(app: App) -> None:
    tasks = Tasks(app)

    @tasks.task(bind=True, name="custom.whoami")
    def whoami(self: Any) -> str:
        return f"{self.name} in {current_app.name}"

    assert whoami() == f"custom.whoami in {app.name}"
    assert whoami.delay().get() == f"custom.whoami in {app.name}"


def test_factory_pattern_runs_each_task_in_its_own_app(tmp_path: Path) -> None:
    tasks = Tasks()

    @tasks.task
    def which() -> str:
        return str(current_app.config["LABEL"])

    apps = []
    for label in ("first", "second"):
        app = make_app(tmp_path / label)
        app.config["LABEL"] = label
        tasks.init_app(app)
        apps.append(app)
    for app in apps:
        with app.app_context():
            assert which.delay().get() == app.config["LABEL"]
            assert tasks.celery is app.extensions["tasks"].celery
    assert apps[0].extensions["tasks"].celery is not apps[1].extensions["tasks"].celery


def test_task_declared_after_first_use_is_registered(app: App) -> None:
    tasks = Tasks(app)

    @tasks.task
    def first() -> int:
        return 1

    assert first.delay().get() == 1

    @tasks.task
    def later() -> int:
        return 2

    assert later.delay().get() == 2


def test_defaults_put_the_embedded_broker_in_the_instance_folder(tmp_path: Path) -> None:
    app = App(__name__, instance_path=str(tmp_path / "instance"))
    conf = Tasks(app).celery.conf
    instance = tmp_path / "instance"
    assert conf.broker_url == f"hipflask+sqlite:///{instance}/celery-broker.sqlite"
    assert conf.result_backend == f"db+sqlite:///{instance}/celery-results.sqlite"
    assert conf.beat_schedule_filename == f"{instance}/celery-beat-schedule"
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_pool == "threads"
    assert conf.task_always_eager is False
    assert instance.is_dir()


def test_config_names_and_precedence(tmp_path: Path) -> None:
    app = App(__name__, instance_path=str(tmp_path))
    app.config["CELERY_BROKER_URL"] = "redis://127.0.0.1:6379/3"
    app.config["CELERY_RESULT_BACKEND"] = "redis://127.0.0.1:6379/4"
    app.config["CELERY"] = {
        "result_backend": "redis://127.0.0.1:6379/5",
        "task_acks_late": False,
        "task_ignore_result": True,
        "beat_schedule": {"tick": {"task": "app.tick", "schedule": 10.0}},
    }
    conf = Tasks(app).celery.conf
    assert conf.broker_url == "redis://127.0.0.1:6379/3"
    assert conf.result_backend == "redis://127.0.0.1:6379/5"
    assert conf.task_acks_late is False
    assert conf.task_ignore_result is True
    assert conf.beat_schedule == {"tick": {"task": "app.tick", "schedule": 10.0}}
    assert conf.worker_pool != "threads"  # the threads default is only for the SQLite broker


def test_bad_celery_setting_names_it(tmp_path: Path) -> None:
    app = App(__name__, instance_path=str(tmp_path))
    app.config["CELERY"] = "redis://localhost"
    with pytest.raises(TypeError, match="CELERY must be a dict"):
        _ = Tasks(app).celery


def test_registering_twice_is_refused(app: App) -> None:
    Tasks(app)
    with pytest.raises(RuntimeError, match="already registered"):
        Tasks(app)


def test_unregistered_tasks_refuse_to_send() -> None:
    tasks = Tasks()

    @tasks.task
    def orphan() -> None:
        return None

    with pytest.raises(RuntimeError, match="not registered on an app"):
        orphan.delay()


def test_worker_and_beat_commands_are_on_app_cli(app: App) -> None:
    Tasks(app)
    assert {"worker", "beat"} <= set(app.cli.commands)


def test_celery_loads_on_first_send_only(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from hipflask import App\n"
        "from hipflask.tasks import Tasks\n"
        f"app = App('probe', instance_path={str(tmp_path)!r})\n"
        "app.config['CELERY'] = {'task_always_eager': True}\n"
        "tasks = Tasks(app)\n"
        "@tasks.task\n"
        "def ping():\n"
        "    return 'pong'\n"
        "assert ping() == 'pong'\n"
        "print(sorted(m for m in ('celery', 'kombu') if m in sys.modules))\n"
        "print(ping.delay().get(), 'celery' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.split("\n")[:2] == ["[]", "pong True"]
