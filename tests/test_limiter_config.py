"""hipflask.limiter's settings, headers, state and set-up (memory storage)."""

from __future__ import annotations

import subprocess
import sys
import time
from email.utils import parsedate_to_datetime
from typing import Any

import pytest

from hipflask import App, Blueprint, request
from hipflask.limiter import HEADERS, Limiter, get_ipaddr, get_remote_address


def make_app(config: dict[str, Any] | None = None, **options: Any) -> tuple[App, Limiter]:
    app = App(__name__)
    app.config["TESTING"] = True
    app.config.update(config or {})
    limiter = Limiter(get_remote_address, app=app, **options)
    app.add_url_rule("/", "index", lambda: "hi")
    return app, limiter


def statuses(app: App, path: str, count: int) -> list[int]:
    client = app.test_client()
    return [client.get(path).status_code for _ in range(count)]


def test_import_is_lazy_and_core_never_imports_the_limiter() -> None:
    code = (
        "import sys, hipflask\n"
        "app = hipflask.App('probe')\n"
        "app.add_url_rule('/', 'i', lambda: 'x')\n"
        "app.test_client().get('/')\n"
        "print(sorted(m for m in ('limits', 'hipflask.limiter') if m in sys.modules))\n"
        "import hipflask.limiter\n"
        "print('limits' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["[]", "False"]


def test_public_names_are_complete_and_unique() -> None:
    """(ruff's RUF022 keeps ``__all__`` sorted.)"""
    import hipflask.limiter
    import hipflask.limiter.util

    assert len(hipflask.limiter.__all__) == len(set(hipflask.limiter.__all__))
    for name in hipflask.limiter.__all__:
        assert getattr(hipflask.limiter, name) is not None
    assert hipflask.limiter.get_remote_address is hipflask.limiter.util.get_remote_address


def test_default_limits_from_config() -> None:
    app, _ = make_app({"RATELIMIT_DEFAULT": "2/minute"})
    assert statuses(app, "/", 3) == [200, 200, 429]


def test_constructor_argument_wins_over_config() -> None:
    app, _ = make_app({"RATELIMIT_DEFAULT": "1/minute"}, default_limits=["3/minute"])
    assert statuses(app, "/", 4) == [200, 200, 200, 429]


def test_application_limits_from_config() -> None:
    app, _ = make_app({"RATELIMIT_APPLICATION": "2/minute"})
    app.add_url_rule("/b", "b", lambda: "b")
    client = app.test_client()
    assert [client.get(p).status_code for p in ["/", "/b", "/"]] == [200, 200, 429]


def test_key_func_from_config() -> None:
    app = App(__name__)
    app.config["RATELIMIT_KEY_FUNC"] = lambda: request.args.get("k", "none")
    app.config["RATELIMIT_DEFAULT"] = "1/minute"
    Limiter(app=app)
    app.add_url_rule("/", "index", lambda: "hi")
    client = app.test_client()
    codes = [client.get(p).status_code for p in ["/?k=a", "/?k=b", "/?k=a"]]
    assert codes == [200, 200, 429]


def test_missing_key_func_is_refused() -> None:
    with pytest.raises(TypeError, match="key_func"):
        Limiter(app=App(__name__))


def test_ratelimit_enabled_false_disables_every_limit() -> None:
    app, _ = make_app({"RATELIMIT_ENABLED": False}, default_limits=["1/minute"])
    assert statuses(app, "/", 3) == [200] * 3


def test_enabled_attribute_switches_the_limiter_at_runtime() -> None:
    app, limiter = make_app(default_limits=["1/minute"])
    limiter.enabled = False
    assert statuses(app, "/", 3) == [200] * 3
    limiter.enabled = True
    assert statuses(app, "/", 2) == [200, 429]


def test_headers_enabled_write_flask_limiters_headers() -> None:
    app, _ = make_app({"RATELIMIT_HEADERS_ENABLED": True}, default_limits=["2/minute"])
    client = app.test_client()
    before = int(time.time())
    first, second, third = (client.get("/") for _ in range(3))
    after = int(time.time())
    assert [r.headers["X-RateLimit-Remaining"] for r in (first, second, third)] == ["1", "0", "0"]
    for response in (first, second, third):
        assert response.headers["X-RateLimit-Limit"] == "2"
        reset = int(response.headers["X-RateLimit-Reset"])
        assert before + 1 <= reset <= after + 61
        assert 0 <= int(response.headers["Retry-After"]) <= 61
    assert third.status_code == 429
    assert third.headers.get_all("Retry-After") == [third.headers["Retry-After"]]


def test_headers_report_the_shortest_window_or_the_breached_limit() -> None:
    app, limiter = make_app(headers_enabled=True)

    @app.route("/two")
    @limiter.limit("5/second;3/minute;100/day")
    def two() -> str:
        current = limiter.current_limit
        assert current is not None
        return str(current.limit)

    client = app.test_client()
    response = client.get("/two")
    assert response.get_data(as_text=True) == "5 per 1 second"
    assert response.headers["X-RateLimit-Limit"] == "5"
    client.get("/two")
    client.get("/two")
    breached = client.get("/two")
    assert breached.status_code == 429
    assert breached.headers["X-RateLimit-Limit"] == "3"  # the minute limit was the one breached
    assert breached.headers["X-RateLimit-Remaining"] == "0"


def test_header_names_from_config_and_mapping() -> None:
    app, _ = make_app(
        {"RATELIMIT_HEADER_LIMIT": "X-My-Limit", "RATELIMIT_HEADER_RETRY_AFTER": "X-Retry"},
        default_limits=["1/minute"],
        headers_enabled=True,
        header_name_mapping={HEADERS.REMAINING: "X-My-Remaining"},
    )
    response = app.test_client().get("/")
    assert response.headers["X-My-Limit"] == "1"
    assert response.headers["X-My-Remaining"] == "0"
    assert "X-Retry" in response.headers
    assert "X-RateLimit-Reset" in response.headers
    assert "X-RateLimit-Limit" not in response.headers


def test_retry_after_as_http_date() -> None:
    app, _ = make_app(
        {"RATELIMIT_HEADER_RETRY_AFTER_VALUE": "http-date"},
        default_limits=["1/minute"],
        headers_enabled=True,
    )
    client = app.test_client()
    client.get("/")
    response = client.get("/")
    when = parsedate_to_datetime(response.headers["Retry-After"]).timestamp()
    assert int(when) == int(response.headers["X-RateLimit-Reset"])


def test_a_later_retry_after_set_by_the_view_is_kept() -> None:
    app, limiter = make_app(headers_enabled=True)

    @app.route("/maintenance")
    @limiter.limit("10/minute")
    def maintenance() -> Any:
        return "later", 503, {"Retry-After": "3600"}

    response = app.test_client().get("/maintenance")
    assert 3590 <= int(response.headers["Retry-After"]) <= 3600


def test_bad_settings_are_refused_naming_the_setting() -> None:
    with pytest.raises(ValueError, match="RATELIMIT_STRATEGY"):
        make_app({"RATELIMIT_STRATEGY": "leaky-bucket"})
    with pytest.raises(ValueError, match="RATELIMIT_HEADER_RETRY_AFTER_VALUE"):
        make_app({"RATELIMIT_HEADER_RETRY_AFTER_VALUE": "soon"})


@pytest.mark.parametrize("strategy", ["fixed-window", "moving-window", "sliding-window-counter"])
def test_each_strategy_limits(strategy: str) -> None:
    app, _ = make_app({"RATELIMIT_STRATEGY": strategy}, default_limits=["3/minute"])
    assert statuses(app, "/", 4) == [200, 200, 200, 429]


def test_window_resets_with_time() -> None:
    """A one-second window: after the reset time the headers announce, requests pass again."""
    app, _ = make_app(default_limits=["1/second"], headers_enabled=True)
    client = app.test_client()
    assert client.get("/").status_code == 200
    breached = client.get("/")
    assert breached.status_code == 429
    reset_at = int(breached.headers["X-RateLimit-Reset"])
    while time.time() < reset_at:
        time.sleep(0.05)
    assert client.get("/").status_code == 200


def test_key_prefix_separates_limiters_and_shows_in_the_key() -> None:
    app, limiter = make_app({"RATELIMIT_KEY_PREFIX": "shop"}, default_limits=["1/minute"])
    client = app.test_client()

    @app.route("/key")
    @limiter.limit("5/minute")
    def key() -> str:
        current = limiter.current_limit
        assert current is not None
        return current.key

    assert client.get("/key").get_data(as_text=True) == "LIMITER/shop/127.0.0.1/key/5/1/minute"


def test_reset_clears_every_counter() -> None:
    app, limiter = make_app(default_limits=["1/minute"])
    assert statuses(app, "/", 2) == [200, 429]
    with app.app_context():
        limiter.reset()
    assert statuses(app, "/", 2) == [200, 429]


def test_fail_on_first_breach_off_counts_every_limit() -> None:
    app, limiter = make_app({"RATELIMIT_FAIL_ON_FIRST_BREACH": False})
    seen: list[list[tuple[str, bool]]] = []

    @app.after_request
    def record(response: Any) -> Any:
        seen.append([(str(found.limit), found.breached) for found in limiter.current_limits])
        return response

    @app.route("/x")
    @limiter.limit("1/minute;5/minute")
    def x() -> str:
        return "x"

    statuses(app, "/x", 2)
    assert seen[-1] == [("1 per 1 minute", True), ("5 per 1 minute", False)]


def test_auto_check_off_checks_only_where_asked() -> None:
    app = App(__name__)
    limiter = Limiter(get_remote_address, app=app, default_limits=["1/minute"], auto_check=False)

    @app.route("/free")
    def free() -> str:
        return "free"

    @app.route("/checked")
    def checked() -> str:
        limiter.check()
        return "checked"

    assert statuses(app, "/free", 3) == [200] * 3
    assert statuses(app, "/checked", 2) == [200, 429]


def test_one_limiter_many_apps_each_with_its_own_storage() -> None:
    limiter = Limiter(get_remote_address, default_limits=["1/minute"])
    apps = []
    for _ in range(2):
        app = App(__name__)
        limiter.init_app(app)
        app.add_url_rule("/", "index", lambda: "hi")
        apps.append(app)
    assert list(apps[0].extensions["limiter"]) == [limiter]
    assert statuses(apps[0], "/", 2) == [200, 429]
    assert statuses(apps[1], "/", 2) == [200, 429]
    with apps[1].app_context():
        limiter.reset()
    assert statuses(apps[0], "/", 1) == [429]
    assert statuses(apps[1], "/", 1) == [200]


def test_two_limiters_on_one_app_both_apply() -> None:
    app, _ = make_app(default_limits=["3/minute"], key_prefix="a")
    Limiter(lambda: "everyone", app=app, default_limits=["2/minute"], key_prefix="b")
    assert statuses(app, "/", 3) == [200, 200, 429]


def test_blueprint_hooks_and_errorhandlers_see_the_429() -> None:
    app, limiter = make_app()
    api = Blueprint("api", __name__)

    @api.route("/x")
    @limiter.limit("1/minute")
    def x() -> str:
        return "x"

    @api.errorhandler(429)
    def api_429(exc: Any) -> Any:
        return {"api": "slow down"}, 429

    app.register_blueprint(api, url_prefix="/api")
    client = app.test_client()
    client.get("/api/x")
    response = client.get("/api/x")
    assert (response.status_code, response.get_json()) == (429, {"api": "slow down"})


def test_key_functions_read_remote_addr_only() -> None:
    app = App(__name__)
    env = {"REMOTE_ADDR": "192.0.2.7"}
    with app.test_request_context("/", environ_base=env, headers={"X-Forwarded-For": "1.1.1.1"}):
        assert get_remote_address() == "192.0.2.7"
        assert get_ipaddr() == "192.0.2.7"
    with app.test_request_context("/", environ_base={"REMOTE_ADDR": ""}):
        assert get_remote_address() == "127.0.0.1"


def test_proxy_fix_makes_the_client_address_the_key() -> None:
    from hipflask.middleware.proxy_fix import ProxyFix

    app, _ = make_app(default_limits=["1/minute"])
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1)  # type: ignore[method-assign]
    client = app.test_client()
    behind = {"REMOTE_ADDR": "10.0.0.1"}
    codes = [
        client.get("/", environ_base=behind, headers={"X-Forwarded-For": ip}).status_code
        for ip in ["203.0.113.1", "203.0.113.2", "203.0.113.1"]
    ]
    assert codes == [200, 200, 429]


def test_a_declaration_after_the_first_requests_takes_effect() -> None:
    """The resolved limits are cached per endpoint; a later decorator call restarts the cache."""
    app, limiter = make_app(default_limits=["1/minute"])

    def late() -> str:
        return "late"

    app.add_url_rule("/late", "late", late)
    assert statuses(app, "/late", 2) == [200, 429]
    limiter.exempt(late)
    assert statuses(app, "/late", 2) == [200, 200]
    limiter.limit("1/minute", scope="new")(late)
    assert statuses(app, "/late", 2) == [200, 429]
