"""``SQLALCHEMY_TRACK_MODIFICATIONS``: the ``before_models_committed`` and ``models_committed``
signals, sent with the app and ``changes``, a list of ``(model, "insert" | "update" | "delete")``.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
import sqlalchemy.event as sa_event
import sqlalchemy.orm as sa_orm

from hipflask import current_app, has_app_context
from hipflask.signals import Namespace

__all__ = ["before_models_committed", "models_committed"]

_signals = Namespace()

#: Sent before a commit that changes models; ``changes`` lists them.
before_models_committed = _signals.signal("before-models-committed")
#: Sent after such a commit succeeded; ``changes`` lists the models.
models_committed = _signals.signal("models-committed")


def listen(session_class: type[sa_orm.Session]) -> None:
    """Track the changes of every session of ``session_class`` (once)."""
    if sa_event.contains(session_class, "before_commit", _before_commit):
        return
    sa_event.listen(session_class, "before_flush", _record_ops)
    sa_event.listen(session_class, "before_commit", _record_ops)
    sa_event.listen(session_class, "before_commit", _before_commit)
    sa_event.listen(session_class, "after_commit", _after_commit)
    sa_event.listen(session_class, "after_rollback", _after_rollback)


def _tracking() -> bool:
    return has_app_context() and bool(current_app.config.get("SQLALCHEMY_TRACK_MODIFICATIONS"))


def _record_ops(session: Any, *args: Any) -> None:
    if not _tracking():
        return
    for targets, operation in (
        (session.new, "insert"),
        (session.dirty, "update"),
        (session.deleted, "delete"),
    ):
        for target in targets:
            state = sa.inspect(target)
            key = state.identity_key if state.has_identity else id(target)
            session._model_changes[key] = (target, operation)


def _before_commit(session: Any) -> None:
    if _tracking() and session._model_changes:
        changes = list(session._model_changes.values())
        before_models_committed.send(current_app._get_current_object(), changes=changes)  # type: ignore[attr-defined]


def _after_commit(session: Any) -> None:
    if _tracking() and session._model_changes:
        changes = list(session._model_changes.values())
        models_committed.send(current_app._get_current_object(), changes=changes)  # type: ignore[attr-defined]
    session._model_changes.clear()


def _after_rollback(session: Any) -> None:
    session._model_changes.clear()
