"""The demo's tables: users, and the outbox the welcome task writes to."""

from __future__ import annotations

from datetime import UTC, datetime

from hipflask.auth import UserMixin

from .extensions import db


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class User(UserMixin, db.Model):  # type: ignore[name-defined,misc]
    """An account: a unique name and an argon2id password hash (never the password)."""

    id = db.Column(db.Integer, primary_key=True)
    username = db.Column(db.String(64), unique=True, nullable=False)
    password_hash = db.Column(db.String(255), nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=_now)


class OutboxMessage(db.Model):  # type: ignore[name-defined,misc]
    """A message a task "sent": the demo keeps it in a table instead of mailing it."""

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id"), nullable=False, index=True)
    subject = db.Column(db.String(200), nullable=False)
    body = db.Column(db.Text, nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=_now)
