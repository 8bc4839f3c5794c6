"""CSRF protection: tokens, CSRFProtect, exemptions, the HTTPS origin check (SECURITY #21, #22)."""

from __future__ import annotations

import logging
import threading
import time
from types import SimpleNamespace
from typing import Any

import pytest
from wtforms.validators import ValidationError

from hipflask import App, Blueprint, render_template_string, session
from hipflask.csrf import (
    DEFAULT_SETTINGS,
    CSRFError,
    CSRFProtect,
    exempt,
    generate_csrf,
    rotate_csrf_token,
    validate_csrf,
)
from tests.reference_signer import Signer

KEY = "k" * 40
METHODS = ["POST", "PUT", "PATCH", "DELETE"]


def make_app(**config: Any) -> tuple[App, CSRFProtect, list[str]]:
    """Return an app with CSRFProtect, a token view and a protected view that records its runs."""
    app = App(__name__)
    app.config.update({"SECRET_KEY": KEY, **config})
    csrf = CSRFProtect(app)
    ran: list[str] = []

    @app.route("/token")
    def token() -> str:
        return generate_csrf()

    @app.route("/submit", methods=["GET", *METHODS])
    def submit() -> str:
        ran.append("submit")
        return "done"

    return app, csrf, ran


@pytest.fixture
def setup() -> tuple[App, CSRFProtect, list[str]]:
    return make_app()


def token_of(client: Any, **kwargs: Any) -> str:
    response = client.get("/token", **kwargs)
    assert response.status_code == 200
    return str(response.get_data(as_text=True))


def assert_refused(response: Any, reason: str, ran: list[str]) -> None:
    assert response.status_code == 400
    assert reason in response.get_data(as_text=True)
    assert ran == []


# -- the happy path ---------------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_form_token_passes_every_method(setup: Any, method: str) -> None:
    app, _, ran = setup
    client = app.test_client()
    token = token_of(client)
    response = client.open("/submit", method=method, data={"csrf_token": token})
    assert response.status_code == 200
    assert ran == ["submit"]


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
def test_safe_methods_are_not_checked(setup: Any, method: str) -> None:
    app, _, _ = setup
    assert app.test_client().open("/submit", method=method).status_code == 200


@pytest.mark.parametrize("header", ["X-CSRFToken", "X-CSRF-Token"])
def test_header_token_for_json_and_ajax(setup: Any, header: str) -> None:
    app, _, ran = setup
    client = app.test_client()
    token = token_of(client)
    assert client.post("/submit", json={"a": 1}, headers={header: token}).status_code == 200
    form_post = client.post("/submit", data={"a": "1"}, headers={header: token})
    assert form_post.status_code == 200
    assert ran == ["submit", "submit"]


def test_json_without_header_is_refused(setup: Any) -> None:
    app, _, ran = setup
    client = app.test_client()
    token = token_of(client)
    response = client.post("/submit", json={"csrf_token": token})
    assert_refused(response, "The CSRF token is missing.", ran)


def test_prefixed_form_field_is_found(setup: Any) -> None:
    app, _, ran = setup
    client = app.test_client()
    token = token_of(client)
    assert client.post("/submit", data={"login-csrf_token": token}).status_code == 200
    assert ran == ["submit"]


def test_custom_field_name_and_headers() -> None:
    app, _, ran = make_app(WTF_CSRF_FIELD_NAME="_token", WTF_CSRF_HEADERS=["X-XSRF-Token"])
    client = app.test_client()
    token = token_of(client)
    assert client.post("/submit", data={"_token": token}).status_code == 200
    assert client.post("/submit", headers={"X-XSRF-Token": token}).status_code == 200
    refused = client.post("/submit", headers={"X-CSRFToken": token})
    assert refused.status_code == 400
    assert ran == ["submit", "submit"]


# -- SECURITY #21: every bad token is a 400 and the view never runs ---------------------------


@pytest.mark.parametrize("method", METHODS)
def test_no_token_is_refused(setup: Any, method: str) -> None:
    app, _, ran = setup
    client = app.test_client()
    token_of(client)
    response = client.open("/submit", method=method, data={"field": "x"})
    assert_refused(response, "The CSRF token is missing.", ran)


def test_empty_token_is_refused(setup: Any) -> None:
    app, _, ran = setup
    client = app.test_client()
    token_of(client)
    response = client.post("/submit", data={"csrf_token": ""}, headers={"X-CSRFToken": ""})
    assert_refused(response, "The CSRF token is missing.", ran)


def test_another_sessions_token_does_not_match(setup: Any) -> None:
    app, _, ran = setup
    attacker, victim = app.test_client(), app.test_client()
    attackers_token = token_of(attacker)
    token_of(victim)
    response = victim.post("/submit", data={"csrf_token": attackers_token})
    assert_refused(response, "The CSRF tokens do not match.", ran)


def test_token_without_a_session_secret_is_refused(setup: Any) -> None:
    app, _, ran = setup
    attackers_token = token_of(app.test_client())
    response = app.test_client().post("/submit", data={"csrf_token": attackers_token})
    assert_refused(response, "The CSRF session token is missing.", ran)


def test_expired_token_is_refused(setup: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    app, _, ran = setup
    client = app.test_client()
    token = token_of(client)
    later = time.time() + DEFAULT_SETTINGS["WTF_CSRF_TIME_LIMIT"] + 5
    monkeypatch.setattr("hipflask.csrf.time", SimpleNamespace(time=lambda: later))
    response = client.post("/submit", data={"csrf_token": token})
    assert_refused(response, "The CSRF token has expired.", ran)


def test_expiry_follows_the_time_limit_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    app, _, ran = make_app(WTF_CSRF_TIME_LIMIT=1)
    client = app.test_client()
    token = token_of(client)
    assert client.post("/submit", data={"csrf_token": token}).status_code == 200
    ran.clear()
    # NOTE: signed timestamps have a one-second resolution; two seconds on is past the limit.
    later = time.time() + 2
    monkeypatch.setattr("hipflask.csrf.time", SimpleNamespace(time=lambda: later))
    assert_refused(client.post("/submit", data={"csrf_token": token}), "has expired", ran)


def test_no_time_limit_lasts_as_long_as_the_session(monkeypatch: pytest.MonkeyPatch) -> None:
    app, _, ran = make_app(WTF_CSRF_TIME_LIMIT=None)
    client = app.test_client()
    token = token_of(client)
    later = time.time() + 30 * 24 * 3600
    monkeypatch.setattr("hipflask.csrf.time", SimpleNamespace(time=lambda: later))
    assert client.post("/submit", data={"csrf_token": token}).status_code == 200
    assert ran == ["submit"]


def test_token_only_in_the_query_string_is_refused(setup: Any) -> None:
    app, _, ran = setup
    client = app.test_client()
    token = token_of(client)
    response = client.post("/submit", query_string={"csrf_token": token}, data={"a": "1"})
    assert_refused(response, "The CSRF token is missing.", ran)


@pytest.mark.parametrize(
    "tamper",
    [
        # NOTE: not the last character: its low bits are padding, so "A" and "B" there can
        # decode to the same signature (1 run in 16 would pass the tampered token).
        lambda t: t[:-5] + ("A" if t[-5] != "A" else "B") + t[-4:],  # the signature
        lambda t: ("A" if t[0] != "A" else "B") + t[1:],  # the masked secret
        lambda t: t.rsplit(".", 1)[0],  # no signature
        lambda t: t + "x",
        lambda t: t.upper(),
        lambda t: t[:20],
    ],
)
def test_tampered_token_is_invalid(setup: Any, tamper: Any) -> None:
    app, _, ran = setup
    client = app.test_client()
    token = token_of(client)
    response = client.post("/submit", data={"csrf_token": tamper(token)})
    assert_refused(response, "The CSRF token is invalid.", ran)


@pytest.mark.parametrize("garbage", ["x", "...", "é.é.é", "a" * 10_000, "\x00", "a.b.c"])
def test_garbage_token_is_a_400_never_a_500(setup: Any, garbage: str) -> None:
    app, _, ran = setup
    client = app.test_client()
    token_of(client)
    response = client.post("/submit", data={"csrf_token": garbage})
    assert_refused(response, "The CSRF token is invalid.", ran)


def test_token_signed_with_another_key_is_invalid(setup: Any) -> None:
    app, _, ran = setup
    client = app.test_client()
    token_of(client)
    other, _, _ = make_app(SECRET_KEY="o" * 40)
    foreign = token_of(other.test_client())
    response = client.post("/submit", data={"csrf_token": foreign})
    assert_refused(response, "The CSRF token is invalid.", ran)


@pytest.mark.parametrize(
    "payload",
    [
        "c2hvcnQ",
        *("A" * length for length in (84, 85, 87, 88, 90)),  # a good value has 86 characters
        "A" * 84 + "==",
        "A" * 85 + "!",
        "A" * 85 + "é",
        "A" * 43 + "." + "A" * 42,
    ],
)
def test_signed_payload_of_the_wrong_shape_is_invalid(setup: Any, payload: str) -> None:
    app, _, ran = setup
    client = app.test_client()
    token_of(client)
    forged = Signer(KEY, (), "wtf-csrf-token").sign_timed(payload)
    response = client.post("/submit", data={"csrf_token": forged})
    assert_refused(response, "The CSRF token is invalid.", ran)


def test_corrupt_session_secret_is_treated_as_missing(setup: Any) -> None:
    app, _, ran = setup
    client = app.test_client()
    token = token_of(client)
    with client.session_transaction() as sess:
        sess["csrf_token"] = "not hex at all"
    response = client.post("/submit", data={"csrf_token": token})
    assert_refused(response, "The CSRF session token is missing.", ran)


# -- masking (BREACH) ---------------------------------------------------------------------------


def test_token_is_masked_afresh_per_response_and_every_one_verifies(setup: Any) -> None:
    app, _, ran = setup
    client = app.test_client()
    tokens = [token_of(client) for _ in range(5)]
    assert len(set(tokens)) == 5
    payloads = {token.split(".")[0] for token in tokens}
    assert len(payloads) == 5
    for token in tokens:
        assert client.post("/submit", data={"csrf_token": token}).status_code == 200
    assert len(ran) == 5


def test_one_request_renders_one_token(setup: Any) -> None:
    app, _, _ = setup
    with app.test_request_context("/"):
        assert generate_csrf() == generate_csrf()


def test_session_holds_one_secret(setup: Any) -> None:
    app, _, _ = setup
    client = app.test_client()
    token_of(client)
    with client.session_transaction() as sess:
        first = sess["csrf_token"]
    token_of(client)
    with client.session_transaction() as sess:
        assert sess["csrf_token"] == first
        assert len(first) == 64


def test_template_global_and_meta_tag(setup: Any) -> None:
    app, _, _ = setup

    @app.route("/page")
    def page() -> str:
        return render_template_string(
            '<meta name="csrf-token" content="{{ csrf_token() }}">{{ csrf_token() }}'
        )

    client = app.test_client()
    body = client.get("/page").get_data(as_text=True)
    meta, rendered = body.split('">')
    token = meta.split('content="')[1]
    assert token == rendered
    assert client.post("/submit", headers={"X-CSRFToken": token}).status_code == 200


# -- rotation and keys ------------------------------------------------------------------------


def test_rotation_invalidates_earlier_tokens(setup: Any) -> None:
    app, _, _ = setup

    @app.route("/login", methods=["POST"])
    def login() -> str:
        rotate_csrf_token()
        return generate_csrf()

    client = app.test_client()
    old = token_of(client)
    new = client.post("/login", data={"csrf_token": old}).get_data(as_text=True)
    assert new != old
    assert client.post("/submit", data={"csrf_token": old}).status_code == 400
    assert client.post("/submit", data={"csrf_token": new}).status_code == 200


def test_token_signed_with_a_fallback_key_still_verifies() -> None:
    app, _, _ = make_app()
    client = app.test_client()
    token = token_of(client)
    app.config.update(SECRET_KEY="n" * 40, SECRET_KEY_FALLBACKS=[KEY])
    assert client.post("/submit", data={"csrf_token": token}).status_code == 200
    app.config["SECRET_KEY_FALLBACKS"] = None
    assert client.post("/submit", data={"csrf_token": token}).status_code == 400


@pytest.mark.parametrize(
    "change",
    [
        lambda config: config.__setitem__("SECRET_KEY", "n" * 40),
        lambda config: config.update(SECRET_KEY="n" * 40),
        lambda config: config.__ior__({"SECRET_KEY": "n" * 40}),
        lambda config: config.from_mapping(SECRET_KEY="n" * 40),
        lambda config: config.setdefault("WTF_CSRF_SECRET_KEY", "n" * 40),
    ],
)
def test_a_new_key_is_read_however_the_config_changed(change: Any) -> None:
    app, _, ran = make_app()
    app.config.pop("WTF_CSRF_SECRET_KEY")  # NOTE: unset, so that setdefault sets it
    client = app.test_client()
    token = token_of(client)
    assert client.post("/submit", data={"csrf_token": token}).status_code == 200
    assert client.post("/submit", data={"csrf_token": token}).status_code == 200  # kept signer
    change(app.config)
    assert client.post("/submit", data={"csrf_token": token}).status_code == 400
    assert client.post("/submit", data={"csrf_token": token_of(client)}).status_code == 200
    assert ran == ["submit", "submit", "submit"]


def test_a_fallback_list_changed_in_place_is_read_again() -> None:
    app, _, _ = make_app()
    client = app.test_client()
    token = token_of(client)
    fallbacks = [KEY]
    app.config.update(SECRET_KEY="n" * 40, SECRET_KEY_FALLBACKS=fallbacks)
    assert client.post("/submit", data={"csrf_token": token}).status_code == 200
    assert client.post("/submit", data={"csrf_token": token}).status_code == 200
    fallbacks.clear()  # NOTE: the config itself (and its stamp) unchanged
    response = client.post("/submit", data={"csrf_token": token})
    assert response.status_code == 400 and "invalid" in response.get_data(as_text=True)
    fallbacks.append(KEY)
    assert client.post("/submit", data={"csrf_token": token}).status_code == 200


def test_an_empty_fallback_list_filled_in_place_is_read_again() -> None:
    app, _, _ = make_app()
    client = app.test_client()
    fallbacks: list[str] = []
    app.config["SECRET_KEY_FALLBACKS"] = fallbacks
    token = token_of(client)
    assert client.post("/submit", data={"csrf_token": token}).status_code == 200
    with app.test_request_context("/"):
        session["csrf_token"] = "ab" * 32
        planted = Signer("n" * 40, (), "wtf-csrf-token").sign_timed(
            "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJCrze8SNFZ4kA"
        )
        with pytest.raises(ValidationError, match="invalid"):
            validate_csrf(planted)
        fallbacks.append("n" * 40)  # NOTE: the config itself (and its stamp) unchanged
        with pytest.raises(ValidationError, match="do not match"):
            validate_csrf(planted)


def test_csrf_secret_key_setting_signs_the_tokens() -> None:
    app, _, _ = make_app(WTF_CSRF_SECRET_KEY="w" * 40)
    client = app.test_client()
    token = token_of(client)
    assert client.post("/submit", data={"csrf_token": token}).status_code == 200
    # NOTE: the app's signer is kept now; an explicit key must still be used instead.
    with app.test_request_context("/"):
        session["csrf_token"] = "ab" * 32
        with pytest.raises(ValidationError, match="invalid"):
            validate_csrf(token, secret_key=KEY)


def test_no_secret_key_is_a_clear_error() -> None:
    app = App(__name__)
    with app.test_request_context("/"), pytest.raises(RuntimeError, match=r"(?i)secret key"):
        generate_csrf()


def test_outside_a_request_is_a_clear_error() -> None:
    app, _, _ = make_app()
    with app.app_context(), pytest.raises(RuntimeError, match="request context"):
        generate_csrf()


# -- failure reporting --------------------------------------------------------------------------


def test_error_handler_catches_csrf_error(setup: Any) -> None:
    app, _, ran = setup
    seen: list[CSRFError] = []

    @app.errorhandler(CSRFError)
    def handle(exc: CSRFError) -> tuple[str, int]:
        seen.append(exc)
        return f"refused: {exc.description}", 400

    response = app.test_client().post("/submit")
    assert response.get_data(as_text=True) == "refused: The CSRF token is missing."
    assert isinstance(seen[0], CSRFError)
    assert seen[0].code == 400
    assert ran == []


def test_400_handler_catches_it_too(setup: Any) -> None:
    app, _, _ = setup
    app.register_error_handler(400, lambda exc: (f"bad: {exc.description}", 400))
    response = app.test_client().post("/submit")
    assert response.get_data(as_text=True) == "bad: The CSRF token is missing."


def test_json_clients_get_a_json_reason(setup: Any) -> None:
    app, _, _ = setup
    response = app.test_client().post("/submit", json={}, headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["error"] == "The CSRF token is missing."


def test_failure_is_logged(setup: Any, caplog: pytest.LogCaptureFixture) -> None:
    app, _, _ = setup
    client = app.test_client()
    token_of(client)
    with caplog.at_level(logging.WARNING, logger=app.logger.name):
        client.post("/submit", data={"csrf_token": "nope"})
    records = [r for r in caplog.records if "CSRF check failed" in r.getMessage()]
    assert len(records) == 1
    assert records[0].levelno == logging.WARNING
    assert records[0].getMessage() == (
        "CSRF check failed on POST '/submit': The CSRF token is invalid."
    )


def test_log_line_cannot_be_forged_through_the_path(
    setup: Any, caplog: pytest.LogCaptureFixture
) -> None:
    app, _, _ = setup
    app.add_url_rule("/p/<path:rest>", "p", lambda rest: rest, methods=["POST"])
    with caplog.at_level(logging.WARNING, logger=app.logger.name):
        assert app.test_client().post("/p/a%0AFAKE%20LINE").status_code == 400
    (message,) = [r.getMessage() for r in caplog.records if "CSRF" in r.getMessage()]
    assert len(message.splitlines()) == 1
    assert "'/p/a\\nFAKE LINE'" in message


# -- what is checked, and exemptions ----------------------------------------------------------


def test_unmatched_urls_are_not_checked(setup: Any) -> None:
    app, _, _ = setup
    client = app.test_client()
    assert client.post("/nowhere").status_code == 404
    assert client.post("/token").status_code == 405


def test_hooks_do_not_run_before_a_refusal(setup: Any) -> None:
    app, _, ran = setup

    @app.before_request
    def hook() -> None:
        ran.append("hook")

    app.test_client().post("/submit")
    assert ran == []


def test_exempt_view_decorator_below_and_above_route(setup: Any) -> None:
    app, csrf, _ = setup

    @app.route("/hook-a", methods=["POST"])
    @csrf.exempt
    def hook_a() -> str:
        return "a"

    @csrf.exempt
    @app.route("/hook-b", methods=["POST"])
    def hook_b() -> str:
        return "b"

    client = app.test_client()
    assert client.post("/hook-a").get_data(as_text=True) == "a"
    assert client.post("/hook-b").get_data(as_text=True) == "b"
    assert client.post("/submit").status_code == 400


def test_exempt_by_dotted_name(setup: Any) -> None:
    app, csrf, _ = setup
    csrf.exempt(f"{__name__}.submit")
    assert app.test_client().post("/submit").status_code == 200


def test_exempt_blueprint_and_its_nested_blueprints(setup: Any) -> None:
    app, csrf, _ = setup
    hooks = Blueprint("hooks", __name__, url_prefix="/hooks")
    nested = Blueprint("nested", __name__, url_prefix="/nested")
    guarded = Blueprint("guarded", __name__, url_prefix="/guarded")

    @hooks.route("/github", methods=["POST"])
    def github() -> str:
        return "github"

    @nested.route("/stripe", methods=["POST"])
    def stripe() -> str:
        return "stripe"

    @guarded.route("/form", methods=["POST"])
    def form() -> str:
        return "form"

    hooks.register_blueprint(nested)
    csrf.exempt(hooks)
    app.register_blueprint(hooks)
    app.register_blueprint(guarded)
    client = app.test_client()
    assert client.post("/hooks/github").status_code == 200
    assert client.post("/hooks/nested/stripe").status_code == 200
    assert client.post("/guarded/form").status_code == 400


def test_disabled_protection() -> None:
    app, _, _ = make_app(WTF_CSRF_ENABLED=False)
    assert app.test_client().post("/submit").status_code == 200


def test_check_default_off_protects_only_where_asked() -> None:
    app, csrf, _ = make_app(WTF_CSRF_CHECK_DEFAULT=False)

    @app.route("/manual", methods=["POST"])
    def manual() -> str:
        csrf.protect()
        return "checked"

    client = app.test_client()
    assert client.post("/submit").status_code == 200
    assert client.post("/manual").status_code == 400
    token = token_of(client)
    assert client.post("/manual", data={"csrf_token": token}).status_code == 200


def test_config_switch_installs_protection_without_csrfprotect() -> None:
    app = App(__name__)
    app.config.update(SECRET_KEY=KEY, CSRF_PROTECT=True)

    @app.route("/", methods=["GET", "POST"])
    def index() -> str:
        return render_template_string("{{ csrf_token() }}")

    client = app.test_client()
    token = client.get("/").get_data(as_text=True)
    assert isinstance(app.extensions["csrf"], CSRFProtect)
    assert client.post("/").status_code == 400
    assert client.post("/", data={"csrf_token": token}).status_code == 200


def test_switch_is_installed_for_a_test_request_context_too() -> None:
    app = App(__name__)
    app.config.update(SECRET_KEY=KEY, CSRF_PROTECT=True)
    with app.test_request_context():
        token = render_template_string("{{ csrf_token() }}")
        validate_csrf(token)
    assert isinstance(app.extensions["csrf"], CSRFProtect)


def test_concurrent_first_requests_install_one_checker_and_run_each_hook_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    requests = 8
    app = App(__name__)
    app.config.update(SECRET_KEY=KEY, CSRF_PROTECT=True)
    app.add_url_rule("/", "index", lambda: "ok")
    hook_runs: list[str] = []

    @app.before_request
    def record() -> None:
        from hipflask import request

        hook_runs.append(request.args["n"])
        time.sleep(0.01)  # a hook list changing now would make this loop run a hook twice

    install = CSRFProtect.init_app

    def slow_install(self: CSRFProtect, app: App) -> None:
        time.sleep(0.05)  # every other first request arrives while this one installs
        install(self, app)

    monkeypatch.setattr(CSRFProtect, "init_app", slow_install)
    barrier = threading.Barrier(requests)
    statuses: list[int] = []

    def first_request(n: int) -> None:
        client = app.test_client()
        barrier.wait()
        statuses.append(client.get(f"/?n={n}").status_code)

    threads = [threading.Thread(target=first_request, args=(n,)) for n in range(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert statuses == [200] * requests
    checkers = [
        hook
        for hook in app.before_request_funcs[None]
        if getattr(hook, "__func__", None) is CSRFProtect._check_request
    ]
    assert len(checkers) == 1
    assert sorted(hook_runs) == sorted(str(n) for n in range(requests))


def test_module_level_exempt_works_under_the_switch() -> None:
    app = App(__name__)
    app.config.update(SECRET_KEY=KEY, CSRF_PROTECT=True)
    hooks = Blueprint("hooks", __name__)

    @app.route("/below", methods=["POST"])
    @exempt
    def below() -> str:
        return "below"

    @exempt
    @app.route("/above", methods=["POST"])
    async def above() -> str:
        return "above"

    @hooks.route("/github", methods=["POST"])
    def github() -> str:
        return "github"

    @app.route("/guarded", methods=["POST"])
    def guarded() -> str:
        return "guarded"

    app.register_blueprint(exempt(hooks))
    client = app.test_client()
    assert client.post("/below").get_data(as_text=True) == "below"
    assert client.post("/above").get_data(as_text=True) == "above"
    assert client.post("/github").get_data(as_text=True) == "github"
    assert client.post("/guarded").status_code == 400


def test_the_switchs_checker_is_in_extensions_for_exempting_later() -> None:
    app = App(__name__)
    app.config.update(SECRET_KEY=KEY, CSRF_PROTECT=True)

    @app.route("/hook", methods=["POST"])
    def hook() -> str:
        return "hook"

    client = app.test_client()
    assert client.post("/hook").status_code == 400
    app.extensions["csrf"].exempt(hook)
    assert client.post("/hook").status_code == 200


def test_exempt_marks_the_view_for_an_explicit_csrfprotect_too(setup: Any) -> None:
    app, _, _ = setup

    @app.route("/hook", methods=["POST"])
    @exempt
    def hook() -> str:
        return "hook"

    assert app.test_client().post("/hook").status_code == 200


def test_without_the_switch_nothing_is_installed() -> None:
    app = App(__name__)
    app.config["SECRET_KEY"] = KEY
    app.add_url_rule("/", "index", lambda: "ok", methods=["POST"])
    assert app.test_client().post("/").status_code == 200
    assert "csrf" not in app.extensions


# -- SECURITY #22: under HTTPS the Origin or Referer must be this site -------------------------

HTTPS = "https://localhost"


def https_post(client: Any, token: str, **headers: str) -> Any:
    return client.post("/submit", base_url=HTTPS, data={"csrf_token": token}, headers=headers)


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://localhost"},
        {"Referer": "https://localhost/form"},
        {"Referer": "https://LOCALHOST:443/form?x=1"},
        {"Origin": "https://localhost", "Referer": "https://elsewhere.example/"},
    ],
)
def test_https_same_origin_passes(setup: Any, headers: dict[str, str]) -> None:
    app, _, ran = setup
    client = app.test_client()
    token = token_of(client, base_url=HTTPS)
    assert https_post(client, token, **headers).status_code == 200
    assert ran == ["submit"]


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, "The referrer header is missing."),
        ({"Origin": "https://evil.example"}, "The origin does not match the host."),
        ({"Origin": "null"}, "The origin does not match the host."),
        ({"Origin": "http://localhost"}, "The origin does not match the host."),
        ({"Origin": "https://localhost:8443"}, "The origin does not match the host."),
        ({"Referer": "http://localhost/form"}, "The referrer does not match the host."),
        ({"Referer": "https://localhost:8443/form"}, "The referrer does not match the host."),
        ({"Referer": "https://evil.example/"}, "The referrer does not match the host."),
        ({"Referer": "https://localhost\\@evil.example/"}, "The referrer does not match"),
        ({"Referer": "https://localhost.evil.example/"}, "The referrer does not match"),
        ({"Referer": "https://[::1]:99999/"}, "The referrer does not match the host."),
        ({"Referer": "/relative"}, "The referrer does not match the host."),
    ],
)
def test_https_cross_origin_is_refused(setup: Any, headers: dict[str, str], reason: str) -> None:
    app, _, ran = setup
    client = app.test_client()
    token = token_of(client, base_url=HTTPS)
    assert_refused(https_post(client, token, **headers), reason, ran)


def test_https_trusted_origins(setup: Any) -> None:
    app, _, _ = setup
    app.config["WTF_CSRF_TRUSTED_ORIGINS"] = ["https://admin.example"]
    client = app.test_client()
    token = token_of(client, base_url=HTTPS)
    assert https_post(client, token, Origin="https://admin.example").status_code == 200
    assert https_post(client, token, Origin="https://other.example").status_code == 400


def test_ssl_strict_off_skips_the_origin_check(setup: Any) -> None:
    app, _, _ = setup
    app.config["WTF_CSRF_SSL_STRICT"] = False
    client = app.test_client()
    token = token_of(client, base_url=HTTPS)
    assert https_post(client, token, Origin="https://evil.example").status_code == 200


def test_https_origin_check_still_needs_the_token(setup: Any) -> None:
    app, _, ran = setup
    client = app.test_client()
    token_of(client, base_url=HTTPS)
    response = https_post(client, "", Origin="https://localhost")
    assert_refused(response, "The CSRF token is missing.", ran)


def test_init_app_twice_installs_one_check(setup: Any) -> None:
    app, csrf, _ = setup
    hooks = len(app.before_request_funcs[None])
    csrf.init_app(app)
    assert len(app.before_request_funcs[None]) == hooks


OFF = {"WTF_CSRF_ENABLED": False}


@pytest.mark.parametrize(
    ("settings", "change", "before", "after"),
    [
        ({}, lambda config: config.__setitem__("WTF_CSRF_ENABLED", False), 400, 200),
        ({}, lambda config: config.update(WTF_CSRF_ENABLED=False), 400, 200),
        ({}, lambda config: config.__ior__({"WTF_CSRF_CHECK_DEFAULT": False}), 400, 200),
        ({}, lambda config: config.from_mapping(WTF_CSRF_METHODS={"PUT"}), 400, 200),
        (OFF, lambda config: config.__delitem__("WTF_CSRF_ENABLED"), 200, 400),
        (OFF, lambda config: config.pop("WTF_CSRF_ENABLED"), 200, 400),
    ],
)
def test_kept_settings_follow_every_kind_of_config_change(
    settings: dict[str, Any], change: Any, before: int, after: int
) -> None:
    app, _, _ = make_app()
    app.config.update(settings)
    client = app.test_client()
    assert client.post("/submit").status_code == before
    assert client.post("/submit").status_code == before  # the kept settings
    change(app.config)
    assert client.post("/submit").status_code == after


def test_kept_settings_follow_a_setdefault() -> None:
    app, _, _ = make_app()
    del app.config["WTF_CSRF_CHECK_DEFAULT"]
    client = app.test_client()
    assert client.post("/submit").status_code == 400
    assert client.post("/submit").status_code == 400
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    assert client.post("/submit").status_code == 200


def test_a_set_of_methods_changed_in_place_is_seen() -> None:
    app, _, _ = make_app(WTF_CSRF_METHODS={"POST"})
    client = app.test_client()
    assert client.put("/submit").status_code == 200
    app.config["WTF_CSRF_METHODS"].add("PUT")
    assert client.put("/submit").status_code == 400


def test_an_app_whose_config_is_a_plain_dict_reads_the_settings_each_time() -> None:
    app, _, _ = make_app()
    app.config = dict(app.config)  # type: ignore[assignment]
    client = app.test_client()
    token = token_of(client)
    assert client.post("/submit").status_code == 400
    assert client.post("/submit", data={"csrf_token": token}).status_code == 200
    app.config["WTF_CSRF_ENABLED"] = False
    assert client.post("/submit").status_code == 200
    app.config.update(WTF_CSRF_ENABLED=True, SECRET_KEY="n" * 40)
    assert client.post("/submit", data={"csrf_token": token}).status_code == 400


def test_settings_changed_between_requests_take_effect(
    setup: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # NOTE: as Flask-WTF, which reads current_app.config on every request: nothing is cached.
    app, _, ran = setup
    client = app.test_client()
    token = token_of(client)
    assert client.post("/submit", data={"csrf_token": token}).status_code == 200
    app.config["WTF_CSRF_FIELD_NAME"] = "_token"
    assert client.post("/submit", data={"csrf_token": token}).status_code == 400
    app.config["WTF_CSRF_METHODS"] = frozenset({"PUT"})
    assert client.post("/submit").status_code == 200
    app.config["WTF_CSRF_METHODS"] = DEFAULT_SETTINGS["WTF_CSRF_METHODS"]
    app.config["WTF_CSRF_ENABLED"] = False
    assert client.post("/submit").status_code == 200
    app.config.update(WTF_CSRF_ENABLED=True, WTF_CSRF_FIELD_NAME="csrf_token")
    app.config["WTF_CSRF_TIME_LIMIT"] = 10
    later = time.time() + 60
    monkeypatch.setattr(time, "time", lambda: later)
    assert "expired" in client.post("/submit", data={"csrf_token": token}).get_data(as_text=True)
    app.config["WTF_CSRF_SECRET_KEY"] = "another key that is long enough to sign"
    assert "invalid" in client.post("/submit", data={"csrf_token": token}).get_data(as_text=True)
    assert ran == ["submit", "submit", "submit"]
