"""Form messages in the request's locale (Flask-WTF's i18n without Flask-Babel): a selector
from WTF_I18N_LOCALE_SELECTOR or app.extensions["babel"] picks WTForms' bundled translations.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from hipflask import App, request
from hipflask.forms import DataRequired, Email, FlaskForm, Length, StringField
from hipflask.forms.i18n import get_locale

GERMAN_REQUIRED = "Dieses Feld wird benötigt."


class SignupForm(FlaskForm):
    class Meta:
        csrf = False

    name = StringField(validators=[DataRequired()])
    email = StringField(validators=[Email()])
    code = StringField(validators=[Length(min=3)])


def make_app(**config: Any) -> App:
    app = App(__name__)
    app.config.update(SECRET_KEY="k" * 40, **config)

    @app.route("/", methods=["POST"])
    def index() -> Any:
        form = SignupForm()
        form.validate_on_submit()
        return form.errors

    return app


def errors(app: App, **headers: str) -> dict[str, list[str]]:
    data = {"email": "nope", "code": "ab"}
    result: dict[str, list[str]] = app.test_client().post("/", data=data, headers=headers).json
    return result


def from_header() -> str | None:
    return request.headers.get("X-Lang")


def test_selector_setting_translates_every_message() -> None:
    app = make_app(WTF_I18N_LOCALE_SELECTOR=from_header)
    assert errors(app, **{"X-Lang": "de"}) == {
        "name": [GERMAN_REQUIRED],
        "email": ["Ungültige E-Mail-Adresse."],
        "code": ["Feld muss mindestens 3 Zeichen beinhalten."],
    }


def test_each_request_gets_its_own_locale() -> None:
    app = make_app(WTF_I18N_LOCALE_SELECTOR=from_header)
    assert errors(app, **{"X-Lang": "de"})["name"] == [GERMAN_REQUIRED]
    assert errors(app, **{"X-Lang": "pt-BR"})["name"] == ["Campo obrigatório."]
    assert errors(app)["name"] == ["This field is required."]


def test_without_a_selector_messages_stay_english() -> None:
    assert errors(make_app(), **{"X-Lang": "de"})["name"] == ["This field is required."]


def test_i18n_disabled_keeps_english() -> None:
    app = make_app(WTF_I18N_LOCALE_SELECTOR=from_header, WTF_I18N_ENABLED=False)
    assert errors(app, **{"X-Lang": "de"})["name"] == ["This field is required."]


@pytest.mark.parametrize("attribute", ["locale_selector", "locale_selector_func"])
def test_a_babel_extensions_selector_is_used(attribute: str) -> None:
    app = make_app()
    app.extensions["babel"] = SimpleNamespace(**{attribute: lambda: "de"})
    assert errors(app)["name"] == [GERMAN_REQUIRED]


def test_the_setting_wins_over_the_babel_extension() -> None:
    app = make_app(WTF_I18N_LOCALE_SELECTOR=lambda: "de")
    app.extensions["babel"] = SimpleNamespace(locale_selector=lambda: "pt_BR")
    assert errors(app)["name"] == [GERMAN_REQUIRED]


def test_no_locale_falls_back_to_babel_default_locale() -> None:
    app = make_app(WTF_I18N_LOCALE_SELECTOR=lambda: None, BABEL_DEFAULT_LOCALE="de")
    assert errors(app)["name"] == [GERMAN_REQUIRED]
    app = make_app(WTF_I18N_LOCALE_SELECTOR=lambda: None)
    assert errors(app)["name"] == ["This field is required."]


@pytest.mark.parametrize("locale", ["xx", "../../../etc/passwd", "de/../../x", "", "d e"])
def test_unknown_or_malformed_locales_keep_english(locale: str) -> None:
    app = make_app(WTF_I18N_LOCALE_SELECTOR=from_header)
    assert errors(app, **{"X-Lang": locale})["name"] == ["This field is required."]


def test_a_forms_own_locales_win() -> None:
    class FrenchForm(SignupForm):
        class Meta:
            locales = ["fr"]

    app = make_app(WTF_I18N_LOCALE_SELECTOR=lambda: "de")
    with app.test_request_context("/", method="POST", data={}):
        form = FrenchForm()
        form.validate()
        assert form.errors["name"] == ["Ce champ est requis."]


def test_get_locale_reports_the_selected_tag() -> None:
    app = make_app(WTF_I18N_LOCALE_SELECTOR=from_header)
    with app.test_request_context("/", headers={"X-Lang": "pt-BR"}):
        assert get_locale() == "pt_BR"
    with app.app_context():
        assert get_locale() is None
    assert get_locale() is None
