"""The reloader of ``hipflask run``: a parent that watches the code and restarts a child.

The parent binds the listening socket and runs the app in a child process that inherits it
(``HIPFLASK_SERVER_FD``); on a change it replaces the child, so connections made during a restart
wait in the socket's backlog instead of being refused.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .runner import RELOADER_ENV, SERVER_FD_ENV, _bind

if TYPE_CHECKING:
    from ..app import App

# NOTE: hipflask's own folder, which the reloader never watches.
_PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_reloader(app: App, host: str, port: int, extra_files: Sequence[str]) -> None:
    import watchfiles

    sock = _bind(host, port)
    sock.set_inheritable(True)
    paths, watch_filter = _watch_spec(app, extra_files)
    env = {**os.environ, RELOADER_ENV: "true", SERVER_FD_ENV: str(sock.fileno())}
    # NOTE: sys.orig_argv re-runs exactly what was started: the hipflask script, python -m
    # hipflask, or a script calling app.run().
    argv = [sys.executable, *sys.orig_argv[1:]]
    _raise_on_sigterm()
    print(f" * Restarting on changes (watchfiles) in {', '.join(paths)}", file=sys.stderr)
    child = subprocess.Popen(argv, env=env, pass_fds=(sock.fileno(),))
    try:
        for changes in watchfiles.watch(*paths, watch_filter=watch_filter, debounce=400):
            changed = sorted(path for _, path in changes)
            print(f" * Detected a change in {changed[0]!r}, reloading", file=sys.stderr)
            _stop(child)
            child = subprocess.Popen(argv, env=env, pass_fds=(sock.fileno(),))
    except KeyboardInterrupt:
        pass
    finally:
        _stop(child)
        sock.close()


def _raise_on_sigterm() -> None:
    """Turn SIGTERM into KeyboardInterrupt in the parent, so its child is stopped too."""

    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, handler)


def _stop(child: subprocess.Popen[bytes]) -> None:
    if child.poll() is None:
        child.terminate()
        try:
            child.wait(5)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def exit_with_parent() -> None:
    """Exit the reloader's child when its parent dies (even by SIGKILL), freeing the port."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, name="hipflask-parent-watch", daemon=True).start()


def _watch_spec(app: App, extra_files: Sequence[str]) -> tuple[list[str], Any]:
    """Return the folders to watch and a filter accepting ``.py`` files, template files and
    the extra files."""
    import watchfiles

    templates = _template_folders(app)
    extra = {os.path.abspath(path) for path in extra_files}
    folders = {app.root_path, *templates, *_user_module_folders()}
    folders |= {os.path.dirname(path) for path in extra}
    prefixes = tuple(os.path.join(folder, "") for folder in templates)

    class ReloadFilter(watchfiles.DefaultFilter):
        def __call__(self, change: Any, path: str) -> bool:
            if not super().__call__(change, path):
                return False
            return path.endswith(".py") or path in extra or path.startswith(prefixes)

    return _outermost(folders), ReloadFilter()


def _template_folders(app: App) -> set[str]:
    folders = set()
    for scaffold in (app, *app.iter_blueprints()):
        if scaffold.template_folder:
            folder = os.path.join(scaffold.root_path, scaffold.template_folder)
            if os.path.isdir(folder):
                folders.add(os.path.abspath(folder))
    return folders


def _user_module_folders() -> set[str]:
    """Return the folders of imported modules outside the interpreter, venv and hipflask."""
    excluded = tuple(
        os.path.join(os.path.abspath(prefix), "")
        for prefix in {sys.prefix, sys.base_prefix, sys.exec_prefix, _PACKAGE_ROOT}
    )
    folders = set()
    for module in list(sys.modules.values()):
        filename = getattr(module, "__file__", None)
        if not filename:
            continue
        filename = os.path.abspath(filename)
        if not filename.startswith(excluded) and os.path.isfile(filename):
            folders.add(os.path.dirname(filename))
    return folders


def _outermost(folders: set[str]) -> list[str]:
    """Drop the folders nested in another one (watching is recursive)."""
    ordered = sorted(folders)
    kept: list[str] = []
    for folder in ordered:
        if not any(folder.startswith(os.path.join(outer, "")) for outer in kept):
            kept.append(folder)
    return kept
