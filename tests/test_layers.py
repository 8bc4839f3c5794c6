"""The layers of docs/design.md hold: every module imports only from its own layer or below.

The imports are read from the source (AST), so lazy imports inside functions count too; only
imports under ``if TYPE_CHECKING:`` are exempt, and the one seam where the app reaches the layers
above it, :mod:`hipflask.wiring`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import hipflask

PACKAGE = Path(hipflask.__file__).parent

#: Each module (or package) by layer; a module is classified by its longest listed prefix.
LAYERS: dict[str, int] = {
    # 0: HTTP grammar and containers.
    "_version": 0,
    "accept": 0,
    "authorization": 0,
    "cookies": 0,
    "datastructures": 0,
    "dates": 0,
    "etags": 0,
    "exceptions": 0,
    "filestorage": 0,
    "headers": 0,
    "hosts": 0,
    "http": 0,
    "lazyload": 0,
    "multidict": 0,
    # 1: request, response and what they are made of; contexts; JSON.
    "body": 1,
    "ctx": 1,
    "files": 1,
    "formparser": 1,
    "json": 1,
    "lazy": 1,
    "paths": 1,
    "request": 1,
    "response": 1,
    "status": 1,
    "urlencoded": 1,
    "useragent": 1,
    "wsgi": 1,
    # 2: the app.
    "app": 2,
    "blueprints": 2,
    "config": 2,
    "errorhandling": 2,
    "logging": 2,
    "logs": 2,
    "registration": 2,
    "routing": 2,
    "scaffold": 2,
    "secret_key": 2,
    "services": 2,
    "signals": 2,
    "teardown": 2,
    "views": 2,
    # 3: services built on the app.
    "cli": 3,
    "deferred": 3,
    "gunicorn_conf": 3,
    "messages": 3,
    "middleware": 3,
    "porting": 3,
    "serving": 3,
    "sessions": 3,
    "templating": 3,
    "testing": 3,
    # 4: batteries, built on the public API only.
    "auth": 4,
    "bcrypt": 4,
    "csrf": 4,
    "db": 4,
    "forms": 4,
    "health": 4,
    "limiter": 4,
    "migrate": 4,
    "passwords": 4,
    "secure_headers": 4,
    "security": 4,
    "tasks": 4,
    # The package root re-exports layers 0-2 (and 3 on first use): batteries and the names
    # below may import it (``from hipflask import current_app``), services and the core not.
    "__init__": 4,
    # 5: the package's face: re-exports under Flask's and Werkzeug's module names, and the
    # wiring of config switches and services into the app.
    "__main__": 5,
    "globals": 5,
    "helpers": 5,
    "test": 5,
    "typing": 5,
    "utils": 5,
    "wiring": 5,
    "wrappers": 5,
}

#: The only imports allowed to go up: the app and blueprints reach the services and batteries
#: they hand out (``app.test_client()``, ``app.cli``, config switches, ...) through the wiring;
#: ``services`` holds the app's methods that do (bound in ``App``'s class body).
SEAMS = {("app", "wiring"), ("blueprints", "wiring"), ("services", "wiring")}

LAYER_NAMES = ["grammar", "wrappers", "app", "services", "batteries", "names"]


def module_names() -> Iterator[str]:
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if parts[-1] == "__init__" and len(parts) > 1:
            parts = parts[:-1]
        yield ".".join(parts)


def source_of(name: str) -> Path:
    path = PACKAGE.joinpath(*name.split("."))
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def layer_of(name: str) -> int:
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        layer = LAYERS.get(".".join(parts[:end]))
        if layer is not None:
            return layer
    raise AssertionError(f"hipflask.{name} is in no layer: add it to LAYERS and docs/design.md")


def is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Yield every import statement, at any depth, outside ``if TYPE_CHECKING:`` blocks."""
    for child in ast.iter_child_nodes(tree):
        if isinstance(child, ast.If) and is_type_checking(child):
            for other in child.orelse:
                yield from imports(ast.Module(body=[other], type_ignores=[]))
            continue
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child
        yield from imports(child)


def targets(name: str, node: ast.Import | ast.ImportFrom) -> Iterator[str]:
    """Yield the hipflask modules (relative to the package) an import statement loads."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.name.startswith("hipflask."):
                yield alias.name.removeprefix("hipflask.")
        return
    if node.level == 0:
        if node.module is None or not node.module.startswith("hipflask"):
            return
        base = node.module.split(".")[1:]
    else:
        here = name.split(".")
        package = here if source_of(name).name == "__init__.py" else here[:-1]
        if name == "__init__":
            package = []
        base = package[: len(package) - (node.level - 1)]
        base += node.module.split(".") if node.module else []
    for alias in node.names:
        candidate = [*base, alias.name]
        if source_of(".".join(candidate)).exists():
            yield ".".join(candidate)
        elif base:
            yield ".".join(base)
        else:
            yield "__init__"


def upward_imports(name: str) -> Iterator[str]:
    tree = ast.parse(source_of(name).read_text(encoding="utf-8"))
    own = layer_of(name)
    for node in imports(tree):
        for target in targets(name, node):
            head = (name.split(".")[0], target.split(".")[0])
            if layer_of(target) > own and head not in SEAMS:
                yield (
                    f"line {node.lineno}: hipflask.{name} ({LAYER_NAMES[own]}) imports "
                    f"hipflask.{target} ({LAYER_NAMES[layer_of(target)]})"
                )


@pytest.mark.parametrize("name", list(module_names()))
def test_module_imports_only_downward(name: str) -> None:
    assert list(upward_imports(name)) == []


def test_every_module_is_in_a_layer() -> None:
    for name in module_names():
        assert 0 <= layer_of(name) <= 5


def test_the_check_sees_lazy_imports_and_skips_type_checking_ones() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from .app import App\n"
        "def f():\n    from .templating import render_template\n"
    )
    found = [t for node in imports(ast.parse(source)) for t in targets("response", node)]
    assert found == ["templating"]
    assert layer_of("templating") > layer_of("response")


def defined_names(tree: ast.AST) -> set[str]:
    """Return the names a module defines itself: functions, classes, variables, attributes."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Name | ast.arg) and isinstance(
            getattr(node, "ctx", ast.Store()), ast.Store
        ):
            names.add(node.id if isinstance(node, ast.Name) else node.arg)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
    return names


def core_private_names() -> set[str]:
    """Return the ``_private`` names the core (layers 0-3 and the wiring) defines."""
    names: set[str] = set()
    for name in module_names():
        if layer_of(name) <= 3 or name == "wiring":
            tree = ast.parse(source_of(name).read_text(encoding="utf-8"))
            names |= {found for found in defined_names(tree) if found.startswith("_")}
    # NOTE: ``_get_current_object`` is Flask's documented way to unwrap a proxy, public by
    # convention for extensions (docs/extending.md), in spite of its underscore.
    return {name for name in names if not name.endswith("__")} - {"_get_current_object"}


def private_reads(source: str, core: set[str]) -> Iterator[str]:
    """Yield the ``_private`` names of the core that ``source`` imports or reads."""
    tree = ast.parse(source)
    own = defined_names(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.level or "hipflask" in (node.module or "")):
            for alias in node.names:
                # NOTE: a battery's own private helpers (``from .login import _manager``) are its
                # business; only the core's private names are off limits.
                if alias.name in core:
                    yield f"line {node.lineno}: imports {alias.name}"
        elif isinstance(node, ast.Attribute) and node.attr in core and node.attr not in own:
            yield f"line {node.lineno}: reads .{node.attr}"


BATTERIES = [name for name in module_names() if layer_of(name) == 4]


@pytest.mark.parametrize("name", BATTERIES)
def test_batteries_read_no_private_name_of_the_core(name: str) -> None:
    source = source_of(name).read_text(encoding="utf-8")
    assert list(private_reads(source, core_private_names())) == []


def test_the_private_name_check_sees_imports_and_reads_but_not_own_names() -> None:
    source = (
        "from .ctx import _cv_app\n"
        "app._send_signal('x')\n"
        "response.headers._list.append(1)\n"
        "self._tokens = {}\n"
        "self._tokens.clear()\n"
        "engine._private_of_a_library()\n"
    )
    found = list(private_reads(source, core_private_names()))
    assert found == [
        "line 1: imports _cv_app",
        "line 2: reads ._send_signal",
        "line 3: reads ._list",
    ]


def test_every_core_module_is_in_the_module_map_of_the_design() -> None:
    design = (PACKAGE.parent.parent / "docs" / "design.md").read_text(encoding="utf-8")
    missing = []
    for name in module_names():
        path = source_of(name).relative_to(PACKAGE).as_posix()
        # NOTE: batteries (layer 4) are documented on their own pages.
        if path.endswith("/__init__.py") or name in ("__main__", "_version") or layer_of(name) == 4:
            continue
        if f"`{path}`" not in design:
            missing.append(path)
    assert missing == []
