"""Rewrite one Python source's Flask imports to hipflask's, keeping every comment and space.

Built on libcst (a concrete syntax tree), so only the import statements and the ``flask.X``
expressions that change are touched. Three cases:

- ``from flask import Flask, request`` becomes ``from hipflask import App as Flask, request``:
  a name spelled differently is imported under the old name, so the code below runs unchanged.
  Names that live in different hipflask modules split the statement; names with no equivalent
  stay imported from the old module and are reported.
- ``import flask`` becomes ``import hipflask`` and each ``flask.X`` use ``hipflask.Y``; the old
  import is kept when a use cannot be ported, so that use still runs.
- ``import flask as fl`` becomes ``import hipflask as fl`` (uses renamed in place), or stays
  whole when one of its uses cannot be expressed through the new module.

Relative imports are never touched; a file that is already ported ports to itself.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from .table import KNOWN_ROOTS, MODULES, Resolver

__all__ = ["PortError", "PortResult", "PortWarning", "port_source"]

_AnyImport = cst.Import | cst.ImportFrom


class PortError(Exception):
    """A source that cannot be ported (it does not parse)."""


@dataclass(frozen=True)
class PortWarning:
    """A name left on Flask because hipflask has no equivalent for it."""

    path: str
    line: int
    name: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.name}: {self.reason}"


@dataclass
class PortResult:
    """The ported source (``code``, in the original ``encoding``) and what was left behind."""

    original: str
    code: str
    encoding: str
    warnings: list[PortWarning] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.code != self.original


def port_source(
    source: str | bytes, path: str = "<string>", resolver: Resolver | None = None
) -> PortResult:
    """Return ``source`` with its Flask imports rewritten to hipflask's.

    Raise :class:`PortError` naming ``path`` and the line when the source does not parse.
    """
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as exc:
        raise PortError(f"{path}:{exc.raw_line}:{exc.raw_column}: {exc.message}") from exc
    except SyntaxError as exc:  # a bad encoding declaration
        raise PortError(f"{path}:{exc.lineno or 1}:0: {exc.msg}") from exc
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        raise PortError(f"{path}:{line}:0: not valid {exc.encoding}: {exc.reason}") from exc
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    warnings: list[PortWarning] = []
    uses = _Uses(path, resolver or Resolver(), warnings)
    wrapper.visit(uses)
    new_module = wrapper.visit(_Rewriter(uses.plan))
    warnings.sort(key=lambda warning: warning.line)
    return PortResult(module.code, new_module.code, module.encoding, warnings)


def dotted(node: cst.BaseExpression) -> str | None:
    """Return ``a.b.c`` for a chain of names and attributes, else None."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted(node.value)
        return None if base is None else f"{base}.{node.attr.value}"
    return None


def build(name: str) -> cst.Name | cst.Attribute:
    """Return the expression for the dotted ``name``."""
    first, *rest = name.split(".")
    node: cst.Name | cst.Attribute = cst.Name(first)
    for part in rest:
        node = cst.Attribute(value=node, attr=cst.Name(part))
    return node


def _longest_mapped(parts: list[str]) -> int:
    """Return how many leading ``parts`` form the longest module in the map (0 for none)."""
    return next((n for n in range(len(parts), 0, -1) if ".".join(parts[:n]) in MODULES), 0)


@dataclass
class _Plan:
    """What the rewriter changes, decided after the whole file was read."""

    resolver: Resolver
    path: str
    warnings: list[PortWarning]
    #: Expression nodes (parts of ``flask.X`` chains) -> their replacement.
    expressions: dict[cst.CSTNode, cst.BaseExpression] = field(default_factory=dict)
    #: Aliased module imports (``import flask as fl``) ported: alias -> new module.
    aliases: dict[str, str] = field(default_factory=dict)
    #: Unaliased roots: modules the rewritten chains need, and roots that must stay bound.
    needed: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    kept: set[str] = field(default_factory=set)
    #: Unaliased roots with an import that does not port (it keeps the root bound).
    stays_bound: set[str] = field(default_factory=set)


class _Warn:
    """Record warnings with the line of a node; each (line, name) once."""

    def __init__(
        self, visitor: cst.MetadataDependent, path: str, warnings: list[PortWarning]
    ) -> None:
        self._visitor = visitor
        self._path = path
        self._warnings = warnings
        self._seen: set[tuple[int, str]] = set()

    def __call__(self, node: cst.CSTNode, name: str, reason: str) -> None:
        line = self._visitor.get_metadata(PositionProvider, node).start.line
        if (line, name) not in self._seen:
            self._seen.add((line, name))
            self._warnings.append(PortWarning(self._path, line, name, reason))


class _Uses(cst.CSTVisitor):
    """Read the module imports of Flask's packages and every ``flask.X`` chain using them."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, path: str, resolver: Resolver, warnings: list[PortWarning]) -> None:
        super().__init__()
        self.resolver = resolver
        self.warn = _Warn(self, path, warnings)
        self.plan = _Plan(resolver, path, warnings)
        self._aliased: dict[str, tuple[str, cst.ImportAlias]] = {}
        self._roots: dict[str, list[tuple[str, cst.ImportAlias]]] = defaultdict(list)
        self._chains: list[tuple[list[cst.BaseExpression], list[str]]] = []
        self._bare: list[cst.Name] = []

    def visit_Import(self, node: cst.Import) -> bool:
        for alias in node.names:
            module = dotted(alias.name) or ""
            root = module.partition(".")[0]
            if root not in KNOWN_ROOTS:
                continue
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self._aliased[alias.asname.name.value] = (module, alias)
            else:
                self._roots[root].append((module, alias))
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        nodes: list[cst.BaseExpression] = []
        parts: list[str] = []
        current: cst.BaseExpression = node
        while isinstance(current, cst.Attribute):
            nodes.append(current)
            parts.append(current.attr.value)
            current = current.value
        if isinstance(current, cst.Name):
            nodes.append(current)
            parts.append(current.value)
            self._chains.append((nodes[::-1], parts[::-1]))
            return False
        # NOTE: only the value can hold a chain; ``.attr`` is a Name that is no variable.
        node.value.visit(self)
        return False

    def visit_Name(self, node: cst.Name) -> None:
        self._bare.append(node)

    def leave_Module(self, original_node: cst.Module) -> None:
        # NOTE: decided here, while the metadata that gives warnings their lines is at hand.
        for alias, (module, node) in self._aliased.items():
            self._plan_alias(alias, module, node)
        for root, imports in self._roots.items():
            self._plan_root(root, imports)

    def _chains_of(self, name: str) -> list[tuple[list[cst.BaseExpression], list[str]]]:
        return [(nodes, parts) for nodes, parts in self._chains if parts[0] == name]

    def _plan_alias(self, alias: str, module: str, node: cst.ImportAlias) -> None:
        new_module = self.resolver.module(module)
        if new_module is None:
            self.warn(node, module, self.resolver.missing(module))
            return
        replacements: dict[cst.CSTNode, cst.BaseExpression] = {}
        ported = True
        for nodes, parts in self._chains_of(alias):
            full = module.split(".") + parts[1:]
            target = self._resolve(full)
            if target is None or not _within(target[0], new_module):
                ported = False
                self._warn_chain(nodes[0], full)
                continue
            new, used = target
            replacements[nodes[used - len(module.split("."))]] = build(
                alias + new[len(new_module) :]
            )
        if ported:
            self.plan.aliases[alias] = new_module
            self.plan.expressions.update(replacements)

    def _plan_root(self, root: str, imports: list[tuple[str, cst.ImportAlias]]) -> None:
        plan = self.plan
        for module, node in imports:
            if self.resolver.module(module) is None:
                plan.stays_bound.add(root)
                self.warn(node, module, self.resolver.missing(module))
        for nodes, parts in self._chains_of(root):
            target = self._resolve(parts)
            if target is None:
                plan.kept.add(root)
                self._warn_chain(nodes[0], parts)
                continue
            new, used = target
            plan.expressions[nodes[used - 1]] = build(new)
            plan.needed[root].append(new if used == _longest_mapped(parts) else _parent(new))
        for name in self._bare:
            if name.value == root:
                plan.kept.add(root)
                self.warn(name, root, "the module itself is used: port this use by hand")

    def _resolve(self, parts: list[str]) -> tuple[str, int] | None:
        """Return the new dotted name for the start of ``parts`` and how many parts it replaces."""
        mapped = _longest_mapped(parts)
        if mapped == 0:
            return None
        old_module = ".".join(parts[:mapped])
        if mapped == len(parts):
            new_module = self.resolver.module(old_module)
            return None if new_module is None else (new_module, mapped)
        target = self.resolver.name(old_module, parts[mapped])
        return None if target is None else (".".join(target), mapped + 1)

    def _warn_chain(self, node: cst.BaseExpression, parts: list[str]) -> None:
        mapped = _longest_mapped(parts) or len(parts) - 1
        old_module = ".".join(parts[:mapped])
        name = ".".join(parts[: mapped + 1])
        self.warn(node, name, self.resolver.missing(old_module))


def _within(name: str, module: str) -> bool:
    return name == module or name.startswith(module + ".")


def _parent(name: str) -> str:
    return name.rpartition(".")[0]


class _Rewriter(cst.CSTTransformer):
    """Apply a :class:`_Plan`: rewrite imports, then the chains that use them."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, plan: _Plan) -> None:
        super().__init__()
        self.plan = plan
        self.warn = _Warn(self, plan.path, plan.warnings)
        self._pending: list[cst.BaseSmallStatement] = []
        self._emitted: set[str] = set()
        self._roots_done: set[str] = set()

    # -- chains
    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        return self.plan.expressions.get(original_node, updated_node)

    # -- statements: extra imports go on lines of their own after the statement
    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement]:
        if not self._pending:
            return updated_node
        extra = [cst.SimpleStatementLine(body=[statement]) for statement in self._pending]
        self._pending = []
        return cst.FlattenSentinel([updated_node, *extra])

    def leave_SimpleStatementSuite(
        self, original_node: cst.SimpleStatementSuite, updated_node: cst.SimpleStatementSuite
    ) -> cst.SimpleStatementSuite:
        if not self._pending:
            return updated_node
        body = [*updated_node.body, *self._pending]
        self._pending = []
        return updated_node.with_changes(body=body)

    # -- import a.b, import a.b as c
    def leave_Import(self, original_node: cst.Import, updated_node: cst.Import) -> cst.Import:
        names = [self._import_alias(alias) for alias in updated_node.names]
        return updated_node.with_changes(names=names)

    def _import_alias(self, alias: cst.ImportAlias) -> cst.ImportAlias:
        module = dotted(alias.name) or ""
        root = module.partition(".")[0]
        if root not in KNOWN_ROOTS:
            return alias
        if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
            new_module = self.plan.aliases.get(alias.asname.name.value)
            return alias if new_module is None else alias.with_changes(name=build(new_module))
        if root in self.plan.kept and not self.plan.needed.get(root):
            return alias  # no use of the old module ports: keep it whole
        new_module = self.plan.resolver.module(module)
        first = root not in self._roots_done
        self._roots_done.add(root)
        if first:
            self._pending.extend(self._root_imports(root, new_module, alias))
        if new_module is None:
            return alias
        self._emitted.add(new_module)
        return alias.with_changes(name=build(new_module))

    def _root_imports(
        self, root: str, new_module: str | None, alias: cst.ImportAlias
    ) -> list[cst.BaseSmallStatement]:
        """Return the imports the first import of ``root`` adds: needed modules, the old one."""
        extra: list[cst.BaseSmallStatement] = []
        skip = {new_module} if new_module else set()
        for module in dict.fromkeys(self.plan.needed.get(root, [])):
            if module not in skip and module not in self._emitted:
                self._emitted.add(module)
                extra.append(cst.Import(names=[cst.ImportAlias(name=build(module))]))
        if new_module and root in self.plan.kept and root not in self.plan.stays_bound:
            extra.append(cst.Import(names=[alias.with_changes(comma=cst.MaybeSentinel.DEFAULT)]))
        return extra

    # -- from a.b import c
    def leave_ImportFrom(
        self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom
    ) -> cst.ImportFrom:
        if updated_node.relative or updated_node.module is None:
            return updated_node
        module = dotted(updated_node.module) or ""
        if module.partition(".")[0] not in KNOWN_ROOTS:
            return updated_node
        if isinstance(updated_node.names, cst.ImportStar):
            return self._star(original_node, updated_node, module)
        groups: dict[str, list[cst.ImportAlias]] = {}
        target_module = module
        for alias in updated_node.names:
            name = dotted(alias.name) or ""
            target = self.plan.resolver.name(module, name)
            if target is None:
                self.warn(original_node, f"{module}.{name}", self.plan.resolver.missing(module))
                target_module = module
            else:
                target_module, alias = target[0], _renamed(alias, target[1])
            groups.setdefault(target_module, []).append(alias)
        if list(groups) == [module]:
            return updated_node
        (first_module, first_names), *rest = groups.items()
        for new_module, aliases in rest:
            self._pending.append(
                cst.ImportFrom(module=build(new_module), names=_commas(aliases, inline=True))
            )
        return _in_place(updated_node, first_module, first_names, target_module == first_module)

    def _star(
        self, original: cst.ImportFrom, updated: cst.ImportFrom, module: str
    ) -> cst.ImportFrom:
        new_module = self.plan.resolver.module(module)
        if new_module is None:
            self.warn(original, f"{module}.*", self.plan.resolver.missing(module))
            return updated
        self.warn(
            original, f"{module}.*", f"now from {new_module}: check names spelled differently"
        )
        return updated.with_changes(module=build(new_module))


def _renamed(alias: cst.ImportAlias, new_name: str) -> cst.ImportAlias:
    """Return ``alias`` importing ``new_name`` under the name the code already uses."""
    old_name = dotted(alias.name) or ""
    if new_name == old_name:
        return alias
    bound = alias.asname.name if alias.asname is not None else cst.Name(old_name)
    if isinstance(bound, cst.Name) and bound.value == new_name:
        return alias.with_changes(name=cst.Name(new_name), asname=None)
    asname = alias.asname or cst.AsName(name=bound)
    return alias.with_changes(name=cst.Name(new_name), asname=asname)


def _in_place(
    node: cst.ImportFrom, module: str, names: list[cst.ImportAlias], same_last: bool
) -> cst.ImportFrom:
    """Return ``node`` importing ``names`` from ``module``, its parentheses closed as before.

    ``same_last`` tells whether the statement still ends with the name it ended with.
    """
    if node.lpar is None or node.rpar is None:
        return node.with_changes(module=build(module), names=_commas(names, inline=True))
    names = _commas(names, inline=False)
    if same_last:
        return node.with_changes(module=build(module), names=names)
    *head, last = names
    comma = last.comma
    if isinstance(comma, cst.Comma) and isinstance(
        comma.whitespace_after, cst.ParenthesizedWhitespace
    ):
        # NOTE: the line break (and comment) after the new last name now closes the parentheses.
        after = comma.whitespace_after.with_changes(last_line=cst.SimpleWhitespace(""))
        return node.with_changes(
            module=build(module),
            names=[*head, last.with_changes(comma=comma.with_changes(whitespace_after=after))],
            rpar=node.rpar.with_changes(whitespace_before=cst.SimpleWhitespace("")),
        )
    last = last.with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return node.with_changes(module=build(module), names=[*head, last])


def _commas(aliases: list[cst.ImportAlias], *, inline: bool) -> list[cst.ImportAlias]:
    """Give every alias but the last a comma; the last keeps its own only inside parentheses."""
    comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    fixed = []
    for index, alias in enumerate(aliases):
        if index == len(aliases) - 1:
            fixed.append(alias.with_changes(comma=cst.MaybeSentinel.DEFAULT) if inline else alias)
        elif inline or not isinstance(alias.comma, cst.Comma):
            fixed.append(alias.with_changes(comma=comma))
        else:
            fixed.append(alias)
    return fixed
