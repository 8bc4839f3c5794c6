"""Werkzeug's ``werkzeug.utils``: redirects, sending files, safe file names."""

from __future__ import annotations

from .files import safe_join, secure_filename, send_file, send_from_directory
from .response import redirect

__all__ = ["redirect", "safe_join", "secure_filename", "send_file", "send_from_directory"]
