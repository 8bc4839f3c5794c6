"""Forms: request binding, validate_on_submit, hidden_tag, rendering, CSRF and file validators."""

from __future__ import annotations

import logging
import re
import time
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from markupsafe import Markup

import hipflask.forms
from hipflask import App, render_template_string, request
from hipflask.datastructures import MultiDict
from hipflask.forms import (
    BooleanField,
    DataRequired,
    Email,
    EqualTo,
    FlaskForm,
    Form,
    HiddenField,
    IntegerField,
    Length,
    NumberRange,
    PasswordField,
    Regexp,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    ValidationError,
)

KEY = "k" * 40


class SignupForm(Form):
    name = StringField("Name", validators=[DataRequired(), Length(max=20)])
    email = StringField("Email", validators=[DataRequired(), Email()])
    age = IntegerField("Age", validators=[NumberRange(min=13, max=130)])
    code = StringField("Code", validators=[Regexp(r"^[A-Z]{3}$", message="Three capitals.")])
    password = PasswordField("Password", validators=[DataRequired()])
    confirm = PasswordField("Repeat", validators=[EqualTo("password")])
    color = SelectField("Color", choices=[SelectChoice("r", "Red"), SelectChoice("g", "Green")])
    bio = TextAreaField("Bio")
    agree = BooleanField("I agree")
    next_url = HiddenField()
    submit = SubmitField("Sign up")


VALID = {
    "name": "Ada",
    "email": "ada@example.com",
    "age": "36",
    "code": "ABC",
    "password": "pw",
    "confirm": "pw",
    "color": "g",
    "bio": "Hello",
    "agree": "y",
}


class NameForm(Form):
    name = StringField("Name", validators=[DataRequired()])


def make_app(**config: Any) -> App:
    app = App(__name__)
    app.config.update({"SECRET_KEY": KEY, "WTF_CSRF_ENABLED": False, **config})
    return app


# -- binding --------------------------------------------------------------------------------


def test_post_binds_request_form() -> None:
    app = make_app()
    with app.test_request_context("/", method="POST", data=VALID):
        form = SignupForm()
        assert form.name.data == "Ada"
        assert form.age.data == 36
        assert form.agree.data is True
        assert form.validate_on_submit()
        assert form.errors == {}


def test_get_does_not_bind_the_query_string() -> None:
    app = make_app()
    with app.test_request_context("/?name=Eve"):
        form = SignupForm(data={"name": "Default"})
        assert form.name.data == "Default"
        assert not form.is_submitted()


def test_json_object_body_binds() -> None:
    app = make_app()
    body = {**VALID, "age": 36, "agree": True}
    with app.test_request_context("/", method="POST", json=body):
        form = SignupForm()
        assert form.validate_on_submit(), form.errors
        assert form.age.data == 36


@pytest.mark.parametrize("body", [["not", "an", "object"], "text", None])
def test_json_that_is_not_an_object_binds_nothing(body: Any) -> None:
    app = make_app()
    with app.test_request_context("/", method="POST", json=body):
        form = NameForm()
        assert form.name.data is None
        assert not form.validate_on_submit()


def test_broken_json_body_is_not_a_500() -> None:
    app = make_app()
    with app.test_request_context(
        "/", method="POST", data=b"{nope", content_type="application/json"
    ):
        form = NameForm()
        assert not form.validate_on_submit()


def test_explicit_formdata_wins() -> None:
    app = make_app()
    with app.test_request_context("/", method="POST", data={"name": "from request"}):
        form = NameForm(formdata=MultiDict({"name": "given"}))
        assert form.name.data == "given"
        assert NameForm(formdata=None, data={"name": "data"}).name.data == "data"


def test_obj_and_defaults_fill_an_unsubmitted_form() -> None:
    class User:
        name = "Grace"

    app = make_app()
    with app.test_request_context("/"):
        assert NameForm(obj=User()).name.data == "Grace"


def test_form_outside_a_request_works_without_csrf() -> None:
    form = NameForm(data={"name": "x"})
    assert "csrf_token" not in form
    assert not form.is_submitted()
    assert form.validate()


# -- validate_on_submit ---------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_validate_on_submit_for_each_submit_method(method: str) -> None:
    app = make_app()
    with app.test_request_context("/", method=method, data={"name": "x"}):
        assert NameForm().validate_on_submit()
    with app.test_request_context("/", method=method, data={"other": "x"}):
        form = NameForm()
        assert not form.validate_on_submit()
        assert form.errors == {"name": ["This field is required."]}


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
def test_validate_on_submit_is_false_for_other_methods(method: str) -> None:
    app = make_app()
    with app.test_request_context("/?name=x", method=method):
        form = NameForm()
        assert not form.validate_on_submit()
        assert form.errors == {}


def test_errors_of_every_validator() -> None:
    app = make_app()
    bad = {
        "name": "x" * 21,
        "email": "not-an-email",
        "age": "7",
        "code": "abc",
        "password": "pw",
        "confirm": "other",
        "color": "purple",
    }
    with app.test_request_context("/", method="POST", data=bad):
        form = SignupForm()
        assert not form.validate_on_submit()
        errors = form.errors
    assert set(errors) == {"name", "email", "age", "code", "confirm", "color"}
    assert errors["name"] == ["Field cannot be longer than 20 characters."]
    assert errors["email"] == ["Invalid email address."]
    assert errors["age"] == ["Number must be between 13 and 130."]
    assert errors["code"] == ["Three capitals."]
    assert errors["confirm"] == ["Field must be equal to password."]


def test_flask_form_is_form() -> None:
    assert FlaskForm is Form


# -- hidden_tag and rendering -------------------------------------------------------------------


def test_hidden_tag_renders_the_token_and_hidden_fields_only() -> None:
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.test_request_context("/"):
        form = SignupForm(data={"next_url": "/home"})
        tag = form.hidden_tag()
        assert isinstance(tag, Markup)
        assert 'name="csrf_token" type="hidden"' in tag
        assert 'name="next_url" type="hidden" value="/home"' in tag
        assert "password" not in tag
        only = form.hidden_tag("next_url", "missing")
        assert "csrf_token" not in only
        assert "next_url" in only


def test_jinja_rendering_as_in_the_tutorials() -> None:
    app = make_app(WTF_CSRF_ENABLED=True)
    source = (
        "<form method=post>{{ form.hidden_tag() }}"
        "{{ form.name.label }} {{ form.name(size=32) }}"
        "{% for error in form.name.errors %}<span>{{ error }}</span>{% endfor %}"
        "{{ form.submit() }}</form>"
    )

    @app.route("/", methods=["GET", "POST"])
    def index() -> str:
        return render_template_string(source, form=SignupForm())

    html = app.test_client().get("/").get_data(as_text=True)
    assert '<label for="name">Name</label>' in html
    assert (
        '<input id="name" maxlength="20" name="name" required size="32" type="text" value="">'
        in (html)
    )
    assert '<input id="submit" name="submit" type="submit" value="Sign up">' in html
    assert re.search(r'<input id="csrf_token" name="csrf_token" type="hidden" value="[^"]+">', html)


def test_values_and_errors_are_escaped() -> None:
    """SECURITY #26: a submitted value and an error quoting it are escaped."""

    class EvilForm(Form):
        name = StringField("Name")

        def validate_name(self, field: Any) -> None:
            raise ValidationError(f"{field.data} is not allowed")

    app = make_app()
    source = "{{ form.name() }}{% for e in form.name.errors %}<p>{{ e }}</p>{% endfor %}"
    payload = '"onmouseover=alert(1) <script>x</script>'

    @app.route("/", methods=["POST"])
    def index() -> str:
        form = EvilForm()
        form.validate_on_submit()
        return render_template_string(source, form=form)

    html = app.test_client().post("/", data={"name": payload}).get_data(as_text=True)
    assert "<script>" not in html
    assert '"onmouseover' not in html
    assert "&lt;script&gt;" in html
    assert "&#34;onmouseover" in html or "&quot;onmouseover" in html


# -- CSRF on forms ------------------------------------------------------------------------------


def csrf_app() -> App:
    app = make_app(WTF_CSRF_ENABLED=True)

    @app.route("/", methods=["GET", "POST"])
    def index() -> Any:
        form = NameForm()
        if form.validate_on_submit():
            return "valid"
        return {"errors": form.errors, "token": form.csrf_token.current_token}

    return app


def test_form_token_round_trip() -> None:
    app = csrf_app()
    client = app.test_client()
    token = client.get("/").get_json()["token"]
    assert client.post("/", data={"name": "x", "csrf_token": token}).get_data() == b"valid"


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        (None, "The CSRF token is missing."),
        ("", "The CSRF token is missing."),
        ("forged.token.here", "The CSRF token is invalid."),
    ],
)
def test_form_without_a_good_token_is_invalid(token: str | None, reason: str) -> None:
    app = csrf_app()
    client = app.test_client()
    client.get("/")
    data = {"name": "x"} if token is None else {"name": "x", "csrf_token": token}
    assert client.post("/", data=data).get_json()["errors"] == {"csrf_token": [reason]}


def test_form_token_failure_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    app = csrf_app()
    client = app.test_client()
    client.get("/")
    with caplog.at_level(logging.WARNING, logger=app.logger.name):
        client.post("/", data={"name": "x"})
    assert "CSRF check failed on a form: The CSRF token is missing." in caplog.messages


def test_form_token_expires_with_the_time_limit_in_meta(monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app(WTF_CSRF_ENABLED=True)

    class ShortForm(NameForm):
        class Meta:
            csrf_time_limit = 10

    @app.route("/", methods=["GET", "POST"])
    def index() -> Any:
        form = ShortForm()
        if request.method == "GET":
            return form.csrf_token.current_token or ""
        return {"ok": form.validate_on_submit(), "errors": form.errors}

    client = app.test_client()
    token = client.get("/").get_data(as_text=True)
    later = time.time() + 11
    monkeypatch.setattr("hipflask.csrf.time", SimpleNamespace(time=lambda: later))
    response = client.post("/", data={"name": "x", "csrf_token": token}).get_json()
    assert response["errors"] == {"csrf_token": ["The CSRF token has expired."]}


def test_csrf_can_be_turned_off_per_form() -> None:
    app = make_app(WTF_CSRF_ENABLED=True)

    class NoCsrf(NameForm):
        class Meta:
            csrf = False

    with app.test_request_context("/", method="POST", data={"name": "x"}):
        assert NoCsrf().validate_on_submit()
        assert NameForm(meta={"csrf": False}).validate_on_submit()
        assert not NameForm().validate_on_submit()


def test_disabled_csrf_setting_drops_the_field() -> None:
    app = make_app(WTF_CSRF_ENABLED=False)
    with app.test_request_context("/"):
        assert "csrf_token" not in NameForm()


def test_form_trusts_a_check_csrfprotect_already_made() -> None:
    from hipflask.csrf import CSRFProtect

    app = make_app(WTF_CSRF_ENABLED=True)
    CSRFProtect(app)

    @app.route("/", methods=["GET", "POST"])
    def index() -> Any:
        form = NameForm()
        if form.validate_on_submit():
            return "valid"
        return form.csrf_token.current_token or ""

    client = app.test_client()
    token = client.get("/").get_data(as_text=True)
    # The header satisfies CSRFProtect; the form's own field is absent but already vouched for.
    response = client.post("/", data={"name": "x"}, headers={"X-CSRFToken": token})
    assert response.get_data() == b"valid"


# -- FlaskForm.Meta's CSRF options ---------------------------------------------------------------


def form_app(form_class: type[Form], **config: Any) -> App:
    """Return an app whose ``/`` renders the form's token (GET) and validates it (POST)."""
    app = make_app(WTF_CSRF_ENABLED=True, WTF_CSRF_SECRET_KEY="c" * 40, **config)

    @app.route("/", methods=["GET", "POST"])
    def index() -> Any:
        form = form_class()
        if request.method == "GET":
            field = form[form.meta.csrf_field_name]
            return {"name": field.name, "token": field.current_token}
        return {"ok": form.validate_on_submit(), "errors": form.errors}

    return app


def test_meta_csrf_secret_is_honoured_over_the_config() -> None:
    class OwnSecret(NameForm):
        class Meta:
            csrf_secret = "f" * 40

    app = form_app(OwnSecret)
    client = app.test_client()
    token = client.get("/").get_json()["token"]
    assert client.post("/", data={"name": "x", "csrf_token": token}).get_json()["ok"]
    other = form_app(NameForm)
    other_client = other.test_client()
    other_client.get("/")
    with other_client.session_transaction() as sess:
        sess["csrf_token"] = "00" * 32
    result = other_client.post("/", data={"name": "x", "csrf_token": token}).get_json()
    assert result["errors"] == {"csrf_token": ["The CSRF token is invalid."]}


def test_meta_per_instance_secret() -> None:
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.test_request_context("/", method="POST"):
        form = NameForm(meta={"csrf_secret": "i" * 40})
        token = form.csrf_token.current_token
    with app.test_request_context("/", method="POST", data={"name": "x", "csrf_token": token}):
        assert not NameForm().validate_on_submit()


def test_meta_csrf_field_name() -> None:
    class Renamed(NameForm):
        class Meta:
            csrf_field_name = "_token"

    app = form_app(Renamed)
    client = app.test_client()
    page = client.get("/").get_json()
    assert page["name"] == "_token"
    with client.session_transaction() as sess:
        assert "_token" in sess
    result = client.post("/", data={"name": "x", "_token": page["token"]}).get_json()
    assert result == {"ok": True, "errors": {}}


def test_meta_csrf_class_and_context_replace_the_token_scheme() -> None:
    from wtforms.csrf.session import SessionCSRF

    from hipflask import session

    class SessionForm(NameForm):
        class Meta:
            csrf_class = SessionCSRF
            csrf_secret = b"s" * 32
            csrf_time_limit = timedelta(minutes=30)  # SessionCSRF's unit, as under Flask-WTF

    app = form_app(SessionForm)
    client = app.test_client()
    token = client.get("/").get_json()["token"]
    assert "##" in token  # WTForms' SessionCSRF format, not hipflask's
    assert client.post("/", data={"name": "x", "csrf_token": token}).get_json()["ok"]
    result = client.post("/", data={"name": "x", "csrf_token": "x##y"}).get_json()
    assert result["errors"] == {"csrf_token": ["CSRF failed."]}
    with app.test_request_context("/"):
        assert NameForm().meta.csrf_context is session


# -- the module's public names ------------------------------------------------------------------


def test_all_is_sorted_and_resolves() -> None:
    names = hipflask.forms.__all__
    assert len(names) == len(set(names))  # NOTE: ruff (RUF022) keeps the order
    for name in names:
        assert getattr(hipflask.forms, name) is not None, name


#: Flask-WTF's public names by module, and where the port tool looks for them.
FLASK_WTF_NAMES = {
    "flask_wtf": ["FlaskForm", "Form", "Recaptcha", "RecaptchaField", "RecaptchaWidget"],
    "flask_wtf.form": ["FlaskForm", "SUBMIT_METHODS"],
    "flask_wtf.file": [
        "FileAllowed", "FileField", "FileRequired", "FileSize", "MultipleFileField",
        "file_allowed", "file_required", "file_size",
    ],
    "flask_wtf.recaptcha": ["Recaptcha", "RecaptchaField", "RecaptchaWidget"],
}  # fmt: skip
FLASK_WTF_CSRF_NAMES = [
    "CSRFError", "CSRFProtect", "csrf_meta_tag", "generate_csrf", "same_origin", "validate_csrf",
]  # fmt: skip


def test_flask_wtfs_names_are_where_the_port_looks() -> None:
    import hipflask.csrf

    for module, names in FLASK_WTF_NAMES.items():
        for name in names:
            assert name in hipflask.forms.__all__, (module, name)
    for name in FLASK_WTF_CSRF_NAMES:
        assert name in hipflask.csrf.__all__, name
    assert hipflask.forms.FlaskForm is hipflask.forms.Form
