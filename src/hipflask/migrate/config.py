"""Alembic's config for hipflask apps: the one class here that subclasses an Alembic one.

Importing it imports Alembic, which logs its plugin set-up at INFO: the rest of
``hipflask.migrate`` imports it only when a migration command runs.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from alembic.config import Config as AlembicConfig

__all__ = ["TEMPLATES", "Config"]

TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")


class Config(AlembicConfig):
    """Alembic's config, finding ``hipflask db init`` templates in this package (or elsewhere)."""

    def __init__(self, *args: Any, template_directory: str | None = None, **kwargs: Any) -> None:
        self.template_directory = template_directory
        # NOTE: Alembic's default is the sys.stdout of import time; the current one lets a
        # test runner or contextlib.redirect_stdout capture what the commands print.
        kwargs.setdefault("stdout", sys.stdout)
        super().__init__(*args, **kwargs)

    def get_template_directory(self) -> str:
        """Return ``template_directory``, else the templates shipped with hipflask."""
        return self.template_directory or TEMPLATES
