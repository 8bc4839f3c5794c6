"""Cookies, the session and flash messages, one small page each (the ``sessions_demo`` blueprint).

Register it with ``app.register_blueprint(sessions_demo, url_prefix="/sessions")``. The pages are
plain HTML strings, escaped by hand, so the blueprint needs no templates.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from markupsafe import escape

from hipflask import (
    Blueprint,
    Response,
    current_app,
    flash,
    get_flashed_messages,
    redirect,
    request,
    session,
    url_for,
)

sessions_demo = Blueprint("sessions_demo", __name__)

COOKIE = "demo_cookie"


def page(title: str, body: str) -> str:
    """Wrap ``body`` (already escaped HTML) in a minimal page with links to every demo."""
    links = " | ".join(
        f'<a href="{url_for(f"sessions_demo.{endpoint}")}">{label}</a>'
        for endpoint, label in (
            ("index", "index"),
            ("read_cookie", "cookie"),
            ("counter", "counter"),
            ("remember", "permanent session"),
            ("flash_and_redirect", "flash"),
        )
    )
    return f"<!doctype html>\n<title>{escape(title)}</title>\n<nav>{links}</nav>\n{body}\n"


@sessions_demo.route("/")
def index() -> str:
    """List the demos and what the session holds now."""
    items = "".join(
        f"<li><code>{escape(key)}</code> = <code>{escape(repr(value))}</code></li>"
        for key, value in session.items()
    )
    return page("Sessions", f"<h1>The session holds</h1><ul>{items or '<li>nothing</li>'}</ul>")


@sessions_demo.route("/cookie")
def read_cookie() -> str:
    """Show the demo cookie, with links to set and delete it."""
    value = request.cookies.get(COOKIE)
    shown = "not set" if value is None else f"<code>{escape(value)}</code>"
    return page(
        "Cookie",
        f"<h1>{COOKIE}: {shown}</h1>"
        f'<form action="{url_for(".set_cookie")}"><input name=value value="chocolate chip">'
        "<button>Set it for an hour</button></form>"
        f'<p><a href="{url_for(".delete_cookie")}">Delete it</a></p>',
    )


@sessions_demo.route("/cookie/set")
def set_cookie() -> Response | tuple[str, int]:
    """Set the demo cookie (an hour, HttpOnly, SameSite=Lax) and go back.

    A value with control characters gets a 400 page: ``set_cookie`` refuses CR, LF and NUL
    with a ValueError (no header injection), which would otherwise be a 500.
    """
    value = request.args.get("value", "chocolate chip")[:100]
    if not value.isprintable():
        body = "<h1>Not set</h1><p>A cookie value cannot contain control characters.</p>"
        return page("Cookie", body), 400
    response = redirect(url_for(".read_cookie"))
    response.set_cookie(
        COOKIE,
        value,
        max_age=3600,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure,
    )
    return response


@sessions_demo.route("/cookie/delete")
def delete_cookie() -> Response:
    """Delete the demo cookie and go back."""
    response = redirect(url_for(".read_cookie"))
    response.delete_cookie(COOKIE)
    return response


@sessions_demo.route("/counter")
def counter() -> str:
    """Count this browser's visits in the session."""
    session["counter"] = session.get("counter", 0) + 1
    return page("Counter", f"<h1>You have seen this page {session['counter']} times.</h1>")


@sessions_demo.route("/permanent")
def remember() -> str:
    """Make the session permanent: it outlives the browser for PERMANENT_SESSION_LIFETIME."""
    session.permanent = True
    lifetime: timedelta = current_app.permanent_session_lifetime
    until = datetime.now(UTC) + lifetime
    return page(
        "Permanent session",
        f"<h1>This session now lasts {int(lifetime.total_seconds() // 60)} minutes</h1>"
        f"<p>(until {until:%H:%M} UTC, renewed by every visit), even if you close the browser.</p>",
    )


@sessions_demo.route("/flash")
def flash_and_redirect() -> Response:
    """Flash two messages, then redirect: they appear once on the next page."""
    flash("Saved: this message survived exactly one redirect.", "success")
    flash("<b>Markup in a message is escaped</b>", "info")
    return redirect(url_for(".messages"))


@sessions_demo.route("/messages")
def messages() -> str:
    """Show (and so consume) the flashed messages."""
    items = "".join(
        f'<li class="{escape(category)}">{escape(message)}</li>'
        for category, message in get_flashed_messages(with_categories=True)
    )
    return page(
        "Messages",
        f"<h1>Flashed messages</h1><ul>{items or '<li>none left: reload to check</li>'}</ul>",
    )
