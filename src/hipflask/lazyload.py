"""Module globals that load on first use: regular expressions and standard-library modules.

``import hipflask`` would otherwise load ``re`` (with ``enum``) and ``json`` and compile twenty
patterns that many apps never use. A module writes::

    _ETAG = lazy_compile(r'\\s*([Ww]/)?...')   # flags inline: (?i) (?s) (?x) (?a)
    _json = lazy_import("json")

and uses the names as it would use ``re.compile(...)`` and ``import json as _json``. The first
attribute read (``_ETAG.match``, ``_json.loads``) compiles the pattern or imports the module
and puts the real object in the module's globals in place of the stand-in, so every later use
is an ordinary global lookup: nothing is added to the request path.

# PERF: ``re``, ``enum``, ``json`` and the patterns cost 29 million instructions (~7 ms) of
# ``import hipflask``; a request that needs one pays for it once.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    import re
    from types import ModuleType
    from typing import Any, overload

__all__ = ["lazy_compile", "lazy_import"]


class _StandIn:
    """Stand in for a global of the module that created it, until its first attribute read."""

    __slots__ = ("_loaded", "_namespace", "_source")

    def __init__(self, source: str | bytes, namespace: dict[str, Any]) -> None:
        self._source = source
        self._namespace = namespace
        self._loaded: Any = None

    def _load(self) -> Any:
        raise NotImplementedError

    def __getattr__(self, name: str) -> Any:
        loaded = self._loaded
        if loaded is None:
            loaded = self._loaded = self._load()
            # NOTE: every global bound to this stand-in now holds the real object.
            for key, value in list(self._namespace.items()):
                if value is self:
                    self._namespace[key] = loaded
        return getattr(loaded, name)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._source!r}>"


class _Pattern(_StandIn):
    __slots__ = ()

    def _load(self) -> Any:
        import re

        return re.compile(self._source)


class _Module(_StandIn):
    __slots__ = ()

    def _load(self) -> Any:
        import importlib

        return importlib.import_module(str(self._source))


if TYPE_CHECKING:

    @overload
    def lazy_compile(source: str) -> re.Pattern[str]: ...
    @overload
    def lazy_compile(source: bytes) -> re.Pattern[bytes]: ...


def lazy_compile(source: str | bytes) -> Any:
    """Return a stand-in for ``re.compile(source)``, to assign to a module global."""
    return _Pattern(source, sys._getframe(1).f_globals)


def lazy_import(name: str) -> ModuleType:
    """Return a stand-in for the module ``name``, to assign to a module global."""
    module: Any = _Module(name, sys._getframe(1).f_globals)
    return module  # type: ignore[no-any-return]
