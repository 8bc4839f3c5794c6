"""What the command-line tests share: writing files, running the `hipflask` command (`isolated`,
the empty folder and environment they run in, is in conftest.py)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from click.testing import CliRunner, Result

from hipflask.cli import cli

KEY = "k" * 32


def write(path: Path, source: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source))
    return path


def invoke(*args: str, **kwargs: object) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False, **kwargs)  # type: ignore[arg-type]
