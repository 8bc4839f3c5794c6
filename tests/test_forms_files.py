"""File fields and validators (Flask-WTF's flask_wtf.file): data, messages, upload sets."""

from __future__ import annotations

import io
from typing import Any

import pytest

from hipflask import App, request
from hipflask.datastructures import FileStorage
from hipflask.forms import (
    FileAllowed,
    FileField,
    FileRequired,
    FileSize,
    Form,
    MultipleFileField,
    file_allowed,
    file_required,
    file_size,
)


def make_app() -> App:
    app = App(__name__)
    app.config.update({"SECRET_KEY": "k" * 40, "WTF_CSRF_ENABLED": False})
    return app


class UploadForm(Form):
    avatar = FileField(
        "Avatar", validators=[FileRequired(), FileAllowed(["png", "JPG"]), FileSize(max_size=10)]
    )


class ManyForm(Form):
    photos = MultipleFileField("Photos", validators=[FileRequired(), FileAllowed(["png"])])


def upload(name: str, content: bytes = b"12345") -> tuple[io.BytesIO, str]:
    return io.BytesIO(content), name


def validate_upload(form_class: type[Form], data: dict[str, Any]) -> tuple[bool, Any, Any]:
    app = make_app()
    with app.test_request_context("/", method="POST", data=data):
        form = form_class()
        valid = form.validate_on_submit()
        field = next(iter(form))
        return valid, field.data, form.errors


def test_file_field_data_is_the_upload() -> None:
    app = make_app()
    data = {"avatar": upload("me.png", b"png!"), "other": "x"}
    with app.test_request_context("/", method="POST", data=data):
        form = UploadForm()
        assert form.validate_on_submit(), form.errors
        assert form.avatar.data.filename == "me.png"
        assert form.avatar.data.read() == b"png!"
        assert request.form["other"] == "x"


@pytest.mark.parametrize("data", [{"other": "x"}, {"avatar": "just text"}])
def test_file_required(data: dict[str, Any]) -> None:
    valid, value, errors = validate_upload(UploadForm, data)
    assert not valid
    assert value is None or value == "just text"
    assert errors == {"avatar": ["This field is required."]}


def test_file_required_renders_the_required_flag() -> None:
    app = make_app()
    with app.test_request_context("/"):
        assert "required" in str(UploadForm().avatar())
        assert 'type="file"' in str(UploadForm().avatar())


@pytest.mark.parametrize("name", ["me.PNG", "me.jpg", "archive.tar.png"])
def test_file_allowed_accepts_listed_extensions(name: str) -> None:
    valid, _, errors = validate_upload(UploadForm, {"avatar": upload(name)})
    assert valid, errors


@pytest.mark.parametrize("name", ["me.gif", "png", "me.png.exe", "me.", ".png.sh"])
def test_file_allowed_refuses_other_extensions(name: str) -> None:
    valid, _, errors = validate_upload(UploadForm, {"avatar": upload(name)})
    assert not valid
    assert errors == {"avatar": ["File does not have an approved extension: png, JPG"]}


def test_file_size() -> None:
    assert validate_upload(UploadForm, {"avatar": upload("a.png", b"x" * 10)})[0]
    valid, _, errors = validate_upload(UploadForm, {"avatar": upload("a.png", b"x" * 11)})
    assert not valid
    assert errors == {"avatar": ["File must be between 0 and 10 bytes."]}


def test_file_size_minimum_and_rewind() -> None:
    class MinForm(Form):
        doc = FileField(validators=[FileSize(max_size=100, min_size=3, message="Bad size.")])

    app = make_app()
    with app.test_request_context("/", method="POST", data={"doc": upload("d.txt", b"ab")}):
        form = MinForm()
        assert not form.validate_on_submit()
        assert form.errors == {"doc": ["Bad size."]}
    with app.test_request_context("/", method="POST", data={"doc": upload("d.txt", b"abcd")}):
        form = MinForm()
        form.doc.data.read(2)
        assert form.validate_on_submit()
        assert form.doc.data.read() == b"cd"


def test_optional_file_field_without_upload_is_valid() -> None:
    class Optional(Form):
        doc = FileField(validators=[FileAllowed(["pdf"]), FileSize(max_size=1)])

    valid, value, errors = validate_upload(Optional, {"other": "x"})
    assert valid, errors
    assert value is None


def test_multiple_files() -> None:
    valid, value, _ = validate_upload(ManyForm, {"photos": [upload("a.png"), upload("b.png")]})
    assert valid
    assert [storage.filename for storage in value] == ["a.png", "b.png"]
    valid, _, errors = validate_upload(ManyForm, {"photos": [upload("a.png"), upload("b.gif")]})
    assert not valid
    assert errors == {"photos": ["File does not have an approved extension: png"]}
    valid, _, errors = validate_upload(ManyForm, {"other": "x"})
    assert errors == {"photos": ["This field is required."]}


# -- Flask-WTF's extras -------------------------------------------------------------------------


def test_lower_case_synonyms_are_the_validators() -> None:
    assert file_required is FileRequired
    assert file_allowed is FileAllowed
    assert file_size is FileSize


class PhotoSet:
    """An upload set as Flask-Uploads / Flask-Reuploaded define it: ``file_allowed`` decides."""

    def __init__(self) -> None:
        self.asked: list[tuple[Any, str]] = []

    def file_allowed(self, storage: Any, basename: str) -> bool:
        self.asked.append((storage, basename))
        return basename.endswith((".png", ".jpg"))


def test_file_allowed_asks_an_upload_set() -> None:
    photos = PhotoSet()

    class SetForm(Form):
        photo = FileField(validators=[FileAllowed(photos)])

    assert validate_upload(SetForm, {"photo": upload("Me.PNG")})[0]
    storage, basename = photos.asked[-1]
    assert isinstance(storage, FileStorage)
    assert storage.filename == "Me.PNG"
    assert basename == "me.png"
    valid, _, errors = validate_upload(SetForm, {"photo": upload("me.exe")})
    assert not valid
    assert errors == {"photo": ["File does not have an approved extension."]}


def test_file_allowed_upload_set_with_own_message() -> None:
    class SetForm(Form):
        photo = FileField(validators=[FileAllowed(PhotoSet(), "Images only!")])

    assert validate_upload(SetForm, {"photo": upload("me.gif")})[2] == {"photo": ["Images only!"]}


@pytest.mark.parametrize(
    ("name", "ok"),
    [("a.tar.gz", True), ("a.gz", False), ("a.PDF", True), (".pdf", False), ("tar.gz", False)],
)
def test_file_allowed_multi_part_and_dotted_extensions(name: str, ok: bool) -> None:
    class ArchiveForm(Form):
        doc = FileField(validators=[FileAllowed(["tar.gz", ".pdf"], message="No.")])

    valid, _, errors = validate_upload(ArchiveForm, {"doc": upload(name)})
    assert valid is ok, errors
    assert errors == ({} if ok else {"doc": ["No."]})


def test_file_required_with_own_message_stops_the_chain() -> None:
    class MessageForm(Form):
        doc = FileField(validators=[FileRequired("Choose a file."), FileAllowed(["pdf"])])

    assert validate_upload(MessageForm, {"other": "x"})[2] == {"doc": ["Choose a file."]}


def test_file_size_checks_every_file_of_a_multiple_field() -> None:
    class SizesForm(Form):
        docs = MultipleFileField(validators=[FileSize(max_size=3)])

    files = {"docs": [upload("a.txt", b"abc"), upload("b.txt", b"abcd")]}
    valid, _, errors = validate_upload(SizesForm, files)
    assert not valid
    assert errors == {"docs": ["File must be between 0 and 3 bytes."]}


def test_multiple_file_field_without_files_is_empty_and_optional() -> None:
    class SizesForm(Form):
        docs = MultipleFileField(validators=[FileAllowed(["pdf"]), FileSize(max_size=3)])

    valid, value, errors = validate_upload(SizesForm, {"other": "x"})
    assert valid, errors
    assert not value
