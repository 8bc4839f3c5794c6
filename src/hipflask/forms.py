"""Forms: WTForms bound to the current request, with CSRF protection built in.

``Form`` is Flask-WTF's ``FlaskForm`` (also exported under that name): created during a
request it reads ``request.form`` and ``request.files`` (or a JSON object body) of a submitted
request by itself, and carries a ``csrf_token`` field checked on validation
(``WTF_CSRF_ENABLED``). The fields and validators users need are re-exported here, with
:class:`FileField` and the file validators working on hipflask's uploads.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import cached_property
from io import SEEK_END, BytesIO
from typing import Any

import wtforms
from markupsafe import Markup
from wtforms import (
    BooleanField,
    DateField,
    DateTimeField,
    DateTimeLocalField,
    DecimalField,
    EmailField,
    FieldList,
    FloatField,
    FormField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SearchField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TelField,
    TextAreaField,
    TimeField,
    URLField,
)
from wtforms.csrf.core import CSRF
from wtforms.meta import DefaultMeta
from wtforms.validators import (
    URL,
    UUID,
    AnyOf,
    DataRequired,
    Email,
    EqualTo,
    InputRequired,
    IPAddress,
    Length,
    MacAddress,
    NoneOf,
    NumberRange,
    Optional,
    Regexp,
    StopValidation,
    ValidationError,
)
from wtforms.widgets import HiddenInput

from .csrf import CSRFError, config_value, generate_csrf, validate_csrf, was_checked
from .ctx import app_ctx_var, request_ctx_var
from .datastructures import CombinedMultiDict, FileStorage, ImmutableMultiDict

__all__ = [
    "SUBMIT_METHODS",
    "URL",
    "UUID",
    "AnyOf",
    "BooleanField",
    "DataRequired",
    "DateField",
    "DateTimeField",
    "DateTimeLocalField",
    "DecimalField",
    "Email",
    "EmailField",
    "EqualTo",
    "FieldList",
    "FileAllowed",
    "FileField",
    "FileRequired",
    "FileSize",
    "FlaskForm",
    "FloatField",
    "Form",
    "FormField",
    "HiddenField",
    "IPAddress",
    "InputRequired",
    "IntegerField",
    "Length",
    "MacAddress",
    "MultipleFileField",
    "NoneOf",
    "NumberRange",
    "Optional",
    "PasswordField",
    "RadioField",
    "Regexp",
    "SearchField",
    "SelectChoice",
    "SelectField",
    "SelectMultipleField",
    "StopValidation",
    "StringField",
    "SubmitField",
    "TelField",
    "TextAreaField",
    "TimeField",
    "URLField",
    "ValidationError",
]

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
        try:
            validate_csrf(
                field.data,
                self.meta.csrf_secret,
                self.meta.csrf_time_limit,
                self.meta.csrf_field_name,
            )
        except CSRFError as exc:
            app_ctx = app_ctx_var.get(None)
            if app_ctx is not None:
                app_ctx.app.logger.warning("CSRF check failed on a form: %s", exc.description)
            raise ValidationError(exc.description) from None


class _Meta(DefaultMeta):  # type: ignore[misc]
    """Form settings read from the app's config; a form's own ``class Meta`` overrides them."""

    csrf_class = _RequestCSRF

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


def _uploads(data: Any) -> list[Any]:
    """Return the field's data as a list of the uploads, or [] when any of it is not a file."""
    items = data if isinstance(data, list) else [data]
    if items and all(isinstance(item, FileStorage) and item for item in items):
        return items
    return []


class FileField(wtforms.FileField):  # type: ignore[misc]
    """A file input whose ``data`` is the uploaded :class:`FileStorage` (None: no file sent).

    The form tag needs ``enctype="multipart/form-data"``.
    """

    def process_formdata(self, valuelist: list[Any]) -> None:
        """Keep the first upload that has a file name."""
        upload = next((v for v in valuelist if isinstance(v, FileStorage) and v), None)
        if upload is not None:
            self.data = upload
        else:
            self.raw_data = ()


class MultipleFileField(wtforms.MultipleFileField):  # type: ignore[misc]
    """A file input for several files; ``data`` is the list of uploads."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        """Keep the uploads that have a file name."""
        uploads = [v for v in valuelist if isinstance(v, FileStorage) and v]
        if uploads:
            self.data = uploads
        else:
            self.raw_data = ()


class FileRequired(DataRequired):  # type: ignore[misc]
    """Require an uploaded file (stop the field's validation otherwise)."""

    def __call__(self, form: Any, field: Any) -> None:
        if not _uploads(field.data):
            raise StopValidation(self.message or field.gettext("This field is required."))


class FileAllowed:
    """Accept only file names ending in one of ``extensions`` (``["png", "jpg"]``, any case).

    It checks the name the client sent, not the content; treat uploads as untrusted anyway.
    """

    def __init__(self, extensions: Iterable[str], message: str | None = None) -> None:
        self.extensions = tuple(ext.lower().lstrip(".") for ext in extensions)
        self.message = message

    def __call__(self, form: Any, field: Any) -> None:
        for upload in _uploads(field.data):
            name = (upload.filename or "").lower()
            if "." not in name or name.rpartition(".")[2] not in self.extensions:
                message = self.message or field.gettext(
                    "File does not have an approved extension: {extensions}"
                )
                raise StopValidation(message.format(extensions=", ".join(self.extensions)))


class FileSize:
    """Accept only files of ``min_size`` to ``max_size`` bytes."""

    def __init__(self, max_size: int, min_size: int = 0, message: str | None = None) -> None:
        self.max_size = max_size
        self.min_size = min_size
        self.message = message

    def __call__(self, form: Any, field: Any) -> None:
        for upload in _uploads(field.data):
            size = _size_of(upload)
            if not self.min_size <= size <= self.max_size:
                message = self.message or field.gettext(
                    "File must be between {min_size} and {max_size} bytes."
                )
                raise ValidationError(
                    message.format(min_size=self.min_size, max_size=self.max_size)
                )


def _size_of(upload: FileStorage) -> int:
    """Return the upload's size by seeking to its end (reading it only when it cannot seek)."""
    stream = upload.stream
    try:
        position = stream.tell()
        size = stream.seek(0, SEEK_END)
        stream.seek(position)
    except (AttributeError, OSError, ValueError):
        data = stream.read()
        upload.stream = BytesIO(data)
        size = len(data)
    return size
