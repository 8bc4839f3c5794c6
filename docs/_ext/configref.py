"""A Sphinx directive that renders a ``*_CONFIG`` dict of the source as a settings table.

The table is read from the code (the dict literal, its values and the comments on each line),
so the documented settings and their defaults cannot drift from what the code reads::

    ```{config-table} hipflask/config.py DEFAULT_CONFIG
    ```
"""

from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

SRC = Path(__file__).resolve().parents[2] / "src"


def settings_of(path: Path, name: str) -> list[tuple[str, str, str]]:
    """Return ``(setting, default, meaning)`` for each key of the dict literal ``name``.

    The meaning is the comment on the key's line; a comment line of its own above a group of keys
    (a section heading in the source) is prefixed to the meaning of each key under it.
    """
    source = path.read_text(encoding="utf-8")
    comments: dict[int, str] = {}
    own_line: dict[int, str] = {}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            text = token.string.lstrip("#").strip()
            if token.line.strip().startswith("#"):
                own_line[token.start[0]] = text
            else:
                comments[token.start[0]] = text
    for node in ast.walk(ast.parse(source)):
        target = node.target if isinstance(node, ast.AnnAssign) else None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
        if isinstance(target, ast.Name) and target.id == name:
            value = node.value  # type: ignore[attr-defined]
            if isinstance(value, ast.Dict):
                return _rows(value, comments, own_line)
    raise ValueError(f"no dict literal {name} in {path}")


def _rows(
    value: ast.Dict, comments: dict[int, str], own_line: dict[int, str]
) -> list[tuple[str, str, str]]:
    rows = []
    section = ""
    for key, default in zip(value.keys, value.values, strict=True):
        if not isinstance(key, ast.Constant):
            continue
        line = key.lineno
        if own_line.get(line - 1):
            section = own_line[line - 1].rstrip(":")
        meaning = comments.get(default.end_lineno or line, "")
        if section and not meaning:
            meaning = section
        rows.append((str(key.value), ast.unparse(default), meaning))
    return rows


def _escape(text: str) -> str:
    """Return ``text`` as literal reST: a source comment is plain text, not markup."""
    for char in "\\*_`|":
        text = text.replace(char, "\\" + char)
    return text or " "


class ConfigTable(SphinxDirective):
    """``config-table PATH NAME``: the settings table of dict ``NAME`` in ``src/PATH``."""

    required_arguments = 2

    def run(self) -> list[Any]:
        path = SRC / self.arguments[0]
        self.env.note_dependency(str(path))
        lines = [".. list-table::", "   :header-rows: 1", "   :widths: 30 25 45", ""]
        lines += ["   * - Setting", "     - Default", "     - Meaning"]
        for setting, default, meaning in settings_of(path, self.arguments[1]):
            lines += [
                f"   * - ``{setting}``",
                f"     - ``{default}``",
                f"     - {_escape(meaning)}",
            ]
        container = nodes.container()
        self.state.nested_parse(StringList(lines), self.content_offset, container)
        return container.children


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("config-table", ConfigTable)
    return {"parallel_read_safe": True, "version": "1"}
