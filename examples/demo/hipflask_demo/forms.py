"""The demo's forms: log in, register."""

from __future__ import annotations

from typing import Any

from hipflask.forms import (
    BooleanField,
    DataRequired,
    EqualTo,
    Form,
    Length,
    PasswordField,
    Regexp,
    StringField,
    SubmitField,
    ValidationError,
)

from .extensions import db
from .models import User

USERNAME_RULES = [
    DataRequired(),
    Length(min=3, max=64),
    Regexp(r"^[A-Za-z0-9_.-]+$", message="Use letters, digits, dots, dashes and underscores."),
]


class LoginForm(Form):
    """Username, password and remember-me (plus the hidden CSRF token)."""

    username = StringField("Username", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=128)])
    remember = BooleanField("Remember me on this device", default=True)
    submit = SubmitField("Log in")


class RegisterForm(Form):
    """A new account: a unique username and a password typed twice."""

    username = StringField("Username", validators=USERNAME_RULES)
    password = PasswordField("Password", validators=[DataRequired(), Length(min=8, max=128)])
    confirm = PasswordField(
        "Repeat the password",
        validators=[DataRequired(), EqualTo("password", "The passwords differ.")],
    )
    submit = SubmitField("Create the account")

    def validate_username(self, field: Any) -> None:
        """Refuse a name that is taken (the unique index still guards a race)."""
        taken = db.session.execute(db.select(User.id).filter_by(username=field.data)).first()
        if taken is not None:
            raise ValidationError("That username is taken.")
