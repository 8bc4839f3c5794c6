"""The import map from Flask, Werkzeug and Flask's extensions to hipflask, and its resolution.

The map is data: :data:`MODULES` says where a module's names now live, :data:`RENAMES` the few
names spelled differently. Whether a name really exists is asked of the installed hipflask
(:class:`Resolver`), so the port never writes an import that fails, and an extension's import
ports as soon as its battery ships.
"""

from __future__ import annotations

import importlib
import importlib.util
from functools import cache

__all__ = ["KNOWN_ROOTS", "MODULES", "RENAMES", "Resolver"]

_FLASK_MODULES = (
    "globals",
    "helpers",
    "json",
    "json.provider",
    "json.tag",
    "logging",
    "sessions",
    "signals",
    "templating",
    "testing",
    "views",
    "wrappers",
    "typing",
    "cli",
    "ctx",
    "config",
    "blueprints",
)
_WERKZEUG_MODULES = (
    "exceptions",
    "datastructures",
    "utils",
    "http",
    "routing",
    "test",
    "wrappers",
    "middleware.proxy_fix",
    "security",
)

#: Old module -> the hipflask modules that hold its names, searched in order per name.
MODULES: dict[str, tuple[str, ...]] = {
    "flask": ("hipflask",),
    **{f"flask.{name}": (f"hipflask.{name}",) for name in _FLASK_MODULES},
    **{f"werkzeug.{name}": (f"hipflask.{name}",) for name in _WERKZEUG_MODULES},
    # Flask-WTF: forms and file fields in hipflask.forms, CSRF protection in hipflask.csrf.
    "flask_wtf": ("hipflask.forms", "hipflask.csrf"),
    "flask_wtf.form": ("hipflask.forms",),
    "flask_wtf.file": ("hipflask.forms",),
    "flask_wtf.recaptcha": ("hipflask.forms",),
    "flask_wtf.csrf": ("hipflask.csrf",),
    "flask_login": ("hipflask.auth",),
    "flask_login.mixins": ("hipflask.auth",),
    "flask_login.utils": ("hipflask.auth",),
    "flask_login.signals": ("hipflask.auth",),
    "flask_login.login_manager": ("hipflask.auth",),
    "flask_bcrypt": ("hipflask.security",),
    "flask_sqlalchemy": ("hipflask.db",),
    "flask_sqlalchemy.pagination": ("hipflask.db",),
    "flask_sqlalchemy.record_queries": ("hipflask.db",),
    "flask_sqlalchemy.track_modifications": ("hipflask.db",),
    "flask_migrate": ("hipflask.migrate",),
    "flask_limiter": ("hipflask.limiter",),
    "flask_limiter.util": ("hipflask.limiter.util",),
}

#: (old module, name) -> the hipflask spelling, tried when the old spelling does not exist.
RENAMES: dict[tuple[str, str], str] = {
    ("flask", "Flask"): "App",
    ("flask.cli", "FlaskGroup"): "HipflaskGroup",
}

#: Top-level packages whose unported names are reported: they would keep the app on Flask.
KNOWN_ROOTS = frozenset(module.partition(".")[0] for module in MODULES)


class Resolver:
    """Answer where an old module or name lives in the installed hipflask, or None."""

    def module(self, old: str) -> str | None:
        """Return the first hipflask module mapped from ``old`` that imports."""
        return next((new for new in MODULES.get(old, ()) if self.exists(new)), None)

    def name(self, old_module: str, name: str) -> tuple[str, str] | None:
        """Return ``(module, name)`` where ``old_module.name`` lives in hipflask.

        A mapped submodule counts as a name (``from werkzeug import security``).
        """
        submodule = self.module(f"{old_module}.{name}")
        if submodule is not None:
            parent, _, last = submodule.rpartition(".")
            return parent, last
        spellings = [name]
        if (old_module, name) in RENAMES:
            spellings.append(RENAMES[old_module, name])
        for new_module in MODULES.get(old_module, ()):
            for spelling in spellings:
                if self.has(new_module, spelling):
                    return new_module, spelling
        return None

    def missing(self, old_module: str) -> str:
        """Say why names of ``old_module`` do not port, for a warning."""
        targets = MODULES.get(old_module)
        if targets is None:
            return "no hipflask equivalent"
        if not any(self.exists(target) for target in targets):
            return f"no hipflask equivalent ({' or '.join(targets)} is not installed)"
        return f"no hipflask equivalent in {' or '.join(targets)}"

    def exists(self, module: str) -> bool:
        """Tell whether ``module`` imports."""
        return _imports(module)

    def has(self, module: str, name: str) -> bool:
        """Tell whether ``from module import name`` works (a submodule counts)."""
        if not self.exists(module):
            return False
        if hasattr(importlib.import_module(module), name):
            return True
        return _imports(f"{module}.{name}")


@cache
def _imports(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None and bool(
            importlib.import_module(module)
        )
    except ImportError:
        return False
