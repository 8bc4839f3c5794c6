"""Run the ``hipflask`` command line: ``python -m hipflask``."""

from __future__ import annotations

from .cli.commands import main

main()
