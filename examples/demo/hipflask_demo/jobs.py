"""The demo's background task: welcome a new user by "mail" (a row in the outbox table)."""

from __future__ import annotations

from .extensions import db, tasks
from .models import OutboxMessage, User


@tasks.task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def send_welcome(user_id: int) -> int | None:
    """Write the welcome message of user ``user_id`` to the outbox, once.

    Tasks run at least once, so this one is idempotent: a second run for the same user finds
    the message already there and writes nothing.
    """
    user = db.session.get(User, user_id)
    if user is None:
        return None
    subject = f"Welcome to the hipflask demo, {user.username}!"
    existing = db.session.execute(
        db.select(OutboxMessage.id).filter_by(user_id=user_id, subject=subject)
    ).scalar()
    if existing is not None:
        return int(existing)
    message = OutboxMessage(
        user_id=user_id,
        subject=subject,
        body=f"Hello {user.username}, your account is ready. Log in any time.",
    )
    db.session.add(message)
    db.session.commit()
    return int(message.id)
