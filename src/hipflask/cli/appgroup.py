"""The app side of the command line: :class:`ScriptInfo` finds and loads the app, and
:func:`with_appcontext` and :class:`AppGroup` run commands inside its context.

``app.cli`` is an :class:`AppGroup`; the ``hipflask`` command itself is in
:mod:`hipflask.cli.commands`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from functools import update_wrapper
from typing import Any, TypeVar, cast, overload

import click

from ..app import App
from ..ctx import has_app_context
from .discovery import NoAppException, get_debug_flag, get_load_dotenv, locate_app, prepare_import

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
