"""Cookies, the session and flash messages, one small page each (the ``sessions_demo`` blueprint).

Register it with ``app.register_blueprint(sessions_demo, url_prefix="/sessions")``. Its pages
extend the app's ``base.html``; every change (setting a cookie, counting, flashing) is a POST
form carrying the CSRF token, so no GET request changes anything.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hipflask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

sessions_demo = Blueprint("sessions_demo", __name__)

COOKIE = "demo_cookie"
#: The session keys these pages write, the only ones the overview shows: the others belong to
#: the login and CSRF machinery (a user id, a CSRF secret) and are no business of a page.
DEMO_KEYS = ("counter",)


@sessions_demo.route("/")
def index() -> str:
    """List the demos and what the demo keys of the session hold now."""
    shown = {key: session[key] for key in DEMO_KEYS if key in session}
    hidden = sum(1 for key in session if key not in shown)
    return render_template(
        "sessions/index.html", shown=shown, hidden=hidden, permanent=session.permanent
    )


@sessions_demo.route("/cookie")
def read_cookie() -> str:
    """Show the demo cookie, with forms to set and delete it."""
    return render_template("sessions/cookie.html", cookie=COOKIE, value=request.cookies.get(COOKIE))


@sessions_demo.post("/cookie")
def set_cookie() -> Response | tuple[str, int]:
    """Set the demo cookie (an hour, HttpOnly, SameSite=Lax) and go back.

    A value with control characters gets a 400 page: ``set_cookie`` refuses CR, LF and NUL
    with a ValueError (no header injection), which would otherwise be a 500.
    """
    value = request.form.get("value", "chocolate chip")[:100]
    if not value.isprintable():
        page = render_template("sessions/cookie.html", cookie=COOKIE, refused=True)
        return page, 400
    response = redirect(url_for(".read_cookie"))
    response.set_cookie(
        COOKIE, value, max_age=3600, httponly=True, samesite="Lax", secure=request.is_secure
    )
    return response


@sessions_demo.post("/cookie/delete")
def delete_cookie() -> Response:
    """Delete the demo cookie and go back."""
    response = redirect(url_for(".read_cookie"))
    response.delete_cookie(COOKIE)
    return response


@sessions_demo.route("/counter")
def counter() -> str:
    """Show the count kept in the session."""
    return render_template("sessions/counter.html", count=session.get("counter", 0))


@sessions_demo.post("/counter")
def count() -> Response:
    """Add one to the count in the session."""
    session["counter"] = session.get("counter", 0) + 1
    return redirect(url_for(".counter"))


@sessions_demo.route("/permanent")
def permanent() -> str:
    """Show whether the session outlives the browser, with a form to make it so."""
    lifetime: timedelta = current_app.permanent_session_lifetime
    return render_template(
        "sessions/permanent.html",
        permanent=session.permanent,
        minutes=int(lifetime.total_seconds() // 60),
        until=datetime.now(UTC) + lifetime,
    )


@sessions_demo.post("/permanent")
def make_permanent() -> Response:
    """Make the session permanent: it outlives the browser for PERMANENT_SESSION_LIFETIME."""
    session.permanent = True
    return redirect(url_for(".permanent"))


@sessions_demo.route("/flash")
def flash_form() -> str:
    """Explain flashing, with the form that flashes."""
    return render_template("sessions/flash.html")


@sessions_demo.post("/flash")
def flash_and_redirect() -> Response:
    """Flash two messages, then redirect: they appear once on the next page."""
    flash("Saved: this message survived exactly one redirect.", "success")
    flash("<b>Markup in a message is escaped</b>", "info")
    return redirect(url_for(".messages"))


@sessions_demo.route("/messages")
def messages() -> str:
    """Show (and so consume) the flashed messages, in the page rather than the banner."""
    return render_template("sessions/messages.html")
