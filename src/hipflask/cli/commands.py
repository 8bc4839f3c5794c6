"""The ``hipflask`` command: its options, its group and the console script's entry point.

``hipflask --app TARGET COMMAND`` (or ``HIPFLASK_APP=TARGET``) loads the app, then runs a
built-in command or one the app registered with ``@app.cli.command()``. TARGET is a module
(``hello``, ``pkg.web``), ``module:name``, ``module:factory()``, ``module:factory("arg", x=1)``
or a file path (``src/hello.py``); :mod:`hipflask.cli.discovery` finds it. See ``docs/cli.md``.
:mod:`hipflask.cli.appgroup` holds ``ScriptInfo``, ``with_appcontext`` and ``AppGroup``, and
:mod:`hipflask.cli.builtin` the ``run``, ``routes`` and ``shell`` commands.
"""

from __future__ import annotations

import os
import platform
import traceback
from collections.abc import Callable
from typing import Any

import click
from click.core import ParameterSource

from ..app import App
from ..ctx import current_app, has_app_context
from ..porting import port_command
from .appgroup import AppGroup, ScriptInfo, with_appcontext
from .builtin import routes_command, run_command, shell_command
from .discovery import NoAppException, load_dotenv

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
