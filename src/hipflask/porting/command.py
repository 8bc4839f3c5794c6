"""``hipflask port PATH``: find a project's Python files, port each one, report what changed."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from .rewriter import PortResult

__all__ = ["FilePort", "port_command", "port_paths"]

#: Folders never walked into: virtual environments, caches, installed packages.
_SKIPPED_DIRS = frozenset({"__pycache__", "node_modules", "site-packages", "venv", "env"})


@dataclass
class FilePort:
    """One file's port: its result, or the error that stopped it."""

    path: Path
    result: PortResult | None = None
    error: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.result is not None and self.result.changed

    def diff(self) -> str:
        """Return the unified diff of the port ('' when nothing changed)."""
        if self.result is None:
            return ""
        lines = difflib.unified_diff(
            self.result.original.splitlines(keepends=True),
            self.result.code.splitlines(keepends=True),
            f"a/{self.path}",
            f"b/{self.path}",
        )
        return "".join(lines)


def iter_sources(paths: Iterable[Path]) -> Iterator[Path]:
    """Yield the ``.py`` files under ``paths`` in a stable order (files given are always kept)."""
    for path in paths:
        if path.is_file():
            yield path
            continue
        for file in sorted(path.rglob("*.py")):
            relative = file.relative_to(path).parts[:-1]
            if not any(part in _SKIPPED_DIRS or part.startswith(".") for part in relative):
                yield file


def port_paths(paths: Iterable[Path], *, write: bool) -> list[FilePort]:
    """Port every Python file under ``paths``, writing the changed ones back when ``write``."""
    from .rewriter import PortError, port_source

    ports = []
    for file in iter_sources(paths):
        port = FilePort(file)
        try:
            port.result = port_source(file.read_bytes(), str(file))
        except PortError as exc:
            port.error = str(exc)
        else:
            port.warnings = [str(warning) for warning in port.result.warnings]
            if write and port.result.changed:
                file.write_bytes(port.result.code.encode(port.result.encoding))
        ports.append(port)
    return ports


@click.command("port")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Print the diff of each file; write nothing.")
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing; exit with 1 when a file would change or does not parse.",
)
def port_command(paths: tuple[Path, ...], dry_run: bool, check: bool) -> None:
    """Rewrite the Flask imports of the Python files under PATHS to hipflask's.

    Comments and formatting are kept; names spelled differently are imported under their old
    name (``from hipflask import App as Flask``); names without a hipflask equivalent are left
    as they are and reported as warnings.
    """
    write = not (dry_run or check)
    ports = port_paths(paths, write=write)
    for port in ports:
        if dry_run:
            click.echo(port.diff(), nl=False)
        if port.changed:
            click.echo(f"{'rewrote' if write else 'would rewrite'} {port.path}")
        for warning in port.warnings:
            click.echo(f"warning: {warning}", err=True)
        if port.error is not None:
            click.echo(f"error: {port.error}", err=True)
    changed = sum(port.changed for port in ports)
    errors = sum(port.error is not None for port in ports)
    warnings = sum(len(port.warnings) for port in ports)
    verb = "rewritten" if write else "would be rewritten"
    click.echo(
        f"{changed} of {len(ports)} files {verb}, {warnings} warnings, {errors} unparsable",
        err=True,
    )
    if check and (changed or errors):
        raise SystemExit(1)
