"""Find the app a command line names: ``module``, ``module:name``, ``module:factory(args)``
or ``path/app.py``, and load the dotenv files.

The rules are Flask's: ``app`` or ``application``, then the only App in the module, then the
factories ``create_app()`` and ``make_app()``. Every failure says what was tried, in one line.
"""

from __future__ import annotations

import ast
import inspect
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

import click

from ..app import App

__all__ = [
    "NoAppException",
    "find_best_app",
    "get_debug_flag",
    "get_load_dotenv",
    "load_dotenv",
    "locate_app",
    "prepare_import",
]

_TRUE = frozenset(("1", "true", "yes", "on"))
_APP_NAMES = ("app", "application")
_FACTORY_NAMES = ("create_app", "make_app")
_DOTENV_FILES = (".hipflaskenv", ".env")


class NoAppException(click.ClickException):
    """The app could not be found or loaded; the message says what was tried."""


def get_debug_flag() -> bool:
    """Tell whether ``HIPFLASK_DEBUG`` asks for debug mode."""
    return os.environ.get("HIPFLASK_DEBUG", "").lower() in _TRUE


def prepare_import(path: str) -> str:
    """Turn a module name or file path into an importable module name.

    The folder holding the module's top-level package goes first on ``sys.path``, so
    ``src/pkg/web.py`` (with ``src/pkg/__init__.py``) becomes ``pkg.web``. A file path (one
    ending in ``.py`` or holding a folder separator) that does not exist raises
    :class:`NoAppException`.
    """
    if _is_file_path(path) and not os.path.exists(path):
        # NOTE: importing the module name would say "Could not import 'app'", or worse, find
        # another 'app' module on sys.path (./app.py for --app nodir/app.py) and serve that.
        raise NoAppException(
            f"Could not import {path!r}: file not found ({os.path.abspath(path)!r})."
        )
    path = os.path.realpath(path)
    base, ext = os.path.splitext(path)
    if ext == ".py":
        path = base
    if os.path.basename(path) == "__init__":
        path = os.path.dirname(path)
    parts = []
    while True:
        path, name = os.path.split(path)
        parts.append(name)
        if not os.path.exists(os.path.join(path, "__init__.py")):
            break
    if sys.path[0] != path:
        sys.path.insert(0, path)
    return ".".join(reversed(parts))


def _is_file_path(target: str) -> bool:
    """Tell a file path (``app.py``, ``src/web``) from a module name (``pkg.web``)."""
    separators = (os.sep, os.altsep) if os.altsep else (os.sep,)
    return target.endswith(".py") or any(sep in target for sep in separators)


def locate_app(module_name: str, app_name: str | None, raise_if_not_found: bool = True) -> Any:
    """Import ``module_name`` and return its app (found by ``app_name`` or by discovery).

    An ``ImportError`` raised inside the module is reported with its traceback; a module that
    does not exist returns None when ``raise_if_not_found`` is False.
    """
    try:
        __import__(module_name)
    except ImportError as exc:
        if not _is_missing(exc, module_name):
            raise NoAppException(
                f"While importing {module_name!r}, an ImportError was raised:\n\n"
                f"{traceback.format_exc()}"
            ) from None
        if not raise_if_not_found:
            return None
        raise NoAppException(
            f"Could not import {module_name!r}: no such module or file (looked on sys.path, "
            f"starting with {sys.path[0]!r})."
        ) from None
    module = sys.modules[module_name]
    if app_name is None:
        return find_best_app(module)
    return _find_app_by_string(module, app_name)


def _is_missing(exc: ImportError, module_name: str) -> bool:
    """Tell "the target module does not exist" from an import failing inside the target."""
    missing = getattr(exc, "name", None)
    if not isinstance(exc, ModuleNotFoundError) or missing is None:
        return False
    return module_name == missing or module_name.startswith(missing + ".")


def find_best_app(module: ModuleType) -> App:
    """Return the app of ``module``: ``app``, ``application``, the only App, or a factory.

    The factories tried are ``create_app()`` and ``make_app()``, called without arguments.
    """
    for attr_name in _APP_NAMES:
        app = getattr(module, attr_name, None)
        if isinstance(app, App):
            return app
    matches = [value for value in module.__dict__.values() if isinstance(value, App)]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise NoAppException(
            f"Found several apps in module {module.__name__!r}; use "
            f"'{module.__name__}:name' to choose one."
        )
    for attr_name in _FACTORY_NAMES:
        factory = getattr(module, attr_name, None)
        if inspect.isfunction(factory):
            app = _call_factory(factory, module, attr_name, (), {})
            if isinstance(app, App):
                return app
    raise NoAppException(
        f"Could not find an app in module {module.__name__!r}: tried the attributes 'app' and "
        "'application', a single App instance, and the factories 'create_app()' and "
        f"'make_app()'. Use '{module.__name__}:name' or '{module.__name__}:factory()'."
    )


def _find_app_by_string(module: ModuleType, app_name: str) -> App:
    name, args, kwargs = _parse_app_name(app_name)
    try:
        attr = getattr(module, name)
    except AttributeError:
        raise NoAppException(
            f"Could not find {name!r} in module {module.__name__!r} "
            f"(from '{module.__name__}:{app_name}')."
        ) from None
    app = _call_factory(attr, module, app_name, args, kwargs) if inspect.isfunction(attr) else attr
    if isinstance(app, App):
        return app
    raise NoAppException(
        f"'{module.__name__}:{app_name}' gave {type(app).__name__!r}, not a hipflask App."
    )


def _parse_app_name(app_name: str) -> tuple[str, list[Any], dict[str, Any]]:
    """Split ``name`` or ``factory(literal args)`` into the name and the call's arguments."""
    try:
        expr = ast.parse(app_name.strip(), mode="eval").body
    except SyntaxError:
        raise NoAppException(f"Could not parse {app_name!r} as a name or a factory call.") from None
    if isinstance(expr, ast.Name):
        return expr.id, [], {}
    if not isinstance(expr, ast.Call) or not isinstance(expr.func, ast.Name):
        raise NoAppException(f"Could not parse {app_name!r} as a name or a factory call.")
    try:
        args = [ast.literal_eval(arg) for arg in expr.args]
        kwargs = {kw.arg: ast.literal_eval(kw.value) for kw in expr.keywords if kw.arg}
    except ValueError:
        raise NoAppException(
            f"The arguments of {app_name!r} must be Python literals (strings, numbers, ...)."
        ) from None
    return expr.func.id, args, kwargs


def _call_factory(
    factory: Callable[..., Any],
    module: ModuleType,
    label: str,
    args: Sequence[Any],
    kwargs: dict[str, Any],
) -> Any:
    try:
        return factory(*args, **kwargs)
    except TypeError as exc:
        if not _called_with_wrong_args(factory, exc):
            raise
        raise NoAppException(
            f"Could not call the factory {label!r} in module {module.__name__!r} with those "
            f"arguments ({exc}); use '{module.__name__}:{factory.__name__}(args)'."
        ) from None


def _called_with_wrong_args(factory: Callable[..., Any], exc: TypeError) -> bool:
    """Tell a ``TypeError`` from the call itself from one raised inside the factory."""
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code is getattr(factory, "__code__", None):
            return False
        tb = tb.tb_next
    return True


# -- dotenv --------------------------------------------------------------------------------------


def get_load_dotenv(default: bool = True) -> bool:
    """Tell whether to load the default dotenv files (``HIPFLASK_SKIP_DOTENV=1`` says no)."""
    value = os.environ.get("HIPFLASK_SKIP_DOTENV")
    if not value:
        return default
    return value.lower() not in _TRUE


def load_dotenv(path: str | os.PathLike[str] | None = None, load_defaults: bool = True) -> bool:
    """Load environment variables from ``path``, ``.env`` and ``.hipflaskenv`` (python-dotenv).

    Precedence: variables already set, then ``path``, then ``.env``, then ``.hipflaskenv``
    (the files are searched from the current folder upwards). Return True if any was read.
    """
    import dotenv

    data: dict[str, str | None] = {}
    if load_defaults:
        for name in _DOTENV_FILES:
            found = dotenv.find_dotenv(name, usecwd=True)
            if found:
                data |= dotenv.dotenv_values(found, encoding="utf-8")
    if path is not None and os.path.isfile(path):
        data |= dotenv.dotenv_values(path, encoding="utf-8")
    for key, value in data.items():
        if key not in os.environ and value is not None:
            os.environ[key] = value
    return bool(data)
