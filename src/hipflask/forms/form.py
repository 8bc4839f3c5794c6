"""The request-bound form: Flask-WTF's ``FlaskForm``, with CSRF protection built in.

Created during a request, :class:`Form` reads ``request.form`` and ``request.files`` (or a JSON
object body) of a submitted request by itself, and carries a ``csrf_token`` field checked on
validation (``WTF_CSRF_ENABLED``). Its ``Meta`` reads the ``WTF_CSRF_*`` settings of the
current app; a form's own ``class Meta`` overrides any of them, and a custom ``csrf_class``
replaces the token scheme. Messages follow the request's locale when a selector is configured
(:mod:`hipflask.forms.i18n`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import cached_property
from typing import Any

import wtforms
from markupsafe import Markup
from wtforms.csrf.core import CSRF
from wtforms.meta import DefaultMeta
from wtforms.validators import ValidationError
from wtforms.widgets import HiddenInput

from ..csrf import check_token, config_value, generate_csrf, was_checked
from ..ctx import app_ctx_var, request_ctx_var, session
from ..multidict import CombinedMultiDict, ImmutableMultiDict
from .i18n import request_translations

__all__ = ["SUBMIT_METHODS", "FlaskForm", "Form"]

#: The methods whose requests count as a submitted form.
SUBMIT_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class _Auto:
    """Marks "take the form data from the current request" (the default ``formdata``)."""


def _submitted_request() -> Any:
    """Return the current request when it is a submission, else None."""
    ctx = request_ctx_var.get(None)
    if ctx is None or ctx.request.method not in SUBMIT_METHODS:
        return None
    return ctx.request


def _request_formdata() -> Any:
    """Return the current submission's data as a multidict: files and form, or a JSON object."""
    request = _submitted_request()
    if request is None:
        return None
    if request.files:
        return CombinedMultiDict([request.files, request.form])
    if request.form:
        return request.form
    if request.is_json:
        body = request.get_json(silent=True)
        if isinstance(body, dict):
            return ImmutableMultiDict(body)
    return None


class _RequestCSRF(CSRF):  # type: ignore[misc]
    """WTForms' CSRF hook, wired to :mod:`hipflask.csrf` with the form's meta settings."""

    def setup_form(self, form: Any) -> Any:
        """Remember the form's meta, then add the token field."""
        self.meta = form.meta
        return super().setup_form(form)

    def generate_csrf_token(self, csrf_token_field: Any) -> str:
        """Return this request's token (see :func:`hipflask.csrf.generate_csrf`)."""
        return generate_csrf(self.meta.csrf_secret, self.meta.csrf_field_name)

    def validate_csrf_token(self, form: Any, field: Any) -> None:
        """Raise ValidationError with the reason when the submitted token fails."""
        if was_checked():
            return
        meta = self.meta
        reason = check_token(
            field.data, meta.csrf_secret, meta.csrf_time_limit, meta.csrf_field_name
        )
        if reason is not None:
            app_ctx = app_ctx_var.get(None)
            if app_ctx is not None:
                app_ctx.app.logger.warning("CSRF check failed on a form: %s", reason)
            raise ValidationError(reason)


class _Meta(DefaultMeta):  # type: ignore[misc]
    """Form settings read from the app's config; a form's own ``class Meta`` overrides them."""

    csrf_class = _RequestCSRF
    #: Not read by the built-in token scheme; there for a custom ``csrf_class`` (Flask-WTF's).
    csrf_context = session

    @cached_property
    def csrf(self) -> bool:
        """``WTF_CSRF_ENABLED``; off outside a request, where nothing is submitted."""
        return request_ctx_var.get(None) is not None and bool(config_value("WTF_CSRF_ENABLED"))

    @cached_property
    def csrf_secret(self) -> str | bytes | None:
        """``WTF_CSRF_SECRET_KEY`` (None: ``SECRET_KEY``)."""
        secret: str | bytes | None = config_value("WTF_CSRF_SECRET_KEY")
        return secret

    @cached_property
    def csrf_field_name(self) -> str:
        """``WTF_CSRF_FIELD_NAME``."""
        return str(config_value("WTF_CSRF_FIELD_NAME"))

    @cached_property
    def csrf_time_limit(self) -> float | None:
        """``WTF_CSRF_TIME_LIMIT`` in seconds (None: no limit)."""
        limit: float | None = config_value("WTF_CSRF_TIME_LIMIT")
        return limit

    def get_translations(self, form: Any) -> Any:
        """Translate messages to the request's locale (``WTF_I18N_ENABLED`` and a selector).

        A form whose ``Meta.locales`` names languages keeps them, as WTForms does.
        """
        if self.locales is False:
            translations = request_translations()
            if translations is not None:
                return translations
        return super().get_translations(form)

    def wrap_formdata(self, form: Any, formdata: Any) -> Any:
        """Take the current request's data unless the caller passed ``formdata``."""
        if formdata is _Auto:
            return _request_formdata()
        return super().wrap_formdata(form, formdata)


class Form(wtforms.Form):  # type: ignore[misc]
    """A WTForms form bound to the current request, with a CSRF token field.

    ``Form()`` during a POST, PUT, PATCH or DELETE reads ``request.files`` and
    ``request.form`` (or a JSON object body); during a GET it starts from ``obj``, ``data`` and
    the field defaults. Pass ``formdata`` to bind something else, or ``meta={"csrf": False}``
    to drop the token for one form.
    """

    Meta = _Meta

    def __init__(self, formdata: Any = _Auto, **kwargs: Any) -> None:
        super().__init__(formdata=formdata, **kwargs)

    def is_submitted(self) -> bool:
        """Tell whether the current request submits data (POST, PUT, PATCH or DELETE)."""
        return _submitted_request() is not None

    def validate_on_submit(self, extra_validators: Any = None) -> bool:
        """Return True when the request is a submission and every field (and the token) is valid.

        A GET returns False without validating, so a fresh page shows no errors.
        """
        return self.is_submitted() and bool(self.validate(extra_validators=extra_validators))

    def hidden_tag(self, *fields: Any) -> Markup:
        """Render the CSRF field and every hidden field (or only ``fields``, given by name)."""
        return Markup("\n".join(str(field) for field in self._hidden_fields(fields or self)))

    def _hidden_fields(self, fields: Iterable[Any]) -> Iterator[Any]:
        for field in fields:
            if isinstance(field, str):
                field = getattr(self, field, None)
            if field is not None and isinstance(field.widget, HiddenInput):
                yield field


#: The name Flask-WTF gives :class:`Form`, for porting.
FlaskForm = Form
