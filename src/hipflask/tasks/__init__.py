"""Background tasks on Celery: ``Tasks(app)``, ``@tasks.task``, ``hipflask worker``.

Celery loads when the first task is sent or a worker starts, never at ``import hipflask``.
See ``docs/tasks.md``.
"""

from __future__ import annotations

from .extension import TaskFunction, Tasks, TasksState

__all__ = ["TaskFunction", "Tasks", "TasksState"]
