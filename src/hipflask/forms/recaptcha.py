"""reCAPTCHA (and hCaptcha, Turnstile...) for forms: Flask-WTF's ``flask_wtf.recaptcha``.

:class:`RecaptchaField` renders the service's script tag and widget ``<div>``
(:class:`RecaptchaWidget`) and is checked by :class:`Recaptcha`, which posts the token the
browser sent (``g-recaptcha-response``, ``RECAPTCHA_RESPONSE_PARAM``) to
``RECAPTCHA_VERIFY_SERVER`` with ``RECAPTCHA_PRIVATE_KEY`` and the client's address. Under
``TESTING`` (or ``RECAPTCHA_ENABLED = False``) every captcha passes, as in Flask-WTF. A
verification server that cannot be reached, or answers garbage, fails the field with
:data:`UNVERIFIED` and a logged warning, never a 500.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from markupsafe import Markup, escape
from wtforms import Field
from wtforms.validators import ValidationError
from wtforms.widgets import html_params

from ..ctx import current_app, request

__all__ = [
    "RECAPTCHA_DIV_CLASS_DEFAULT",
    "RECAPTCHA_ERROR_CODES",
    "RECAPTCHA_SCRIPT_DEFAULT",
    "RECAPTCHA_VERIFY_SERVER_DEFAULT",
    "UNVERIFIED",
    "Recaptcha",
    "RecaptchaField",
    "RecaptchaWidget",
]

RECAPTCHA_SCRIPT_DEFAULT = "https://www.google.com/recaptcha/api.js"
RECAPTCHA_DIV_CLASS_DEFAULT = "g-recaptcha"
RECAPTCHA_VERIFY_SERVER_DEFAULT = "https://www.google.com/recaptcha/api/siteverify"
#: The verification server's error codes that get their own message (Flask-WTF's).
RECAPTCHA_ERROR_CODES = {
    "missing-input-secret": "The secret parameter is missing.",
    "invalid-input-secret": "The secret parameter is invalid or malformed.",
    "missing-input-response": "The response parameter is missing.",
    "invalid-input-response": "The response parameter is invalid or malformed.",
}
#: The error when the verification server cannot be asked (hipflask's; Flask-WTF answers 500).
UNVERIFIED = "The captcha could not be verified, please try again."

_RESPONSE_PARAM = "g-recaptcha-response"
_TIMEOUT = 5.0
_MAX_ANSWER = 64 * 1024


def _enabled() -> bool:
    return bool(current_app.config.get("RECAPTCHA_ENABLED", True))


class RecaptchaWidget:
    """Render the captcha: the service's script and a ``<div>`` carrying the site key.

    ``RECAPTCHA_PUBLIC_KEY`` is the site key (a RuntimeError when unset). ``RECAPTCHA_SCRIPT``,
    ``RECAPTCHA_PARAMETERS`` (query string of the script), ``RECAPTCHA_DIV_CLASS`` and
    ``RECAPTCHA_DATA_ATTRS`` (``data-*`` attributes of the div) adapt it to other services;
    ``RECAPTCHA_HTML`` replaces it all. Keyword arguments of the call become attributes of
    the div and win over the settings (``class_``, ``id``, ``data_theme``...).
    """

    def __call__(self, field: Any, error: Any = None, **kwargs: Any) -> Markup:
        """Return the HTML of the captcha, or a comment when ``RECAPTCHA_ENABLED`` is False."""
        if not _enabled():
            return Markup("<!-- recaptcha disabled -->")
        public_key = current_app.config.get("RECAPTCHA_PUBLIC_KEY")
        if not public_key:
            raise RuntimeError("RECAPTCHA_PUBLIC_KEY config not set")
        kwargs.setdefault("id", field.id)
        return self.recaptcha_html(public_key, getattr(field, "nonce", None), **kwargs)

    def recaptcha_html(self, public_key: str, nonce: Any = None, **attributes: Any) -> Markup:
        """Return the script tag and the div for ``public_key`` (``nonce``: str or callable)."""
        config = current_app.config
        html = config.get("RECAPTCHA_HTML")
        if html:
            return Markup(html)
        script = config.get("RECAPTCHA_SCRIPT") or RECAPTCHA_SCRIPT_DEFAULT
        params = config.get("RECAPTCHA_PARAMETERS")
        if params:
            script += "?" + urlencode(params)
        if callable(nonce):
            nonce = nonce()
        nonce_attr = Markup(' nonce="{}"').format(nonce) if nonce else ""
        div = {"class": config.get("RECAPTCHA_DIV_CLASS") or RECAPTCHA_DIV_CLASS_DEFAULT}
        div.update((f"data-{k}", v) for k, v in (config.get("RECAPTCHA_DATA_ATTRS") or {}).items())
        div["data-sitekey"] = public_key
        div.update(attributes)
        return Markup('<script src="{}" async defer{}></script>\n<div {}></div>\n').format(
            escape(script), nonce_attr, html_params(**div)
        )


class Recaptcha:
    """Validate the captcha with the verification server; ``message`` when it fails.

    Always passes under ``TESTING`` or with ``RECAPTCHA_ENABLED = False``. An error code
    of :data:`RECAPTCHA_ERROR_CODES` in the server's answer gives that message instead.
    """

    def __init__(self, message: str | None = None) -> None:
        if message is None:
            message = RECAPTCHA_ERROR_CODES["missing-input-response"]
        self.message = message

    def __call__(self, form: Any, field: Any) -> bool | None:
        if current_app.testing or not _enabled():
            return True
        name = current_app.config.get("RECAPTCHA_RESPONSE_PARAM") or _RESPONSE_PARAM
        response = _submitted(name)
        if not response:
            raise ValidationError(field.gettext(self.message))
        if not self._validate_recaptcha(response, request.remote_addr):
            field.recaptcha_error = "incorrect-captcha-sol"
            raise ValidationError(field.gettext(self.message))
        return None

    def _validate_recaptcha(self, response: str, remote_addr: str | None) -> bool:
        """Ask the verification server; True when it says the captcha was solved."""
        config = current_app.config
        private_key = config.get("RECAPTCHA_PRIVATE_KEY")
        if not private_key:
            raise RuntimeError("No RECAPTCHA_PRIVATE_KEY config set")
        server = config.get("RECAPTCHA_VERIFY_SERVER") or RECAPTCHA_VERIFY_SERVER_DEFAULT
        fields = {"secret": private_key, "response": response}
        if remote_addr:
            fields["remoteip"] = remote_addr
        answer = _ask(server, urlencode(fields).encode(), config.get("RECAPTCHA_TIMEOUT", _TIMEOUT))
        if answer is None:
            return False
        if answer.get("success") is True:
            return True
        for code in answer.get("error-codes") or ():
            if code in RECAPTCHA_ERROR_CODES:
                raise ValidationError(RECAPTCHA_ERROR_CODES[code])
        return False


def _submitted(name: str) -> str:
    """Return the captcha token the client sent, from a JSON object body or the form."""
    if request.is_json:
        body = request.get_json(silent=True)
        value = body.get(name, "") if isinstance(body, dict) else ""
    else:
        value = request.form.get(name, "")
    return value if isinstance(value, str) else ""


def _ask(server: str, data: bytes, timeout: float) -> dict[str, Any] | None:
    """POST to the verification server; its JSON object, None on a 2xx-4xx other than 200.

    Raise ValidationError(:data:`UNVERIFIED`) when it cannot be reached, fails (5xx), or
    answers garbage.
    """
    # PERF: urllib.request (with http.client and ssl) loads on the first check, not at import:
    # it is 30 ms of `import hipflask.forms` that most apps never use.
    from urllib.error import HTTPError
    from urllib.request import urlopen

    try:
        with urlopen(server, data, timeout=timeout) as answer:
            if answer.status != 200:
                return None
            payload = json.loads(answer.read(_MAX_ANSWER))
    except HTTPError as exc:
        exc.close()
        if exc.code < 500:
            return None  # NOTE: Flask-WTF's reading: any answer but 200 fails the captcha
        current_app.logger.warning("Captcha verification at %s failed: %s", server, exc)
        raise ValidationError(UNVERIFIED) from None
    except (OSError, ValueError) as exc:
        current_app.logger.warning("Captcha verification at %s failed: %s", server, exc)
        raise ValidationError(UNVERIFIED) from None
    if not isinstance(payload, dict):
        current_app.logger.warning("Captcha verification at %s: not a JSON object", server)
        raise ValidationError(UNVERIFIED)
    return payload


class RecaptchaField(Field):  # type: ignore[misc]
    """The captcha as a form field: :class:`RecaptchaWidget`, checked by :class:`Recaptcha`.

    ``nonce`` (a string, or a callable called at rendering) goes on the script tag for a
    Content-Security-Policy. After a failed check, ``recaptcha_error`` holds the reason code.
    """

    widget = RecaptchaWidget()
    recaptcha_error: str | None = None

    def __init__(
        self, label: str = "", validators: Any = None, nonce: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(label, validators or [Recaptcha()], **kwargs)
        self.nonce = nonce
