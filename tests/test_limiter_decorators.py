"""hipflask.limiter's decorators against Flask-Limiter's documented behaviour.

Every test runs twice: on memory storage, and on the real Redis (keys under a unique prefix).
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from hipflask import App, Blueprint, Response, g, request
from hipflask.limiter import ExemptionScope, Limiter, RateLimitExceeded, get_remote_address
from hipflask.views import MethodView

from .test_sessions_stores import purge_redis

#: The storage options of the running test (empty: memory).
STORAGE: dict[str, Any] = {}


@pytest.fixture(autouse=True, params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def storage(request: pytest.FixtureRequest) -> Iterator[str]:
    if request.param == "memory":
        yield "memory"
        return
    url = request.getfixturevalue("redis_url")
    unique = uuid.uuid4().hex
    prefix = f"hipflask-test-limits-{unique}"
    STORAGE.update(
        storage_uri=url, storage_options={"key_prefix": prefix}, key_prefix=f"run-{unique}"
    )
    try:
        yield "redis"
    finally:
        STORAGE.clear()
        purge_redis(url, prefix)


def make_app(**options: Any) -> tuple[App, Limiter]:
    app = App(__name__)
    app.config["TESTING"] = True
    limiter = Limiter(get_remote_address, app=app, **{**STORAGE, **options})
    return app, limiter


def statuses(app: App, path: str, count: int, method: str = "GET", **kwargs: Any) -> list[int]:
    client = app.test_client()
    return [client.open(path, method=method, **kwargs).status_code for _ in range(count)]


def test_default_limits_apply_to_each_route_separately() -> None:
    app, _ = make_app(default_limits=["2 per minute"])
    app.add_url_rule("/a", "a", lambda: "a")
    app.add_url_rule("/b", "b", lambda: "b")
    assert statuses(app, "/a", 3) == [200, 200, 429]
    assert statuses(app, "/b", 3) == [200, 200, 429]


def test_route_limit_overrides_defaults_unless_asked_not_to() -> None:
    app, limiter = make_app(default_limits=["3 per minute"])

    @app.route("/slow")
    @limiter.limit("1 per day")
    def slow() -> str:
        return "slow"

    @app.route("/medium")
    @limiter.limit("5/second", override_defaults=False)
    def medium() -> str:
        return "medium"

    assert statuses(app, "/slow", 2) == [200, 429]
    # the default (3 per minute) still applies beside the route's own limit
    assert statuses(app, "/medium", 4) == [200, 200, 200, 429]


def test_exempt_route_skips_defaults_and_application_limits() -> None:
    app, limiter = make_app(default_limits=["1 per minute"], application_limits=["2/minute"])

    @app.route("/ping")
    @limiter.exempt
    def ping() -> str:
        return "pong"

    assert statuses(app, "/ping", 5) == [200] * 5


def test_exempt_works_above_the_route_decorator_too() -> None:
    app, limiter = make_app(default_limits=["1 per minute"])

    @limiter.exempt
    @app.route("/ping")
    def ping() -> str:
        return "pong"

    assert statuses(app, "/ping", 3) == [200] * 3


def test_limit_works_above_and_below_the_route_decorator() -> None:
    app, limiter = make_app()

    @app.route("/below")
    @limiter.limit("1/minute")
    def below() -> str:
        return "below"

    @limiter.limit("1/minute")
    @app.route("/above")
    def above() -> str:
        return "above"

    assert statuses(app, "/below", 2) == [200, 429]
    assert statuses(app, "/above", 2) == [200, 429]


def test_limit_below_other_decorators_runs_after_them() -> None:
    """A decorator between the route and the limit (a login check) runs first, as in Flask-Limiter:
    requests it turns away are not counted."""
    app, limiter = make_app()

    def login_required(func: Any) -> Any:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if request.args.get("user") is None:
                return "login please", 401
            return func(*args, **kwargs)

        return wrapper

    @app.route("/private")
    @login_required
    @limiter.limit("2/minute")
    def private() -> str:
        return "secret"

    assert statuses(app, "/private", 5) == [401] * 5
    assert statuses(app, "/private?user=x", 3) == [200, 200, 429]


def test_stacked_limits_all_apply() -> None:
    app, limiter = make_app()

    @app.route("/")
    @limiter.limit("3/day")
    @limiter.limit("2/minute")
    def index() -> str:
        return "hi"

    assert statuses(app, "/", 3) == [200, 200, 429]
    limiter.reset()  # the minute is over (the day counter is cleared too: memory storage)
    assert statuses(app, "/", 1) == [200]


def test_limits_string_with_several_limits() -> None:
    app, limiter = make_app()

    @app.route("/")
    @limiter.limit("10/day;1 per minute")
    def index() -> str:
        return "hi"

    assert statuses(app, "/", 2) == [200, 429]


def test_malformed_static_limit_fails_at_declaration() -> None:
    _, limiter = make_app()
    with pytest.raises(ValueError):
        limiter.limit("five a minute")


def test_dynamic_limit_is_read_per_request_and_bad_value_falls_back_to_defaults(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app, limiter = make_app(default_limits=["1/minute"])
    current = {"value": "3/minute"}

    @app.route("/")
    @limiter.limit(lambda: current["value"])
    def index() -> str:
        return "hi"

    assert statuses(app, "/", 4) == [200, 200, 200, 429]
    limiter.reset()
    current["value"] = "not a limit"
    with caplog.at_level(logging.ERROR, logger="hipflask.limiter"):
        assert statuses(app, "/", 2) == [200, 429]  # the default, 1/minute
    assert "Failed to load the rate limit" in caplog.text


def test_shared_limit_counts_every_view_in_one_scope() -> None:
    app, limiter = make_app()
    shared = limiter.shared_limit("3/minute", scope="search")

    @app.route("/a")
    @shared
    def a() -> str:
        return "a"

    @app.route("/b")
    @shared
    def b() -> str:
        return "b"

    client = app.test_client()
    assert [client.get(path).status_code for path in ["/a", "/b", "/a", "/b"]] == [
        200,
        200,
        200,
        429,
    ]


def test_shared_limit_with_callable_scope_receives_the_endpoint() -> None:
    app, limiter = make_app()
    seen = []

    def by_host(endpoint: str) -> str:
        seen.append(endpoint)
        return request.host

    @app.route("/a")
    @limiter.shared_limit("1/minute", scope=by_host)
    def a() -> str:
        return "a"

    client = app.test_client()
    assert client.get("/a", base_url="http://one.test").status_code == 200
    assert client.get("/a", base_url="http://two.test").status_code == 200
    assert client.get("/a", base_url="http://one.test").status_code == 429
    assert seen[0] == "a"


def test_key_func_per_limit() -> None:
    app, limiter = make_app()

    @app.route("/")
    @limiter.limit("1/minute", key_func=lambda: request.args.get("user", "anon"))
    def index() -> str:
        return "hi"

    client = app.test_client()
    assert client.get("/?user=a").status_code == 200
    assert client.get("/?user=b").status_code == 200
    assert client.get("/?user=a").status_code == 429


def test_a_huge_key_is_hashed_and_still_counts(caplog: pytest.LogCaptureFixture) -> None:
    app, limiter = make_app()

    @app.route("/login", methods=["POST"])
    @limiter.limit("1/minute", key_func=lambda: request.form["email"])
    def login() -> Any:
        current = limiter.current_limit
        assert current is not None
        return {"key": current.key}

    client = app.test_client()
    huge = "a" * 100_000 + "@example.com"
    with caplog.at_level(logging.INFO, logger="hipflask.limiter"):
        first = client.post("/login", data={"email": huge})
        again = client.post("/login", data={"email": huge})
        other = client.post("/login", data={"email": "b" + huge})
    assert [first.status_code, again.status_code, other.status_code] == [200, 429, 200]
    assert "/sha256:" in first.get_json()["key"]
    assert len(first.get_json()["key"]) < 200
    assert huge not in caplog.text


def test_remote_address_is_the_default_key() -> None:
    app, _limiter = make_app(default_limits=["1/minute"])
    app.add_url_rule("/", "index", lambda: "hi")
    client = app.test_client()
    first = client.get("/", environ_base={"REMOTE_ADDR": "10.0.0.1"})
    second = client.get("/", environ_base={"REMOTE_ADDR": "10.0.0.2"})
    again = client.get("/", environ_base={"REMOTE_ADDR": "10.0.0.1"})
    forged = client.get(
        "/", environ_base={"REMOTE_ADDR": "10.0.0.1"}, headers={"X-Forwarded-For": "1.2.3.4"}
    )
    assert [r.status_code for r in (first, second, again, forged)] == [200, 200, 429, 429]


def test_methods_restrict_the_limit_and_head_counts_as_get() -> None:
    app, limiter = make_app(default_limits=["100/minute"])

    @app.route("/form", methods=["GET", "POST"])
    @limiter.limit("1/minute", methods=["POST"])
    def form() -> str:
        return "form"

    @app.route("/page")
    @limiter.limit("2/minute", methods=["GET"])
    def page() -> str:
        return "page"

    assert statuses(app, "/form", 3, "GET") == [200] * 3  # GET falls back to the defaults
    assert statuses(app, "/form", 2, "POST") == [200, 429]
    # HEAD runs the GET view, so it cannot be used to bypass a GET limit
    client = app.test_client()
    assert [client.head("/page").status_code, client.get("/page").status_code] == [200, 200]
    assert client.get("/page").status_code == 429


def test_per_method_counts_methods_apart() -> None:
    app, limiter = make_app()

    @app.route("/", methods=["GET", "POST"])
    @limiter.limit("1/minute", per_method=True)
    def index() -> str:
        return "hi"

    client = app.test_client()
    assert client.get("/").status_code == 200
    assert client.post("/").status_code == 200
    assert client.get("/").status_code == 429
    assert client.post("/").status_code == 429


def test_without_per_method_methods_share_the_counter() -> None:
    app, limiter = make_app()

    @app.route("/", methods=["GET", "POST"])
    @limiter.limit("1/minute")
    def index() -> str:
        return "hi"

    client = app.test_client()
    assert [client.get("/").status_code, client.post("/").status_code] == [200, 429]


def test_options_requests_count_unless_filtered() -> None:
    app, limiter = make_app(default_limits=["1/minute"])
    app.add_url_rule("/", "index", lambda: "hi")
    app.add_url_rule("/b", "b", lambda: "b")
    client = app.test_client()
    assert [client.options("/").status_code, client.get("/").status_code] == [200, 429]

    @limiter.request_filter
    def skip_preflight() -> bool:
        return request.method == "OPTIONS"

    assert [client.options("/b").status_code, client.get("/b").status_code] == [200, 200]


def test_exempt_when_and_default_limits_exempt_when() -> None:
    app, limiter = make_app(
        default_limits=["1/minute"],
        default_limits_exempt_when=lambda: request.args.get("vip") == "1",
    )
    app.add_url_rule("/", "index", lambda: "hi")

    @app.route("/own")
    @limiter.limit("1/minute", exempt_when=lambda: request.args.get("vip") == "1")
    def own() -> str:
        return "own"

    assert statuses(app, "/?vip=1", 3) == [200] * 3
    assert statuses(app, "/", 2) == [200, 429]
    assert statuses(app, "/own?vip=1", 3) == [200] * 3
    assert statuses(app, "/own", 2) == [200, 429]


def test_deduct_when_counts_only_the_responses_it_accepts() -> None:
    app, limiter = make_app()

    @app.route("/login", methods=["POST"])
    @limiter.limit("2/minute", deduct_when=lambda response: response.status_code == 401)
    def login() -> Any:
        if request.form.get("password") == "right":
            return "welcome"
        return "wrong", 401

    client = app.test_client()
    good = [client.post("/login", data={"password": "right"}).status_code for _ in range(4)]
    assert good == [200] * 4
    bad = [client.post("/login", data={"password": "bad"}).status_code for _ in range(3)]
    assert bad == [401, 401, 429]


def test_cost_takes_several_hits_per_request() -> None:
    app, limiter = make_app()

    @app.route("/expensive")
    @limiter.limit("5/minute", cost=2)
    def expensive() -> str:
        return "x"

    @app.route("/dynamic")
    @limiter.limit("5/minute", cost=lambda: int(request.args.get("n", "1")))
    def dynamic() -> str:
        return "x"

    assert statuses(app, "/expensive", 3) == [200, 200, 429]
    assert statuses(app, "/dynamic?n=5", 2) == [200, 429]


def test_scope_subdivides_the_endpoint_counter() -> None:
    app, limiter = make_app()

    @app.route("/<kind>")
    @limiter.limit("1/minute", scope=lambda endpoint: request.view_args["kind"])
    def item(kind: str) -> str:
        return kind

    client = app.test_client()
    assert [client.get(p).status_code for p in ["/a", "/b", "/a"]] == [200, 200, 429]


def test_error_message_becomes_the_description() -> None:
    app, limiter = make_app()

    @app.route("/")
    @limiter.limit("1/minute", error_message="Slow down, please")
    def index() -> str:
        return "hi"

    @app.route("/default")
    @limiter.limit("1/minute")
    def default() -> str:
        return "hi"

    client = app.test_client()
    client.get("/")
    assert "Slow down, please" in client.get("/").get_data(as_text=True)
    client.get("/default")
    assert "1 per 1 minute" in client.get("/default").get_data(as_text=True)


def test_application_limits_are_shared_by_every_route() -> None:
    app, _limiter = make_app(application_limits=["3/minute"])
    app.add_url_rule("/a", "a", lambda: "a")
    app.add_url_rule("/b", "b", lambda: "b")
    client = app.test_client()
    assert [client.get(p).status_code for p in ["/a", "/b", "/a", "/b"]] == [200, 200, 200, 429]


def test_blueprint_limits_apply_to_each_of_its_routes() -> None:
    app, limiter = make_app(default_limits=["100/minute"])
    api = Blueprint("api", __name__)
    api.add_url_rule("/x", "x", lambda: "x")
    api.add_url_rule("/y", "y", lambda: "y")

    @api.route("/own")
    @limiter.limit("1/minute")
    def own() -> str:
        return "own"

    limiter.limit("2/minute")(api)
    app.register_blueprint(api, url_prefix="/api")
    app.add_url_rule("/outside", "outside", lambda: "outside")

    assert statuses(app, "/api/x", 3) == [200, 200, 429]
    assert statuses(app, "/api/y", 3) == [200, 200, 429]  # counted per route
    assert statuses(app, "/api/own", 2) == [200, 429]  # the route's own limit wins
    assert statuses(app, "/outside", 3) == [200] * 3


def test_exempt_blueprint_and_its_nested_blueprints_by_flag() -> None:
    app, limiter = make_app(default_limits=["1/minute"])
    outer = Blueprint("outer", __name__)
    inner = Blueprint("inner", __name__)
    deep = Blueprint("deep", __name__)
    other = Blueprint("other", __name__)
    for blueprint in (outer, inner, deep, other):
        blueprint.add_url_rule("/", "index", lambda: "ok")
    outer.register_blueprint(inner, url_prefix="/inner")
    other.register_blueprint(deep, url_prefix="/deep")
    limiter.exempt(outer)
    limiter.exempt(other, flags=ExemptionScope.DEFAULT | ExemptionScope.DESCENDENTS)
    app.register_blueprint(outer, url_prefix="/outer")
    app.register_blueprint(other, url_prefix="/other")

    assert statuses(app, "/outer/", 3) == [200] * 3
    assert statuses(app, "/outer/inner/", 2) == [200, 429]  # not exempt by default
    assert statuses(app, "/other/deep/", 3) == [200] * 3  # DESCENDENTS


def test_method_view_with_limit_in_decorators() -> None:
    app, limiter = make_app(default_limits=["100/minute"])

    class Items(MethodView):
        decorators = [limiter.limit("1/minute", methods=["POST"])]

        def get(self) -> str:
            return "list"

        def post(self) -> str:
            return "created"

    app.add_url_rule("/items", view_func=Items.as_view("items"))
    assert statuses(app, "/items", 3, "GET") == [200] * 3
    assert statuses(app, "/items", 2, "POST") == [200, 429]


def test_async_view_is_limited() -> None:
    app, limiter = make_app()

    @app.route("/")
    @limiter.limit("1/minute")
    async def index() -> str:
        return "async"

    assert statuses(app, "/", 2) == [200, 429]


def test_decorated_plain_function_is_limited_once_per_request() -> None:
    app, limiter = make_app()

    @limiter.limit("2/minute")
    def expensive_lookup() -> str:
        return "data"

    @app.route("/")
    def index() -> str:
        return expensive_lookup() + expensive_lookup()

    assert statuses(app, "/", 3) == [200, 200, 429]


def test_limit_as_context_manager() -> None:
    app, limiter = make_app()

    @app.route("/", methods=["POST"])
    def index() -> str:
        if request.form.get("slow"):
            with limiter.shared_limit("1/minute", scope="slow-branch"):
                return "slow"
        return "fast"

    client = app.test_client()
    assert [client.post("/", data={"slow": "1"}).status_code for _ in range(2)] == [200, 429]
    assert client.post("/").status_code == 200


def test_on_breach_callback_may_replace_the_response() -> None:
    seen = []

    def on_breach(limit: Any) -> Response:
        seen.append((str(limit.limit), limit.breached))
        return Response("custom", 429, headers={"X-Custom": "1"})

    app, _limiter = make_app(on_breach=on_breach, default_limits=["1/minute"])
    app.add_url_rule("/", "index", lambda: "hi")
    client = app.test_client()
    client.get("/")
    response = client.get("/")
    assert (response.status_code, response.get_data(as_text=True)) == (429, "custom")
    assert response.headers["X-Custom"] == "1"
    assert seen == [("1 per 1 minute", True)]


def test_errorhandler_429_and_rate_limit_exceeded_attributes() -> None:
    app, _limiter = make_app(default_limits=["1/minute"])
    app.add_url_rule("/", "index", lambda: "hi")

    @app.errorhandler(429)
    def too_many(exc: RateLimitExceeded) -> Any:
        return {"error": "ratelimit", "limit": str(exc.limit.limit), "desc": exc.description}, 429

    client = app.test_client()
    client.get("/")
    response = client.get("/")
    assert response.status_code == 429
    assert response.get_json() == {
        "error": "ratelimit",
        "limit": "1 per 1 minute",
        "desc": "1 per 1 minute",
    }


def test_429_page_negotiates_json_and_carries_retry_after() -> None:
    app, _ = make_app(default_limits=["1/minute"])
    app.add_url_rule("/", "index", lambda: "hi")
    client = app.test_client()
    client.get("/")
    response = client.get("/", headers={"Accept": "application/json"})
    assert response.status_code == 429
    assert response.get_json()["error"] == "1 per 1 minute"
    assert 0 < int(response.headers["Retry-After"]) <= 61
    assert "X-RateLimit-Limit" not in response.headers  # headers are off by default


def test_unmatched_urls_and_static_files_are_not_limited(tmp_path: Any) -> None:
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "a.txt").write_text("a")
    app = App(__name__, static_folder=str(tmp_path / "static"))
    Limiter(get_remote_address, app=app, default_limits=["1/minute"])
    assets = Blueprint("assets", __name__, static_folder=str(tmp_path / "static"))
    app.register_blueprint(assets, url_prefix="/assets")
    assert statuses(app, "/missing", 3) == [404] * 3
    assert statuses(app, "/static/a.txt", 3) == [200] * 3
    assert statuses(app, "/assets/static/a.txt", 3) == [200] * 3


def test_breach_is_logged_at_info(caplog: pytest.LogCaptureFixture) -> None:
    app, _ = make_app(default_limits=["1/minute"])
    app.add_url_rule("/", "index", lambda: "hi")
    with caplog.at_level(logging.INFO, logger="hipflask.limiter"):
        statuses(app, "/", 2)
    assert "ratelimit 1 per 1 minute (127.0.0.1) exceeded at endpoint: index" in caplog.text
    assert "Rate limit storage" not in caplog.text  # no failure on either storage


def test_g_is_untouched_and_hooks_still_run_on_breach() -> None:
    app, _ = make_app(default_limits=["1/minute"])
    ran = []
    app.add_url_rule("/", "index", lambda: "hi")

    @app.after_request
    def after(response: Response) -> Response:
        ran.append(response.status_code)
        return response

    statuses(app, "/", 2)
    assert ran == [200, 429]
    with app.test_request_context("/"):
        assert not hasattr(g, "limiter")
