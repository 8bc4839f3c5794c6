"""File fields and validators (Flask-WTF's ``flask_wtf.file``) on hipflask's uploads.

``FileField.data`` is the uploaded :class:`~hipflask.datastructures.FileStorage` (None when no
file was chosen), ``MultipleFileField.data`` the list of them. The validators accept either,
and check every file: :class:`FileRequired`, :class:`FileAllowed` (a list of extensions, or an
upload set of Flask-Uploads / Flask-Reuploaded), :class:`FileSize`. Each is also available
under Flask-WTF's lower-case synonym (``file_required``, ``file_allowed``, ``file_size``).
"""

from __future__ import annotations

from collections.abc import Iterable
from io import SEEK_END, BytesIO
from typing import Any

import wtforms
from wtforms.validators import DataRequired, StopValidation, ValidationError

from ..datastructures import FileStorage

__all__ = [
    "FileAllowed",
    "FileField",
    "FileRequired",
    "FileSize",
    "MultipleFileField",
    "file_allowed",
    "file_required",
    "file_size",
]


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
    """Require an uploaded file (stop the field's validation otherwise).

    Like ``DataRequired`` it sets the field's ``required`` flag, so the input renders with
    ``required``.
    """

    def __call__(self, form: Any, field: Any) -> None:
        if not _uploads(field.data):
            raise StopValidation(self.message or field.gettext("This field is required."))


class FileAllowed:
    """Accept only files whose name ends in one of the allowed extensions.

    ``upload_set`` is a list of extensions (``["png", "jpg", "tar.gz"]``, any case, with or
    without the dot), or an upload set whose ``file_allowed(storage, basename)`` decides, as
    Flask-Uploads' and Flask-Reuploaded's ``UploadSet`` do. A name that is only an extension
    (``.png``) has none. It checks the name the client sent, not the content.
    """

    def __init__(self, upload_set: Any, message: str | None = None) -> None:
        self.upload_set = upload_set
        self.message = message

    def __call__(self, form: Any, field: Any) -> None:
        for upload in _uploads(field.data):
            name = (upload.filename or "").lower()
            if isinstance(self.upload_set, Iterable):
                if not _has_extension(name, self.upload_set):
                    message = self.message or field.gettext(
                        "File does not have an approved extension: {extensions}"
                    )
                    extensions = ", ".join(self.upload_set)
                    raise StopValidation(message.format(extensions=extensions))
            elif not self.upload_set.file_allowed(upload, name):
                raise StopValidation(
                    self.message or field.gettext("File does not have an approved extension.")
                )


def _has_extension(name: str, extensions: Iterable[str]) -> bool:
    """Tell whether ``name`` (lower case) is ``<something>.<ext>`` for one of ``extensions``."""
    for extension in extensions:
        suffix = "." + extension.lower().lstrip(".")
        if name.endswith(suffix) and len(name) > len(suffix):
            return True
    return False


class FileSize:
    """Accept only files of ``min_size`` to ``max_size`` bytes (inclusive)."""

    def __init__(self, max_size: int, min_size: int = 0, message: str | None = None) -> None:
        self.max_size = max_size
        self.min_size = min_size
        self.message = message

    def __call__(self, form: Any, field: Any) -> None:
        for upload in _uploads(field.data):
            size = _size_of(upload)
            if not self.min_size <= size <= self.max_size:
                message = self.message or field.gettext(
                    f"File must be between {self.min_size} and {self.max_size} bytes."
                )
                raise ValidationError(message)


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


#: Flask-WTF's synonyms.
file_required = FileRequired
file_allowed = FileAllowed
file_size = FileSize
