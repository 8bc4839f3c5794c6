"""``hipflask port``: rewrite a Flask project's imports to hipflask's (see ``docs/porting.md``).

libcst, which the rewrite needs, loads only when a port runs.
"""

from __future__ import annotations

from .command import port_command, port_paths

__all__ = ["port_command", "port_paths"]
