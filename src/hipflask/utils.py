"""Werkzeug's ``werkzeug.utils``: redirects, sending files, safe file names."""

from __future__ import annotations

from .files import send_file, send_from_directory
from .paths import safe_join, secure_filename
from .response import redirect

__all__ = ["redirect", "safe_join", "secure_filename", "send_file", "send_from_directory"]
