"""The ``hipflask`` command: the click group, its commands and app discovery.

``hipflask.cli`` is where ``flask.cli`` ports to; ``hipflask.cli:main`` is the console script.
"""

from __future__ import annotations

from .commands import (
    AppGroup,
    HipflaskGroup,
    ScriptInfo,
    cli,
    get_version,
    main,
    routes_command,
    run_command,
    shell_command,
    with_appcontext,
)
from .discovery import (
    NoAppException,
    find_best_app,
    get_debug_flag,
    get_load_dotenv,
    load_dotenv,
    locate_app,
    prepare_import,
)

__all__ = [
    "AppGroup",
    "HipflaskGroup",
    "NoAppException",
    "ScriptInfo",
    "cli",
    "find_best_app",
    "get_debug_flag",
    "get_load_dotenv",
    "get_version",
    "load_dotenv",
    "locate_app",
    "main",
    "prepare_import",
    "routes_command",
    "run_command",
    "shell_command",
    "with_appcontext",
]
