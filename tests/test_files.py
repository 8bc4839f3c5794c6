"""send_file and send_from_directory: headers, conditionals, ranges, paths."""

from __future__ import annotations

import io
import os
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from hipflask import App, Response, http, send_file, send_from_directory
from hipflask.files import CHUNK_SIZE, FileBody, make_conditional
from hipflask.http import http_date
from tests.conftest import CountMatches

DATA = bytes(range(256)) * 40  # 10,240 bytes


@pytest.fixture
def app(tmp_path: Path) -> App:
    app = App("files_test_app", root_path=str(tmp_path), static_folder=None)
    app.config["TESTING"] = True
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "data.bin").write_bytes(DATA)
    (tmp_path / "files" / "hello.txt").write_text("hello\n", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("secret", encoding="utf-8")

    @app.route("/file/<path:name>")
    def file(name: str) -> Response:
        return send_from_directory("files", name)

    return app


def test_send_file_headers(app: App, tmp_path: Path) -> None:
    response = app.test_client().get("/file/hello.txt")
    assert response.status_code == 200
    assert response.data == b"hello\n"
    headers = response.headers
    assert headers["Content-Type"] == "text/plain; charset=utf-8"
    assert headers["Content-Length"] == "6"
    mtime = (tmp_path / "files" / "hello.txt").stat().st_mtime
    assert headers["Last-Modified"] == http_date(mtime)
    assert headers["ETag"].startswith('"') and headers["ETag"].endswith('"')
    assert headers["Cache-Control"] == "no-cache"
    assert headers["Accept-Ranges"] == "bytes"
    assert "Content-Disposition" not in headers


def test_binary_type_and_body(app: App) -> None:
    response = app.test_client().get("/file/data.bin")
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.data == DATA


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("style.css", "text/css; charset=utf-8"),
        ("page.html", "text/html; charset=utf-8"),
        ("image.png", "image/png"),
        ("archive.tar.gz", "application/gzip"),
        ("no_extension", "application/octet-stream"),
    ],
)
def test_mimetype_guessed_from_the_name(app: App, name: str, expected: str) -> None:
    with app.test_request_context():
        response = send_file(io.BytesIO(b"x"), download_name=name)
    assert response.headers["Content-Type"] == expected


def test_relative_paths_start_at_the_root_path(app: App) -> None:
    @app.route("/secret")
    def secret() -> Response:
        return send_file("secret.txt")

    assert app.test_client().get("/secret").data == b"secret"


def test_missing_file_is_404(app: App) -> None:
    @app.route("/missing")
    def missing() -> Response:
        return send_file("nope.txt")

    assert app.test_client().get("/missing").status_code == 404
    assert app.test_client().get("/file/nope.txt").status_code == 404
    assert app.test_client().get("/file/").status_code == 404


def test_file_object(app: App) -> None:
    @app.route("/buffer")
    def buffer() -> Response:
        stream = io.BytesIO(b"skip:payload")
        stream.seek(5)
        return send_file(stream, mimetype="text/plain")

    response = app.test_client().get("/buffer")
    assert response.data == b"payload"
    assert response.headers["Content-Length"] == "7"
    assert "ETag" not in response.headers


def test_real_file_object_is_closed(app: App, tmp_path: Path) -> None:
    opened: list[Any] = []

    @app.route("/open")
    def open_file() -> Response:
        handle = open(tmp_path / "files" / "data.bin", "rb")  # noqa: SIM115
        opened.append(handle)
        return send_file(handle, download_name="data.bin")

    response = app.test_client().get("/open")
    assert response.data == DATA
    assert response.headers["Content-Length"] == str(len(DATA))
    assert "Last-Modified" in response.headers
    assert opened[0].closed


def test_file_object_needs_a_type_or_name(app: App) -> None:
    with app.test_request_context(), pytest.raises(ValueError, match="MIME type"):
        send_file(io.BytesIO(b"x"))
    with app.test_request_context(), pytest.raises(ValueError, match="binary mode"):
        send_file(io.StringIO("x"), mimetype="text/plain")  # type: ignore[arg-type]


def test_as_attachment(app: App) -> None:
    with app.test_request_context():
        response = send_file(io.BytesIO(b"x"), as_attachment=True, download_name="report.csv")
    assert response.headers["Content-Disposition"] == "attachment; filename=report.csv"
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"


def test_non_ascii_download_name(app: App) -> None:
    with app.test_request_context():
        response = send_file(io.BytesIO(b"x"), as_attachment=True, download_name="résumé €.pdf")
    value = response.headers["Content-Disposition"]
    assert value.startswith("attachment; filename=")
    assert "filename*=UTF-8''r%C3%A9sum%C3%A9%20%E2%82%AC.pdf" in value
    assert value.isascii()


def test_download_name_cannot_inject_headers(app: App) -> None:
    @app.route("/download")
    def download() -> Response:
        name = "evil.txt\r\nSet-Cookie: owned=1\r\n\r\n<script>"
        return send_file(io.BytesIO(b"x"), as_attachment=True, download_name=name)

    response = app.test_client().get("/download")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    for name, value in response.headers.to_wsgi_list():
        assert "\r" not in value and "\n" not in value, name


NOW = 1_700_000_000


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("hipflask.files.time", lambda: NOW + 0.75)


def test_max_age(app: App, frozen_clock: None) -> None:
    with app.test_request_context():
        response = send_file(io.BytesIO(b"x"), mimetype="text/plain", max_age=60)
    assert response.headers["Cache-Control"] == "public, max-age=60"
    assert response.headers["Expires"] == http_date(NOW + 60)
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 3600
    with app.test_request_context():
        response = send_file(io.BytesIO(b"x"), mimetype="text/plain")
    assert response.headers["Cache-Control"] == "public, max-age=3600"
    assert response.headers["Expires"] == http_date(NOW + 3600)


@pytest.mark.parametrize(
    ("max_age", "cache_control", "expires"),
    [
        (None, "no-cache", None),
        (0, "no-cache, max-age=0", NOW),
        (-5, "no-cache, max-age=-5", NOW - 5),
        (lambda path: None, "no-cache", None),
        (lambda path: 60, "public, max-age=60", NOW + 60),
    ],
)
def test_max_age_headers_match_werkzeug(
    app: App, frozen_clock: None, max_age: Any, cache_control: str, expires: int | None
) -> None:
    with app.test_request_context():
        response = send_file(io.BytesIO(b"x"), mimetype="text/plain", max_age=max_age)
    assert response.headers["Cache-Control"] == cache_control
    assert response.headers.get("Expires") == (None if expires is None else http_date(expires))


def test_max_age_callable_gets_the_path_or_none(app: App, tmp_path: Path) -> None:
    seen: list[str | None] = []

    def max_age(path: str | None) -> int:
        seen.append(path)
        return 30

    @app.route("/callable/<name>")
    def callable_age(name: str) -> Response:
        return send_from_directory("files", name, max_age=max_age)

    response = app.test_client().get("/callable/hello.txt")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=30"
    assert "Expires" in response.headers
    with app.test_request_context():
        send_file(io.BytesIO(b"x"), mimetype="text/plain", download_name="x.txt", max_age=max_age)
    assert seen == [os.path.realpath(tmp_path / "files" / "hello.txt"), None]


def test_default_max_age_asks_the_app_with_the_path(app: App, tmp_path: Path) -> None:
    seen: list[str | None] = []

    class AgingApp(App):
        def get_send_file_max_age(self, filename: str | None) -> int | None:
            seen.append(filename)
            return 5

    aging = AgingApp("aging_app", root_path=str(tmp_path), static_folder=None)
    with aging.test_request_context():
        response = send_file("secret.txt")
        response.close()
        send_file(io.BytesIO(b"x"), mimetype="text/plain", download_name="x.txt")
    assert response.headers["Cache-Control"] == "public, max-age=5"
    assert seen == [os.path.join(str(tmp_path), "secret.txt"), None]


def test_etag_options(app: App, tmp_path: Path) -> None:
    path = tmp_path / "files" / "hello.txt"
    with app.test_request_context():
        assert "ETag" not in send_file(path, etag=False).headers
        assert send_file(path, etag="v1").headers["ETag"] == '"v1"'
        assert send_file(io.BytesIO(b"x"), mimetype="a/b", etag="v2").headers["ETag"] == '"v2"'


def test_explicit_last_modified(app: App, tmp_path: Path) -> None:
    moment = datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)
    with app.test_request_context():
        response = send_file(tmp_path / "secret.txt", last_modified=moment)
    assert response.headers["Last-Modified"] == "Thu, 02 Jan 2020 03:04:05 GMT"


# -- conditional requests --------------------------------------------------------------------


def test_if_none_match_answers_304(app: App) -> None:
    client = app.test_client()
    etag = client.get("/file/hello.txt").headers["ETag"]
    response = client.get("/file/hello.txt", headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.data == b""
    assert response.headers["ETag"] == etag
    assert "Content-Length" not in response.headers
    stale = client.get("/file/hello.txt", headers={"If-None-Match": '"other"'})
    assert stale.status_code == 200
    assert stale.data == b"hello\n"


def test_if_modified_since_answers_304(app: App) -> None:
    client = app.test_client()
    last_modified = client.get("/file/hello.txt").headers["Last-Modified"]
    response = client.get("/file/hello.txt", headers={"If-Modified-Since": last_modified})
    assert response.status_code == 304
    assert response.data == b""
    old = http_date(0)
    assert client.get("/file/hello.txt", headers={"If-Modified-Since": old}).status_code == 200


def test_not_conditional(app: App, tmp_path: Path) -> None:
    @app.route("/plain")
    def plain() -> Response:
        return send_file(tmp_path / "secret.txt", conditional=False)

    client = app.test_client()
    etag = client.get("/plain").headers["ETag"]
    assert client.get("/plain", headers={"If-None-Match": etag}).status_code == 200
    assert client.get("/plain", headers={"Range": "bytes=0-1"}).status_code == 200


def test_head_has_no_body(app: App) -> None:
    response = app.test_client().head("/file/data.bin")
    assert response.status_code == 200
    assert response.data == b""
    assert response.headers["Content-Length"] == str(len(DATA))


def test_post_is_not_conditional(app: App, tmp_path: Path) -> None:
    @app.post("/upload-echo")
    def echo() -> Response:
        return send_file(tmp_path / "secret.txt")

    etag = app.test_client().get("/file/hello.txt").headers["ETag"]
    response = app.test_client().post("/upload-echo", headers={"If-None-Match": etag})
    assert response.status_code == 200


# -- ranges --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "start", "stop"),
    [
        ("bytes=0-9", 0, 10),
        ("bytes=100-", 100, len(DATA)),
        ("bytes=-50", len(DATA) - 50, len(DATA)),
        ("bytes=10000-99999", 10000, len(DATA)),
        ("bytes=5000-5000", 5000, 5001),
    ],
)
def test_range(app: App, header: str, start: int, stop: int) -> None:
    response = app.test_client().get("/file/data.bin", headers={"Range": header})
    assert response.status_code == 206
    assert response.data == DATA[start:stop]
    assert response.headers["Content-Length"] == str(stop - start)
    assert response.headers["Content-Range"] == f"bytes {start}-{stop - 1}/{len(DATA)}"


def test_unsatisfiable_range_is_416(app: App) -> None:
    response = app.test_client().get("/file/data.bin", headers={"Range": "bytes=20000-"})
    assert response.status_code == 416
    assert response.headers["Content-Range"] == f"bytes */{len(DATA)}"


@pytest.mark.parametrize(
    "header", ["bytes=0-1,5-6", "items=0-1", "bytes=abc", "bytes=5-1", "bytes=0-5,3-8"]
)
def test_ranges_we_ignore_get_the_whole_file(app: App, header: str) -> None:
    response = app.test_client().get("/file/data.bin", headers={"Range": header})
    assert response.status_code == 200
    assert response.data == DATA


def test_thousands_of_ranges_are_refused_unread(app: App, count_matches: CountMatches) -> None:
    """SECURITY.md #11: the whole file, without parsing one of the thousands of parts."""
    specs = count_matches(http, "_RANGE_SPEC")
    client = app.test_client()
    for header in (
        "bytes=" + ",".join("0-" for _ in range(5000)),
        "bytes=" + ",".join(f"{i}-{i + 100}" for i in range(5000)),
        "bytes=" + ",".join("-1" for _ in range(20000)),
        "bytes=" + ",".join(f"{20000 + i}-" for i in range(5000)),
    ):
        response = client.get("/file/data.bin", headers={"Range": header})
        assert response.status_code == 200
        assert response.data == DATA
    assert specs.count == 0


def test_if_range(app: App) -> None:
    client = app.test_client()
    full = client.get("/file/data.bin")
    etag, last_modified = full.headers["ETag"], full.headers["Last-Modified"]
    for validator in (etag, last_modified):
        response = client.get(
            "/file/data.bin", headers={"Range": "bytes=0-3", "If-Range": validator}
        )
        assert response.status_code == 206
        assert response.data == DATA[:4]
    for validator in ('"stale"', f"W/{etag}", http_date(0)):
        response = client.get(
            "/file/data.bin", headers={"Range": "bytes=0-3", "If-Range": validator}
        )
        assert response.status_code == 200
        assert response.data == DATA


def test_make_conditional_on_a_buffered_response(app: App) -> None:
    with app.test_request_context(headers={"Range": "bytes=2-4"}) as ctx:
        response = Response(b"0123456789")
        response.headers["ETag"] = '"abc"'
        make_conditional(response, ctx.request.environ, size=10)
    assert response.status_code == 206
    assert response.get_data() == b"234"
    with app.test_request_context(headers={"If-None-Match": '"abc"'}) as ctx:
        response = Response(b"0123456789")
        response.headers["ETag"] = '"abc"'
        make_conditional(response, ctx.request.environ, size=10)
    assert response.status_code == 304


# -- bodies --------------------------------------------------------------------------------------


def test_file_body_reads_in_chunks(tmp_path: Path) -> None:
    path = tmp_path / "big.bin"
    path.write_bytes(b"x" * (CHUNK_SIZE * 2 + 10))
    body = FileBody(str(path))
    chunks = list(body)
    body.close()
    assert [len(chunk) for chunk in chunks] == [CHUNK_SIZE, CHUNK_SIZE, 10]
    ranged = FileBody(str(path), start=CHUNK_SIZE - 5, length=CHUNK_SIZE + 10)
    assert [len(chunk) for chunk in ranged] == [CHUNK_SIZE, 10]
    assert ranged.file is not None
    ranged.close()
    assert ranged.file.closed


class FileWrapper:
    """A stand-in for a server's wsgi.file_wrapper that records what it was given."""

    made: list[FileWrapper] = []

    def __init__(self, file: Any, block_size: int) -> None:
        self.file = file
        self.block_size = block_size
        FileWrapper.made.append(self)

    def __iter__(self) -> Iterable[bytes]:
        return iter(lambda: self.file.read(self.block_size), b"")

    def close(self) -> None:
        self.file.close()


def test_server_file_wrapper_is_used_for_whole_files(app: App) -> None:
    FileWrapper.made.clear()
    client = app.test_client()
    overrides = {"wsgi.file_wrapper": FileWrapper}
    response = client.get("/file/data.bin", environ_overrides=overrides)
    assert response.data == DATA
    assert len(FileWrapper.made) == 1
    assert FileWrapper.made[0].file.closed
    ranged = client.get(
        "/file/data.bin", headers={"Range": "bytes=1-2"}, environ_overrides=overrides
    )
    assert ranged.data == DATA[1:3]
    assert len(FileWrapper.made) == 1


def test_file_wrapper_skipped_when_close_callbacks_wait(app: App, tmp_path: Path) -> None:
    FileWrapper.made.clear()
    closed: list[bool] = []

    @app.route("/tracked")
    def tracked() -> Response:
        response = send_file(tmp_path / "secret.txt")
        response.call_on_close(lambda: closed.append(True))
        return response

    overrides = {"wsgi.file_wrapper": FileWrapper}
    response = app.test_client().get("/tracked", environ_overrides=overrides)
    assert response.data == b"secret"
    assert closed == [True]
    assert FileWrapper.made == []


def test_file_not_opened_for_304_or_head(app: App, tmp_path: Path) -> None:
    bodies: list[FileBody] = []

    @app.route("/watched")
    def watched() -> Response:
        response = send_file(tmp_path / "secret.txt")
        assert isinstance(response.response, FileBody)
        bodies.append(response.response)
        return response

    client = app.test_client()
    etag = client.get("/watched").headers["ETag"]
    client.get("/watched", headers={"If-None-Match": etag})
    client.head("/watched")
    assert bodies[0].file is not None
    assert bodies[1].file is None
    assert bodies[2].file is None


# -- paths ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "../secret.txt",
        "..%2fsecret.txt",
        "%2e%2e/secret.txt",
        "%2E%2E%2Fsecret.txt",
        "..%5csecret.txt",
        "%252e%252e/secret.txt",
        "%252e%252e%252fsecret.txt",
        "hello.txt%00.png",
        "%00",
        "CON",
        "C:%5cwindows",
        "sub/%2e%2e/%2e%2e/secret.txt",
    ],
)
def test_traversal_through_the_url_is_404(app: App, name: str) -> None:
    response = app.test_client().get(f"/file/{name}")
    assert response.status_code == 404
    assert b"secret" not in response.data


def test_symlink_inside_is_served_and_outside_is_404(app: App, tmp_path: Path) -> None:
    files = tmp_path / "files"
    (files / "inner.txt").symlink_to(files / "hello.txt")
    (files / "outer.txt").symlink_to(tmp_path / "secret.txt")
    (files / "outer_dir").symlink_to(tmp_path, target_is_directory=True)
    (files / "sub").mkdir()
    (files / "sub" / "up").symlink_to(files, target_is_directory=True)
    client = app.test_client()
    assert client.get("/file/inner.txt").data == b"hello\n"
    assert client.get("/file/sub/up/hello.txt").data == b"hello\n"
    assert client.get("/file/outer.txt").status_code == 404
    assert client.get("/file/outer_dir/secret.txt").status_code == 404
    assert client.get("/file/sub").status_code == 404


def test_symlinked_directory_root_is_allowed(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (real / "a.txt").write_text("a", encoding="utf-8")
    (tmp_path / "link").symlink_to(real, target_is_directory=True)
    app = App("files_link_app", root_path=str(tmp_path), static_folder="link")
    assert app.test_client().get("/link/a.txt").data == b"a"


# -- active content types (issue 14): nosniff always, a download when asked ---------------------

ACTIVE_FILES = {
    "page.html": ("text/html",),
    "page.xhtml": ("application/xhtml+xml",),
    "logo.svg": ("image/svg+xml",),
    "feed.xml": ("application/xml", "text/xml"),  # as the platform's mimetypes table says
}


@pytest.fixture
def active_app(app: App, tmp_path: Path) -> App:
    for name in ACTIVE_FILES:
        (tmp_path / "files" / name).write_text("<svg><script>alert(1)</script></svg>")
    # NOTE: off, so the nosniff seen comes from send_file and not from the security headers.
    app.config["SECURITY_HEADERS"] = False

    @app.route("/upload/<path:name>")
    def upload(name: str) -> Response:
        return send_from_directory("files", name, active_as_attachment=True)

    @app.route("/inline/<path:name>")
    def inline(name: str) -> Response:
        return send_from_directory("files", name, active_as_attachment=False)

    return app


@pytest.mark.parametrize("name", sorted(ACTIVE_FILES))
def test_active_types_always_carry_nosniff_and_stay_inline_by_default(
    active_app: App, name: str
) -> None:
    response = active_app.test_client().get(f"/file/{name}")
    assert response.status_code == 200
    assert response.headers["Content-Type"].partition(";")[0] in ACTIVE_FILES[name]
    assert response.headers.getlist("X-Content-Type-Options") == ["nosniff"]
    assert "Content-Disposition" not in response.headers


@pytest.mark.parametrize("name", sorted(ACTIVE_FILES))
def test_active_types_download_with_the_setting_or_the_argument(active_app: App, name: str) -> None:
    client = active_app.test_client()
    response = client.get(f"/upload/{name}")
    assert response.headers["Content-Disposition"] == f"attachment; filename={name}"
    active_app.config["SEND_FILE_ACTIVE_AS_ATTACHMENT"] = True
    response = client.get(f"/file/{name}")
    assert response.headers["Content-Disposition"] == f"attachment; filename={name}"
    assert response.headers.getlist("X-Content-Type-Options") == ["nosniff"]
    # The argument wins over the setting.
    assert "Content-Disposition" not in client.get(f"/inline/{name}").headers


def test_passive_types_are_untouched(active_app: App) -> None:
    active_app.config["SEND_FILE_ACTIVE_AS_ATTACHMENT"] = True
    response = active_app.test_client().get("/upload/hello.txt")
    assert "Content-Disposition" not in response.headers
    assert "X-Content-Type-Options" not in response.headers


def test_an_explicit_active_mimetype_of_a_file_object(app: App) -> None:
    app.config["SEND_FILE_ACTIVE_AS_ATTACHMENT"] = True

    @app.route("/object")
    def from_object() -> Response:
        return send_file(io.BytesIO(b"<b>hi</b>"), mimetype="text/html", download_name="x.html")

    response = app.test_client().get("/object")
    assert response.headers["Content-Disposition"] == "attachment; filename=x.html"
    assert response.headers.getlist("X-Content-Type-Options") == ["nosniff"]


def test_the_security_headers_do_not_repeat_nosniff(app: App, tmp_path: Path) -> None:
    (tmp_path / "files" / "page.html").write_text("<p>hi</p>")
    response = app.test_client().get("/file/page.html")
    assert response.headers.getlist("X-Content-Type-Options") == ["nosniff"]
