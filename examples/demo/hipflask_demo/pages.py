"""The demo's other pages: home, echo, the outbox, a JSON call, and the error pages."""

from __future__ import annotations

from typing import Any

from hipflask import render_template, request
from hipflask.auth import current_user, login_required
from hipflask.csrf import CSRFError
from hipflask.exceptions import HTTPException

from .extensions import db
from .models import OutboxMessage


def index() -> str:
    """Say hello, and who is logged in."""
    return render_template("index.html")


def echo() -> str:
    """Show the ``text`` query argument back, escaped."""
    return render_template("echo.html", text=request.args.get("text", ""))


@login_required
def outbox() -> str:
    """Show the messages the welcome task "sent" to the logged-in user."""
    messages = db.session.execute(
        db.select(OutboxMessage)
        .filter_by(user_id=current_user.id)
        .order_by(OutboxMessage.created_at.desc())
    ).scalars()
    return render_template("outbox.html", messages=list(messages))


@login_required
def ping() -> dict[str, Any]:
    """Answer the profile page's ``fetch()`` call (CSRF-checked through the header)."""
    body = request.get_json(silent=True)
    message = body.get("message") if isinstance(body, dict) else None
    return {"pong": True, "user": current_user.username, "echo": message}


def csrf_error(exc: CSRFError) -> tuple[str, int]:
    """Explain a refused form on a page of the site's own layout."""
    return render_template("csrf_error.html", reason=exc.description), 400


def http_error(exc: HTTPException) -> Any:
    """Show 404, 405 and 500 on the site's layout (API clients keep the JSON error body)."""
    if request.prefers_json:
        return exc
    code = exc.code or 500
    # NOTE: the exception's own headers (Allow on a 405) go with the page.
    return render_template("error.html", code=code, name=exc.name), code, exc.get_headers()


def server_error(exc: Exception) -> tuple[str, int]:
    """Show a 500 on the site's layout; the traceback is in the log, never on the page."""
    return render_template("error.html", code=500, name="Internal Server Error"), 500
