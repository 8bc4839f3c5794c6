"""The request id: a sane X-Request-ID is kept and echoed, anything else is replaced."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hipflask import App
from hipflask.logs.request_ids import MAX_LENGTH, new_request_id, request_id, sane_request_id
from tests.conftest import JSONLog

GENERATED = re.compile(r"[0-9a-f]{32}")


def make_app(json_log: JSONLog, tmp_path: Path, **config: object) -> App:
    app = App(json_log.name, root_path=str(tmp_path))
    app.config.update(LOG_FORMAT="json", ACCESS_LOG=True, **config)

    @app.route("/")
    def index() -> dict[str, str]:
        return {"id": request_id()}

    return app


@pytest.mark.parametrize(
    "value",
    [
        "0f8fad5b-d9cb-469f-a165-70867728950e",
        "3c3a7a0ae1b24ee6a0d4b1f6e5f6a7b8",
        "Root=1-5759e988-bd862e3fe1be46a994272793",
        "a" * MAX_LENGTH,
    ],
)
def test_a_sane_incoming_id_is_kept_echoed_and_logged(
    json_log: JSONLog, tmp_path: Path, value: str
) -> None:
    response = make_app(json_log, tmp_path).test_client().get("/", headers={"X-Request-ID": value})
    assert response.headers["X-Request-ID"] == value
    assert response.get_json() == {"id": value}
    [access] = json_log.of(f"{json_log.name}.access")
    assert access["request_id"] == value


@pytest.mark.parametrize(
    "value",
    [
        "abc\r\nX-Injected: 1",
        "abc\ndef",
        "x" * 10_240,
        "a" * (MAX_LENGTH + 1),
        "caf\xc3\xa9",  # UTF-8 bytes of "café" as a WSGI server hands them over
        "\u00e9t\u00e9",
        "",
        "two words",
        '"quoted"',
        "<script>",
        "a;b",
    ],
)
def test_a_hostile_incoming_id_is_replaced_by_a_generated_one(
    json_log: JSONLog, tmp_path: Path, value: str
) -> None:
    client = make_app(json_log, tmp_path).test_client()
    response = client.get("/", environ_overrides={"HTTP_X_REQUEST_ID": value})
    echoed = response.headers["X-Request-ID"]
    assert GENERATED.fullmatch(echoed)
    assert response.get_json() == {"id": echoed}
    # json_log.of() parses every line: a CR/LF in the id would have split one.
    [access] = json_log.of(f"{json_log.name}.access")
    assert access["request_id"] == echoed


def test_each_request_gets_its_own_id_and_keeps_it(json_log: JSONLog, tmp_path: Path) -> None:
    app = make_app(json_log, tmp_path)
    seen: list[str] = []

    @app.route("/twice")
    def twice() -> str:
        seen.extend([request_id(), request_id()])
        return "ok"

    client = app.test_client()
    first = client.get("/twice").headers["X-Request-ID"]
    second = client.get("/twice").headers["X-Request-ID"]
    assert seen == [first, first, second, second]
    assert first != second


def test_no_id_is_made_or_echoed_while_the_switches_are_off(tmp_path: Path) -> None:
    app = App("request_ids_off", root_path=str(tmp_path))
    environs: list[dict[str, object]] = []

    @app.route("/")
    def index() -> str:
        from hipflask import request

        environs.append(request.environ)
        return "ok"

    response = app.test_client().get("/", headers={"X-Request-ID": "abc"})
    assert "X-Request-ID" not in response.headers
    assert "hipflask.request_id" not in environs[0]
    assert "request_logging" not in app.extensions


def test_asking_for_the_id_makes_one_when_the_switches_are_off(tmp_path: Path) -> None:
    app = App("request_ids_asked", root_path=str(tmp_path))
    with app.test_request_context("/", headers={"X-Request-ID": "from-proxy"}):
        assert request_id() == "from-proxy"
    with app.test_request_context("/"):
        assert GENERATED.fullmatch(request_id())


def test_outside_a_request_request_id_raises() -> None:
    with pytest.raises(RuntimeError, match="while handling"):
        request_id()


def test_sane_request_id() -> None:
    assert sane_request_id("abc-DEF_1.2:3+4/5=6@7") == "abc-DEF_1.2:3+4/5=6@7"
    for bad in (None, "", " ", "a b", "a\tb", "a\x00b", "a,b", "a" * (MAX_LENGTH + 1)):
        assert sane_request_id(bad) is None
    assert GENERATED.fullmatch(new_request_id())
    assert new_request_id() != new_request_id()
