"""Accounts: register, log in (with remember-me), log out here or everywhere, the profile."""

from __future__ import annotations

from typing import Any

from hipflask import Response, flash, redirect, render_template, request, url_for
from hipflask.auth import (
    current_user,
    login_remembered,
    login_required,
    login_user,
    logout_user,
    safe_next_url,
)
from hipflask.security import check_password_hash, generate_password_hash, needs_rehash

from .extensions import db, login_manager, throttle
from .forms import LoginForm, RegisterForm
from .jobs import send_welcome
from .models import User

#: How long the ``last_user`` cookie lives, in seconds.
LAST_USER_MAX_AGE = 3600


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Return the user of the session's id (None when it no longer exists)."""
    return db.session.get(User, int(user_id)) if user_id.isdigit() else None


def register() -> Any:
    """Show the registration form; create the account and queue its welcome message."""
    if current_user.is_authenticated:
        return redirect(url_for("profile"))
    form = RegisterForm()
    if form.validate_on_submit():
        user = User(
            username=form.username.data, password_hash=generate_password_hash(form.password.data)
        )
        db.session.add(user)
        db.session.commit()
        send_welcome.delay(user.id)
        login_user(user)
        flash(f"Welcome, {user.username}! Your account is ready.", "success")
        return redirect(url_for("profile"))
    return render_template("register.html", form=form)


def authenticate(username: str, password: str) -> User | None:
    """Return the user whose password this is; slow down, then refuse, repeated failures."""
    throttle.check(username)
    user: User | None = db.session.execute(db.select(User).filter_by(username=username)).scalar()
    # SECURITY: None for an unknown name checks a dummy hash, so timing does not tell who exists.
    if not check_password_hash(user.password_hash if user else None, password):
        throttle.record_failure(username)
        return None
    throttle.reset(username)
    assert user is not None
    if needs_rehash(user.password_hash):
        user.password_hash = generate_password_hash(password)
        db.session.commit()
    return user


def login() -> Any:
    """Show the login form; log in on valid credentials, flash an error otherwise."""
    if current_user.is_authenticated:
        return redirect(url_for("profile"))
    form = LoginForm()
    if request.method == "GET":
        form.username.data = request.cookies.get("last_user", "")[:64]
    if form.validate_on_submit():
        user = authenticate(form.username.data, form.password.data)
        if user is not None:
            login_user(user, remember=bool(form.remember.data))
            flash(f"Welcome back, {user.username}!", "success")
            response = redirect(safe_next_url(url_for("profile")))
            response.set_cookie(
                "last_user",
                user.username,
                max_age=LAST_USER_MAX_AGE,
                secure=request.is_secure,
                httponly=True,
                samesite="Lax",
            )
            return response
        flash("Invalid username or password.", "error")
    return render_template("login.html", form=form)


@login_required
def profile() -> str:
    """Show the logged-in user's page."""
    return render_template(
        "profile.html", last_user=request.cookies.get("last_user"), remembered=login_remembered()
    )


def logout() -> Response:
    """Log out of this browser, delete the ``last_user`` cookie, and go to the login page."""
    logout_user()
    flash("You have been logged out.", "info")
    response = redirect(url_for("login"))
    response.delete_cookie("last_user")
    return response


@login_required
def logout_everywhere() -> Response:
    """Log out of every browser and device this account is logged in on."""
    logout_user(everywhere=True)
    flash("You have been logged out of every device.", "info")
    response = redirect(url_for("login"))
    response.delete_cookie("last_user")
    return response
