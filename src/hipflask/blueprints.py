"""Blueprint: a group of views and hooks recorded now and replayed onto an app at registration.

Endpoints are prefixed with the blueprint's dotted name (``auth.login``; nested: ``api.v1.users``),
rules with its ``url_prefix``. Hooks registered on a blueprint only run for its own requests;
the ``app_*`` variants register on the app itself.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable

from . import wiring
from .scaffold import Scaffold, ensure_sync, setupmethod

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TypeVar

    from .app import App
    from .cli.appgroup import AppGroup

    F = TypeVar("F", bound=Callable[..., Any])

DeferredSetupFunction = Callable[["BlueprintSetupState"], None]


class BlueprintSetupState:
    """What one registration of a blueprint on an app knows: prefixes, names and defaults."""

    def __init__(
        self, blueprint: Blueprint, app: App, options: dict[str, Any], first_registration: bool
    ) -> None:
        self.app = app
        self.blueprint = blueprint
        self.options = options
        self.first_registration = first_registration
        subdomain = options.get("subdomain")
        self.subdomain: str | None = subdomain if subdomain is not None else blueprint.subdomain
        url_prefix = options.get("url_prefix")
        self.url_prefix: str | None = url_prefix if url_prefix is not None else blueprint.url_prefix
        self.name: str = options.get("name", blueprint.name)
        self.name_prefix: str = options.get("name_prefix", "")
        self.url_defaults = dict(blueprint.url_values_defaults)
        self.url_defaults.update(options.get("url_defaults", ()))

    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: Callable[..., Any] | None = None,
        **options: Any,
    ) -> None:
        """Register a rule on the app with this blueprint's prefix, name and defaults."""
        if self.url_prefix is not None:
            rule = (
                "/".join((self.url_prefix.rstrip("/"), rule.lstrip("/")))
                if rule
                else self.url_prefix
            )
        options.setdefault("subdomain", self.subdomain)
        if endpoint is None:
            if view_func is None:
                raise TypeError("add_url_rule() needs an endpoint or a view function.")
            endpoint = view_func.__name__
        defaults = self.url_defaults
        if "defaults" in options:
            defaults = dict(defaults, **options.pop("defaults"))
        full_endpoint = f"{self.name_prefix}.{self.name}.{endpoint}".lstrip(".")
        self.app.add_url_rule(rule, full_endpoint, view_func, defaults=defaults or None, **options)


class Blueprint(Scaffold):
    """A reusable group of routes, hooks, templates and static files.

    ``bp = Blueprint('auth', __name__, url_prefix='/auth')``, decorate views with ``@bp.route``,
    then ``app.register_blueprint(bp)``.
    """

    _got_registered_once = False

    def __init__(
        self,
        name: str,
        import_name: str,
        static_folder: str | os.PathLike[str] | None = None,
        static_url_path: str | None = None,
        template_folder: str | os.PathLike[str] | None = None,
        url_prefix: str | None = None,
        subdomain: str | None = None,
        url_defaults: dict[str, Any] | None = None,
        root_path: str | None = None,
        cli_group: str | None = "",
    ) -> None:
        super().__init__(import_name, static_folder, static_url_path, template_folder, root_path)
        if not name:
            raise ValueError("'name' may not be empty.")
        if "." in name:
            raise ValueError("'name' may not contain a dot '.' character.")
        self.name = name
        self.url_prefix = url_prefix
        self.subdomain = subdomain
        self.url_values_defaults = url_defaults or {}
        self.cli_group = cli_group
        self.deferred_functions: list[DeferredSetupFunction] = []
        self._blueprints: list[tuple[Blueprint, dict[str, Any]]] = []
        self._cli: AppGroup | None = None

    @property
    def cli(self) -> AppGroup:
        """The blueprint's click group, added to the app's CLI at registration."""
        if self._cli is None:
            self._cli = wiring.cli_group(self.name)
        return self._cli

    @setupmethod
    def record(self, func: DeferredSetupFunction) -> None:
        """Call ``func(state)`` at every registration of this blueprint."""
        self.deferred_functions.append(func)

    @setupmethod
    def record_once(self, func: DeferredSetupFunction) -> None:
        """Call ``func(state)`` at the first registration only."""

        def wrapper(state: BlueprintSetupState) -> None:
            if state.first_registration:
                func(state)

        self.record(wrapper)

    @setupmethod
    def register_blueprint(self, blueprint: Blueprint, **options: Any) -> None:
        """Nest ``blueprint`` inside this one (its endpoints become ``self.child.view``)."""
        if blueprint is self:
            raise ValueError("Cannot register a blueprint on itself.")
        self._blueprints.append((blueprint, options))

    @setupmethod
    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: Callable[..., Any] | None = None,
        provide_automatic_options: bool | None = None,
        **options: Any,
    ) -> None:
        """Record a rule, registered on the app with this blueprint's prefix and name."""
        if endpoint and "." in endpoint:
            raise ValueError("'endpoint' may not contain a dot '.' character.")
        if view_func is not None and "." in getattr(view_func, "__name__", ""):
            raise ValueError("'view_func' name may not contain a dot '.' character.")
        self.record(
            lambda s: s.add_url_rule(
                rule,
                endpoint,
                view_func,
                provide_automatic_options=provide_automatic_options,
                **options,
            )
        )

    def _check_setup_finished(self, method_name: str) -> None:
        if self._got_registered_once:
            raise AssertionError(
                f"The setup method '{method_name}' can no longer be called on the blueprint "
                f"'{self.name}'. It has already been registered at least once, so the change "
                "would not be applied. Make sure all imports, decorators and functions that set "
                "up the blueprint run before it is registered."
            )

    def register(self, app: App, options: dict[str, Any]) -> None:
        """Replay this blueprint's registrations onto ``app`` (called by ``register_blueprint``)."""
        self_name = options.get("name", self.name)
        name = f"{options.get('name_prefix', '')}.{self_name}".lstrip(".")
        if name in app.blueprints:
            which = "this" if app.blueprints[name] is self else "a different"
            raise ValueError(
                f"The name '{self_name}' is already registered for {which} blueprint. "
                "Use 'name=' to provide a unique name."
            )
        first_registration = not any(bp is self for bp in app.blueprints.values())
        app.blueprints[name] = self
        self._got_registered_once = True
        state = BlueprintSetupState(self, app, options, first_registration)
        if self.has_static_folder:
            state.add_url_rule(
                f"{self.static_url_path}/<path:filename>",
                view_func=self.send_static_file,
                endpoint="static",
            )
        self._merge_into(app, name)
        for deferred in self.deferred_functions:
            deferred(state)
        self._register_cli(app, options)
        for child, child_options in self._blueprints:
            child.register(app, _child_options(state, child, child_options, name))

    def _register_cli(self, app: App, options: dict[str, Any]) -> None:
        if self._cli is None or not self._cli.commands:
            return
        group = options.get("cli_group", self.cli_group)
        if group is None:
            app.cli.commands.update(self._cli.commands)
        elif group == "":
            self._cli.name = options.get("name", self.name)
            app.cli.add_command(self._cli)
        else:
            self._cli.name = group
            app.cli.add_command(self._cli)

    def _merge_into(self, app: App, name: str) -> None:
        for key, code_map in self.error_handler_spec.items():
            scope = name if key is None else f"{name}.{key}"
            merged: dict[int | None, dict[type[BaseException], Callable[..., Any]]] = defaultdict(
                dict
            )
            for code, handlers in code_map.items():
                merged[code].update(handlers)
            app.error_handler_spec[scope] = merged
        for endpoint, func in self.view_functions.items():
            app.view_functions[f"{name}.{endpoint}"] = func
        hook_tables: tuple[tuple[dict[str | None, list[Any]], dict[str | None, list[Any]]], ...] = (
            (self.before_request_funcs, app.before_request_funcs),
            (self.after_request_funcs, app.after_request_funcs),
            (self.teardown_request_funcs, app.teardown_request_funcs),
            (self.url_default_functions, app.url_default_functions),
            (self.url_value_preprocessors, app.url_value_preprocessors),
            (self.template_context_processors, app.template_context_processors),
        )
        for own, target in hook_tables:
            for key, funcs in own.items():
                scope = name if key is None else f"{name}.{key}"
                target[scope].extend(funcs)

    # -- registrations on the app itself ----------------------------------------------------

    @setupmethod
    def before_app_request(self, func: F) -> F:
        """Run ``func()`` before every request of the app, not only this blueprint's."""
        self.record_once(lambda s: s.app.before_request_funcs[None].append(ensure_sync(func)))
        return func

    @setupmethod
    def after_app_request(self, func: F) -> F:
        """Run ``func(response)`` after every request of the app."""
        self.record_once(lambda s: s.app.after_request_funcs[None].append(ensure_sync(func)))
        return func

    @setupmethod
    def teardown_app_request(self, func: F) -> F:
        """Run ``func(exc)`` at the end of every request of the app."""
        self.record_once(lambda s: s.app.teardown_request_funcs[None].append(ensure_sync(func)))
        return func

    @setupmethod
    def app_context_processor(self, func: F) -> F:
        """Add a context processor for every template of the app."""
        self.record_once(
            lambda s: s.app.template_context_processors[None].append(ensure_sync(func))
        )
        return func

    @setupmethod
    def app_errorhandler(self, code: type[BaseException] | int) -> Callable[[F], F]:
        """Handle an error for the whole app, not only this blueprint's views."""

        def decorator(func: F) -> F:
            self.record_once(lambda s: s.app.register_error_handler(code, func))
            return func

        return decorator

    @setupmethod
    def app_url_value_preprocessor(self, func: F) -> F:
        """Register a URL value preprocessor for the whole app."""
        self.record_once(lambda s: s.app.url_value_preprocessors[None].append(func))
        return func

    @setupmethod
    def app_url_defaults(self, func: F) -> F:
        """Register a URL defaults function for the whole app."""
        self.record_once(lambda s: s.app.url_default_functions[None].append(func))
        return func

    @setupmethod
    def app_template_filter(self, name: str | None = None) -> Callable[[F], F]:
        """Register a Jinja2 filter for the whole app."""

        def decorator(func: F) -> F:
            self.record_once(lambda s: s.app.add_template_filter(func, name=name))
            return func

        return decorator

    @setupmethod
    def app_template_global(self, name: str | None = None) -> Callable[[F], F]:
        """Register a Jinja2 global for the whole app."""

        def decorator(func: F) -> F:
            self.record_once(lambda s: s.app.add_template_global(func, name=name))
            return func

        return decorator

    @setupmethod
    def app_template_test(self, name: str | None = None) -> Callable[[F], F]:
        """Register a Jinja2 test for the whole app."""

        def decorator(func: F) -> F:
            self.record_once(lambda s: s.app.add_template_test(func, name=name))
            return func

        return decorator


def _child_options(
    state: BlueprintSetupState, child: Blueprint, options: dict[str, Any], name: str
) -> dict[str, Any]:
    """Combine a nested blueprint's prefix and subdomain with its parent's."""
    options = dict(options)
    subdomain = options.get("subdomain", child.subdomain)
    if state.subdomain is not None and subdomain is not None:
        options["subdomain"] = f"{subdomain}.{state.subdomain}"
    elif subdomain is not None or state.subdomain is not None:
        options["subdomain"] = subdomain if subdomain is not None else state.subdomain
    url_prefix = options.get("url_prefix", child.url_prefix)
    if state.url_prefix is not None and url_prefix is not None:
        options["url_prefix"] = f"{state.url_prefix.rstrip('/')}/{url_prefix.lstrip('/')}"
    elif url_prefix is not None or state.url_prefix is not None:
        options["url_prefix"] = url_prefix if url_prefix is not None else state.url_prefix
    options["name_prefix"] = name
    return options
