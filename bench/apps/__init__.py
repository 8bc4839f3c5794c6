"""The benchmark app, written once per framework in that framework's own idiom.

Each ``<framework>_app`` module exposes ``create_app(static_dir)``, returning a WSGI callable
that serves the routes the scenarios request, and ``UNAVAILABLE``, mapping a scenario the
framework has no feature for to the reason (Falcon has no session, for one).
"""

from __future__ import annotations

import importlib
from types import ModuleType

FRAMEWORKS = ("hipflask", "flask", "bottle", "falcon", "bare")


def load(framework: str) -> ModuleType:
    """Import the app module for ``framework``; raises ``ImportError`` if it is not installed."""
    return importlib.import_module(f"bench.apps.{framework}_app")
