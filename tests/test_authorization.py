"""request.authorization: Basic credentials, tokens and auth-params, as Werkzeug parses them."""

from __future__ import annotations

import base64

import pytest

from hipflask import App, request
from hipflask.authorization import Authorization


def basic(credentials: bytes) -> str:
    return "Basic " + base64.b64encode(credentials).decode()


def test_basic_credentials() -> None:
    auth = Authorization.from_header(basic("alice:s3:cr\u00e9t".encode()))
    assert auth is not None
    assert (auth.type, auth.username, auth.password, auth.token) == (
        "basic",
        "alice",
        "s3:cr\u00e9t",
        None,
    )
    assert auth["username"] == "alice" and auth.get("realm", "x") == "x"


def test_bearer_token_and_auth_params() -> None:
    bearer = Authorization.from_header("Bearer abc.def-ghi==")
    assert bearer == Authorization("bearer", None, "abc.def-ghi==")
    digest = Authorization.from_header('Digest username="bob", realm="a \\"q\\" b", nc=00000001')
    assert digest is not None and digest.type == "digest" and digest.token is None
    assert digest.parameters == {"username": "bob", "realm": 'a "q" b', "nc": "00000001"}
    assert digest.username == "bob"


@pytest.mark.parametrize(
    "header",
    [None, "", "   ", "Basic", "Basic !!!", "Basic " + "\u00e9", basic(b"\xff\xfe:x"), "x" * 9000],
)
def test_missing_or_malformed_is_none(header: str | None) -> None:
    auth = Authorization.from_header(header)
    assert auth is None or (auth.type == "basic" and auth.username == "")


def test_request_authorization_through_the_app() -> None:
    app = App(__name__)

    @app.route("/")
    def index() -> dict[str, object]:
        auth = request.authorization
        return {"user": auth.username if auth else None, "type": auth.type if auth else None}

    client = app.test_client()
    assert client.get("/", auth=("alice", "pw")).json == {"user": "alice", "type": "basic"}
    assert client.get("/").json == {"user": None, "type": None}
    headers = {"Authorization": "Basic YQ"}  # bad padding
    assert client.get("/", headers=headers).json == {"user": None, "type": None}
