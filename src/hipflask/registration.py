"""The app's own registrations: URL rules with their views, blueprints, app-context teardown,
the shell context, and Jinja2 filters, globals and tests.

These functions are methods of :class:`~hipflask.app.App`, bound in its class body
(``add_url_rule = registration.add_url_rule``); what apps and blueprints share is in
:mod:`hipflask.scaffold`. They run at set-up, never per request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from .scaffold import ensure_sync

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TypeVar

    from .app import App
    from .blueprints import Blueprint

    F = TypeVar("F", bound=Callable[..., Any])


def add_url_rule(
    self: App,
    rule: str,
    endpoint: str | None = None,
    view_func: Callable[..., Any] | None = None,
    provide_automatic_options: bool | None = None,
    **options: Any,
) -> None:
    """Register ``view_func`` under ``endpoint`` for the URL ``rule``."""
    if endpoint is None:
        if view_func is None:
            raise TypeError("add_url_rule() needs an endpoint or a view function.")
        endpoint = view_func.__name__
    methods = options.pop("methods", None)
    if methods is None:
        methods = getattr(view_func, "methods", None) or ("GET",)
    if isinstance(methods, str):
        raise TypeError("Allowed methods must be a list of strings, for example: ['GET'].")
    methods = {m.upper() for m in methods}
    methods |= set(getattr(view_func, "required_methods", ()))
    if provide_automatic_options is None:
        provide_automatic_options = getattr(view_func, "provide_automatic_options", None)
    if provide_automatic_options is None:
        provide_automatic_options = "OPTIONS" not in methods
    if provide_automatic_options:
        methods.add("OPTIONS")
    url_rule = self.url_rule_class(rule, endpoint=endpoint, methods=methods, **options)
    url_rule.provide_automatic_options = provide_automatic_options
    url_rule.scopes = _scopes_of(endpoint)
    if view_func is not None:
        existing = self.view_functions.get(endpoint)
        if existing is not None and view_func not in (existing, _unwrap_async(existing)):
            raise AssertionError(
                f"View function mapping is overwriting an existing endpoint function: "
                f"{endpoint!r}. Give the view a different endpoint name."
            )
        self.view_functions[endpoint] = ensure_sync(view_func)
    self.url_map.add(url_rule)


def register_blueprint(self: App, blueprint: Blueprint, **options: Any) -> None:
    """Register a blueprint's routes, hooks and handlers on the app."""
    blueprint.register(self, options)


def iter_blueprints(self: App) -> Iterable[Blueprint]:
    """Iterate over the registered blueprints in registration order."""
    return self.blueprints.values()


def teardown_appcontext(self: App, func: F) -> F:
    """Run ``func(exc)`` when the app context is popped."""
    self.teardown_appcontext_funcs.append(ensure_sync(func))
    return func


def shell_context_processor(self: App, func: F) -> F:
    """Add the dict ``func()`` returns to the ``hipflask shell`` namespace."""
    self.shell_context_processors.append(func)
    return func


def template_filter(self: App, name: str | None = None) -> Callable[[F], F]:
    """Register the decorated function as a Jinja2 filter."""

    def decorator(func: F) -> F:
        self.add_template_filter(func, name=name)
        return func

    return decorator


def add_template_filter(self: App, func: Callable[..., Any], name: str | None = None) -> None:
    """Register a Jinja2 filter."""
    self.jinja_filters[name or func.__name__] = func
    if self._jinja_env is not None:
        self._jinja_env.filters[name or func.__name__] = func


def template_global(self: App, name: str | None = None) -> Callable[[F], F]:
    """Register the decorated function as a Jinja2 global."""

    def decorator(func: F) -> F:
        self.add_template_global(func, name=name)
        return func

    return decorator


def add_template_global(self: App, func: Callable[..., Any], name: str | None = None) -> None:
    """Register a Jinja2 global."""
    self.jinja_globals[name or func.__name__] = func
    if self._jinja_env is not None:
        self._jinja_env.globals[name or func.__name__] = func


def template_test(self: App, name: str | None = None) -> Callable[[F], F]:
    """Register the decorated function as a Jinja2 test."""

    def decorator(func: F) -> F:
        self.add_template_test(func, name=name)
        return func

    return decorator


def add_template_test(self: App, func: Callable[..., Any], name: str | None = None) -> None:
    """Register a Jinja2 test."""
    self.jinja_tests[name or func.__name__] = func
    if self._jinja_env is not None:
        self._jinja_env.tests[name or func.__name__] = func


def _scopes_of(endpoint: str) -> tuple[str | None, ...]:
    """Return the hook scopes of an endpoint: its blueprints innermost first, then the app."""
    parts = endpoint.split(".")[:-1]
    return (*(".".join(parts[:i]) for i in range(len(parts), 0, -1)), None)


def _unwrap_async(view: Callable[..., Any]) -> Callable[..., Any]:
    if getattr(view, "__hipflask_async__", False):
        wrapped: Callable[..., Any] = view.__wrapped__  # type: ignore[attr-defined]
        return wrapped
    return view
