"""The static route of the app and of blueprints: URLs, headers, caching and traversal."""

from __future__ import annotations

from pathlib import Path

import pytest

from hipflask import App, Blueprint, url_for

CSS = "body { color: #333; }\n"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "static" / "css").mkdir(parents=True)
    (tmp_path / "static" / "css" / "site.css").write_text(CSS, encoding="utf-8")
    (tmp_path / "static" / "blob.bin").write_bytes(b"\x00\x01" * 50_000)
    (tmp_path / "static_x").mkdir()
    (tmp_path / "static_x" / "secret.txt").write_text("secret", encoding="utf-8")
    (tmp_path / "app.py").write_text("SECRET_KEY = 'secret'", encoding="utf-8")
    return tmp_path


@pytest.fixture
def app(root: Path) -> App:
    app = App("static_test_app", root_path=str(root))
    app.config["TESTING"] = True
    return app


def test_static_file(app: App) -> None:
    response = app.test_client().get("/static/css/site.css")
    assert response.status_code == 200
    assert response.text == CSS
    assert response.headers["Content-Type"] == "text/css; charset=utf-8"
    assert response.headers["Content-Length"] == str(len(CSS))
    assert response.headers["ETag"].startswith('"')
    assert "Last-Modified" in response.headers
    assert response.headers["Cache-Control"] == "no-cache"


def test_url_for_static(app: App) -> None:
    with app.test_request_context():
        assert url_for("static", filename="css/site.css") == "/static/css/site.css"
        assert url_for("static", filename="a b.css") == "/static/a%20b.css"


def test_static_large_file_and_head(app: App) -> None:
    client = app.test_client()
    response = client.get("/static/blob.bin")
    assert response.data == b"\x00\x01" * 50_000
    head = client.head("/static/blob.bin")
    assert head.status_code == 200
    assert head.data == b""
    assert head.headers["Content-Length"] == "100000"


def test_static_conditional_and_range(app: App) -> None:
    client = app.test_client()
    etag = client.get("/static/css/site.css").headers["ETag"]
    assert client.get("/static/css/site.css", headers={"If-None-Match": etag}).status_code == 304
    ranged = client.get("/static/blob.bin", headers={"Range": "bytes=1-4"})
    assert ranged.status_code == 206
    assert ranged.data == b"\x01\x00\x01\x00"
    assert ranged.headers["Content-Range"] == "bytes 1-4/100000"
    assert client.get("/static/blob.bin", headers={"Range": "bytes=100000-"}).status_code == 416


def test_send_file_max_age_default(app: App) -> None:
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 600
    response = app.test_client().get("/static/css/site.css")
    assert response.headers["Cache-Control"] == "public, max-age=600"


def test_custom_static_folder_and_url_path(root: Path) -> None:
    (root / "assets").mkdir()
    (root / "assets" / "app.js").write_text("let a = 1;\n", encoding="utf-8")
    app = App("static_custom", root_path=str(root), static_folder="assets", static_url_path="/s")
    response = app.test_client().get("/s/app.js")
    assert response.status_code == 200
    assert response.data == b"let a = 1;\n"
    assert "javascript" in response.headers["Content-Type"]
    assert app.test_client().get("/static/css/site.css").status_code == 404
    with app.test_request_context():
        assert url_for("static", filename="app.js") == "/s/app.js"


def test_static_url_path_follows_the_folder_name(root: Path) -> None:
    (root / "public").mkdir()
    (root / "public" / "robots.txt").write_text("User-agent: *\n", encoding="utf-8")
    app = App("static_public", root_path=str(root), static_folder="public")
    assert app.test_client().get("/public/robots.txt").status_code == 200


def test_no_static_folder(root: Path) -> None:
    app = App("static_none", root_path=str(root), static_folder=None)
    assert app.test_client().get("/static/css/site.css").status_code == 404
    assert "static" not in app.view_functions


def test_blueprint_static(app: App, root: Path) -> None:
    (root / "admin" / "static").mkdir(parents=True)
    (root / "admin" / "static" / "admin.css").write_text("h1 {}\n", encoding="utf-8")
    bp = Blueprint(
        "admin",
        __name__,
        static_folder="static",
        static_url_path="/assets",
        url_prefix="/admin",
        root_path=str(root / "admin"),
    )
    app.register_blueprint(bp)
    client = app.test_client()
    response = client.get("/admin/assets/admin.css")
    assert response.status_code == 200
    assert response.data == b"h1 {}\n"
    assert client.get("/admin/assets/../../static/css/site.css").status_code == 404
    with app.test_request_context():
        assert url_for("admin.static", filename="admin.css") == "/admin/assets/admin.css"


@pytest.mark.parametrize(
    "path",
    [
        "/static/../app.py",
        "/static/..%2fapp.py",
        "/static/%2e%2e/app.py",
        "/static/%2e%2e%2fapp.py",
        "/static/%2E%2E/app.py",
        "/static/..%5capp.py",
        "/static/%2e%2e%5capp.py",
        "/static/%252e%252e/app.py",
        "/static/%252e%252e%252fapp.py",
        "/static/../static_x/secret.txt",
        "/static/%2e%2e/static_x/secret.txt",
        "/static/css/../../static_x/secret.txt",
        "/static/css/site.css%00.png",
        "/static/%00",
        "/static//etc/passwd",
        "/static/%2fetc/passwd",
        "/static/C:%5cwindows%5cwin.ini",
        "/static/NUL",
        "/static/con.css",
        "/static/css",
        "/static/css/",
    ],
)
def test_traversal_is_404(app: App, path: str) -> None:
    response = app.test_client().get(path)
    assert response.status_code == 404
    assert b"SECRET_KEY" not in response.data
    assert b"secret" not in response.data


def test_symlink_out_of_the_static_folder_is_404(app: App, root: Path) -> None:
    (root / "static" / "leak.py").symlink_to(root / "app.py")
    (root / "static" / "up").symlink_to(root, target_is_directory=True)
    (root / "static" / "same.css").symlink_to(root / "static" / "css" / "site.css")
    client = app.test_client()
    assert client.get("/static/leak.py").status_code == 404
    assert client.get("/static/up/app.py").status_code == 404
    assert client.get("/static/up/static_x/secret.txt").status_code == 404
    assert client.get("/static/same.css").text == CSS


def test_static_host_is_stored(root: Path) -> None:
    app = App("static_host", root_path=str(root), static_host="cdn.example.com")
    assert app.static_host == "cdn.example.com"
    assert app.test_client().get("/static/css/site.css").status_code == 200


def test_static_host_with_host_matching(tmp_path: Path) -> None:
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "site.css").write_text("body {}")
    app = App(
        __name__,
        root_path=str(tmp_path),
        host_matching=True,
        static_host="static.example.com",
    )

    @app.route("/", host="example.com")
    def index() -> str:
        return url_for("static", filename="site.css")

    client = app.test_client()
    assert client.get("/", base_url="http://example.com").data == (
        b"http://static.example.com/static/site.css"
    )
    served = client.get("/static/site.css", base_url="http://static.example.com")
    assert served.status_code == 200
    assert served.data == b"body {}"
    served.close()
    assert client.get("/static/site.css", base_url="http://example.com").status_code == 404
    assert client.get("/", base_url="http://static.example.com:8080").status_code == 404


def test_host_matching_needs_a_static_host(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="static_host"):
        App(__name__, root_path=str(tmp_path), host_matching=True)
