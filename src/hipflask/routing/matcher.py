"""Match request paths against a map's compiled rules: a dict for static paths, a trie for the rest.

A :class:`Matcher` is built from a map's rules at the first match after a change. Rules without
variables go into a dict keyed by path. Every other rule goes into a trie of path segments: a
static segment is a dict key, a segment holding variables is the node's one wildcard child, and
a segment whose converter may match ``/`` (``path``) stops the descent, leaving the rule to
wait at that node for any longer path. Walking a request path down the trie collects the few
rules whose shape fits it; their own regexes, tried in priority order, decide. So a match costs
a step per path segment and a regex match or two, however many rules the map holds.

Rules with identical patterns share one entry and are told apart by a method table. Scans
happen only on the rare paths: a converter refusing a value, a method that does not fit, a
missing trailing slash, a 404 or a 405.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from operator import attrgetter

from ..exceptions import MethodNotAllowed, NotFound, RequestRedirect
from ..lazyload import lazy_compile
from .converters import _PATH_SAFE, ValidationError

TYPE_CHECKING = False
if TYPE_CHECKING:
    import re
    from typing import Any

    from .converters import BaseConverter
    from .map import Rule

# NOTE: \d, \w and \s never match "/"; \b, \B, \A and \Z match no character at all.
_SLASH_FREE_ESCAPES = frozenset("dwsbBAZ")
_SLASH_FREE_CLASS_ESCAPES = frozenset("dws")


@lru_cache(maxsize=256)
def _may_match_slash(regex: str) -> bool:
    """Tell whether ``regex`` could match text holding a ``/``, erring towards yes.

    Converters declare ``part_isolating``, but its default (no ``/`` in the regex) is wrong for
    ``.*``, and the rule regexes never relied on it. A wrong no would hide a rule that matches;
    a wrong yes only costs a regex match, so whatever this scan does not understand is a yes.
    """
    position = 0
    while position < len(regex):
        char = regex[position]
        if char == "[":
            negated = regex.startswith("^", position + 1)
            members, position = _class_members(regex, position + 1 + negated)
            if _class_may_match_slash(members, negated):
                return True
            continue
        if char == "\\":
            escaped = regex[position + 1 : position + 2]
            if escaped == "/" or (escaped.isalnum() and escaped not in _SLASH_FREE_ESCAPES):
                return True
            position += 2
            continue
        if char in "./":
            return True
        position += 1
    return False


def _class_members(regex: str, position: int) -> tuple[list[tuple[bool, str]], int]:
    """Read a character class from ``position`` (after ``[`` or ``[^``) to its ``]``.

    Return its members as ``(escaped, character)`` pairs, and the position after the ``]``.
    A ``]`` first in the class is a member, as in :mod:`re`.
    """
    members: list[tuple[bool, str]] = []
    start = position
    while position < len(regex) and (regex[position] != "]" or position == start):
        if regex[position] == "\\":
            members.append((True, regex[position + 1 : position + 2]))
            position += 2
        else:
            members.append((False, regex[position]))
            position += 1
    return members, position + 1


def _class_may_match_slash(members: list[tuple[bool, str]], negated: bool) -> bool:
    if negated:
        # A "/" anywhere in a negated class (member, escaped or range end) excludes it.
        return all(char != "/" for _, char in members)
    return any(_member_may_match_slash(members, index) for index in range(len(members)))


def _member_may_match_slash(members: list[tuple[bool, str]], index: int) -> bool:
    """Tell whether a member of a class, or a range it is the ``-`` of, may match ``/``.

    Every ``-`` between two members is read as a range: a superset of what :mod:`re` reads.
    """
    escaped, char = members[index]
    if escaped:
        return char == "/" or (char.isalnum() and char not in _SLASH_FREE_CLASS_ESCAPES)
    if char == "-" and 0 < index < len(members) - 1:
        (low_escaped, low), (high_escaped, high) = members[index - 1], members[index + 1]
        if (low_escaped and low.isalnum()) or (high_escaped and high.isalnum()):
            return True
        return ord(low) <= ord("/") <= ord(high)
    return char == "/"


def _spans_segments(converter: BaseConverter) -> bool:
    return not converter.part_isolating or _may_match_slash(converter.regex)


_NEVER = lazy_compile("(?!)")


class _Candidates:
    """Hold the rules sharing one static path or one compiled pattern, with their method table.

    ``slashed`` (static paths only) holds the rules that match this path plus a trailing slash.
    ``index`` (patterns only) is the priority of the pattern among all the map's patterns.
    """

    __slots__ = ("any_method", "by_method", "index", "regex", "rules", "slashed", "wants_slash")

    def __init__(
        self,
        rules: list[Rule],
        slashed: Iterable[Rule] = (),
        regex: re.Pattern[str] | None = None,
        index: int = 0,
    ) -> None:
        self.rules = tuple(rules)
        self.slashed = tuple(slashed)
        self.regex = _NEVER if regex is None else regex
        self.index = index
        self.wants_slash = rules[0].rule.endswith("/") if rules else False
        self.any_method = tuple(rule for rule in rules if rule.methods is None)
        methods: set[str] = set().union(*(rule.methods or () for rule in rules))
        self.by_method = {
            method: tuple(rule for rule in rules if rule.methods is None or method in rule.methods)
            for method in methods
        }


class _Node:
    """One point of the trie: the path segments seen so far fit every rule below it.

    ``ends`` are the patterns whose last segment led here; ``rest`` those that match any
    remaining path from here, because a converter of their next segment may match ``/``.
    ``single`` holds the one pattern below this node, if there is just one (see :meth:`seal`).
    """

    __slots__ = ("ends", "rest", "single", "static", "wildcard")

    def __init__(self) -> None:
        self.static: dict[str, _Node] = {}
        self.wildcard: _Node | None = None
        self.ends: list[_Candidates] = []
        self.rest: list[_Candidates] = []
        self.single: tuple[_Candidates] | None = None

    def insert(self, candidates: _Candidates) -> None:
        """Add the pattern of ``candidates`` below this node (the root: the leading slash)."""
        rule = candidates.rules[0]
        node = self
        for segment in rule._segments()[1:]:
            converters = [rule._converters[p.name] for p in segment if not isinstance(p, str)]
            if not converters:
                text = "".join(p for p in segment if isinstance(p, str))
                node = node.static.setdefault(text, _Node())
            elif any(_spans_segments(converter) for converter in converters):
                node.rest.append(candidates)
                return
            else:
                node.wildcard = node.wildcard or _Node()
                node = node.wildcard
        node.ends.append(candidates)

    def seal(self) -> list[_Candidates]:
        """Set ``single`` on every node with one pattern below it; return the patterns below.

        The walk stops at such a node: the pattern's own regex is the cheaper test of the rest.
        """
        below = [*self.ends, *self.rest]
        children = [*self.static.values(), *([self.wildcard] if self.wildcard else [])]
        for child in children:
            below.extend(child.seal())
        self.single = (below[0],) if len(below) == 1 else None
        return below


_BY_PRIORITY = attrgetter("index")


def _serves(rule: Rule, subdomain: str | None) -> bool:
    return subdomain is None or rule._subdomain_key == subdomain


def finish_match(rule: Rule, values: dict[str, Any]) -> tuple[Rule, dict[str, Any]]:
    """Return the match, or raise the redirect of a rule with ``redirect_to``."""
    if rule.redirect_to is not None:
        raise RequestRedirect(rule._redirect_target(values))
    return rule, values


def _location(path: str) -> str:
    """Percent-encode a decoded request path for a ``Location`` header."""
    import urllib.parse

    try:
        raw = path.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        raw = path.encode("utf-8", "surrogatepass")
    location = urllib.parse.quote(raw, safe=_PATH_SAFE)
    # SECURITY: "//evil.example" in Location is protocol-relative: an open redirect.
    return "/%2F" + location[2:] if location.startswith("//") else location


class Matcher:
    """Compile a map's rules into matching tables; find candidates, and search slowly.

    ``static`` maps each static path to its rules; ``alternatives`` lists the dynamic
    patterns in priority order (rules with identical patterns share one). The fast path
    over these tables is :meth:`hipflask.routing.Map.match`.
    """

    __slots__ = ("_root", "alternatives", "by_head", "loose", "static", "unknown_head")

    def __init__(self, rules: list[Rule]) -> None:
        exact: dict[str, list[Rule]] = {}
        slashed: dict[str, list[Rule]] = {}
        patterns: dict[str, list[Rule]] = {}
        for rule in rules:
            if rule.arguments:
                patterns.setdefault(rule._pattern, []).append(rule)
                continue
            exact.setdefault(rule.rule, []).append(rule)
            if rule.rule.endswith("/"):
                slashed.setdefault(rule.rule[:-1], []).append(rule)
        self.static = {
            path: _Candidates(exact.get(path, []), slashed.get(path, ()))
            for path in exact.keys() | slashed.keys()
        }
        ordered = sorted(patterns.values(), key=lambda group: group[0]._sort_key)
        self.alternatives = [
            _Candidates(group, regex=group[0]._regex, index=index)
            for index, group in enumerate(ordered)
        ]
        self._root = _Node()
        for candidates in self.alternatives:
            self._root.insert(candidates)
        self._root.seal()
        root = self._root
        heads = root.static if root.wildcard is None and not root.rest else {}
        #: The patterns to try for a path's first segment, when no rule starts with a variable:
        #: the one pattern below that segment, or None when several are (the walk picks).
        self.by_head: dict[str, tuple[_Candidates] | None] = {
            head: node.single for head, node in heads.items()
        }
        #: What a first segment missing from ``by_head`` finds: nothing when the table lists
        #: every pattern's first segment, else None (the walk decides).
        self.unknown_head: tuple[()] | None = () if heads and root.single is None else None
        self.loose = any(not r.strict_slashes and not r.rule.endswith("/") for r in rules)

    def allowed_methods(self, path: str, subdomain: str | None) -> set[str]:
        """Return the methods allowed by the rules matching ``path``."""
        allowed: set[str] = set()
        for rule, _, exact in self._matches(path, subdomain):
            if exact and rule.methods is not None:
                allowed |= rule.methods
        return allowed

    def candidates(self, path: str) -> Sequence[_Candidates]:
        """Return the patterns whose shape fits ``path``, in priority order.

        Each segment of the path leads every node reached so far to its static child of that
        name and to its wildcard child. Patterns waiting at a node for any longer path join as
        it is passed; those ending where the last segment leads join at the end. A node with
        a single pattern below it gives that pattern and stops: its regex tests the rest.
        """
        # PERF: when no rule starts with a variable, one dict lookup of the first segment finds
        # its single pattern, or no pattern, without the walk: a whole Map.match of the bench's
        # params path costs 15.0k instructions (callgrind) instead of 21.2k, a plain 404 (two
        # calls, its own and may_redirect's) 116,116 -> 108,936. Map.match repeats these lines.
        # NOTE: a path not starting with "/" may find one here; its regex will refuse it.
        # PERF: split (an argument-clinic method) rather than find (old-style argument parsing)
        # and a slice: the params Map.match 11,532 -> 10,858 instructions (callgrind), a plain
        # 404 (two calls) 108,030 -> 103,456.
        try:
            found = self.by_head.get(path.split("/", 2)[1], self.unknown_head)
        except IndexError:  # NOTE: no "/" at all: no pattern (each starts with "/") fits
            return ()
        return self._walk(path) if found is None else found

    def _walk(self, path: str) -> list[_Candidates]:
        found: list[_Candidates] = []
        nodes = [self._root]
        for segment in path.split("/")[1:]:
            reached = []
            for node in nodes:
                if node.single is not None:
                    found.extend(node.single)
                    continue
                if node.rest:
                    found.extend(node.rest)
                child = node.static.get(segment)
                if child is not None:
                    reached.append(child)
                if node.wildcard is not None:
                    reached.append(node.wildcard)
            nodes = reached
            if not nodes:
                break
        else:
            for node in nodes:
                found.extend(node.ends)
        if len(found) > 1:
            found.sort(key=_BY_PRIORITY)
        return found

    def may_redirect(self, path: str) -> bool:
        """Tell whether a path no rule matched could still match with its slash changed."""
        if path.endswith("/"):
            return self.loose
        slashed = path + "/"
        return any(
            candidates.wants_slash and candidates.regex.fullmatch(slashed)
            for candidates in self.candidates(slashed)
        )

    def match_slowly(
        self, path: str, method: str, subdomain: str | None
    ) -> tuple[Rule, dict[str, Any]]:
        allowed: set[str] = set()
        for rule, values, exact in self._matches(path, subdomain):
            if rule.methods is not None and method not in rule.methods:
                if exact:
                    allowed |= rule.methods
                continue
            if not exact and rule.strict_slashes:
                raise RequestRedirect(_location(path + "/"))
            return finish_match(rule, values)
        if allowed:
            raise MethodNotAllowed(valid_methods=sorted(allowed))
        raise NotFound()

    def _matches(
        self, path: str, subdomain: str | None
    ) -> Iterator[tuple[Rule, dict[str, Any], bool]]:
        """Yield ``(rule, values, exact)`` for every rule matching ``path``, best first.

        The order follows Werkzeug: static rules, static rules wanting a trailing slash the
        path lacks, dynamic rules, dynamic rules wanting the slash, then rules without
        strict slashes that match once the path's trailing slash is removed.
        """
        slot = self.static.get(path)
        if slot is not None:
            for rule in slot.rules:
                if _serves(rule, subdomain):
                    yield rule, dict(rule._defaults), True
            for rule in slot.slashed:
                if _serves(rule, subdomain):
                    yield rule, dict(rule._defaults), False
        for rule, values in self._dynamic_matches(path, subdomain):
            yield rule, values, True
        if not path.endswith("/"):
            for rule, values in self._dynamic_matches(path + "/", subdomain):
                if rule.rule.endswith("/"):
                    yield rule, values, False
        elif self.loose and len(path) > 1:
            yield from self._loose_matches(path[:-1], subdomain)

    def _loose_matches(
        self, path: str, subdomain: str | None
    ) -> Iterator[tuple[Rule, dict[str, Any], bool]]:
        slot = self.static.get(path)
        static = [(rule, dict(rule._defaults)) for rule in slot.rules] if slot else []
        for rule, values in [*static, *self._dynamic_matches(path, subdomain)]:
            if not rule.strict_slashes and not rule.rule.endswith("/") and _serves(rule, subdomain):
                yield rule, values, False

    def _dynamic_matches(
        self, path: str, subdomain: str | None
    ) -> Iterator[tuple[Rule, dict[str, Any]]]:
        """Yield the dynamic rules matching ``path`` in priority order."""
        for candidates in self.candidates(path):
            match = candidates.regex.fullmatch(path)
            if match is None:
                continue
            for rule in candidates.rules:
                if not _serves(rule, subdomain):
                    continue
                try:
                    values = rule._convert(match)
                except ValidationError:
                    continue
                yield rule, values
