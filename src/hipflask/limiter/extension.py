"""``Limiter``: Flask-Limiter 3's API on the ``limits`` library, built on hipflask's public API.

A request is checked once, in a ``before_request`` hook, or, for a view whose ``@limiter.limit``
sits below ``@app.route``, when the view is called (so decorators between the two, such as a
login check, run first). The limits checked, in order: the application limits, the view's own
(or else its blueprints'), then the defaults unless those were overridden or the view is
exempt. An ``after_request`` hook makes the conditional deductions and writes the headers.
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Callable, Iterable, Sequence
from functools import update_wrapper
from typing import TYPE_CHECKING, Any, TypeVar

from .. import Blueprint, Response, current_app, has_app_context, has_request_context, request
from ..exceptions import ServiceUnavailable
from .backend import logger
from .errors import RateLimitExceeded
from .headers import inject_headers, most_relevant, seconds_until
from .settings import AppLimits, ExemptionScope
from .wrappers import Limit, LimitGroup, RequestLimit

if TYPE_CHECKING:
    from limits.storage import Storage
    from limits.strategies import RateLimiter

    from .. import App
    from .settings import HEADERS
    from .wrappers import KeyFunc, LimitValue

__all__ = ["LimitDecorator", "Limiter"]

T = TypeVar("T", bound=Callable[..., Any] | Blueprint)

# The limiters whose limits a view wrapper checks when called (read by the before_request hook).
_MARK = "__hipflask_limited_by__"
_RESOLVED_CACHE_SIZE = 4096
_MAX_KEY_LENGTH = 256
_EXEMPT_ALL = ExemptionScope.APPLICATION | ExemptionScope.DEFAULT | ExemptionScope.META


def qualified_name(func: Callable[..., Any]) -> str:
    """Return ``module.name``, the key limits are declared under (Flask-Limiter's)."""
    return f"{func.__module__}.{func.__name__}"


class _RequestState:
    """What one limiter did during one request (kept in the WSGI environ, which dies with it)."""

    __slots__ = ("checked", "complete", "deductions", "limits")

    def __init__(self) -> None:
        self.complete = False
        self.limits: list[RequestLimit] = []
        self.deductions: list[tuple[Limit, tuple[str, ...]]] = []
        self.checked: set[str] = set()


class LimitDecorator:
    """What :meth:`Limiter.limit` returns: a decorator (views, functions, blueprints) and a
    context manager that checks its limits on entry, for one block of a view."""

    def __init__(self, limiter: Limiter, group: LimitGroup) -> None:
        self.limiter = limiter
        self.group = group

    def __call__(self, obj: T) -> T:
        return self.limiter._register(obj, self.group)

    def __enter__(self) -> None:
        self.limiter._check_groups([self.group], request.endpoint or "")

    def __exit__(self, *exc_info: object) -> None:
        return None


class Limiter:
    """Rate limit an app's views by ``key_func`` (the client's address, a user id, ...).

    Every argument given here wins over the app's ``RATELIMIT_*`` setting of the same meaning
    (see :data:`~hipflask.limiter.settings.DEFAULT_SETTINGS`); ``init_app`` reads the settings,
    so one limiter serves several apps (the factory pattern), each with its own storage, kept
    in ``app.extensions["limiter"]`` (a dict of limiter -> state).
    """

    def __init__(
        self,
        key_func: KeyFunc | None = None,
        *,
        app: App | None = None,
        default_limits: Sequence[LimitValue] | None = None,
        default_limits_per_method: bool | None = None,
        default_limits_exempt_when: Callable[[], bool] | None = None,
        default_limits_deduct_when: Callable[[Response], bool] | None = None,
        default_limits_cost: int | Callable[[], int] | None = None,
        application_limits: Sequence[LimitValue] | None = None,
        application_limits_per_method: bool | None = None,
        application_limits_exempt_when: Callable[[], bool] | None = None,
        application_limits_deduct_when: Callable[[Response], bool] | None = None,
        application_limits_cost: int | Callable[[], int] | None = None,
        headers_enabled: bool | None = None,
        header_name_mapping: dict[HEADERS, str] | None = None,
        strategy: str | None = None,
        storage_uri: str | None = None,
        storage_options: dict[str, Any] | None = None,
        auto_check: bool = True,
        swallow_errors: bool | None = None,
        fail_on_first_breach: bool | None = None,
        on_breach: Callable[[RequestLimit], Response | None] | None = None,
        in_memory_fallback: Sequence[LimitValue] | None = None,
        in_memory_fallback_enabled: bool | None = None,
        retry_after: str | None = None,
        key_prefix: str = "",
        enabled: bool = True,
    ) -> None:
        # NOTE: the arguments are kept as given; init_app resolves each against the app's config.
        self._options: dict[str, Any] = {
            name: value for name, value in locals().items() if name not in ("self", "app")
        }
        self._options["enabled"] = None  # the attribute below is the switch; config can add one
        self.enabled = enabled
        self._auto_check = auto_check
        self._environ_key = f"hipflask.limiter.{id(self)}"
        self._route_limits: dict[str, list[LimitGroup]] = {}
        self._blueprint_limits: dict[str, list[LimitGroup]] = {}
        self._exempt_views: dict[str, ExemptionScope] = {}
        self._exempt_blueprints: dict[str, ExemptionScope] = {}
        self._request_filters: list[Callable[[], bool]] = []
        self._last_state: AppLimits | None = None
        self._generation = 0  # bumped by every declaration: the resolved-limits caches restart
        if app is not None:
            self.init_app(app)

    def init_app(self, app: App) -> None:
        """Read the app's ``RATELIMIT_*`` settings, open the storage and install the hooks."""
        state = AppLimits(app, self._options)
        registry: dict[Limiter, AppLimits] = app.extensions.setdefault("limiter", {})
        first = self not in registry
        registry[self] = state
        self._last_state = state
        if first:
            if self._auto_check:
                app.before_request(self._before_request)
            app.after_request(self._after_request)

    # -- declaring limits ---------------------------------------------------------------------

    def limit(
        self,
        limit_value: LimitValue,
        *,
        key_func: KeyFunc | None = None,
        per_method: bool = False,
        methods: Sequence[str] | None = None,
        error_message: str | Callable[[], str] | None = None,
        exempt_when: Callable[[], bool] | None = None,
        override_defaults: bool = True,
        deduct_when: Callable[[Response], bool] | None = None,
        on_breach: Callable[[RequestLimit], Response | None] | None = None,
        cost: int | Callable[[], int] = 1,
        scope: str | Callable[[str], str] | None = None,
    ) -> LimitDecorator:
        """Limit a view, a blueprint's views (each counted apart), or any function.

        ``limit_value`` is ``"5 per minute"``, ``"5/minute; 100/day"`` or a callable returning
        such a string (read at each request; a bad string logs an ERROR and the defaults
        apply). A static string that does not parse raises ValueError here. ``methods``
        restricts the limit (HEAD counts as GET), ``per_method`` counts each method apart,
        ``scope`` (or ``scope(endpoint)``) subdivides the endpoint's counter,
        ``exempt_when()`` skips the limit, ``deduct_when(response)`` counts only the requests
        whose response it accepts, ``override_defaults=False`` keeps the default limits too.
        """
        group = LimitGroup(
            limit_value, key_func=key_func, scope=scope, per_method=per_method, methods=methods,
            error_message=error_message, exempt_when=exempt_when,
            override_defaults=override_defaults, deduct_when=deduct_when, on_breach=on_breach,
            cost=cost,
        )  # fmt: skip
        return LimitDecorator(self, group)

    def shared_limit(
        self,
        limit_value: LimitValue,
        scope: str | Callable[[str], str],
        *,
        key_func: KeyFunc | None = None,
        per_method: bool = False,
        methods: Sequence[str] | None = None,
        error_message: str | Callable[[], str] | None = None,
        exempt_when: Callable[[], bool] | None = None,
        override_defaults: bool = True,
        deduct_when: Callable[[Response], bool] | None = None,
        on_breach: Callable[[RequestLimit], Response | None] | None = None,
        cost: int | Callable[[], int] = 1,
    ) -> LimitDecorator:
        """Like :meth:`limit`, but every view so decorated counts in one counter named ``scope``
        (a string, or a callable receiving the endpoint and returning one)."""
        group = LimitGroup(
            limit_value, key_func=key_func, scope=scope, shared=True, per_method=per_method,
            methods=methods, error_message=error_message, exempt_when=exempt_when,
            override_defaults=override_defaults, deduct_when=deduct_when, on_breach=on_breach,
            cost=cost,
        )  # fmt: skip
        return LimitDecorator(self, group)

    def exempt(self, obj: T | None = None, *, flags: ExemptionScope = _EXEMPT_ALL) -> Any:
        """Exempt a view, or every view of a blueprint, from the application and default limits.

        A view's own ``@limiter.limit`` still applies. ``flags`` narrows what is exempted;
        ``ExemptionScope.DESCENDENTS`` extends a blueprint's exemption to its nested blueprints,
        ``ExemptionScope.ANCESTORS`` drops the limits a nested blueprint inherits.
        """
        if obj is None:
            return lambda target: self.exempt(target, flags=flags)
        self._generation += 1
        if isinstance(obj, Blueprint):
            self._exempt_blueprints[obj.name] = flags
        else:
            self._exempt_views[qualified_name(obj)] = flags
        return obj

    def request_filter(self, func: Callable[[], bool]) -> Callable[[], bool]:
        """Register ``func()``; a request for which it returns True is not limited at all."""
        self._request_filters.append(func)
        return func

    # -- state --------------------------------------------------------------------------------

    @property
    def limiter(self) -> RateLimiter:
        """The ``limits`` strategy counting now (the in-memory fallback's while storage is down)."""
        return self._state().backend.limiter

    @property
    def storage(self) -> Storage:
        """The ``limits`` storage of the current app (shared with the auth battery's throttle)."""
        return self._state().backend.storage

    @property
    def current_limits(self) -> list[RequestLimit]:
        """Every limit the current request was checked against."""
        if not has_request_context():
            return []
        ctx = request.environ.get(self._environ_key)
        return list(ctx.limits) if ctx is not None else []

    @property
    def current_limit(self) -> RequestLimit | None:
        """The limit that matters for this request: the one breached, else the shortest window."""
        return most_relevant(self.current_limits)

    def reset(self) -> None:
        """Clear every counter of the current app's storage."""
        self._state().backend.reset()

    def check(self) -> None:
        """Check the current request now (for ``auto_check=False``); raise RateLimitExceeded."""
        self._check_request()

    # -- hooks --------------------------------------------------------------------------------

    def _before_request(self) -> None:
        endpoint = request.endpoint
        if endpoint is None:
            return
        view = current_app.view_functions.get(endpoint)
        if view is not None and self in getattr(view, _MARK, ()):
            return  # NOTE: its wrapper checks when called, after the decorators above it
        self._check_request()

    def _after_request(self, response: Response) -> Response:
        ctx: _RequestState | None = request.environ.get(self._environ_key)
        if ctx is None or not ctx.limits:
            return response
        state = self._state()
        try:
            for lim, args in ctx.deductions:
                if lim.deduct_when is not None and lim.deduct_when(response):
                    state.backend.limiter.hit(lim.limit, *args, cost=lim.cost_value())
            current = most_relevant(ctx.limits)
            if state.headers_enabled and current is not None:
                inject_headers(state, response, current)
        except state.backend.errors as exc:
            # NOTE: the view has run; failing now would only hide its response.
            logger.error("Rate limit storage failed after the view (%s): headers skipped.", exc)
        return response

    # -- checking -----------------------------------------------------------------------------

    def _state(self) -> AppLimits:
        if has_app_context():
            state: AppLimits | None = current_app.extensions.get("limiter", {}).get(self)
            if state is not None:
                return state
        elif self._last_state is not None:
            return self._last_state
        raise RuntimeError("This Limiter is not set up on the app: call limiter.init_app(app).")

    def _request_state(self) -> _RequestState:
        ctx: _RequestState = request.environ.setdefault(self._environ_key, _RequestState())
        return ctx

    def _check_request(self) -> None:
        """Check every limit of the current request, once per request."""
        state = self._state()
        ctx = self._request_state()
        if ctx.complete or not (self.enabled and state.enabled):
            return
        ctx.complete = True
        endpoint = request.endpoint
        if not endpoint or endpoint == "static" or endpoint.endswith(".static"):
            return  # NOTE: static files are never limited, as in Flask-Limiter
        if any(check() for check in self._request_filters):
            return
        view = current_app.view_functions.get(endpoint)
        name = qualified_name(view) if view is not None else ""
        self._run(state, ctx, endpoint, self._resolve(state, endpoint, name))

    def _check_groups(self, groups: Iterable[LimitGroup], endpoint: str) -> None:
        """Check only ``groups`` for the current request (a decorated function, a ``with``)."""
        state = self._state()
        if not (self.enabled and state.enabled):
            return
        method = request.method
        limits = [lim for lim in _expand(groups, endpoint) if lim.applies_to(method)]
        self._run(state, self._request_state(), endpoint, limits)

    def _check_call(self, name: str) -> None:
        """Run by a decorated function: the full check for a view, its own limits otherwise."""
        if not (self._auto_check and has_request_context()):
            return
        endpoint = request.endpoint
        view = current_app.view_functions.get(endpoint) if endpoint else None
        if view is not None and qualified_name(view) == name:
            self._check_request()
            return
        ctx = self._request_state()
        if name not in ctx.checked:
            ctx.checked.add(name)
            self._check_groups(self._route_limits.get(name, ()), name)

    def _resolve(self, state: AppLimits, endpoint: str, name: str) -> list[Limit]:
        """Return the limits of this request, in the order they are checked.

        # PERF: cached per endpoint and method while every limit involved is a static string:
        # 1.3 µs instead of 12 µs for a blueprint view with its own, application and default
        # limits. Declaring a limit or an exemption starts a new generation of the cache.
        """
        method = request.method
        key = (endpoint, name, method, self._generation)
        limits = state.resolved.get(key)
        if limits is None:
            limits, cacheable = self._resolve_now(state, name, method)
            if cacheable and len(state.resolved) < _RESOLVED_CACHE_SIZE:
                state.resolved[key] = limits
        return limits

    def _resolve_now(self, state: AppLimits, name: str, method: str) -> tuple[list[Limit], bool]:
        exemption = self._exemption(name)
        own = self._route_limits.get(name, ())
        blueprint_groups = self._blueprint_groups(exemption)
        limits = [lim for lim in _expand(own, name) if lim.applies_to(method)]
        if all(not lim.override_defaults for lim in limits):
            limits += [
                lim for lim in _expand(blueprint_groups, "blueprint") if lim.applies_to(method)
            ]
        keep_defaults = all(not lim.override_defaults for lim in limits)
        if not exemption & ExemptionScope.APPLICATION:
            limits = [*_expand(state.application_limits, "application"), *limits]
        if keep_defaults and not exemption & ExemptionScope.DEFAULT:
            limits += _expand(state.default_limits, "default")
        groups = (*own, *blueprint_groups, *state.application_limits, *state.default_limits)
        return limits, all(group.static for group in groups)

    def _exemption(self, name: str) -> ExemptionScope:
        flags = self._exempt_views.get(name, ExemptionScope.NONE)
        for depth, blueprint in enumerate(self._blueprint_names()):
            found = self._exempt_blueprints.get(blueprint)
            if found is not None and (depth == 0 or found & ExemptionScope.DESCENDENTS):
                flags |= found
        return flags

    def _blueprint_groups(self, exemption: ExemptionScope) -> list[LimitGroup]:
        groups: list[LimitGroup] = []
        for depth, blueprint in enumerate(self._blueprint_names()):
            if depth and exemption & ExemptionScope.ANCESTORS:
                break
            groups += self._blueprint_limits.get(blueprint, ())
        return groups

    def _blueprint_names(self) -> list[str]:
        """The names (as declared) of the request's blueprints, innermost first."""
        registered = current_app.blueprints
        names = []
        for dotted in request.blueprints:
            blueprint = registered.get(dotted)
            names.append(blueprint.name if blueprint is not None else dotted.rsplit(".", 1)[-1])
        return names

    def _run(
        self, state: AppLimits, ctx: _RequestState, endpoint: str, limits: list[Limit]
    ) -> None:
        """Count the request against ``limits``; apply the storage-failure policy on error."""
        backend = state.backend
        if backend.dead and not backend.recovered() and state.fallback_limits:
            limits = _expand(state.fallback_limits, "fallback")
        try:
            self._evaluate(state, ctx, endpoint, limits)
        except backend.errors as exc:
            if backend.fall_back(exc):
                del ctx.limits[:], ctx.deductions[:]
                self._run(state, ctx, endpoint, limits)
            elif state.swallow_errors:
                logger.warning(
                    "Rate limit storage failed (%s): request allowed without a limit "
                    "(RATELIMIT_SWALLOW_ERRORS).",
                    exc,
                )
            else:
                logger.error(
                    "Rate limit storage failed (%s): request refused with 503 "
                    "(set RATELIMIT_SWALLOW_ERRORS or RATELIMIT_IN_MEMORY_FALLBACK_ENABLED "
                    "to fail open).",
                    exc,
                )
                raise ServiceUnavailable("The rate limit storage is unavailable.") from exc

    def _evaluate(
        self, state: AppLimits, ctx: _RequestState, endpoint: str, limits: list[Limit]
    ) -> None:
        strategy = state.backend.limiter
        method = request.method
        breach: tuple[Limit, RequestLimit] | None = None
        for lim in limits:
            if lim.exempt_when is not None and lim.exempt_when():
                continue
            scope = lim.scope_for(endpoint, method)
            key = (lim.key_func or state.key_func)()
            if not key or not scope:
                logger.error("Skipping limit %s: its key or scope is empty.", lim.limit)
                continue
            if len(key) > _MAX_KEY_LENGTH:
                # SECURITY: a key taken from the request (a login form's e-mail) cannot make
                # storage keys (and log lines) of any size.
                key = "sha256:" + hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()
            args = (state.key_prefix, key, scope) if state.key_prefix else (key, scope)
            if lim.deduct_when is not None:
                ctx.deductions.append((lim, args))
                allowed = strategy.test(lim.limit, *args, cost=lim.cost_value())
            else:
                allowed = strategy.hit(lim.limit, *args, cost=lim.cost_value())
            ctx.limits.append(
                RequestLimit(state.backend.current, lim.limit, args, not allowed, lim.shared)
            )
            if not allowed:
                logger.info("ratelimit %s (%s) exceeded at endpoint: %s", lim.limit, key, scope)
                breach = breach or (lim, ctx.limits[-1])
                if state.fail_on_first_breach:
                    break
        if breach is not None:
            raise _breach(state, *breach)

    def _register(self, obj: T, group: LimitGroup) -> T:
        self._generation += 1
        if isinstance(obj, Blueprint):
            self._blueprint_limits.setdefault(obj.name, []).append(group)
            return obj
        name = qualified_name(obj)
        self._route_limits.setdefault(name, []).append(group)
        marks: tuple[Limiter, ...] = getattr(obj, _MARK, ())
        if self in marks:
            return obj  # NOTE: stacked decorators: one wrapper checks every group of the name
        func: Callable[..., Any] = obj
        guarded: Callable[..., Any]
        if inspect.iscoroutinefunction(func):

            async def guarded_async(*args: Any, **kwargs: Any) -> Any:
                self._check_call(name)
                return await func(*args, **kwargs)

            guarded = guarded_async
        else:

            def guarded_sync(*args: Any, **kwargs: Any) -> Any:
                self._check_call(name)
                return func(*args, **kwargs)

            guarded = guarded_sync
        update_wrapper(guarded, func)
        setattr(guarded, _MARK, (*marks, self))
        return guarded  # type: ignore[return-value]


def _expand(groups: Iterable[LimitGroup], owner: str) -> list[Limit]:
    """Return the limits of ``groups``; a dynamic one returning a bad string is logged, skipped."""
    limits: list[Limit] = []
    for group in groups:
        try:
            limits.extend(group)
        except ValueError as exc:
            logger.error("Failed to load the rate limit of %s: %s", owner, exc)
    return limits


def _breach(state: AppLimits, lim: Limit, found: RequestLimit) -> RateLimitExceeded:
    response = None
    callback = lim.on_breach or state.on_breach
    if callback is not None:
        result = callback(found)
        if isinstance(result, Response):
            response = result
    return RateLimitExceeded(lim, response=response, retry_after=seconds_until(found.reset_at))
