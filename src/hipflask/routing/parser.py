"""The rule-string grammar: ``/user/<int(signed=True):id>`` split into text and variables.

:class:`~hipflask.routing.map.Rule` parses its string once, when it is created; malformed
syntax and converter arguments that are not literals raise ValueError there.
"""

from __future__ import annotations

from collections import namedtuple
from functools import lru_cache

from ..lazyload import lazy_compile

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, NamedTuple

_VARIABLE_RE = lazy_compile(
    r"<(?:(?P<converter>[a-zA-Z_][a-zA-Z0-9_]*)(?:\((?P<arguments>.*?)\))?:)?"
    r"(?P<name>[a-zA-Z_][a-zA-Z0-9_]*)>"
)
_ARGUMENT_RE = lazy_compile(
    r"""\s*(?:(?P<name>\w+)\s*=\s*)?"""
    r"""(?P<value>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^,"'\s]+)\s*(?:,|\Z)"""
)


if TYPE_CHECKING:

    class _Variable(NamedTuple):
        name: str
        converter: str
        arguments: str | None

else:  # NOTE: the same class without importing typing (see hipflask/__init__.py)
    _Variable = namedtuple("_Variable", "name converter arguments")


def _parse_rule(string: str) -> list[str | _Variable]:
    """Split a rule string into static text and variables, rejecting malformed syntax."""
    parts: list[str | _Variable] = []
    seen: set[str] = set()
    position = 0
    for match in _VARIABLE_RE.finditer(string):
        parts.append(string[position : match.start()])
        name = match["name"]
        if name in seen:
            raise ValueError(f"URL rule {string!r} uses the variable {name!r} twice.")
        seen.add(name)
        parts.append(_Variable(name, match["converter"] or "default", match["arguments"]))
        position = match.end()
    parts.append(string[position:])
    for part in parts:
        if isinstance(part, str) and ("<" in part or ">" in part):
            raise ValueError(
                f"Malformed URL rule {string!r}: unbalanced '<' or '>', or a variable without "
                f"a valid name, in {part!r}. Write variables as <name> or <converter:name>."
            )
    return [part for part in parts if part != ""]


def _parse_arguments(text: str) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """Parse ``1, signed=True, "c d", help`` the way Werkzeug does: literals, or bare names."""
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    text = text.strip()
    position = 0
    while position < len(text):
        match = _ARGUMENT_RE.match(text, position)
        if match is None:
            raise ValueError(f"Cannot parse the converter arguments {text!r}.")
        value = _literal(match["value"])
        if match["name"]:
            kwargs[match["name"]] = value
        elif kwargs:
            raise ValueError(f"Positional converter argument after a keyword in {text!r}.")
        else:
            args.append(value)
        position = match.end()
    return tuple(args), kwargs


def _literal(token: str) -> Any:
    import re

    try:
        import ast  # NOTE: imported on use, to keep `import hipflask` lean

        return ast.literal_eval(token)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        if re.fullmatch(r"[\w.]+", token):
            return token
        raise ValueError(f"Cannot parse the converter argument {token!r}.") from None


@lru_cache(maxsize=256)
def _inner_groups(regex: str) -> int:
    """Count the capturing groups inside a converter regex, refusing named groups.

    A rule's regex addresses its variables by group number, so the count shifts the numbers
    of the variables after it; a named group would clash between two variables.
    """
    import re

    try:
        compiled = re.compile(regex)
    except re.error as exc:
        raise ValueError(f"Invalid converter regex {regex!r}: {exc}.") from None
    if compiled.groupindex:
        raise ValueError(f"Converter regex {regex!r} must not use named groups.")
    return compiled.groups
