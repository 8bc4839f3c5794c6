"""The ``Tasks`` extension: declare tasks on functions, send them through the app's Celery."""

from __future__ import annotations

from collections.abc import Callable
from functools import update_wrapper
from typing import TYPE_CHECKING, Any, Generic, ParamSpec, TypeVar, overload

from hipflask import current_app, has_app_context

if TYPE_CHECKING:
    from hipflask import App

P = ParamSpec("P")
R = TypeVar("R")


class TasksState:
    """The per-app state in ``app.extensions["tasks"]``: the Celery app, created on first use."""

    def __init__(self, tasks: Tasks, app: App) -> None:
        self.tasks = tasks
        self.app = app
        self._celery: Any = None

    @property
    def celery(self) -> Any:
        """The Celery app of this hipflask app (importing Celery the first time)."""
        if self._celery is None:
            from .celeryapp import create_celery

            self._celery = create_celery(self.app, self.tasks.declared)
        return self._celery

    @property
    def created(self) -> bool:
        """Tell whether the Celery app exists yet."""
        return self._celery is not None


class Tasks:
    """Run functions in the background on Celery workers, inside an app context.

    ``tasks = Tasks(app)`` or ``tasks = Tasks()`` then ``tasks.init_app(app)``. The Celery
    app is created from ``app.config["CELERY"]`` (see ``docs/tasks.md``) the first time a task is
    sent or a worker starts.
    """

    def __init__(self, app: App | None = None) -> None:
        self.declared: list[tuple[Callable[..., Any], dict[str, Any]]] = []
        self._states: list[TasksState] = []
        if app is not None:
            self.init_app(app)

    def init_app(self, app: App) -> None:
        """Register the extension on ``app`` and add the ``worker`` and ``beat`` commands."""
        from .cli import beat_command, worker_command

        if "tasks" in app.extensions:
            raise RuntimeError("Tasks is already registered on this app.")
        state = TasksState(self, app)
        app.extensions["tasks"] = state
        self._states.append(state)
        app.cli.add_command(worker_command)
        app.cli.add_command(beat_command)

    @overload
    def task(self, func: Callable[P, R], /) -> TaskFunction[P, R]: ...

    @overload
    def task(self, /, **options: Any) -> Callable[[Callable[P, R]], TaskFunction[P, R]]: ...

    def task(self, func: Callable[..., Any] | None = None, /, **options: Any) -> Any:
        """Declare ``func`` a task: ``@tasks.task`` or ``@tasks.task(bind=True, max_retries=3)``.

        Every Celery task option is accepted. The function stays callable as it was.
        """

        def decorator(func: Callable[P, R]) -> TaskFunction[P, R]:
            self.declared.append((func, options))
            for state in self._states:
                if state.created:
                    from .celeryapp import register

                    register(state.celery, func, options)
            return TaskFunction(self, func, options)

        return decorator if func is None else decorator(func)

    def state(self) -> TasksState:
        """Return the state of the current app, or else of the app registered last."""
        if has_app_context():
            state = current_app.extensions.get("tasks")
            if isinstance(state, TasksState) and state.tasks is self:
                return state
        if not self._states:
            raise RuntimeError("Tasks is not registered on an app: call Tasks(app) or init_app.")
        return self._states[-1]

    @property
    def celery(self) -> Any:
        """The Celery app of the current app (see :meth:`state`)."""
        return self.state().celery

    def result(self, task_id: str) -> Any:
        """Return the ``AsyncResult`` of the task sent with ``task_id``."""
        return self.celery.AsyncResult(task_id)


class TaskFunction(Generic[P, R]):
    """A function declared as a task: call it directly, or ``.delay()`` it to a worker.

    Every other attribute (``apply_async``, ``s``, ``name``, ...) is the Celery task's, on the
    Celery app of the current app.
    """

    def __init__(self, tasks: Tasks, func: Callable[P, R], options: dict[str, Any]) -> None:
        self.tasks = tasks
        self.func = func
        self.options = options
        update_wrapper(self, func)

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        """Run the function now, in this process, inside an app context.

        The caller's context when there is one, else one of the app (as in a worker). A bound
        task receives its Celery task as ``self``.
        """
        if self.options.get("bind"):
            return self.celery_task(*args, **kwargs)  # type: ignore[no-any-return]
        if has_app_context():
            return self.func(*args, **kwargs)
        with self.tasks.state().app.app_context():
            return self.func(*args, **kwargs)

    @property
    def celery_task(self) -> Any:
        """The Celery task of the current app."""
        from .celeryapp import task_name

        celery = self.tasks.celery
        return celery.tasks[task_name(celery, self.func, self.options)]

    def delay(self, *args: P.args, **kwargs: P.kwargs) -> Any:
        """Send the task to a worker; return its ``AsyncResult``."""
        return self.celery_task.delay(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.celery_task, name)

    def __repr__(self) -> str:
        return f"<TaskFunction {self.func.__module__}.{self.func.__qualname__}>"
