"""URL rules, and the map that matches and builds them.

A :class:`Map` holds :class:`Rule` objects. On the first match after an :meth:`Map.add`, the
map compiles its rules into a :class:`~hipflask.routing.matcher.Matcher` (a dict for static paths, a
segment trie for the rest); the converters are in :mod:`hipflask.routing.converters`, the
rule-string grammar in :mod:`hipflask.routing.parser`, the choice of a rule to build a URL
with and :class:`BuildError` in :mod:`hipflask.routing.building`.
"""

from __future__ import annotations

import _thread
from collections.abc import Callable, Iterable, Iterator, Mapping

from ..exceptions import NotFound
from ..lazyload import lazy_compile, lazy_import
from ..request import UPPER_CASE_METHODS
from .building import BuildError, _build_score, _fits, _query_string
from .converters import (
    _PATH_SAFE,
    _SEGMENT_SAFE,
    DEFAULT_CONVERTERS,
    BaseConverter,
    ValidationError,
    _digits_to_int,
    python_of,
)

# NOTE: re-exported so `from hipflask.routing import IntegerConverter` keeps working.
from .converters import AnyConverter as AnyConverter
from .converters import FloatConverter as FloatConverter
from .converters import IntegerConverter as IntegerConverter
from .converters import NumberConverter as NumberConverter
from .converters import PathConverter as PathConverter
from .converters import UnicodeConverter as UnicodeConverter
from .converters import UUIDConverter as UUIDConverter
from .matcher import Matcher, finish_match
from .parser import _inner_groups, _parse_arguments, _parse_rule, _Variable

TYPE_CHECKING = False
if TYPE_CHECKING:
    import re
    import urllib.parse as _urlparse
    from typing import Any
else:
    _urlparse = lazy_import("urllib.parse")

_PLACEHOLDER_RE = lazy_compile(r"<([a-zA-Z_][a-zA-Z0-9_]*)>")


# -- rules ---------------------------------------------------------------------------------


class Rule:
    """Describe one URL pattern and the endpoint it leads to.

    ``methods`` gains ``HEAD`` when it has ``GET``; None allows every method. ``defaults``
    fills view arguments the URL does not carry and lets several rules share an endpoint.
    ``strict_slashes`` (None: the map's setting) redirects ``/dir`` to the rule ``/dir/``.
    ``subdomain`` (or, for an app with host matching, ``host``) is compared with the site key
    the app passes to :meth:`Map.match`.
    ``redirect_to`` makes matching redirect there, with ``<name>`` filled from the URL.
    """

    _pattern: str
    _regex: re.Pattern[str]
    _converters: dict[str, BaseConverter]
    _variables: tuple[tuple[str, int, Callable[[str], Any] | None], ...]
    #: Return the defaults updated with the converted variables of a match of ``_regex``.
    _convert: Callable[[re.Match[str]], dict[str, Any]]
    _builder: tuple[tuple[str, BaseConverter | None], ...]
    _static_url: str | None
    _sort_key: tuple[tuple[int, ...], ...]

    def __init__(
        self,
        string: str,
        *,
        endpoint: str | None = None,
        methods: Iterable[str] | None = None,
        defaults: Mapping[str, Any] | None = None,
        strict_slashes: bool | None = None,
        subdomain: str | None = None,
        host: str | None = None,
        redirect_to: str | None = None,
    ) -> None:
        if not string.startswith("/"):
            raise ValueError(f"URL rule {string!r} must start with a slash.")
        if isinstance(methods, str):
            raise TypeError(
                f"Methods must be an iterable of strings such as ['GET'], not {methods!r}."
            )
        self.rule = string
        self.endpoint = endpoint
        self.methods: frozenset[str] | None = None
        if methods is not None:
            upper = {method.upper() for method in methods}
            if "GET" in upper:
                upper.add("HEAD")
            self.methods = frozenset(upper)
        self.defaults = dict(defaults) if defaults is not None else None
        self.strict_slashes = strict_slashes
        self.subdomain = subdomain
        self.host = host
        self.redirect_to = redirect_to
        self.map: Map | None = None
        #: Whether ``OPTIONS`` is answered automatically (set by ``App.add_url_rule``).
        self.provide_automatic_options = False
        #: The hook scopes of the endpoint: its blueprints innermost first, then the app
        #: (``None``); set by ``App.add_url_rule``.
        self.scopes: tuple[str | None, ...] = (None,)
        self._parts = _parse_rule(string)
        self.arguments = {part.name for part in self._parts if isinstance(part, _Variable)}
        self._defaults = self.defaults or {}
        self._required = frozenset(self.arguments - self._defaults.keys())
        self._consumes = frozenset(self.arguments | self._defaults.keys())
        # NOTE: one key for both modes: the app passes the request's host name (no port) when
        # it matches hosts, its subdomain when it matches subdomains.
        self._subdomain_key = host.lower() if host else (subdomain or "")

    def bind(self, map: Map) -> None:
        """Attach the rule to ``map``: resolve its converters and compile its pattern.

        A rule belongs to one map; binding it again raises :class:`RuntimeError`.
        """
        if self.map is not None:
            raise RuntimeError(f"URL rule {self.rule!r} is already bound to a map.")
        if self.strict_slashes is None:
            self.strict_slashes = map.strict_slashes
        self._compile(map)
        if self.redirect_to is not None:
            unknown = set(_PLACEHOLDER_RE.findall(self.redirect_to)) - self._consumes
            if unknown:
                raise ValueError(f"redirect_to of {self.rule!r} names unknown values {unknown}.")
        self.map = map

    def _compile(self, map: Map) -> None:
        import re

        pattern: list[str] = []
        builder: list[tuple[str, BaseConverter | None]] = []
        variables: list[tuple[str, int, Callable[[str], Any] | None]] = []
        self._converters = {}
        group = 0
        for part in self._parts:
            if isinstance(part, str):
                pattern.append(re.escape(part))
                builder.append((_urlparse.quote(part, safe=_PATH_SAFE), None))
                continue
            converter = self._make_converter(map, part)
            self._converters[part.name] = converter
            group += 1
            # PERF: skipping the identity to_python of string and path saves ~25 ns per variable.
            variables.append((part.name, group - 1, python_of(converter)))
            pattern.append(f"({converter.regex})")
            group += _inner_groups(converter.regex)
            builder.append((part.name, converter))
        self._pattern = "".join(pattern)
        try:
            self._regex = re.compile(self._pattern, re.DOTALL)
        except re.error as exc:
            raise ValueError(
                f"URL rule {self.rule!r} compiles to an invalid regex: {exc}."
            ) from None
        self._variables = tuple(variables)
        self._convert = _converter_of(self._variables, self._defaults)
        self._builder = tuple(builder)
        self._static_url = None if self.arguments else "".join(text for text, _ in builder)
        self._sort_key = self._priority()

    def _make_converter(self, map: Map, variable: _Variable) -> BaseConverter:
        converter_class = map.converters.get(variable.converter)
        if converter_class is None:
            raise ValueError(
                f"URL rule {self.rule!r} uses the unknown converter {variable.converter!r}; "
                f"register it in url_map.converters first."
            )
        args, kwargs = _parse_arguments(variable.arguments or "")
        try:
            return converter_class(map, *args, **kwargs)
        except TypeError as exc:
            raise ValueError(
                f"Bad arguments for the converter {variable.converter!r} in URL rule "
                f"{self.rule!r}: {exc}."
            ) from None

    def _segments(self) -> list[list[str | _Variable]]:
        """Split the parts at each ``/``; the first segment is the empty text before the first."""
        segments: list[list[str | _Variable]] = [[]]
        for part in self._parts:
            if isinstance(part, str):
                first, *rest = part.split("/")
                segments[-1].append(first)
                segments.extend([piece] for piece in rest)
            else:
                segments[-1].append(part)
        return segments

    def _priority(self) -> tuple[tuple[int, ...], ...]:
        """Return the sort key of a dynamic rule, compared segment by segment like Werkzeug.

        A static segment sorts before one with variables; among those, more static text,
        then more variables, then lighter converters come first. The end of the rule sorts
        after any segment, so ``/<path:p>/edit`` is tried before ``/<path:p>``.
        """
        key: list[tuple[int, ...]] = []
        for segment in self._segments():
            weights = [self._converters[p.name].weight for p in segment if isinstance(p, _Variable)]
            if not weights:
                key.append((0,))
                continue
            static = sum(len(p) for p in segment if isinstance(p, str))
            key.append((1, -static, -len(weights), *weights))
        key.append((2,))
        return tuple(key)

    def _build_path(self, values: Mapping[str, Any]) -> str:
        if self._static_url is not None:
            return self._static_url
        parts = []
        for text, converter in self._builder:
            if converter is None:
                parts.append(text)
            else:
                value = values[text] if text in values else self._defaults[text]
                parts.append(converter.to_url(value))
        path = "".join(parts)
        # SECURITY: "//host/..." is a protocol-relative URL; a path value must never make one.
        return "/%2F" + path[2:] if path.startswith("//") else path

    def _redirect_target(self, values: Mapping[str, Any]) -> str:
        def fill(match: re.Match[str]) -> str:
            name = match[1]
            converter = self._converters.get(name)
            value = values[name]
            return (
                converter.to_url(value)
                if converter
                else _urlparse.quote(str(value), safe=_SEGMENT_SAFE)
            )

        target = _PLACEHOLDER_RE.sub(fill, self.redirect_to or "")
        return target if target.startswith("/") or "://" in target else "/" + target

    def __str__(self) -> str:
        return self.rule

    def __repr__(self) -> str:
        methods = f" ({', '.join(sorted(self.methods))})" if self.methods is not None else ""
        return f"<Rule {self.rule!r}{methods} -> {self.endpoint}>"


def _converter_of(
    variables: tuple[tuple[str, int, Callable[[str], Any] | None], ...],
    defaults: Mapping[str, Any],
) -> Callable[[re.Match[str]], dict[str, Any]]:
    """Write the function that turns a match of a rule into its view arguments.

    For ``/users/<int:user_id>/posts/<slug>`` it reads ``groups = match.groups()``, converts
    ``groups[0]`` with ``int`` (a ValueError becomes :class:`ValidationError`, as in
    :func:`~hipflask.routing.converters._digits_to_int`) and returns
    ``{'user_id': v0, 'slug': v1}``; other converters are called in variable order.
    """
    # PERF: a function written once per rule (as Falcon compiles its router) instead of a loop
    # over the variables and a call per int at each match: the bench's params Map.match
    # 12,580 -> 11,532 instructions (callgrind); with Matcher.candidates' split, the params
    # scenario 52,029 -> 49,838.
    # SECURITY: only repr() of a variable name (an identifier: see _parse_rule) and numbers
    # reach the source; converters are passed in the namespace, never written into it.
    if not variables:
        # NOTE: never called today (a static rule is matched through the static table).
        return lambda match: dict(defaults)
    namespace: dict[str, Any] = {"ValidationError": ValidationError, "defaults": defaults}
    lines = ["def convert(match):", "    groups = match.groups()"]
    items = ["**defaults"] if defaults else []
    for position, (name, index, to_python) in enumerate(variables):
        value, target = f"groups[{index}]", f"v{position}"
        if to_python is _digits_to_int:
            lines += [
                "    try:",
                f"        {target} = int({value})",
                "    except ValueError:",
                f"        raise ValidationError({value}) from None",
            ]
        elif to_python is not None:
            namespace[f"c{position}"] = to_python
            lines.append(f"    {target} = c{position}({value})")
        else:
            lines.append(f"    {target} = {value}")
        items.append(f"{name!r}: {target}")
    lines.append(f"    return {{{', '.join(items)}}}")
    exec(compile("\n".join(lines), "<hipflask rule converter>", "exec"), namespace)
    convert: Callable[[re.Match[str]], dict[str, Any]] = namespace["convert"]
    return convert


class Map:
    """Hold an app's URL rules: match request paths to rules and build URLs for endpoints.

    ``converters`` extends :data:`DEFAULT_CONVERTERS` (``url_map.converters`` can also be
    changed before adding rules that use a new converter). ``strict_slashes`` is the default
    for rules that do not set it.
    """

    def __init__(
        self,
        rules: Iterable[Rule] = (),
        *,
        converters: Mapping[str, type[BaseConverter]] | None = None,
        strict_slashes: bool = True,
    ) -> None:
        self.converters: dict[str, type[BaseConverter]] = dict(DEFAULT_CONVERTERS)
        if converters:
            self.converters.update(converters)
        self.strict_slashes = strict_slashes
        self._rules: list[Rule] = []
        self._by_endpoint: dict[str, list[Rule]] = {}
        self._matcher: Matcher | None = None
        self._lock = _thread.allocate_lock()  # PERF: importing threading costs ~1 ms
        for rule in rules:
            self.add(rule)

    def add(self, rule: Rule) -> None:
        """Bind ``rule`` to this map; the router recompiles at the next match.

        Malformed rules, unknown converters and bad converter arguments raise ValueError here.
        """
        with self._lock:
            rule.bind(self)
            self._rules.append(rule)
            if rule.endpoint is not None:
                self._by_endpoint.setdefault(rule.endpoint, []).append(rule)
            self._matcher = None

    def iter_rules(self, endpoint: str | None = None) -> Iterator[Rule]:
        """Iterate over the rules (of ``endpoint`` only, if given) in registration order."""
        if endpoint is not None:
            return iter(self._by_endpoint.get(endpoint, ()))
        return iter(self._rules)

    def __iter__(self) -> Iterator[Rule]:
        return iter(self._rules)

    def __len__(self) -> int:
        return len(self._rules)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._rules!r})"

    def match(
        self, path: str, method: str = "GET", subdomain: str | None = None
    ) -> tuple[Rule, dict[str, Any]]:
        """Return the rule for the decoded ``path`` and its view arguments (over its defaults).

        Raise :class:`~hipflask.exceptions.NotFound`, :class:`~hipflask.exceptions.
        MethodNotAllowed` (with the methods the path allows), or :class:`~hipflask.exceptions.
        RequestRedirect` with the path to redirect to (a missing trailing slash, or the
        rule's ``redirect_to``). A ``subdomain`` of None ignores the rules' subdomains.
        """
        # PERF: the fast path (a static path, or the first candidate pattern that matches with
        # a rule for the method) stays here rather than in the matcher: the extra call was
        # ~150 of the ~3.9k instructions (callgrind) a static match costs.
        matcher = self._matcher or self._compile()
        # PERF: no upper() call for a standard method (see UPPER_CASE_METHODS).
        method = method if method in UPPER_CASE_METHODS else method.upper()
        slot = matcher.static.get(path)
        if slot is not None:
            for rule in slot.by_method.get(method, slot.any_method):
                if subdomain is None or rule._subdomain_key == subdomain:
                    values = dict(rule._defaults) if rule._defaults else {}
                    # PERF: finish_match inlined for the rules without redirect_to: hello
                    # 51,996 -> 51,652 instructions, params 65,565 -> 65,180.
                    return (
                        (rule, values) if rule.redirect_to is None else finish_match(rule, values)
                    )
        else:
            # PERF: Matcher.candidates' head lookup inline, without its call: params 49,200 ->
            # 48,857 instructions per request (not_found 100,315 -> 99,068 with the simpler
            # candidates). A path without "/" fits no pattern (each starts with "/").
            try:
                found = matcher.by_head.get(path.split("/", 2)[1], matcher.unknown_head)
            except IndexError:
                found = ()
            for candidates in matcher._walk(path) if found is None else found:
                match = candidates.regex.fullmatch(path)
                if match is None:
                    continue
                for rule in candidates.by_method.get(method, candidates.any_method):
                    if subdomain is None or rule._subdomain_key == subdomain:
                        try:
                            values = rule._convert(match)
                        except ValidationError:
                            break
                        # PERF: finish_match inlined for the rules without redirect_to.
                        return (
                            (rule, values)
                            if rule.redirect_to is None
                            else finish_match(rule, values)
                        )
                break
            else:
                # PERF: a plain 404 (no rule, no slash redirect) skips the slow search. found is
                # () when no pattern starts with the path's first segment, nor then with that of
                # path + "/" (the same segment; a path without "/" fits no rule wanting a slash
                # either way), so the slash search is skipped too, unless a path ending in "/"
                # may match a rule without strict slashes: not_found 78,891 -> 72,529
                # instructions per request (callgrind).
                if (found == () and not path.endswith("/")) or not matcher.may_redirect(path):
                    raise NotFound()
        return matcher.match_slowly(path, method, subdomain)

    def allowed_methods(self, path: str, subdomain: str | None = None) -> set[str]:
        """Return the methods allowed by the rules matching ``path`` (for OPTIONS and Allow).

        Rules that allow every method (``methods=None``) add nothing to the set.
        """
        return (self._matcher or self._compile()).allowed_methods(path, subdomain)

    def is_endpoint_expecting(self, endpoint: str, *arguments: str) -> bool:
        """Tell whether a rule of ``endpoint`` takes every one of ``arguments``.

        A rule takes its URL variables and the keys of its defaults, as in Werkzeug. Used by
        ``url_defaults`` functions to add a value (a language code) only where it fits. An
        unknown endpoint expects nothing (Werkzeug raises KeyError), so ``url_for`` can still
        report it with a :class:`BuildError`.
        """
        wanted = set(arguments)
        return any(wanted <= rule._consumes for rule in self._by_endpoint.get(endpoint, ()))

    def _compile(self) -> Matcher:
        with self._lock:
            if self._matcher is None:
                self._matcher = Matcher(self._rules)
            return self._matcher

    # -- building --------------------------------------------------------------------------

    def build(
        self,
        endpoint: str,
        values: Mapping[str, Any] | None = None,
        method: str | None = None,
        *,
        append_unknown: bool = True,
    ) -> str:
        """Return the percent-encoded path for ``endpoint``, with leftover values as a query.

        A rule fits when ``values`` or its defaults supply every variable, every given value
        for one of its defaults equals that default, and it allows ``method``. Among fitting
        rules, the one using the most given values wins. None values are dropped; lists and
        tuples repeat their key in the query. Raise :class:`BuildError` when no rule fits.
        """
        given = {key: value for key, value in values.items() if value is not None} if values else {}
        if method is not None:
            method = method.upper()
        fitting = [
            rule for rule in self._by_endpoint.get(endpoint, ()) if _fits(rule, given, method)
        ]
        if len(fitting) > 1:
            fitting.sort(key=lambda rule: _build_score(rule, given), reverse=True)
        for rule in fitting:
            try:
                path = rule._build_path(given)
            except ValidationError:
                continue
            if append_unknown and not rule._consumes.issuperset(given):
                return f"{path}?{_query_string(given, rule._consumes)}"
            return path
        raise BuildError(endpoint, values, method, self)
