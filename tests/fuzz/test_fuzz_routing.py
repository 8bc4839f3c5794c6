"""Fuzz the router: PATH_INFO, every converter, and building URLs back from what matched."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from hipflask import App, url_for

from . import FUZZ, call, declared, environ, wsgi_text


def make_app() -> App:
    app = App(__name__)
    app.config.update(TESTING=True, SECRET_KEY="k" * 32)

    def echo(**values: Any) -> dict[str, Any]:
        endpoint = "echo_" + "_".join(sorted(values))
        return {"values": repr(values), "url": url_for(endpoint, **values)}

    for rule, endpoint in [
        ("/s/<name>", "echo_name"),
        ("/i/<int:number>", "echo_number"),
        ("/n/<int(signed=True):signed>", "echo_signed"),
        ("/f/<float:real>", "echo_real"),
        ("/p/<path:rest>", "echo_rest"),
        ("/u/<uuid:ident>", "echo_ident"),
        ("/a/<any(red, 'gr een', blue):colour>", "echo_colour"),
        ("/m/<int:year>/<name>/<path:tail>", "echo_name_tail_year"),
    ]:
        app.add_url_rule(rule, endpoint, echo, strict_slashes=True)

    @app.route("/slash/")
    def slash() -> str:
        return "slash"

    return app


APP = make_app()

segments = st.sampled_from(["/s/", "/i/", "/n/", "/f/", "/p/", "/u/", "/a/", "/m/2024/", "/slash"])
percent = st.binary(max_size=20).map(lambda data: "".join(f"%{byte:02x}" for byte in data))


@FUZZ
@given(prefix=segments, rest=wsgi_text | percent | st.text(max_size=60))
def test_any_path_is_routed_or_refused(prefix: str, rest: str) -> None:
    path = prefix + rest
    try:
        path.encode("latin-1")
    except UnicodeEncodeError:
        path = path.encode("utf-8").decode("latin-1")  # what a WSGI server passes on
    status, _, _ = call(APP, environ(PATH_INFO=path))
    assert declared(status), (path, status)


@FUZZ
@given(
    method=st.sampled_from(["GET", "POST", "HEAD", "OPTIONS", "PUT", "BREW", ""]), path=wsgi_text
)
def test_any_method_and_raw_path(method: str, path: str) -> None:
    status, _, _ = call(APP, environ(REQUEST_METHOD=method, PATH_INFO="/" + path))
    assert declared(status), (method, path, status)
