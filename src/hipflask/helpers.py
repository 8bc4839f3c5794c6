"""Flask's ``flask.helpers``: the helper functions, re-exported from where they live."""

from __future__ import annotations

from .cli.discovery import get_debug_flag, get_load_dotenv
from .ctx import stream_with_context
from .exceptions import abort
from .files import send_file, send_from_directory
from .messages import flash, get_flashed_messages
from .response import make_response, redirect
from .routing.urls import url_for
from .scaffold import get_root_path

__all__ = [
    "abort",
    "flash",
    "get_debug_flag",
    "get_flashed_messages",
    "get_load_dotenv",
    "get_root_path",
    "make_response",
    "redirect",
    "send_file",
    "send_from_directory",
    "stream_with_context",
    "url_for",
]
