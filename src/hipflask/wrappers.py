"""Flask's ``flask.wrappers`` and Werkzeug's ``werkzeug.wrappers``: Request and Response."""

from __future__ import annotations

from .request import Request
from .response import Response

__all__ = ["Request", "Response"]
