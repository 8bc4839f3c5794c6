"""The ``hipflask`` command line: command groups, and the ``run``, ``routes``, ``shell`` commands.

``hipflask --app TARGET COMMAND`` (or ``HIPFLASK_APP=TARGET``) loads the app, then runs a
built-in command or one the app registered with ``@app.cli.command()``. TARGET is a module
(``hello``, ``pkg.web``), ``module:name``, ``module:factory()``, ``module:factory("arg", x=1)``
or a file path (``src/hello.py``); :mod:`hipflask.cli.discovery` finds it. See ``docs/cli.md``.
"""

from __future__ import annotations

import os
import platform
import re
import sys
import traceback
from collections.abc import Callable
from functools import update_wrapper
from typing import Any, TypeVar, cast, overload

import click
from click.core import ParameterSource

from ..app import App
from ..ctx import current_app, has_app_context
from ..porting import port_command
from .discovery import (
    NoAppException,
    get_debug_flag,
    get_load_dotenv,
    load_dotenv,
    locate_app,
    prepare_import,
)

__all__ = [
    "AppGroup",
    "HipflaskGroup",
    "ScriptInfo",
    "cli",
    "get_version",
    "main",
    "routes_command",
    "run_command",
    "shell_command",
    "with_appcontext",
]

F = TypeVar("F", bound=Callable[..., Any])

_DEFAULT_FILES = ("wsgi.py", "app.py")


class ScriptInfo:
    """Find and load the app for the command line; commands receive it as the context ``obj``.

    ``create_app`` (a callable returning the app) wins over ``app_import_path`` (the ``--app``
    target); with neither, ``wsgi.py`` then ``app.py`` in the current folder are tried.
    """

    def __init__(
        self,
        app_import_path: str | None = None,
        create_app: Callable[..., App] | None = None,
        set_debug_flag: bool = True,
        load_dotenv_defaults: bool = True,
    ) -> None:
        self.app_import_path = app_import_path
        self.create_app = create_app
        self.set_debug_flag = set_debug_flag
        self.load_dotenv_defaults = get_load_dotenv(load_dotenv_defaults)
        #: Free storage for commands that want to share state.
        self.data: dict[Any, Any] = {}
        self._loaded_app: App | None = None

    def load_app(self) -> App:
        """Load the app once and return it (raise :class:`NoAppException` when not found)."""
        if self._loaded_app is not None:
            return self._loaded_app
        if self.create_app is not None:
            app = self.create_app()
        elif self.app_import_path:
            path, _, name = _split_target(self.app_import_path)
            app = locate_app(prepare_import(path), name or None)
        else:
            app = self._load_default()
        if self.set_debug_flag and "HIPFLASK_DEBUG" in os.environ:
            app.debug = get_debug_flag()
        self._loaded_app = app
        return app

    def _load_default(self) -> App:
        for filename in _DEFAULT_FILES:
            if os.path.isfile(filename):
                app = locate_app(prepare_import(filename), None, raise_if_not_found=False)
                if app is not None:
                    return cast(App, app)
        raise NoAppException(
            "Could not locate an app: no --app option, no HIPFLASK_APP variable, and no "
            f"'wsgi.py' or 'app.py' in {os.getcwd()!r}."
        )


def _split_target(target: str) -> tuple[str, str, str]:
    # NOTE: a colon followed by a slash is a Windows drive ("C:\\app.py"), not "module:name".
    parts = re.split(r":(?![\\/])", target, maxsplit=1)
    return (parts[0], ":", parts[1]) if len(parts) == 2 else (parts[0], "", "")


def with_appcontext(func: F) -> F:
    """Run the decorated click command inside the app's context (loading the app if needed)."""

    @click.pass_context
    def decorator(ctx: click.Context, /, *args: Any, **kwargs: Any) -> Any:
        if not has_app_context():
            app = ctx.ensure_object(ScriptInfo).load_app()
            ctx.with_resource(app.app_context())
        return ctx.invoke(func, *args, **kwargs)

    return cast(F, update_wrapper(decorator, func))


# -- groups --------------------------------------------------------------------------------------


class AppGroup(click.Group):
    """A click group whose commands run inside the app context.

    ``@group.command(with_appcontext=False)`` opts a command out; ``group.group()`` makes
    nested AppGroups.
    """

    @overload
    def command(self, __func: Callable[..., Any]) -> click.Command: ...

    @overload
    def command(
        self, *args: Any, **kwargs: Any
    ) -> Callable[[Callable[..., Any]], click.Command]: ...

    def command(
        self, *args: Any, **kwargs: Any
    ) -> Callable[[Callable[..., Any]], click.Command] | click.Command:
        """Register the decorated function as a command wrapped in :func:`with_appcontext`."""
        if args and callable(args[0]):
            return cast(click.Command, self.command(*args[1:], **kwargs)(args[0]))
        wrap = kwargs.pop("with_appcontext", True)

        def decorator(func: Callable[..., Any]) -> click.Command:
            if wrap:
                func = with_appcontext(func)
            return cast(click.Command, click.Group.command(self, *args, **kwargs)(func))

        return decorator

    @overload
    def group(self, __func: Callable[..., Any]) -> click.Group: ...

    @overload
    def group(self, *args: Any, **kwargs: Any) -> Callable[[Callable[..., Any]], click.Group]: ...

    def group(
        self, *args: Any, **kwargs: Any
    ) -> Callable[[Callable[..., Any]], click.Group] | click.Group:
        """Register the decorated function as a nested :class:`AppGroup`."""
        kwargs.setdefault("cls", AppGroup)
        register: Any = click.Group.group(self, *args, **kwargs)
        return cast("Callable[[Callable[..., Any]], click.Group] | click.Group", register)


def _set_app(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        ctx.ensure_object(ScriptInfo).app_import_path = value
    return value


def _set_debug(ctx: click.Context, param: click.Parameter, value: bool | None) -> bool | None:
    source = ctx.get_parameter_source(param.name)
    if value is None or source in (ParameterSource.DEFAULT, ParameterSource.DEFAULT_MAP):
        return None
    # NOTE: an environment variable, so factories and the reloader's child process see it too.
    os.environ["HIPFLASK_DEBUG"] = "1" if value else "0"
    return value


def _load_env_file(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    info = ctx.ensure_object(ScriptInfo)
    if value is not None or info.load_dotenv_defaults:
        load_dotenv(value, load_defaults=info.load_dotenv_defaults)
    return value


def get_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from .._version import __version__

    click.echo(f"Python {platform.python_version()}\nhipflask {__version__}", color=ctx.color)
    ctx.exit()


_env_file_option = click.Option(
    ["-e", "--env-file"],
    type=click.Path(exists=True, dir_okay=False),
    help="Load environment variables from this file (after .env and .hipflaskenv).",
    is_eager=True,
    expose_value=False,
    callback=_load_env_file,
)
_app_option = click.Option(
    ["-A", "--app"],
    metavar="TARGET",
    help="The app: 'module', 'module:name', 'module:factory(args)' or 'path/app.py'.",
    is_eager=True,
    expose_value=False,
    callback=_set_app,
)
_debug_option = click.Option(
    ["--debug/--no-debug"],
    default=None,
    help="Set debug mode (HIPFLASK_DEBUG).",
    expose_value=False,
    callback=_set_debug,
)
_version_option = click.Option(
    ["--version"],
    is_flag=True,
    is_eager=True,
    expose_value=False,
    help="Show the Python and hipflask versions.",
    callback=get_version,
)


class HipflaskGroup(AppGroup):
    """The ``hipflask`` command: ``--app``, ``--debug``, ``--env-file``, the built-in commands,
    and the app's own ``app.cli`` commands.

    ``create_app`` makes a custom script for one app: ``HipflaskGroup(create_app=make_app)``.
    """

    def __init__(
        self,
        add_default_commands: bool = True,
        create_app: Callable[..., App] | None = None,
        load_dotenv: bool = True,
        set_debug_flag: bool = True,
        **extra: Any,
    ) -> None:
        params = list(extra.pop("params", None) or ())
        params.extend((_env_file_option, _app_option, _debug_option, _version_option))
        extra.setdefault("context_settings", {}).setdefault("auto_envvar_prefix", "HIPFLASK")
        super().__init__(params=params, **extra)
        self.create_app = create_app
        self.load_dotenv = load_dotenv
        self.set_debug_flag = set_debug_flag
        if add_default_commands:
            self.add_command(run_command)
            self.add_command(shell_command)
            self.add_command(routes_command)
            self.add_command(port_command)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Return a built-in command, or else one from the app's ``app.cli``."""
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            return command
        try:
            app = ctx.ensure_object(ScriptInfo).load_app()
        except NoAppException as exc:
            click.secho(f"Error: {exc.format_message()}\n", err=True, fg="red")
            return None
        if not has_app_context() or current_app._get_current_object() is not app:  # type: ignore[attr-defined]
            ctx.with_resource(app.app_context())
        return app.cli.get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        """List the built-in commands and the app's."""
        names = set(super().list_commands(ctx))
        try:
            names.update(ctx.ensure_object(ScriptInfo).load_app().cli.list_commands(ctx))
        except NoAppException as exc:
            click.secho(f"Error: {exc.format_message()}\n", err=True, fg="red")
        except Exception:
            click.secho(f"{traceback.format_exc()}\n", err=True, fg="red")
        return sorted(names)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        """Create the context with a :class:`ScriptInfo` as its ``obj``."""
        # NOTE: makes a module-level app.run() in the imported app a no-op (see serving.run_app).
        os.environ["HIPFLASK_RUN_FROM_CLI"] = "true"
        if "obj" not in extra and "obj" not in self.context_settings:
            extra["obj"] = ScriptInfo(
                create_app=self.create_app,
                set_debug_flag=self.set_debug_flag,
                load_dotenv_defaults=self.load_dotenv,
            )
        return super().make_context(info_name, args, parent=parent, **extra)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Parse the arguments, reading ``--env-file`` and ``--app`` early for bare ``--help``."""
        if (not args and self.no_args_is_help) or (
            len(args) == 1 and args[0] in self.get_help_option_names(ctx)
        ):
            _env_file_option.handle_parse_result(ctx, {}, [])
            _app_option.handle_parse_result(ctx, {}, [])
        return super().parse_args(ctx, args)


# -- built-in commands ----------------------------------------------------------------------------


class _CertFile(click.Path):
    """An existing certificate file, or ``adhoc``, which start-up refuses with advice (as
    ``app.run(ssl_context="adhoc")`` does)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """Pass ``adhoc`` through; check any other value is an existing file."""
        if value == "adhoc":
            return value
        return super().convert(value, param, ctx)


def _validate_key(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Require --key with a --cert file, and --cert with --key, as ``flask run`` does."""
    # NOTE: --cert is eager, so it is in ctx.params before this callback runs.
    cert = ctx.params.get("cert")
    if value is not None and cert is None:
        raise click.BadParameter("'--cert' must be given too.", ctx, param)
    if value is None and cert not in (None, "adhoc"):
        raise click.BadParameter(
            "Required with '--cert': the certificate's private key file.", ctx, param
        )
    return value


@click.command("run", short_help="Serve the app with the development server.")
@click.option("--host", "-h", default="127.0.0.1", show_default=True, help="The interface.")
@click.option("--port", "-p", default=5000, show_default=True, type=int, help="The port.")
@click.option("--debug/--no-debug", default=None, help="Debug mode (overrides 'hipflask --debug').")
@click.option(
    "--reload/--no-reload",
    default=None,
    help="Restart on code and template changes (default: on in debug mode).",
)
@click.option(
    "--threads", default=8, show_default=True, type=click.IntRange(1), help="Worker threads."
)
@click.option(
    "--force-debug",
    is_flag=True,
    help="Allow debug mode on an address other than localhost (dangerous: tracebacks leak).",
)
@click.option(
    "--extra-files",
    default=None,
    type=click.Path(),
    help=f"More files that trigger a reload, separated by {os.path.pathsep!r}.",
)
@click.option(
    "--cert",
    type=_CertFile(exists=True, dir_okay=False),
    is_eager=True,
    help="Serve HTTPS (with gunicorn) using this PEM certificate file; needs --key.",
)
@click.option(
    "--key",
    type=click.Path(exists=True, dir_okay=False),
    callback=_validate_key,
    help="The PEM private key file of --cert.",
)
@click.pass_obj
def run_command(
    info: ScriptInfo,
    host: str,
    port: int,
    debug: bool | None,
    reload: bool | None,
    threads: int,
    force_debug: bool,
    extra_files: str | None,
    cert: str | None,
    key: str | None,
) -> None:
    """Serve the app with a multi-threaded server (waitress), restarting on changes in debug.

    With --cert and --key it serves HTTPS with gunicorn (one worker process, --threads threads);
    in production, terminate TLS at a reverse proxy or in gunicorn itself.

    Debug mode shows tracebacks in the browser, so it is refused on any address but localhost
    unless --force-debug is given. Without debug mode, a weak SECRET_KEY logs a warning.
    """
    from ..serving import runner as serving

    if debug is not None:
        os.environ["HIPFLASK_DEBUG"] = "1" if debug else "0"
    try:
        app = info.load_app()
    except Exception as exc:
        if not serving.is_running_from_reloader():
            raise
        # NOTE: a reloaded child keeps serving (an error page) so the next edit can fix it.
        traceback.print_exc()
        error_app = serving.load_error_app(exc, get_debug_flag())
        serving.serve_wsgi(error_app, host, port, threads, cert=cert, key=key)
        return
    files = [f for f in (extra_files or "").split(os.path.pathsep) if f]
    try:
        serving.check_startup(app, host, app.debug, force_debug, cert=cert, key=key)
        serving.serve(
            app,
            host,
            port,
            use_reloader=app.debug if reload is None else reload,
            threads=threads,
            extra_files=files,
            cert=cert,
            key=key,
        )
    except serving.StartupError as exc:
        raise click.ClickException(str(exc)) from None


@click.command("routes", short_help="Show the routes of the app.")
@click.option(
    "--sort",
    "-s",
    type=click.Choice(("endpoint", "methods", "domain", "rule", "match")),
    default="endpoint",
    show_default=True,
    help="Sort by this column; 'match' is the order in which rules are tried.",
)
@click.option("--all-methods", is_flag=True, help="Show HEAD and OPTIONS too.")
@with_appcontext
def routes_command(sort: str, all_methods: bool) -> None:
    """Print a table of the app's routes: endpoint, methods and rule."""
    rules = list(current_app.url_map.iter_rules())
    if not rules:
        click.echo("No routes were registered.")
        return
    ignored = set() if all_methods else {"HEAD", "OPTIONS"}
    has_domain = any(rule.subdomain for rule in rules)
    headers = ["Endpoint", "Methods", *(["Subdomain"] * has_domain), "Rule"]
    columns = ["endpoint", "methods", *(["domain"] * has_domain), "rule"]
    if sort == "match":
        rules.sort(key=_match_order)
    rows = [
        [
            rule.endpoint or "",
            ", ".join(sorted(set(rule.methods or ()) - ignored)),
            *([rule.subdomain or ""] * has_domain),
            rule.rule,
        ]
        for rule in rules
    ]
    if sort in columns:
        index = columns.index(sort)
        rows.sort(key=lambda row: row[index])
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]
    template = "  ".join(f"{{{i}:<{width}}}" for i, width in enumerate(widths))
    for row in [headers, ["-" * width for width in widths], *rows]:
        click.echo(template.format(*row).rstrip())


def _match_order(rule: Any) -> tuple[int, Any]:
    # NOTE: the router tries static rules first (one dict lookup), then the rules with
    # variables in their priority order, which routing keeps as the rule's _sort_key.
    if not rule.arguments:
        return (0, ())
    return (1, rule._sort_key)


@click.command("shell", short_help="Run a Python shell in the app context.")
@with_appcontext
def shell_command() -> None:
    """Run an interactive Python shell with ``app``, ``g`` and the shell context in scope.

    ``@app.shell_context_processor`` functions add names; ``PYTHONSTARTUP`` runs first.
    """
    import code

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    banner = (
        f"Python {sys.version} on {sys.platform}\nApp: {app.name}\nInstance: {app.instance_path}"
    )
    namespace: dict[str, Any] = {}
    startup = os.environ.get("PYTHONSTARTUP")
    if startup and os.path.isfile(startup):
        with open(startup, encoding="utf-8") as file:
            exec(compile(file.read(), startup, "exec"), namespace)
    namespace.update(app.make_shell_context())
    hook = getattr(sys, "__interactivehook__", None)
    if hook is not None and sys.stdin.isatty():
        try:
            import readline
            from rlcompleter import Completer
        except ImportError:
            pass
        else:
            readline.set_completer(Completer(namespace).complete)
        hook()
    code.interact(banner=banner, local=namespace)


# -- entry points ---------------------------------------------------------------------------------


cli = HipflaskGroup(
    name="hipflask",
    help="""Manage a hipflask app.

    Give the app with --app or HIPFLASK_APP; without either, 'wsgi.py' or 'app.py' in the
    current folder is used. '.env' and '.hipflaskenv' files are loaded when present.
    """,
)


def main() -> None:
    """Run the ``hipflask`` command line."""
    cli.main()
