"""FileStorage: an upload's attributes, stream methods and saving."""

from __future__ import annotations

import io
from pathlib import Path

from hipflask.datastructures import Headers
from hipflask.filestorage import FileStorage


def make_upload(data: bytes = b"line1\nline2\n") -> FileStorage:
    return FileStorage(
        io.BytesIO(data),
        filename="notes.txt",
        name="upload",
        content_type='text/plain; charset="utf-8"',
        content_length=len(data),
    )


def test_filestorage_attributes() -> None:
    upload = make_upload()
    assert upload.filename == "notes.txt"
    assert upload.name == "upload"
    assert upload.content_type == 'text/plain; charset="utf-8"'
    assert upload.mimetype == "text/plain"
    assert upload.mimetype_params == {"charset": "utf-8"}
    assert upload.content_length == 12
    assert bool(upload) is True
    assert repr(upload).startswith("<FileStorage: 'notes.txt' ")


def test_filestorage_reads_type_and_length_from_headers() -> None:
    headers = Headers([("Content-Type", "Image/PNG"), ("Content-Length", "99")])
    upload = FileStorage(io.BytesIO(b""), filename="a.png", headers=headers)
    assert upload.mimetype == "image/png"
    assert upload.content_length == 99
    assert upload.headers is headers
    assert FileStorage().content_length == 0


def test_filestorage_without_filename_is_falsy() -> None:
    empty = FileStorage(io.BytesIO(b""), name="f")
    assert not empty
    assert empty.filename is None
    assert empty.mimetype == ""
    assert FileStorage().read() == b""


def test_filestorage_filename_from_stream_name(tmp_path: Path) -> None:
    path = tmp_path / "data.bin"
    path.write_bytes(b"x")
    with path.open("rb") as handle:
        assert FileStorage(handle).filename == str(path)
    pseudo = io.BytesIO()
    pseudo.name = "<stdin>"
    assert FileStorage(pseudo).filename is None


def test_filestorage_stream_methods() -> None:
    upload = make_upload()
    assert upload.readline() == b"line1\n"
    assert upload.tell() == 6
    assert upload.read(2) == b"li"
    upload.seek(0)
    assert list(upload) == [b"line1\n", b"line2\n"]
    upload.seek(0)
    assert upload.read() == b"line1\nline2\n"
    upload.close()
    assert upload.stream.closed


def test_filestorage_save_to_path_closes_the_file(tmp_path: Path) -> None:
    data = b"x" * 50_000
    upload = make_upload(data)
    target = tmp_path / "saved.bin"
    upload.save(target, buffer_size=1024)
    assert target.read_bytes() == data
    upload.seek(0)
    upload.save(str(tmp_path / "as-str.bin"))
    assert (tmp_path / "as-str.bin").read_bytes() == data


def test_filestorage_save_to_file_object_leaves_it_open() -> None:
    upload = make_upload()
    target = io.BytesIO()
    upload.save(target)
    assert not target.closed
    assert target.getvalue() == b"line1\nline2\n"
