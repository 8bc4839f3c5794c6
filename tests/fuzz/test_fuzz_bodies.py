"""Fuzz the query string, urlencoded and multipart bodies, and JSON."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from hipflask import App, request
from hipflask.files import secure_filename

from . import FUZZ, any_header, call, declared, environ, header_text, wsgi_text


def make_app() -> App:
    app = App(__name__)
    app.config.update(TESTING=True, SECRET_KEY="k" * 32, MAX_CONTENT_LENGTH=64 * 1024)
    app.config.update(MAX_FORM_MEMORY_SIZE=8 * 1024, MAX_FORM_PARTS=50)

    @app.route("/", methods=["GET", "POST", "PUT"])
    def echo() -> dict[str, Any]:
        files = {
            name: [secure_filename(upload.filename or ""), len(upload.read()), upload.mimetype]
            for name, upload in request.files.items(multi=True)
        }
        return {
            "args": request.args.to_dict(flat=False),
            "numbers": request.args.getlist("n", type=int),
            "form": request.form.to_dict(flat=False),
            "files": files,
            "values": len(request.values),
        }

    @app.post("/json")
    def json_view() -> dict[str, Any]:
        return {"json": request.get_json(), "silent": request.get_json(silent=True) is None}

    @app.post("/force-json")
    def force_json() -> dict[str, Any]:
        return {"json": request.get_json(force=True, silent=True)}

    @app.post("/raw")
    def raw() -> dict[str, Any]:
        return {"size": len(request.get_data()), "text": len(request.get_data(as_text=True))}

    return app


APP = make_app()

pairs = st.lists(st.tuples(st.text(max_size=10), st.text(max_size=20)), max_size=8)
query_text = wsgi_text | st.text(alphabet="a=&;%+0123456789xyz ", max_size=100)


@FUZZ
@given(query=query_text)
def test_any_query_string(query: str) -> None:
    status, _, _ = call(APP, environ(QUERY_STRING=query))
    assert declared(status), (query, status)


@FUZZ
@given(body=st.binary(max_size=500) | query_text.map(lambda text: text.encode("latin-1")))
def test_any_urlencoded_body(body: bytes) -> None:
    env = environ(
        REQUEST_METHOD="POST", CONTENT_TYPE="application/x-www-form-urlencoded", body=body
    )
    status, _, _ = call(APP, env)
    assert declared(status), (body, status)


@FUZZ
@given(fields=pairs)
def test_urlencoded_pairs_round_trip(fields: list[tuple[str, str]]) -> None:
    from urllib.parse import urlencode

    body = urlencode(fields).encode()
    env = environ(
        REQUEST_METHOD="POST", CONTENT_TYPE="application/x-www-form-urlencoded", body=body
    )
    status, _, data = call(APP, env)
    assert status == 200
    expected: dict[str, list[str]] = {}
    for key, value in fields:
        expected.setdefault(key, []).append(value)
    assert json.loads(data)["form"] == expected


part_header = st.sampled_from(
    [
        'Content-Disposition: form-data; name="f"',
        'Content-Disposition: form-data; name="up"; filename="../../etc/passwd"',
        "Content-Disposition: form-data; name=\"up\"; filename*=utf-8''%e2%80%ae.txt",
        'Content-Disposition: attachment; filename="a\\"b"',
        "Content-Type: text/plain; charset=utf-8",
        "Content-Disposition: form-data",
        "Content-Transfer-Encoding: base64",
    ]
) | header_text.map(lambda text: "X-" + text)


@st.composite
def multipart_bodies(draw: st.DrawFn) -> tuple[str, bytes]:
    boundary = draw(st.text(alphabet="abcXYZ019'()+_,-./:=? ", min_size=1, max_size=70))
    parts = []
    for _ in range(draw(st.integers(0, 5))):
        headers = draw(st.lists(part_header, max_size=3))
        content = draw(st.binary(max_size=200))
        parts.append("\r\n".join(headers).encode("latin-1") + b"\r\n\r\n" + content)
    separator = b"--" + boundary.encode() + b"\r\n"
    body = b"".join(separator + part + b"\r\n" for part in parts)
    ending = draw(st.sampled_from([b"--" + boundary.encode() + b"--\r\n", b"", b"--", b"\n"]))
    body = draw(st.sampled_from([b"", b"\r\n" * 3, b"preamble"])) + body + ending
    if draw(st.booleans()):  # mangle a byte somewhere
        data = bytearray(body)
        if data:
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
        body = bytes(data)
    quoted = draw(st.booleans())
    content_type = (
        f'multipart/form-data; boundary="{boundary}"'
        if quoted
        else (f"multipart/form-data; boundary={boundary}")
    )
    return content_type, body


@FUZZ
@given(case=multipart_bodies())
def test_any_multipart_body(case: tuple[str, bytes]) -> None:
    content_type, body = case
    env = environ(REQUEST_METHOD="POST", CONTENT_TYPE=content_type, body=body)
    status, _, _ = call(APP, env)
    assert declared(status), (case, status)


@FUZZ
@given(content_type=any_header, body=st.binary(max_size=300))
def test_any_content_type_with_any_body(content_type: str, body: bytes) -> None:
    env = environ(REQUEST_METHOD="PUT", CONTENT_TYPE=content_type, body=body)
    status, _, _ = call(APP, env)
    assert declared(status), (content_type, body, status)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@FUZZ
@given(value=json_values)
def test_json_documents_round_trip(value: Any) -> None:
    body = json.dumps(value).encode()
    env = environ(
        REQUEST_METHOD="POST", PATH_INFO="/json", CONTENT_TYPE="application/json", body=body
    )
    status, _, data = call(APP, env)
    assert status == 200, (value, data)
    assert json.loads(data)["json"] == value


@FUZZ
@given(
    body=st.binary(max_size=300)
    | st.text(alphabet='[]{}":,0123456789.eE-+ tfnrul\\', max_size=300).map(str.encode),
    path=st.sampled_from(["/json", "/force-json", "/raw"]),
    content_type=st.sampled_from(
        [
            "application/json",
            "application/x+json",
            "text/plain",
            "application/json; charset=latin-1",
        ]
    ),
)
def test_any_json_body(body: bytes, path: str, content_type: str) -> None:
    env = environ(REQUEST_METHOD="POST", PATH_INFO=path, CONTENT_TYPE=content_type, body=body)
    status, _, _ = call(APP, env)
    assert declared(status), (body, status)


@FUZZ
@given(length=any_header, body=st.binary(max_size=100), terminated=st.booleans())
def test_any_content_length(length: str, body: bytes, terminated: bool) -> None:
    env = environ(
        REQUEST_METHOD="POST",
        PATH_INFO="/raw",
        CONTENT_TYPE="application/x-www-form-urlencoded",
        CONTENT_LENGTH=length,
        body=body,
    )
    env["CONTENT_LENGTH"] = length
    if terminated:
        env["wsgi.input_terminated"] = True
    status, _, _ = call(APP, env)
    assert declared(status), (length, status)
