"""Create the Celery app of a hipflask app: its config, its task class, its tasks.

This is the one module of ``hipflask.tasks`` that imports Celery; it loads on first use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from celery import Celery, Task
from celery.utils.imports import gen_task_name

from hipflask import current_app, has_app_context

from .config import celery_config

if TYPE_CHECKING:
    from hipflask import App


class AppTask(Task):  # type: ignore[misc]
    """A task that runs inside an app context of the app that defined it.

    A worker pushes a fresh context for every run and pops it afterwards, so the app's
    ``teardown_appcontext`` functions run (``hipflask.db`` removes its session there). A direct
    or eager call made inside a context of the same app runs in that context instead: a nested
    context's teardown would close the caller's database session under its feet.
    """

    abstract = True
    #: The hipflask app, set on the subclass made for each app.
    hipflask_app: App

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        app = self.hipflask_app
        in_worker = not (self.request.called_directly or self.request.is_eager)
        if not in_worker and has_app_context() and current_app._get_current_object() is app:  # type: ignore[attr-defined]
            return self._run(*args, **kwargs)
        with app.app_context():
            return self._run(*args, **kwargs)

    def _run(self, *args: Any, **kwargs: Any) -> Any:
        # NOTE: in a worker the tracer has pushed the task's request already; Task.__call__
        # would push a second, bare one (no id, no retries) over it.
        if self.request.called_directly:
            return super().__call__(*args, **kwargs)
        return self.run(*args, **kwargs)

    def on_retry(self, exc: Exception, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        """Log the retry on the app's logger."""
        self.hipflask_app.logger.warning(
            "Task %s[%s] will retry: %r", self.name, task_id, exc, exc_info=exc
        )

    def on_failure(self, exc: Exception, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        """Log the failure with its traceback on the app's logger (the result records it too)."""
        self.hipflask_app.logger.error(
            "Task %s[%s] failed: %r", self.name, task_id, exc, exc_info=exc
        )


def create_celery(app: App, declared: Iterable[tuple[Callable[..., Any], dict[str, Any]]]) -> Any:
    """Return a Celery app configured from ``app.config`` with the ``declared`` tasks on it."""
    task_cls = type("AppTask", (AppTask,), {"hipflask_app": app, "abstract": True})
    config = celery_config(app)
    if str(config["broker_url"]).startswith("hipflask+"):
        from . import transport  # noqa: F401  (registers the "hipflask+" URL prefix)
    celery = Celery(app.import_name, task_cls=task_cls, set_as_current=False)
    celery.config_from_object(config)
    for func, options in declared:
        register(celery, func, options)
    return celery


def register(celery: Any, func: Callable[..., Any], options: dict[str, Any]) -> Any:
    """Create the Celery task for ``func`` on ``celery`` (all Celery task options accepted)."""
    # NOTE: not shared (Celery would add it to every Celery app of the process, e.g. other
    # apps of a test run) and not lazy (the Celery app itself is already created on first use).
    return celery.task(**{"shared": False, "lazy": False, **options})(func)


def task_name(celery: Any, func: Callable[..., Any], options: dict[str, Any]) -> str:
    """Return the name Celery gives the task of ``func``: the ``name`` option, else module.name."""
    return str(options.get("name") or gen_task_name(celery, func.__name__, func.__module__))
