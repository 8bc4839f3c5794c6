"""HTTP exceptions and abort()."""

from __future__ import annotations

import pytest

from hipflask import abort
from hipflask.exceptions import (
    BadHost,
    BadRequest,
    BadRequestKeyError,
    ClientDisconnected,
    FailedDependency,
    HTTPException,
    MethodNotAllowed,
    MisdirectedRequest,
    NotFound,
    RequestedRangeNotSatisfiable,
    Unauthorized,
    default_exceptions,
)


@pytest.mark.parametrize(
    "code", [400, 401, 403, 404, 405, 409, 413, 415, 416, 418, 421, 422, 424, 429, 500, 503]
)
def test_abort_raises_the_class_for_each_code(code: int) -> None:
    with pytest.raises(HTTPException) as info:
        abort(code)
    assert info.value.code == code
    assert isinstance(info.value, default_exceptions[code])


def test_abort_knows_every_code_werkzeug_knows() -> None:
    # werkzeug.exceptions.default_exceptions in Werkzeug 3.1.
    werkzeug_codes = {
        400, 401, 403, 404, 405, 406, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 418,
        421, 422, 423, 424, 428, 429, 431, 451, 500, 501, 502, 503, 504, 505,
    }  # fmt: skip
    assert set(default_exceptions) == werkzeug_codes
    assert default_exceptions[421] is MisdirectedRequest
    assert default_exceptions[424] is FailedDependency
    assert default_exceptions[400] is BadRequest


@pytest.mark.parametrize("cls", [BadHost, ClientDisconnected])
def test_bad_request_variants_are_400s(cls: type[BadRequest]) -> None:
    assert issubclass(cls, BadRequest)
    assert cls().get_response().status_code == 400


def test_abort_unknown_code() -> None:
    with pytest.raises(LookupError):
        abort(299)


def test_default_html_body_escapes_description() -> None:
    response = NotFound(description="<script>x</script>").get_response()
    assert response.status_code == 404
    assert b"<script>" not in response.data
    assert b"&lt;script&gt;" in response.data


def test_extra_headers() -> None:
    assert MethodNotAllowed(["POST", "GET"]).get_response().headers["Allow"] == "GET, POST"
    assert (
        Unauthorized(www_authenticate='Basic realm="x"').get_response().headers["WWW-Authenticate"]
        == 'Basic realm="x"'
    )
    assert (
        RequestedRangeNotSatisfiable(length=10).get_response().headers["Content-Range"]
        == "bytes */10"
    )


def test_bad_request_key_error_is_both() -> None:
    error = BadRequestKeyError("field")
    assert isinstance(error, KeyError)
    assert error.code == 400
    assert "400 Bad Request" in str(error)


def test_internal_server_error_quotes_its_request_id() -> None:
    import json

    from hipflask.exceptions import InternalServerError

    error = InternalServerError(request_id="<id&1>")
    assert error.get_headers() == [("X-Request-ID", "<id&1>")]
    html, _ = error.get_body()
    assert html.endswith("<p>Request ID: <code>&lt;id&amp;1&gt;</code>\n")
    body, content_type = error.get_body(wants_json=True)
    assert content_type == "application/json"
    assert json.loads(body) == {
        "error": InternalServerError.description,
        "status": 500,
        "name": "Internal Server Error",
        "request_id": "<id&1>",
    }
    plain = InternalServerError()
    assert plain.get_headers() == []
    assert "Request ID" not in plain.get_body()[0]
