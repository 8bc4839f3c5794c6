"""HTTP exceptions and abort()."""

from __future__ import annotations

import pytest

from hipflask import abort
from hipflask.exceptions import (
    BadRequestKeyError,
    HTTPException,
    MethodNotAllowed,
    NotFound,
    RequestedRangeNotSatisfiable,
    Unauthorized,
    default_exceptions,
)


@pytest.mark.parametrize(
    "code", [400, 401, 403, 404, 405, 409, 413, 415, 416, 418, 422, 429, 500, 503]
)
def test_abort_raises_the_class_for_each_code(code: int) -> None:
    with pytest.raises(HTTPException) as info:
        abort(code)
    assert info.value.code == code
    assert isinstance(info.value, default_exceptions[code])


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
