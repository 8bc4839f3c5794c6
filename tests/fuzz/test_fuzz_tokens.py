"""Fuzz the signed values clients send back: session cookies (cookie and server-side
backends) and CSRF tokens. A forged or mangled value is an empty session or a 400, never more."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hipflask import App, render_template_string, request, session

from . import FUZZ, KEY, call, declared, environ, header_text, wsgi_text


def make_app(**config: Any) -> App:
    app = App(__name__)
    app.config.update(TESTING=True, SECRET_KEY=KEY, **config)

    @app.route("/login")
    def login() -> str:
        session["user"] = "alice"
        session["roles"] = ["admin", ("t", 1)]
        return "ok"

    @app.route("/me")
    def me() -> dict[str, Any]:
        return {"user": session.get("user")}

    @app.route("/form", methods=["GET", "POST"])
    def form() -> str:
        if request.method == "POST":
            return "accepted"
        return render_template_string("{{ csrf_token() }}")

    return app


@st.composite
def mangled(draw: st.DrawFn, value: str) -> str:
    """Return ``value`` changed the way a forger or a broken proxy would change it."""
    edit = draw(st.sampled_from(["replace", "insert", "delete", "truncate", "append", "case"]))
    if edit == "truncate":
        return value[: draw(st.integers(0, max(0, len(value) - 1)))]
    if edit == "append":
        return value + draw(header_text)
    if edit == "case":
        return value.swapcase()
    position = draw(st.integers(0, max(0, len(value) - 1)))
    char = draw(st.characters(min_codepoint=0x21, max_codepoint=0xFF))
    if edit == "insert":
        return value[:position] + char + value[position:]
    if edit == "delete":
        return value[:position] + value[position + 1 :]
    return value[:position] + char + value[position + 1 :]


def issued_cookie(app: App) -> str:
    _, headers, _ = call(app, environ(PATH_INFO="/login"))
    return headers["Set-Cookie"].split(";", 1)[0].split("=", 1)[1]


@pytest.fixture(scope="module", params=["cookie", "sqlite"])
def session_app(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    if request.param == "cookie":
        return make_app()
    path = tmp_path_factory.mktemp("fuzz-sessions") / "s.sqlite3"
    return make_app(SESSION_TYPE="sqlite", SESSION_SQLITE_PATH=str(Path(path)))


@FUZZ
@given(data=st.data())
def test_a_forged_session_cookie_is_an_empty_session(session_app: App, data: st.DataObject) -> None:
    good = issued_cookie(session_app)
    value = data.draw(mangled(good) | wsgi_text | header_text)
    status, _, body = call(session_app, environ(PATH_INFO="/me", HTTP_COOKIE=f"session={value}"))
    assert status == 200, (value, status)
    # NOTE: base64 decoding skips characters outside its alphabet, so a few edits (inserting
    # a non-ASCII character, say) leave the same signed bytes: the same session, never another.
    assert json.loads(body)["user"] in ((None, "alice") if value != good else ("alice",))


@FUZZ
@given(value=wsgi_text | header_text)
def test_a_random_session_cookie_is_an_empty_session(session_app: App, value: str) -> None:
    status, _, body = call(session_app, environ(PATH_INFO="/me", HTTP_COOKIE=f"session={value}"))
    assert (status, json.loads(body)["user"]) == (200, None), value


CSRF_APP = make_app(CSRF_PROTECT=True)


@FUZZ
@given(data=st.data(), where=st.sampled_from(["form", "header", "both", "query"]))
def test_a_forged_csrf_token_is_a_400(data: st.DataObject, where: str) -> None:
    _, headers, body = call(CSRF_APP, environ(PATH_INFO="/form"))
    cookie = headers["Set-Cookie"].split(";", 1)[0]
    good = body.decode()
    edited = data.draw(st.booleans())
    token = data.draw(mangled(good)) if edited else data.draw(header_text | wsgi_text)
    from urllib.parse import quote

    env = environ(REQUEST_METHOD="POST", PATH_INFO="/form", HTTP_COOKIE=cookie)
    if where in ("form", "both"):
        form = f"csrf_token={quote(token)}".encode()
        env.update(
            CONTENT_TYPE="application/x-www-form-urlencoded",
            CONTENT_LENGTH=str(len(form)),
        )
        env["wsgi.input"].__init__(form)
    if where in ("header", "both"):
        env["HTTP_X_CSRFTOKEN"] = token
    if where == "query":
        env["QUERY_STRING"] = f"csrf_token={quote(token)}"
    status, _, _ = call(CSRF_APP, env)
    assert declared(status), (token, status)
    # NOTE: as with session cookies, an edit base64 ignores leaves a valid token.
    if where == "query" or not edited:
        assert status == 400, (token, where, status)
